/* parse/html_tok.c: a linear HTML tokenizer and character reference decoder.
 *
 * The tokenizer follows the WHATWG tokenizer states that decide where markup begins and
 * ends (tag names, the attribute states, comments with their odd endings "<!-->", "<!--->"
 * and "--!>", bogus comments, doctypes, CDATA sections in foreign content, and the RCDATA,
 * RAWTEXT, script-data and PLAINTEXT content models), so that a pass over the tokens sees the
 * same tags gumbo does. It copies nothing: tokens are views into the input, and text between
 * tags is skipped with memchr (unless the caller sets all: then text, comments and doctypes
 * are tokens too, as the html5lib conformance tests need). Every step moves forward, so a
 * pass is linear in the input.
 * Which content model follows a start tag is the caller's decision (parse__html_tok_raw),
 * because it depends on the tree builder's state. */
#include <stdint.h>
#include <string.h>

#include "parse/html_int.h"

static bool is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_alnum(char c)
{
    return is_alpha(c) || is_digit(c);
}

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
}

bool parse__html_eq(const char *s, size_t n, const char *lname)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (lname[i] == '\0' || lower(s[i]) != lname[i])
            return false;
    return lname[n] == '\0';
}

void parse__html_lower(const char *s, size_t n, char *buf, size_t cap)
{
    size_t i;

    buf[0] = '\0';
    if (n >= cap)
        return;
    for (i = 0; i < n; i++) {
        /* known names are letters, digits and '-': "xmp\0" must not read as "xmp" */
        if (!is_alnum(s[i]) && s[i] != '-') {
            buf[0] = '\0';
            return;
        }
        buf[i] = lower(s[i]);
    }
    buf[n] = '\0';
}

void parse__html_tok_init(struct parse__html_tok *t, const char *s, size_t len)
{
    memset(t, 0, sizeof(*t));
    t->s = s;
    t->len = len;
}

enum { ATTR_ONE, ATTR_END, ATTR_EOF };

/* One attribute, from the "before attribute name" state at *pp. ATTR_ONE: *a is filled and
 * *pp is past it; ATTR_END: *pp is at the '>' that ends the tag; ATTR_EOF: the input ends
 * inside the tag. */
static int attr_scan(const char **pp, const char *end, struct parse__html_attr *a,
                     bool *self_closing)
{
    const char *p = *pp, *q, *e;

    for (;;) {
        if (p >= end)
            return ATTR_EOF;
        if (is_ws(*p)) {
            p++;
        } else if (*p == '/') {
            /* "self-closing start tag" state; anything but '>' starts over */
            p++;
            if (p < end && *p == '>') {
                *self_closing = true;
                *pp = p;
                return ATTR_END;
            }
        } else if (*p == '>') {
            *pp = p;
            return ATTR_END;
        } else {
            break;
        }
    }
    if (*p == '\0') {
        /* gumbo 0.10.1 drops a NUL here and starts an attribute whose name is empty so far
         * (the U+FFFD goes to a buffer that is never used) */
        a->name = ++p;
    } else {
        /* the first character belongs to the name even when it is '=' */
        a->name = p++;
    }
    while (p < end && !is_ws(*p) && *p != '/' && *p != '>' && *p != '=')
        p++;
    a->name_len = (size_t)(p - a->name);
    a->value = p;
    a->value_len = 0;
    q = p;
    while (q < end && is_ws(*q))
        q++;
    if (q >= end || *q != '=') {
        *pp = q;
        return ATTR_ONE;
    }
    q++;
    while (q < end && is_ws(*q))
        q++;
    if (q >= end) {
        *pp = q;
        return ATTR_EOF;
    }
    if (*q == '"' || *q == '\'') {
        e = memchr(q + 1, *q, (size_t)(end - q - 1));
        if (!e) {
            *pp = end;
            return ATTR_EOF;
        }
        a->value = q + 1;
        a->value_len = (size_t)(e - q - 1);
        *pp = e + 1;
        return ATTR_ONE;
    }
    a->value = q;
    while (q < end && !is_ws(*q) && *q != '>')
        q++;
    a->value_len = (size_t)(q - a->value);
    *pp = q;
    return ATTR_ONE;
}

bool parse__html_attr_next(const char **p, const char *end, struct parse__html_attr *a)
{
    bool self_closing = false;

    return attr_scan(p, end, a, &self_closing) == ATTR_ONE;
}

bool parse__html_attr_get(const struct parse__html_tag *tag, const char *lname,
                          struct parse__html_attr *a)
{
    const char *p = tag->attrs, *end = tag->attrs + tag->attrs_len;

    while (parse__html_attr_next(&p, end, a))
        if (parse__html_eq(a->name, a->name_len, lname))
            return true;
    return false;
}

/* A tag whose name starts at s[i]. False when the input ends inside it (the tag is dropped,
 * as HTML does); else *next is the offset after its '>'. */
static bool read_tag(const char *s, size_t len, size_t i, struct parse__html_tag *tag,
                     size_t *next)
{
    const char *p = s + i, *end = s + len;
    struct parse__html_attr a;
    int r;

    tag->name = p;
    while (p < end && !is_ws(*p) && *p != '/' && *p != '>')
        p++;
    tag->name_len = (size_t)(p - tag->name);
    tag->attrs = p;
    tag->nattrs = 0;
    tag->self_closing = false;
    tag->text = NULL;
    tag->text_len = 0;
    while ((r = attr_scan(&p, end, &a, &tag->self_closing)) == ATTR_ONE)
        tag->nattrs++;
    if (r == ATTR_EOF)
        return false;
    /* the attribute text keeps its '>' so that rescanning it ends the same way */
    tag->attrs_len = (size_t)(p + 1 - tag->attrs);
    *next = (size_t)(p + 1 - s);
    return true;
}

static size_t after_gt(const char *s, size_t len, size_t i)
{
    const char *p = i < len ? memchr(s + i, '>', len - i) : NULL;

    return p ? (size_t)(p - s) + 1 : len;
}

/* Where the data of a bogus comment that starts at i ends, given next = after_gt(.., i):
 * at its '>', or at the end of the input. */
static size_t bogus_end(const char *s, size_t i, size_t next)
{
    return next > i && s[next - 1] == '>' ? next - 1 : next;
}

/* The end of a comment whose "<!--" ends just before i (the offset after it); *data_end is
 * where its data ends. */
static size_t comment_end(const char *s, size_t len, size_t i, size_t *data_end)
{
    const size_t start = i;
    const char *p;
    size_t j;

    *data_end = i;
    if (i < len && s[i] == '>')
        return i + 1; /* <!--> */
    if (i + 1 < len && s[i] == '-' && s[i + 1] == '>')
        return i + 2; /* <!---> */
    while (i < len) {
        p = memchr(s + i, '-', len - i);
        if (!p)
            break;
        j = (size_t)(p - s);
        *data_end = j;
        if (j + 2 < len && s[j + 1] == '-' && s[j + 2] == '>')
            return j + 3;
        if (j + 3 < len && s[j + 1] == '-' && s[j + 2] == '!' && s[j + 3] == '>')
            return j + 4;
        i = j + 1;
    }
    /* cut off by the end: a "-", "--" or "--!" that could have begun the ending is not data
     * (the comment end dash, end and end bang states emit the comment without it) */
    j = len - start;
    if (j >= 3 && s[len - 3] == '-' && s[len - 2] == '-' && s[len - 1] == '!')
        j -= 3;
    else if (j >= 2 && s[len - 2] == '-' && s[len - 1] == '-')
        j -= 2;
    else if (j >= 1 && s[len - 1] == '-')
        j -= 1;
    *data_end = start + j;
    return len;
}

/* Whether s[i..] is "</" name followed by whitespace, '/' or '>' (an end tag for name). */
static bool end_tag_at(const char *s, size_t len, size_t i, const char *name, size_t n)
{
    size_t k;

    if (len - i < n + 3 || s[i + 1] != '/')
        return false;
    for (k = 0; k < n; k++)
        if (lower(s[i + 2 + k]) != lower(name[k]))
            return false;
    k = i + 2 + n;
    return is_ws(s[k]) || s[k] == '/' || s[k] == '>';
}

/* Where RCDATA or RAWTEXT started at i ends: at the end tag for name, or at the end. */
static size_t rawtext_end(const char *s, size_t len, size_t i, const char *name, size_t n)
{
    const char *p;

    if (n == 0)
        return len; /* no start tag, so no appropriate end tag */
    while (i < len) {
        p = memchr(s + i, '<', len - i);
        if (!p)
            break;
        i = (size_t)(p - s);
        if (end_tag_at(s, len, i, name, n))
            return i;
        i++;
    }
    return len;
}

/* Whether s[i..] is '<' + "script" + whitespace, '/' or '>' (the double-escape switch). */
static bool script_open_at(const char *s, size_t len, size_t i)
{
    size_t k;

    if (len - i < 8)
        return false;
    for (k = 0; k < 6; k++)
        if (lower(s[i + 1 + k]) != "script"[k])
            return false;
    return is_ws(s[i + 7]) || s[i + 7] == '/' || s[i + 7] == '>';
}

/* Where script data starting at i ends, following the script data states: "<!--" escapes
 * (where "<script" opens a double-escaped part in which "</script>" does not end the
 * script, only returns to escaped), and "-->" goes back to plain script data. The end tag
 * is name's (the start tag's: "script" for the scanner), the double-escape switch is always
 * "script". */
static size_t script_end(const char *s, size_t len, size_t i, const char *name, size_t n)
{
    enum { DATA, ESCAPED, DOUBLE } st = DATA;
    unsigned dashes = 0;
    const char *p;

    if (n == 0)
        return len;
    while (i < len) {
        if (st == DATA) {
            p = memchr(s + i, '<', len - i);
            if (!p)
                break;
            i = (size_t)(p - s);
            if (end_tag_at(s, len, i, name, n))
                return i;
            if (len - i >= 4 && memcmp(s + i, "<!--", 4) == 0) {
                st = ESCAPED;
                dashes = 2; /* "script data escaped dash dash": "<!-->" ends at once */
                i += 4;
                continue;
            }
            i++;
            continue;
        }
        switch (s[i]) {
        case '-':
            dashes++;
            i++;
            break;
        case '>':
            if (dashes >= 2)
                st = DATA;
            dashes = 0;
            i++;
            break;
        case '<':
            dashes = 0;
            if (st == ESCAPED && end_tag_at(s, len, i, name, n))
                return i;
            if (st == ESCAPED && script_open_at(s, len, i)) {
                st = DOUBLE;
                i += 7;
            } else if (st == DOUBLE && i + 1 < len && s[i + 1] == '/' &&
                       script_open_at(s, len, i + 1)) {
                st = ESCAPED;
                i += 8;
            } else {
                i++;
            }
            break;
        default:
            dashes = 0;
            i++;
            break;
        }
    }
    return len;
}

void parse__html_tok_raw(struct parse__html_tok *t, unsigned kind, const struct parse__html_tag *tag)
{
    t->raw = kind;
    t->raw_name = tag->name;
    t->raw_name_len = tag->name_len;
}

static unsigned raw_token(struct parse__html_tok *t, struct parse__html_tag *tag)
{
    size_t i = t->pos, end;

    switch (t->raw) {
    case PARSE__RAW_SCRIPT:
        end = script_end(t->s, t->len, i, t->raw_name, t->raw_name_len);
        break;
    case PARSE__RAW_PLAINTEXT:
        end = t->len;
        break;
    default:
        end = rawtext_end(t->s, t->len, i, t->raw_name, t->raw_name_len);
        break;
    }
    memset(tag, 0, sizeof(*tag));
    tag->offset = i;
    tag->text = t->s + i;
    tag->text_len = end - i;
    t->raw = PARSE__RAW_NONE;
    t->pos = end;
    return PARSE__TOK_RAW;
}

/* With all, before the markup: the character data from t->pos up to the next '<' that
 * starts markup (or the end) as PARSE__TOK_TEXT; "</>", which is no token, is skipped.
 * PARSE__TOK_EOF when markup comes first. */
static unsigned text_token(struct parse__html_tok *t, struct parse__html_tag *tag)
{
    const char *s = t->s, *p;
    const size_t len = t->len;
    size_t i = t->pos;
    char c;

    for (;;) {
        p = i < len ? memchr(s + i, '<', len - i) : NULL;
        if (!p) {
            i = len;
            break;
        }
        i = (size_t)(p - s);
        c = i + 1 < len ? s[i + 1] : '\0';
        if (c == '/' && i + 2 < len && s[i + 2] == '>' && i == t->pos) {
            i += 3;
            t->pos = i;
            continue;
        }
        /* what the loop in parse__html_tok_next takes for markup ("</" at the end is text) */
        if (is_alpha(c) || c == '!' || c == '?' || (c == '/' && i + 2 < len))
            break;
        i++;
    }
    if (i == t->pos)
        return PARSE__TOK_EOF;
    memset(tag, 0, sizeof(*tag));
    tag->offset = t->pos;
    tag->text = s + t->pos;
    tag->text_len = i - t->pos;
    t->pos = i;
    return PARSE__TOK_TEXT;
}

/* A comment (with all) or "<![CDATA[" read as one: its '<' at lt, its data from start to
 * end, and next the offset after it. */
static unsigned comment_token(struct parse__html_tok *t, struct parse__html_tag *tag, unsigned type,
                              size_t lt, size_t start, size_t end, size_t next)
{
    memset(tag, 0, sizeof(*tag));
    tag->offset = lt;
    tag->text = t->s + start;
    tag->text_len = end - start;
    t->pos = next;
    return type;
}

/* After DOCTYPE's PUBLIC or SYSTEM keyword at p: a quoted identifier (whitespace before it
 * optional), into *id. The offset after its closing quote, or NULL when the doctype ends
 * first or turns bogus (both set force-quirks). */
static const char *doctype_id(const char *p, const char *e, const char **id, size_t *id_len)
{
    const char *q;

    while (p < e && is_ws(*p))
        p++;
    if (p == e || (*p != '"' && *p != '\''))
        return NULL;
    q = memchr(p + 1, *p, (size_t)(e - p - 1));
    *id = p + 1;
    *id_len = (size_t)((q ? q : e) - p - 1);
    return q ? q + 1 : NULL;
}

/* PARSE__TOK_DOCTYPE (with all) for the "<!DOCTYPE" at lt, which ends at the first '>',
 * even one inside a quoted identifier. Follows the DOCTYPE states; a doctype that ends in
 * an unexpected place sets force-quirks, and so does the end of the input except after a
 * system identifier's bogus tail. */
static unsigned doctype_token(struct parse__html_tok *t, struct parse__html_tag *tag, size_t lt)
{
    const char *s = t->s, *p = s + lt + 9;
    const char *gt = memchr(p, '>', t->len - lt - 9);
    const char *e = gt ? gt : s + t->len;
    const bool eof = gt == NULL;

    memset(tag, 0, sizeof(*tag));
    tag->offset = lt;
    tag->force_quirks = true;
    t->pos = gt ? (size_t)(gt - s) + 1 : t->len;
    while (p < e && is_ws(*p))
        p++;
    if (p == e)
        return PARSE__TOK_DOCTYPE; /* no name */
    tag->name = p;
    while (p < e && !is_ws(*p))
        p++;
    tag->name_len = (size_t)(p - tag->name);
    while (p < e && is_ws(*p))
        p++;
    if (p < e && e - p >= 6 && parse__html_eq(p, 6, "public")) {
        p = doctype_id(p + 6, e, &tag->public_id, &tag->public_id_len);
        if (!p)
            return PARSE__TOK_DOCTYPE;
        while (p < e && is_ws(*p))
            p++;
        if (p < e) {
            /* only a system identifier may follow */
            p = doctype_id(p, e, &tag->system_id, &tag->system_id_len);
            if (!p)
                return PARSE__TOK_DOCTYPE;
        }
    } else if (p < e && e - p >= 6 && parse__html_eq(p, 6, "system")) {
        p = doctype_id(p + 6, e, &tag->system_id, &tag->system_id_len);
        if (!p)
            return PARSE__TOK_DOCTYPE;
    } else if (p < e) {
        return PARSE__TOK_DOCTYPE; /* bogus */
    }
    /* anything after the identifiers is ignored (the bogus DOCTYPE state) */
    while (p < e && is_ws(*p))
        p++;
    tag->force_quirks = eof && p == e;
    return PARSE__TOK_DOCTYPE;
}

unsigned parse__html_tok_next(struct parse__html_tok *t, struct parse__html_tag *tag)
{
    const char *s = t->s, *p;
    const size_t len = t->len;
    size_t i, next, end;
    char c;

    if (t->raw != PARSE__RAW_NONE)
        return raw_token(t, tag);
    if (t->all && text_token(t, tag) == PARSE__TOK_TEXT)
        return PARSE__TOK_TEXT;
    /* with all, what follows starts at t->pos now and returns a token or ends the input */
    for (i = t->pos;;) {
        p = i < len ? memchr(s + i, '<', len - i) : NULL;
        if (!p || (size_t)(p - s) + 1 >= len)
            break;
        i = (size_t)(p - s);
        c = s[i + 1];
        if (is_alpha(c)) {
            if (!read_tag(s, len, i + 1, tag, &next))
                break;
            tag->offset = i;
            t->pos = next;
            return PARSE__TOK_START;
        }
        if (c == '/') {
            if (i + 2 >= len)
                break; /* "</" at the end is text */
            c = s[i + 2];
            if (is_alpha(c)) {
                if (!read_tag(s, len, i + 2, tag, &next))
                    break;
                tag->offset = i;
                t->pos = next;
                return PARSE__TOK_END;
            }
            if (c == '>') {
                i += 3; /* "</>" is dropped */
                continue;
            }
            next = after_gt(s, len, i + 2);
            if (t->all)
                return comment_token(t, tag, PARSE__TOK_COMMENT, i, i + 2,
                                     bogus_end(s, i + 2, next), next);
            i = next;
            continue;
        }
        if (c == '!') {
            if (len - i >= 4 && s[i + 2] == '-' && s[i + 3] == '-') {
                next = comment_end(s, len, i + 4, &end);
                if (t->all)
                    return comment_token(t, tag, PARSE__TOK_COMMENT, i, i + 4, end, next);
                i = next;
                continue;
            }
            if (len - i >= 9 && memcmp(s + i + 2, "[CDATA[", 7) == 0) {
                if (t->cdata) {
                    memset(tag, 0, sizeof(*tag));
                    tag->offset = i;
                    p = memmem(s + i + 9, len - i - 9, "]]>", 3);
                    tag->text = s + i + 9;
                    tag->text_len = p ? (size_t)(p - tag->text) : len - i - 9;
                    t->pos = p ? (size_t)(p - s) + 3 : len;
                    return PARSE__TOK_CDATA;
                }
                next = after_gt(s, len, i + 2);
                return comment_token(t, tag, PARSE__TOK_CDATA_BOGUS, i, i + 2,
                                     bogus_end(s, i + 2, next), next);
            }
            if (t->all && len - i >= 9 && parse__html_eq(s + i + 2, 7, "doctype"))
                return doctype_token(t, tag, i);
            /* doctype or bogus comment: both end at the first '>' */
            next = after_gt(s, len, i + 2);
            if (t->all)
                return comment_token(t, tag, PARSE__TOK_COMMENT, i, i + 2,
                                     bogus_end(s, i + 2, next), next);
            i = next;
            continue;
        }
        if (c == '?') {
            /* a bogus comment whose data starts with the '?' */
            next = after_gt(s, len, i + 1);
            if (t->all)
                return comment_token(t, tag, PARSE__TOK_COMMENT, i, i + 1,
                                     bogus_end(s, i + 1, next), next);
            i = next;
            continue;
        }
        i++; /* a '<' that starts nothing is text */
    }
    t->pos = len;
    return PARSE__TOK_EOF;
}

/* --- character references --- */

/* What numeric references to 0x80-0x9F mean (windows-1252), per the HTML spec. */
static const uint16_t c1_fixups[32] = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
    0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
};

static size_t utf8_put(uint32_t cp, char *b)
{
    if (cp < 0x80) {
        b[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        b[0] = (char)(0xC0 | (cp >> 6));
        b[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        b[0] = (char)(0xE0 | (cp >> 12));
        b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    b[0] = (char)(0xF0 | (cp >> 18));
    b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    b[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    b[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* The entity named exactly s[0..n), by binary search over the sorted table. */
static const struct parse__html_entity *entity_find(const char *s, size_t n)
{
    size_t lo = 0, hi = parse__html_nentities, mid, m;
    int c;

    while (lo < hi) {
        const char *name;

        mid = lo + (hi - lo) / 2;
        name = parse__html_entities[mid].name;
        m = strlen(name);
        c = memcmp(s, name, n < m ? n : m);
        if (c == 0)
            c = n < m ? -1 : n > m ? 1 : 0;
        if (c == 0)
            return &parse__html_entities[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

#define ENTITY_NAME_MAX 32 /* letters and digits in the longest name */
#define LEGACY_NAME_MAX 6  /* the longest name that may omit its ';' */

/* Decode the reference at s[i] == '&' into out; the offset after what was used. A '&' that
 * starts no reference is copied and only it is used. */
static size_t charref(const char *s, size_t n, size_t i, bool in_attr, struct core_buf *out,
                      int *rc)
{
    const struct parse__html_entity *e;
    size_t j = i + 1, k, m, d;
    uint32_t v = 0;
    char b[4];
    bool hex = false;

    if (j < n && s[j] == '#') {
        k = j + 1;
        if (k < n && (s[k] == 'x' || s[k] == 'X')) {
            hex = true;
            k++;
        }
        for (d = k; k < n; k++) {
            uint32_t digit;

            if (is_digit(s[k]))
                digit = (uint32_t)(s[k] - '0');
            else if (hex && lower(s[k]) >= 'a' && lower(s[k]) <= 'f')
                digit = (uint32_t)(lower(s[k]) - 'a' + 10);
            else
                break;
            v = v * (hex ? 16u : 10u) + digit;
            if (v > 0x10FFFF)
                v = 0x110000; /* keep reading digits, but stay out of range */
        }
        if (k == d) {
            *rc = core_buf_putc(out, '&');
            return i + 1;
        }
        if (k < n && s[k] == ';')
            k++;
        if (v == 0 || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
            v = 0xFFFD;
        else if (v >= 0x80 && v <= 0x9F)
            v = c1_fixups[v - 0x80];
        *rc = core_buf_append(out, b, utf8_put(v, b));
        return k;
    }
    for (k = j; k < n && k - j < ENTITY_NAME_MAX && is_alnum(s[k]); k++)
        ;
    if (k > j && k < n && s[k] == ';' && (e = entity_find(s + j, k + 1 - j)) != NULL) {
        *rc = core_buf_puts(out, e->utf8);
        return k + 1;
    }
    /* names that may omit the ';': the longest one that prefixes the letters */
    for (m = k - j < LEGACY_NAME_MAX ? k - j : LEGACY_NAME_MAX; m >= 2; m--) {
        e = entity_find(s + j, m);
        if (!e)
            continue;
        /* in attributes, "&copy=" or "&copyx" are left alone (query strings) */
        if (in_attr && j + m < n && (s[j + m] == '=' || is_alnum(s[j + m])))
            break;
        *rc = core_buf_puts(out, e->utf8);
        return j + m;
    }
    *rc = core_buf_putc(out, '&');
    return i + 1;
}

int parse__html_text(const char *s, size_t n, unsigned kind, struct core_buf *out)
{
    const bool refs = kind == PARSE__TEXT_DATA || kind == PARSE__TEXT_RCDATA ||
                      kind == PARSE__TEXT_ATTR;
    const bool keep_nul = kind == PARSE__TEXT_DATA || kind == PARSE__TEXT_CDATA;
    size_t i = 0, run = 0;
    int rc;

    while (i < n) {
        const char c = s[i];

        if (c != '&' && c != '\0' && c != '\r') {
            i++;
            continue;
        }
        rc = core_buf_append(out, s + run, i - run);
        if (rc < 0)
            return rc;
        if (c == '\r') {
            rc = core_buf_putc(out, '\n');
            i++;
            if (i < n && s[i] == '\n')
                i++;
        } else if (c == '\0' ? keep_nul : !refs) {
            /* kept as it is; checked here rather than in the scan above, which the common
             * kinds (attribute values, RCDATA) keep as tight as it can be */
            rc = core_buf_putc(out, c);
            i++;
        } else if (c == '\0') {
            rc = core_buf_append(out, "\xEF\xBF\xBD", 3);
            i++;
        } else {
            i = charref(s, n, i, kind == PARSE__TEXT_ATTR, out, &rc);
        }
        if (rc < 0)
            return rc;
        run = i;
    }
    return core_buf_append(out, s + run, i - run);
}

int parse__html_decode(const char *s, size_t n, bool in_attr, struct core_buf *out)
{
    return parse__html_text(s, n, in_attr ? PARSE__TEXT_ATTR : PARSE__TEXT_RCDATA, out);
}
