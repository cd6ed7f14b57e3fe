/* tests/test_parse_html_tok_html5lib.c: parse/html_tok.c against the html5lib tokenizer tests.
 *
 * The test files are read from ../shared/testdata/html5lib-tokenizer/ beside the project's
 * root (see that folder's SOURCES.md); they are not copied into the project. Each cmocka case
 * runs one file: every test once per initial state, the tokenizer in its all mode (text,
 * comments and doctypes as tokens too), and the tokens turned into html5lib's form (names
 * lower-cased, NUL and CR as the spec says for each state, references decoded where the
 * state decodes them, the first of duplicate attributes kept, adjacent characters
 * coalesced) and compared, as canonical JSON, with the expected output. Parse errors are
 * not compared. A case that fails must be listed in skips[] with its reason; a listed case
 * that passes fails too, so the list stays true. Each case prints its counts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JSMN_STATIC
#define JSMN_STRICT
#include <jsmn.h>

#include "core/ascii.h"
#include "core/buf.h"
#include "core/mem.h"
#include "parse/html_int.h"
#include "tests/support/corotest.h"

#define DATA_DIR TRAWL_SOURCE_DIR "/../shared/testdata/html5lib-tokenizer/"
#define MAX_SHOWN 10 /* failures described in full per file */

/* The initial states the tests name, and how each maps onto the tokenizer. */
enum state { S_DATA, S_PLAINTEXT, S_RCDATA, S_RAWTEXT, S_SCRIPT, S_CDATA };

static const char *const state_names[] = {
    "Data state", "PLAINTEXT state", "RCDATA state", "RAWTEXT state", "Script data state",
    "CDATA section state",
};

/* The cases parse/html_tok.c does not pass, and why. state NULL: every state of the test. */
struct skip {
    const char *file, *description, *state, *reason;
};

/* html5lib-tests' tokenizer/README.md: xmlViolation.test's expected output assumes the
 * tweaks of the spec's "Coercing an HTML DOM into an infoset", which are no part of the
 * tokenizer (it emits U+FFFF, U+000C and "--" in comments as they are). */
#define XML_COERCION "expects the XML-infoset coercion, not tokenizer output"

/* The HTML Standard makes a NUL where an attribute name starts that name's first character
 * (U+FFFD); gumbo 0.10.1, the tree builder the scanner is held to (test_parse_html_diff,
 * fuzz_html_diff), drops it, so `<a \0href=x>` has an href there. trawl reads links as gumbo
 * does, so that the two paths can never disagree on what a page links to. */
#define GUMBO_NUL_ATTR "a NUL before an attribute name is dropped, as gumbo 0.10.1 does"

static const struct skip skips[] = {
    {"test3.test", "<a \\u0000>", "Data state", GUMBO_NUL_ATTR},
    {"test3.test", "<a a \\u0000>", "Data state", GUMBO_NUL_ATTR},
    {"test3.test", "<a a=''\\u0000>", "Data state", GUMBO_NUL_ATTR},
    {"test3.test", "<a/\\u0000>", "Data state", GUMBO_NUL_ATTR},
    {"xmlViolation.test", "Non-XML character", NULL, XML_COERCION},
    {"xmlViolation.test", "Non-XML space", NULL, XML_COERCION},
    {"xmlViolation.test", "Double hyphen in comment", NULL, XML_COERCION},
};

#define NSKIPS (sizeof(skips) / sizeof(skips[0]))

/* --- JSON strings --- */

/* Code point cp as UTF-8; a lone surrogate as its three-byte form (WTF-8), which the
 * byte-oriented tokenizer passes through like any other character. */
static void put_cp(struct core_buf *b, unsigned cp)
{
    char u[4];
    size_t n;

    if (cp < 0x80) {
        u[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xC0 | cp >> 6);
        u[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xE0 | cp >> 12);
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        u[0] = (char)(0xF0 | cp >> 18);
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    assert_int_equal(core_buf_append(b, u, n), 0);
}

/* The code unit of "\uXXXX" at s[i], or -1 when there is none. */
static int u_escape(const char *s, size_t len, size_t i)
{
    int v = 0, k, h;

    if (len - i < 6 || s[i] != '\\' || s[i + 1] != 'u')
        return -1;
    for (k = 2; k < 6; k++) {
        h = core_ascii_hex_value(s[i + (size_t)k]);
        if (h < 0)
            return -1;
        v = v * 16 + h;
    }
    return v;
}

/* "\uXXXX" at s[*i] (known to be one), joined with a low surrogate's escape after a high
 * one, into b. */
static void put_u_escape(const char *s, size_t len, size_t *i, struct core_buf *b)
{
    unsigned cp = (unsigned)u_escape(s, len, *i);
    int lo;

    *i += 6;
    if (cp >= 0xD800 && cp <= 0xDBFF && (lo = u_escape(s, len, *i)) >= 0xDC00 && lo <= 0xDFFF) {
        cp = 0x10000 + ((cp - 0xD800) << 10) + ((unsigned)lo - 0xDC00);
        *i += 6;
    }
    put_cp(b, cp);
}

/* The JSON string body s[0..len) into b (reset first). With double_escaped, the "\uXXXX"
 * left in the decoded text are decoded a second time, as html5lib's doubleEscaped asks. */
static void json_string(const char *s, size_t len, bool double_escaped, struct core_buf *b)
{
    struct core_buf once;
    size_t i = 0;

    core_buf_reset(b);
    assert_int_equal(core_buf_append(b, "", 0), 0);
    while (i < len) {
        if (s[i] != '\\') {
            assert_int_equal(core_buf_putc(b, s[i++]), 0);
            continue;
        }
        assert_true(i + 1 < len);
        switch (s[i + 1]) {
        case 'u':
            assert_true(u_escape(s, len, i) >= 0);
            put_u_escape(s, len, &i, b);
            continue;
        case 'b': assert_int_equal(core_buf_putc(b, '\b'), 0); break;
        case 'f': assert_int_equal(core_buf_putc(b, '\f'), 0); break;
        case 'n': assert_int_equal(core_buf_putc(b, '\n'), 0); break;
        case 'r': assert_int_equal(core_buf_putc(b, '\r'), 0); break;
        case 't': assert_int_equal(core_buf_putc(b, '\t'), 0); break;
        default: assert_int_equal(core_buf_putc(b, s[i + 1]), 0); break; /* " \ / */
        }
        i += 2;
    }
    if (!double_escaped)
        return;
    once = *b;
    core_buf_init(b, once.max);
    assert_int_equal(core_buf_append(b, "", 0), 0);
    for (i = 0; i < once.len;) {
        if (u_escape(once.data, once.len, i) >= 0)
            put_u_escape(once.data, once.len, &i, b);
        else
            assert_int_equal(core_buf_putc(b, once.data[i++]), 0);
    }
    core_buf_free(&once);
}

/* --- the JSON document --- */

struct doc {
    const char *file;
    char *text;
    jsmntok_t *t;
    int n;
};

/* The token after token i and everything inside it. */
static int json_skip(const jsmntok_t *t, int i)
{
    int j = i + 1, k;

    for (k = 0; k < t[i].size; k++)
        j = json_skip(t, j);
    return j;
}

static bool json_is(const struct doc *d, int i, const char *s)
{
    const size_t n = (size_t)(d->t[i].end - d->t[i].start);

    return d->t[i].type == JSMN_STRING && strlen(s) == n &&
           memcmp(d->text + d->t[i].start, s, n) == 0;
}

/* The value of key in object token obj, or -1. */
static int json_get(const struct doc *d, int obj, const char *key)
{
    int j = obj + 1, k;

    assert_int_equal(d->t[obj].type, JSMN_OBJECT);
    for (k = 0; k < d->t[obj].size; k++) {
        if (json_is(d, j, key))
            return j + 1;
        j = json_skip(d->t, j);
    }
    return -1;
}

static void json_str(const struct doc *d, int i, bool double_escaped, struct core_buf *b)
{
    assert_int_equal(d->t[i].type, JSMN_STRING);
    json_string(d->text + d->t[i].start, (size_t)(d->t[i].end - d->t[i].start), double_escaped, b);
}

static bool json_true(const struct doc *d, int i)
{
    return i >= 0 && d->t[i].type == JSMN_PRIMITIVE && d->text[d->t[i].start] == 't';
}

static bool json_null(const struct doc *d, int i)
{
    return d->t[i].type == JSMN_PRIMITIVE && d->text[d->t[i].start] == 'n';
}

static void doc_load(struct doc *d, const char *file)
{
    char path[512];
    jsmn_parser p;
    FILE *f;
    long size;

    snprintf(path, sizeof(path), "%s%s", DATA_DIR, file);
    f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s: the html5lib tokenizer tests belong in ../shared/testdata/"
                 "html5lib-tokenizer/ beside the project's root (see SOURCES.md there)", path);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    size = ftell(f);
    assert_true(size > 0);
    rewind(f);
    d->file = file;
    d->text = core_malloc((size_t)size + 1);
    assert_non_null(d->text);
    assert_int_equal(fread(d->text, 1, (size_t)size, f), (size_t)size);
    d->text[size] = '\0';
    fclose(f);
    jsmn_init(&p);
    d->n = jsmn_parse(&p, d->text, (size_t)size, NULL, 0);
    assert_true(d->n > 0);
    d->t = core_calloc((size_t)d->n, sizeof(*d->t));
    assert_non_null(d->t);
    jsmn_init(&p);
    assert_int_equal(jsmn_parse(&p, d->text, (size_t)size, d->t, (unsigned)d->n), d->n);
}

static void doc_free(struct doc *d)
{
    core_free(d->t);
    core_free(d->text);
}

/* --- tokens as canonical JSON: [["Character","ab"],["StartTag","a",{"b":"c"},true]] --- */

struct attr {
    char *name, *value;
};

struct ser {
    struct core_buf out;
    struct core_buf chars; /* pending Character data, coalesced */
    bool any;              /* a token has been written */
};

static void ser_init(struct ser *w)
{
    core_buf_init(&w->out, 64u << 20);
    core_buf_init(&w->chars, 64u << 20);
    assert_int_equal(core_buf_puts(&w->out, "["), 0);
    w->any = false;
}

static void ser_free(struct ser *w)
{
    core_buf_free(&w->out);
    core_buf_free(&w->chars);
}

/* A JSON string, with what is invisible escaped so that failures read well. */
static void ser_quote(struct core_buf *b, const char *s, size_t n)
{
    size_t i;

    assert_int_equal(core_buf_putc(b, '"'), 0);
    for (i = 0; i < n; i++) {
        const unsigned char c = (unsigned char)s[i];

        if (c == '"' || c == '\\')
            assert_int_equal(core_buf_printf(b, "\\%c", c), 0);
        else if (c < 0x20 || c == 0x7F)
            assert_int_equal(core_buf_printf(b, "\\u%04X", c), 0);
        else
            assert_int_equal(core_buf_putc(b, (char)c), 0);
    }
    assert_int_equal(core_buf_putc(b, '"'), 0);
}

static void ser_flush(struct ser *w)
{
    if (w->chars.len == 0)
        return;
    assert_int_equal(core_buf_puts(&w->out, w->any ? ",[\"Character\"," : "[\"Character\","), 0);
    ser_quote(&w->out, w->chars.data, w->chars.len);
    assert_int_equal(core_buf_putc(&w->out, ']'), 0);
    core_buf_reset(&w->chars);
    w->any = true;
}

static void ser_chars(struct ser *w, const char *s, size_t n)
{
    assert_int_equal(core_buf_append(&w->chars, s, n), 0);
}

static void ser_begin(struct ser *w, const char *type)
{
    ser_flush(w);
    assert_int_equal(core_buf_printf(&w->out, "%s[\"%s\"", w->any ? "," : "", type), 0);
    w->any = true;
}

static void ser_str(struct ser *w, const char *s, size_t n)
{
    assert_int_equal(core_buf_putc(&w->out, ','), 0);
    if (s)
        ser_quote(&w->out, s, n);
    else
        assert_int_equal(core_buf_puts(&w->out, "null"), 0);
}

static int attr_cmp(const void *a, const void *b)
{
    return strcmp(((const struct attr *)a)->name, ((const struct attr *)b)->name);
}

/* Attributes in name order (html5lib compares them as a dictionary); frees them. */
static void ser_attrs(struct ser *w, struct attr *a, size_t n)
{
    size_t i;

    qsort(a, n, sizeof(*a), attr_cmp);
    assert_int_equal(core_buf_puts(&w->out, ",{"), 0);
    for (i = 0; i < n; i++) {
        if (i > 0)
            assert_int_equal(core_buf_putc(&w->out, ','), 0);
        ser_quote(&w->out, a[i].name, strlen(a[i].name));
        assert_int_equal(core_buf_putc(&w->out, ':'), 0);
        ser_quote(&w->out, a[i].value, strlen(a[i].value));
        core_free(a[i].name);
        core_free(a[i].value);
    }
    assert_int_equal(core_buf_putc(&w->out, '}'), 0);
}

static void ser_end(struct ser *w)
{
    assert_int_equal(core_buf_putc(&w->out, ']'), 0);
}

static const char *ser_done(struct ser *w)
{
    ser_flush(w);
    assert_int_equal(core_buf_putc(&w->out, ']'), 0);
    return w->out.data;
}

/* --- the expected tokens --- */

static char *steal(struct core_buf *b)
{
    char *s = core_buf_steal(b);

    assert_non_null(s);
    return s;
}

static void expected(const struct doc *d, int out, bool dbl, struct ser *w)
{
    struct core_buf b;
    int i = out + 1, k, j;

    core_buf_init(&b, 64u << 20);
    assert_int_equal(d->t[out].type, JSMN_ARRAY);
    for (k = 0; k < d->t[out].size; k++, i = json_skip(d->t, i)) {
        const int n = d->t[i].size;

        assert_int_equal(d->t[i].type, JSMN_ARRAY);
        json_str(d, i + 1, false, &b);
        if (strcmp(b.data, "Character") == 0) {
            json_str(d, i + 2, dbl, &b);
            ser_chars(w, b.data, b.len);
        } else if (strcmp(b.data, "StartTag") == 0) {
            const int obj = i + 3;
            struct attr *a = core_calloc((size_t)d->t[obj].size + 1, sizeof(*a));
            size_t m;

            ser_begin(w, "StartTag");
            json_str(d, i + 2, dbl, &b);
            ser_str(w, b.data, b.len);
            for (m = 0, j = obj + 1; m < (size_t)d->t[obj].size; m++, j += 2) {
                json_str(d, j, dbl, &b);
                a[m].name = steal(&b);
                json_str(d, j + 1, dbl, &b);
                a[m].value = steal(&b);
            }
            ser_attrs(w, a, m);
            core_free(a);
            if (n > 3 && json_true(d, json_skip(d->t, obj)))
                assert_int_equal(core_buf_puts(&w->out, ",true"), 0);
            ser_end(w);
        } else if (strcmp(b.data, "EndTag") == 0 || strcmp(b.data, "Comment") == 0) {
            ser_begin(w, b.data);
            json_str(d, i + 2, dbl, &b);
            ser_str(w, b.data, b.len);
            ser_end(w);
        } else if (strcmp(b.data, "DOCTYPE") == 0) {
            ser_begin(w, "DOCTYPE");
            for (j = i + 2; j < i + 5; j++) {
                if (json_null(d, j)) {
                    ser_str(w, NULL, 0);
                } else {
                    json_str(d, j, dbl, &b);
                    ser_str(w, b.data, b.len);
                }
            }
            assert_int_equal(core_buf_puts(&w->out, json_true(d, i + 5) ? ",true" : ",false"), 0);
            ser_end(w);
        } else {
            fail_msg("%s: unknown token type %s", d->file, b.data);
        }
    }
    core_buf_free(&b);
}

/* --- the tokenizer's tokens --- */

/* s[0..n) read as text of the given kind into b (reset first), lower-cased for names. */
static void text(const char *s, size_t n, unsigned kind, bool lower, struct core_buf *b)
{
    size_t i;

    core_buf_reset(b);
    assert_int_equal(core_buf_append(b, "", 0), 0);
    if (s) /* NULL for a missing doctype name or identifier */
        assert_int_equal(parse__html_text(s, n, kind, b), 0);
    for (i = 0; lower && i < b->len; i++)
        if (b->data[i] >= 'A' && b->data[i] <= 'Z')
            b->data[i] = (char)(b->data[i] + 32);
}

static void start_tag(const struct parse__html_tag *tag, struct ser *w)
{
    struct core_buf b;
    struct attr *a = core_calloc(tag->nattrs + 1, sizeof(*a));
    struct parse__html_attr at;
    const char *p = tag->attrs;
    size_t n = 0, i;

    core_buf_init(&b, 64u << 20);
    ser_begin(w, "StartTag");
    text(tag->name, tag->name_len, PARSE__TEXT_RAW, true, &b);
    ser_str(w, b.data, b.len);
    while (parse__html_attr_next(&p, tag->attrs + tag->attrs_len, &at)) {
        text(at.name, at.name_len, PARSE__TEXT_RAW, true, &b);
        for (i = 0; i < n && strcmp(a[i].name, b.data) != 0; i++)
            ;
        if (i < n)
            continue; /* the first of duplicates is kept */
        assert_true(n < tag->nattrs);
        a[n].name = steal(&b);
        text(at.value, at.value_len, PARSE__TEXT_ATTR, false, &b);
        a[n++].value = steal(&b);
    }
    ser_attrs(w, a, n);
    core_free(a);
    if (tag->self_closing)
        assert_int_equal(core_buf_puts(&w->out, ",true"), 0);
    ser_end(w);
    core_buf_free(&b);
}

static void doctype(const struct parse__html_tag *tag, struct ser *w)
{
    struct core_buf b;

    core_buf_init(&b, 64u << 20);
    ser_begin(w, "DOCTYPE");
    text(tag->name, tag->name_len, PARSE__TEXT_RAW, true, &b);
    ser_str(w, tag->name ? b.data : NULL, b.len);
    text(tag->public_id, tag->public_id_len, PARSE__TEXT_RAW, false, &b);
    ser_str(w, tag->public_id ? b.data : NULL, b.len);
    text(tag->system_id, tag->system_id_len, PARSE__TEXT_RAW, false, &b);
    ser_str(w, tag->system_id ? b.data : NULL, b.len);
    assert_int_equal(core_buf_puts(&w->out, tag->force_quirks ? ",false" : ",true"), 0);
    ser_end(w);
    core_buf_free(&b);
}

/* Tokenize in[0..n) from state st, lastStartTag last (NULL: none), into w. */
static void actual(const char *in, size_t n, enum state st, const char *last, struct ser *w)
{
    static const unsigned raw_kind[] = {
        [S_PLAINTEXT] = PARSE__RAW_PLAINTEXT, [S_RCDATA] = PARSE__RAW_RCDATA,
        [S_RAWTEXT] = PARSE__RAW_RAWTEXT, [S_SCRIPT] = PARSE__RAW_SCRIPT,
    };
    struct parse__html_tok t;
    struct parse__html_tag tag, start = {0};
    struct core_buf src, b;
    unsigned type, raw_text = st == S_RCDATA ? PARSE__TEXT_RCDATA : PARSE__TEXT_RAW;

    core_buf_init(&src, 64u << 20);
    core_buf_init(&b, 64u << 20);
    /* The CDATA section state is where "<![CDATA[" leads when the current node is foreign
     * (cdata set): start there by reading that first. The flag is then cleared, as the tests
     * have no tree. */
    if (st == S_CDATA)
        assert_int_equal(core_buf_puts(&src, "<![CDATA["), 0);
    assert_int_equal(core_buf_append(&src, in, n), 0);
    parse__html_tok_init(&t, src.data, src.len);
    t.all = true;
    t.cdata = st == S_CDATA;
    if (st != S_DATA && st != S_CDATA) {
        start.name = last ? last : "";
        start.name_len = last ? strlen(last) : 0;
        parse__html_tok_raw(&t, raw_kind[st], &start);
    }
    while ((type = parse__html_tok_next(&t, &tag)) != PARSE__TOK_EOF) {
        switch (type) {
        case PARSE__TOK_START:
            start_tag(&tag, w);
            break;
        case PARSE__TOK_END:
            ser_begin(w, "EndTag");
            text(tag.name, tag.name_len, PARSE__TEXT_RAW, true, &b);
            ser_str(w, b.data, b.len);
            ser_end(w);
            break;
        case PARSE__TOK_TEXT:
        case PARSE__TOK_RAW:
        case PARSE__TOK_CDATA:
            text(tag.text, tag.text_len,
                 type == PARSE__TOK_TEXT    ? PARSE__TEXT_DATA
                 : type == PARSE__TOK_CDATA ? PARSE__TEXT_CDATA
                                            : raw_text,
                 false, &b);
            ser_chars(w, b.data, b.len);
            break;
        case PARSE__TOK_COMMENT:
        case PARSE__TOK_CDATA_BOGUS:
            ser_begin(w, "Comment");
            text(tag.text, tag.text_len, PARSE__TEXT_RAW, false, &b);
            ser_str(w, b.data, b.len);
            ser_end(w);
            break;
        case PARSE__TOK_DOCTYPE:
            doctype(&tag, w);
            break;
        default:
            fail_msg("unexpected token type %u", type);
        }
        t.cdata = false;
    }
    core_buf_free(&b);
    core_buf_free(&src);
}

/* --- running a file --- */

static const struct skip *skipped(const char *file, const char *desc, const char *state)
{
    size_t i;

    for (i = 0; i < NSKIPS; i++)
        if (strcmp(skips[i].file, file) == 0 && strcmp(skips[i].description, desc) == 0 &&
            (!skips[i].state || strcmp(skips[i].state, state) == 0))
            return &skips[i];
    return NULL;
}

static enum state state_of(const char *name)
{
    size_t i;

    for (i = 0; i < sizeof(state_names) / sizeof(state_names[0]); i++)
        if (strcmp(state_names[i], name) == 0)
            return (enum state)i;
    fail_msg("unknown initial state '%s'", name);
    return S_DATA;
}

static void run_file(const char *file)
{
    struct doc d;
    struct core_buf desc, input, last, stname;
    size_t runs = 0, passed = 0, listed[NSKIPS] = {0}, failed = 0, i;
    int list, k, c;

    doc_load(&d, file);
    core_buf_init(&desc, 1u << 20);
    core_buf_init(&input, 64u << 20);
    core_buf_init(&last, 1u << 20);
    core_buf_init(&stname, 1u << 20);
    list = json_get(&d, 0, strcmp(file, "xmlViolation.test") == 0 ? "xmlViolationTests" : "tests");
    assert_true(list > 0);
    for (k = 0, c = list + 1; k < d.t[list].size; k++, c = json_skip(d.t, c)) {
        const int states = json_get(&d, c, "initialStates"), lst = json_get(&d, c, "lastStartTag");
        const bool dbl = json_true(&d, json_get(&d, c, "doubleEscaped"));
        const int nstates = states >= 0 ? d.t[states].size : 1;
        int s;

        json_str(&d, json_get(&d, c, "description"), false, &desc);
        json_str(&d, json_get(&d, c, "input"), dbl, &input);
        if (lst >= 0)
            json_str(&d, lst, false, &last);
        for (s = 0; s < nstates; s++) {
            const struct skip *sk;
            struct ser want, got;
            const char *w, *g;

            core_buf_reset(&stname);
            if (states >= 0)
                json_str(&d, states + 1 + s, false, &stname);
            else
                assert_int_equal(core_buf_puts(&stname, "Data state"), 0);
            ser_init(&want);
            ser_init(&got);
            expected(&d, json_get(&d, c, "output"), dbl, &want);
            actual(input.data, input.len, state_of(stname.data), lst >= 0 ? last.data : NULL, &got);
            w = ser_done(&want);
            g = ser_done(&got);
            runs++;
            sk = skipped(file, desc.data, stname.data);
            if (sk && strcmp(w, g) != 0) {
                listed[sk - skips]++;
            } else if (!sk && strcmp(w, g) == 0) {
                passed++;
            } else {
                if (failed++ < MAX_SHOWN) {
                    struct core_buf q;

                    core_buf_init(&q, 64u << 20);
                    ser_quote(&q, input.data, input.len);
                    print_error("%s: \"%s\" (%s)%s\n  input %s\n  want  %s\n  got   %s\n", file,
                                desc.data, stname.data, sk ? ": listed but passes" : "", q.data,
                                w, g);
                    core_buf_free(&q);
                }
            }
            ser_free(&want);
            ser_free(&got);
        }
    }
    print_message("%s: %zu runs (tests x initial states), %zu pass, %zu fail\n", file, runs,
                  passed, failed);
    for (i = 0; i < NSKIPS; i++)
        if (listed[i])
            print_message("  listed: %zu for \"%s\": %s\n", listed[i], skips[i].description,
                          skips[i].reason);
    core_buf_free(&desc);
    core_buf_free(&input);
    core_buf_free(&last);
    core_buf_free(&stname);
    doc_free(&d);
    if (failed)
        fail_msg("%s: %zu of %zu runs failed (first %d shown above)", file, failed, runs,
                 MAX_SHOWN);
}

#define FILE_TEST(name, file)                                                                      \
    static void test_html5lib_##name(void **state)                                                 \
    {                                                                                              \
        (void)state;                                                                               \
        run_file(file);                                                                            \
    }

FILE_TEST(content_model_flags, "contentModelFlags.test")
FILE_TEST(domjs, "domjs.test")
FILE_TEST(entities, "entities.test")
FILE_TEST(escape_flag, "escapeFlag.test")
FILE_TEST(named_entities, "namedEntities.test")
FILE_TEST(numeric_entities, "numericEntities.test")
FILE_TEST(pending_spec_changes, "pendingSpecChanges.test")
FILE_TEST(test1, "test1.test")
FILE_TEST(test2, "test2.test")
FILE_TEST(test3, "test3.test")
FILE_TEST(test4, "test4.test")
FILE_TEST(unicode_chars, "unicodeChars.test")
FILE_TEST(unicode_chars_problematic, "unicodeCharsProblematic.test")
FILE_TEST(xml_violation, "xmlViolation.test")

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_html5lib_content_model_flags),
        cmocka_unit_test(test_html5lib_domjs),
        cmocka_unit_test(test_html5lib_entities),
        cmocka_unit_test(test_html5lib_escape_flag),
        cmocka_unit_test(test_html5lib_named_entities),
        cmocka_unit_test(test_html5lib_numeric_entities),
        cmocka_unit_test(test_html5lib_pending_spec_changes),
        cmocka_unit_test(test_html5lib_test1),
        cmocka_unit_test(test_html5lib_test2),
        cmocka_unit_test(test_html5lib_test3),
        cmocka_unit_test(test_html5lib_test4),
        cmocka_unit_test(test_html5lib_unicode_chars),
        cmocka_unit_test(test_html5lib_unicode_chars_problematic),
        cmocka_unit_test(test_html5lib_xml_violation),
    };

    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
