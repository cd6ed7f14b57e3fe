/* tests/test_parse_url_whatwg.c: parse/url.c against the WHATWG URL Standard's own tests.
 *
 * The data is web-platform-tests' urltestdata.json, read from ../shared/testdata/ beside the
 * checkout (see SOURCES.md there; it is not copied into the project, and a missing file fails
 * the test, since CI always has it). A case is considered when its base or its input is an
 * http(s) URL. Its input is resolved the way the crawler does it: parse_url_resolve against
 * the base, or parse_url_normalize (the seed path) when the case has no base. The result must
 * be the expected href put into trawl's form (want_form below); a case WHATWG fails must be
 * refused (CORE_EPARSE, or CORE_ESCHEME for a scheme trawl does not follow), and so must a
 * result that is not an http(s) URL (CORE_ESCHEME). Where trawl differs on purpose, the case's
 * input is listed in the exceptions table with the reason; a listed case that stops differing
 * fails the test too, so the table cannot go stale. test_whatwg_cases prints the counts. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JSMN_STATIC
#define JSMN_STRICT
#include <jsmn.h>

#include "core/ascii.h"
#include "core/buf.h"
#include "parse/url.h"
#include "tests/support/corotest.h"
#include "tests/support/jsonstr.h"

#define DATA_PATH TRAWL_SOURCE_DIR "/../shared/testdata/urltestdata.json"
#define OUT_MAX 8192

/* Why trawl gives something other than the browser's answer for a listed input. */
enum reason {
    R_HOST_CHARS, /* a host with bytes a DNS name cannot hold */
    R_IDNA2008,   /* a code point libidn2 refuses and UTS #46 allows */
    R_COUNT
};

static const char *const reason_text[R_COUNT] = {
    [R_HOST_CHARS] = "trawl takes a host to be a DNS name: letters, digits, '-', '.', '_' "
                     "(url.h, Hosts); WHATWG allows any byte outside its forbidden set",
    [R_IDNA2008] = "libidn2 applies IDNA2008's code point table, a little stricter than "
                   "UTS #46: it refuses symbols such as U+2603 (parse/host.c)",
};

struct exception {
    const char *input;
    size_t len;
    enum reason reason;
};

#define X(in, why) {in, sizeof(in) - 1, why}
static const struct exception exceptions[] = {
    X("http://!\"$&'()*+,-.;=_`{}~/", R_HOST_CHARS),
    X("https://%e2%98%83", R_IDNA2008),
};
#define N_EXCEPTIONS (sizeof(exceptions) / sizeof(exceptions[0]))

struct data {
    char *json;
    jsmntok_t *t;
    int ntok;
};

struct tally {
    size_t considered;
    size_t same_href;      /* trawl's form of href, byte for byte */
    size_t refused_fail;   /* WHATWG fails it; trawl refuses it */
    size_t refused_scheme; /* the result is not http(s); trawl refuses it */
    size_t listed[R_COUNT];
    size_t used[N_EXCEPTIONS];
    size_t unexpected;
};

static void load(struct data *d)
{
    jsmn_parser p;
    FILE *f = fopen(DATA_PATH, "rb");
    long len;

    if (!f)
        fail_msg("cannot open %s: the WHATWG URL test data belongs in ../shared/testdata/ "
                 "beside the checkout (see SOURCES.md there)", DATA_PATH);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    len = ftell(f);
    assert_true(len > 0);
    rewind(f);
    d->json = malloc((size_t)len + 1);
    assert_non_null(d->json);
    assert_int_equal(fread(d->json, 1, (size_t)len, f), (size_t)len);
    d->json[len] = '\0';
    fclose(f);
    jsmn_init(&p);
    d->ntok = jsmn_parse(&p, d->json, (size_t)len, NULL, 0);
    if (d->ntok < 1)
        fail_msg("%s: not JSON (jsmn %d)", DATA_PATH, d->ntok);
    d->t = calloc((size_t)d->ntok, sizeof(*d->t));
    assert_non_null(d->t);
    jsmn_init(&p);
    assert_int_equal(jsmn_parse(&p, d->json, (size_t)len, d->t, (unsigned)d->ntok), d->ntok);
    assert_int_equal(d->t[0].type, JSMN_ARRAY);
}

static void unload(struct data *d)
{
    free(d->json);
    free(d->t);
}

/* Index of the token after t[i] and everything inside it. */
static int tok_skip(const struct data *d, int i)
{
    int n = d->t[i].size;

    i++;
    while (n-- > 0)
        i = tok_skip(d, i);
    return i;
}

static bool tok_is(const struct data *d, int i, const char *s)
{
    size_t n = strlen(s);

    return d->t[i].type == JSMN_STRING && (size_t)(d->t[i].end - d->t[i].start) == n &&
           memcmp(d->json + d->t[i].start, s, n) == 0;
}

/* The value token of key in the object at t[obj], or -1. */
static int member(const struct data *d, int obj, const char *key)
{
    int i = obj + 1, k;

    for (k = 0; k < d->t[obj].size; k++) {
        if (tok_is(d, i, key))
            return i + 1;
        i = tok_skip(d, i + 1);
    }
    return -1;
}

/* The decoded string at t[i] into out (a JSON string; NUL bytes are kept, so use out->len). */
static void string_at(const struct data *d, int i, struct core_buf *out)
{
    assert_int_equal(d->t[i].type, JSMN_STRING);
    jsonstr_unescape(d->json + d->t[i].start, (size_t)(d->t[i].end - d->t[i].start), out);
}

/* WHATWG's scheme of s, as trawl sees it: leading and trailing C0 controls and spaces are
 * stripped and tab, LF and CR removed first. True when it is http or https. */
static bool is_http(const char *s, size_t n)
{
    char scheme[6];
    size_t k = 0, i;

    while (n && (unsigned char)s[0] <= 0x20) {
        s++;
        n--;
    }
    for (i = 0; i < n && k < sizeof(scheme); i++) {
        char c = s[i];

        if (c == '\t' || c == '\n' || c == '\r')
            continue;
        if (c == ':')
            break;
        scheme[k++] = (char)(c >= 'A' && c <= 'Z' ? c | 0x20 : c);
    }
    return i < n && s[i] == ':' &&
           ((k == 4 && memcmp(scheme, "http", 4) == 0) ||
            (k == 5 && memcmp(scheme, "https", 5) == 0));
}

static bool is_unreserved(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '.' || c == '_' || c == '~';
}

/* RFC 3986 pchar, plus '/' (and '?' in a query): what trawl writes raw. */
static bool is_raw(unsigned char c, bool query)
{
    return is_unreserved(c) || strchr("!$&'()*+,;=:@/", c) != NULL || (query && c == '?');
}

/* Append s[0..n) of a path or query with trawl's percent-encoding: %XX of an unreserved byte
 * decoded, other %XX uppercased, a '%' without two hex digits and every byte trawl does not
 * write raw encoded. WHATWG encodes fewer bytes (it leaves [ ] | raw, for one). */
static void put_trawl_encoded(struct core_buf *out, const char *s, size_t n, bool query)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t i;

    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];

        if (c == '%' && n - i >= 3 && core_ascii_hex_value(s[i + 1]) >= 0 && core_ascii_hex_value(s[i + 2]) >= 0) {
            unsigned char v = (unsigned char)(core_ascii_hex_value(s[i + 1]) * 16 + core_ascii_hex_value(s[i + 2]));

            if (is_unreserved(v))
                assert_int_equal(core_buf_putc(out, (char)v), 0);
            else
                assert_int_equal(core_buf_printf(out, "%%%c%c", hex[v >> 4], hex[v & 15]), 0);
            i += 2;
        } else if (is_raw(c, query)) {
            assert_int_equal(core_buf_putc(out, (char)c), 0);
        } else {
            assert_int_equal(core_buf_printf(out, "%%%c%c", hex[c >> 4], hex[c & 15]), 0);
        }
    }
}

/* The expected href (a WHATWG-serialised URL) in the form trawl writes, per README "Same page,
 * one fetch" and parse/url.h: the fragment and userinfo dropped; percent-escapes uppercased,
 * unreserved ones decoded, bytes outside pchar encoded. WHATWG has already lowercased scheme
 * and host, dropped the default port, removed dot segments and made an empty path "/".
 * Returns false when href is not an http(s) URL: trawl refuses those. */
static bool want_form(const char *href, size_t n, struct core_buf *out)
{
    size_t i, a, at, end;

    core_buf_reset(out);
    if (n >= 7 && memcmp(href, "http://", 7) == 0)
        i = 7;
    else if (n >= 8 && memcmp(href, "https://", 8) == 0)
        i = 8;
    else
        return false;
    assert_int_equal(core_buf_append(out, href, i), 0);
    for (a = i; i < n && href[i] != '/' && href[i] != '?' && href[i] != '#'; i++)
        ;
    for (at = i; at > a && href[at - 1] != '@'; at--)   /* at == a: no userinfo */
        ;
    assert_int_equal(core_buf_append(out, href + at, i - at), 0);
    for (end = i; end < n && href[end] != '#'; end++)
        ;
    if (i == end || href[i] != '/')
        assert_int_equal(core_buf_putc(out, '/'), 0);
    for (a = i; i < end && href[i] != '?'; i++)
        ;
    put_trawl_encoded(out, href + a, i - a, false);
    if (i < end) {
        assert_int_equal(core_buf_putc(out, '?'), 0);
        put_trawl_encoded(out, href + i + 1, end - i - 1, true);
    }
    return true;
}

static void show(const char *what, const struct core_buf *s)
{
    size_t i;

    print_message("%s '", what);
    for (i = 0; i < s->len; i++) {
        unsigned char c = (unsigned char)s->data[i];

        if (c >= 0x20 && c < 0x7f)
            print_message("%c", c);
        else
            print_message("\\x%02x", c);
    }
    print_message("'");
}

static int find_exception(const struct core_buf *input)
{
    size_t k;

    for (k = 0; k < N_EXCEPTIONS; k++)
        if (exceptions[k].len == input->len &&
            memcmp(exceptions[k].input, input->data, input->len) == 0)
            return (int)k;
    return -1;
}

/* Run one case object at t[obj] and count it. */
static void run_case(const struct data *d, int obj, struct tally *t)
{
    struct core_buf input, base, href, want, got;
    int i_in = member(d, obj, "input"), i_base = member(d, obj, "base");
    int i_href = member(d, obj, "href"), i_fail = member(d, obj, "failure");
    bool has_base = i_base >= 0 && d->t[i_base].type == JSMN_STRING;
    bool failure = i_fail >= 0 && d->json[d->t[i_fail].start] == 't';
    bool http, ok;
    int rc, ex;

    core_buf_init(&input, OUT_MAX);
    core_buf_init(&base, OUT_MAX);
    core_buf_init(&href, OUT_MAX);
    core_buf_init(&want, OUT_MAX);
    core_buf_init(&got, OUT_MAX);
    assert_true(i_in >= 0);
    string_at(d, i_in, &input);
    if (has_base)
        string_at(d, i_base, &base);
    if (!(has_base && is_http(base.data, base.len)) && !is_http(input.data, input.len))
        goto out;
    t->considered++;
    if (has_base)
        rc = parse_url_resolve(base.data, base.len, input.data, input.len, &got);
    else
        rc = parse_url_normalize(input.data, input.len, &got);

    if (failure) {
        ok = rc == CORE_EPARSE || rc == CORE_ESCHEME;
        if (ok)
            t->refused_fail++;
    } else {
        assert_true(i_href >= 0);
        string_at(d, i_href, &href);
        http = want_form(href.data, href.len, &want);
        if (!http) {
            ok = rc == CORE_ESCHEME;
            if (ok)
                t->refused_scheme++;
        } else {
            ok = rc == 0 && got.len == want.len && memcmp(got.data, want.data, want.len) == 0;
            if (ok)
                t->same_href++;
        }
    }
    ex = find_exception(&input);
    if (ok)
        goto out;
    if (ex >= 0) {
        t->used[ex]++;
        t->listed[exceptions[ex].reason]++;
        goto out;
    }
    t->unexpected++;
    show("unexpected: input", &input);
    if (has_base)
        show(" base", &base);
    if (failure)
        print_message(" want a failure");
    else
        show(" want", &want);
    print_message(" got rc %d", rc);
    if (rc == 0)
        show("", &got);
    print_message("\n");
out:
    core_buf_free(&input);
    core_buf_free(&base);
    core_buf_free(&href);
    core_buf_free(&want);
    core_buf_free(&got);
}

static void run_all(struct tally *t)
{
    struct data d;
    int i, k;

    memset(t, 0, sizeof(*t));
    load(&d);
    for (i = 1, k = 0; k < d.t[0].size; k++) {
        if (d.t[i].type == JSMN_OBJECT)
            run_case(&d, i, t);
        i = tok_skip(&d, i);
    }
    unload(&d);
}

/* Every considered case gives the browser's answer in trawl's form, or is listed. */
static void test_whatwg_cases(void **state)
{
    struct tally t;
    size_t r;

    (void)state;
    run_all(&t);
    print_message("%zu cases considered: %zu same href, %zu refused as WHATWG fails them, "
                  "%zu refused as not http(s)\n",
                  t.considered, t.same_href, t.refused_fail, t.refused_scheme);
    for (r = 0; r < R_COUNT; r++)
        print_message("  listed %zu: %s\n", t.listed[r], reason_text[r]);
    assert_true(t.considered > 400);
    assert_int_equal(t.unexpected, 0);
}

/* Every entry of the exceptions table still matches a case that differs. */
static void test_whatwg_exceptions_are_current(void **state)
{
    struct tally t;
    size_t k;
    int stale = 0;

    (void)state;
    run_all(&t);
    for (k = 0; k < N_EXCEPTIONS; k++) {
        if (t.used[k] == 0) {
            print_message("stale exception %zu: '%s'\n", k, exceptions[k].input);
            stale++;
        }
    }
    assert_int_equal(stale, 0);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_whatwg_cases),
        cmocka_unit_test(test_whatwg_exceptions_are_current),
    };

    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
