/* parse/html_elems.c: the elements the linear scanner knows, and what it hands the sink.
 *
 * gumbo 0.10.1's tag names, as a table sorted by name with what each tag does (the TAGS
 * X-macro in html_scan_int.h) and the lookup of a tag's name in it; then the tags whose
 * attributes or text go to the sink: a[href], area[href], iframe[src], frame[src],
 * link[rel~=next|prev][href], base[href], meta[name][content] and title, decoded the way
 * the HTML tokenizer does, and the attribute quirks of gumbo that the scanner hands over
 * instead. Pure, any thread. */
#include <stdbool.h>
#include <stddef.h>

#include "parse/html_scan_int.h"

#define S F_SPECIAL
#define BO F_BREAKOUT
#define BE F_BLOCKEND
#define NO F_NOTOK

const struct tag parse__html_tags[NTAGS] = {TAGS(TAG_ENTRY)};

#undef S
#undef BO
#undef BE
#undef NO

const struct tag parse__html_tag_unknown = {"", 0, K_OTHER, 0};

/* Where the names of each first letter begin in tags[] ('a' to 'z', then the end): a tag's
 * name is looked for in its letter's few. (Checked against tags[] in debug builds.) */
static const unsigned char letter_start[27] = {
    0, 10, 22, 29, 40, 42, 51, 51, 62, 69, 69, 71, 76, 93, 99, 104, 109, 110, 115, 131, 144, 146, 148, 149, 150, 150, 150
};

#ifndef NDEBUG
bool parse__html_tags_ok(void)
{
    size_t i;

    for (i = 0; i < NTAGS; i++) {
        const int c = parse__html_tags[i].name[0] - 'a';

        if (i < letter_start[c] || i >= letter_start[c + 1])
            return false;
    }
    return letter_start[26] == NTAGS;
}
#endif

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
}

/* The tag's index in parse__html_tags[], or TAG_UNKNOWN (gumbo lower-cases names). */
unsigned short parse__html_tag_index(const struct parse__html_tag *t)
{
    const char *name = t->name;
    const size_t n = t->name_len;
    size_t i, end, k;
    int c;

    if (n == 0 || n > 14) /* "annotation-xml" is the longest */
        return TAG_UNKNOWN;
    c = lower(name[0]) - 'a';
    if (c < 0 || c >= 26)
        return TAG_UNKNOWN;
    for (i = letter_start[c], end = letter_start[c + 1]; i < end; i++) {
        if (parse__html_tags[i].len != n)
            continue;
        for (k = 1; k < n && parse__html_tags[i].name[k] == lower(name[k]); k++)
            ;
        if (k == n)
            return (unsigned short)i;
    }
    return TAG_UNKNOWN;
}

/* --- attributes --- */

#define ATTRS_MAX 64 /* attributes of one tag the scanner checks for duplicates */

/* Whether a name holds a byte gumbo may read as U+FFFD: its input reader replaces NUL, C0 and
 * C1 controls and noncharacters, so names that differ here can be equal to gumbo. Any byte
 * from 0x80 on counts too (it is cheaper to send such rare tags to gumbo than to decode). */
static bool name_maybe_replaced(const char *name, size_t len)
{
    size_t j;

    for (j = 0; j < len; j++) {
        unsigned char c = (unsigned char)name[j];

        if (c < 0x20 || c >= 0x7F)
            return true;
    }
    return false;
}

/* Whether the attributes of a tag are beyond what parse__html_attr_get reads as gumbo does.
 * It keeps the first of duplicate names, as gumbo does, but gumbo 0.10.1 has a quirk: a
 * duplicate without a value leaves its name in the buffer the next attribute's name is
 * read into ("<a x x href=y>" has attributes x and xhref; so has "<a \1 \2 href=y>", both
 * controls being U+FFFD to gumbo). Such tags (and tags with more than ATTRS_MAX attributes,
 * which are not looked through) go to gumbo. */
static bool attrs_odd(const struct parse__html_tag *tag)
{
    struct parse__html_attr at[ATTRS_MAX];
    const char *p = tag->attrs, *end = tag->attrs + tag->attrs_len;
    size_t n = 0, i, k;

    if (tag->nattrs < 2)
        return false;
    if (tag->nattrs > ATTRS_MAX)
        return true;
    while (n < ATTRS_MAX && parse__html_attr_next(&p, end, &at[n]))
        n++;
    for (i = 1; i < n; i++) {
        if (at[i].value != at[i].name + at[i].name_len || at[i].value_len != 0)
            continue; /* it has a value */
        if (name_maybe_replaced(at[i].name, at[i].name_len))
            return true;
        for (k = 0; k < i; k++) {
            size_t j;

            if (at[k].name_len != at[i].name_len)
                continue;
            for (j = 0; j < at[i].name_len; j++) {
                char x = at[i].name[j], y = at[k].name[j];

                if ((x >= 'A' && x <= 'Z' ? (char)(x + 32) : x) !=
                    (y >= 'A' && y <= 'Z' ? (char)(y + 32) : y))
                    break;
            }
            if (j == at[i].name_len)
                return true;
        }
    }
    return false;
}

bool parse__html_attrs_readable(struct scan *sc, const struct parse__html_tag *tag)
{
    return !attrs_odd(tag) || !give_up(sc, PARSE_HTML_DEFER_ATTRS);
}

bool parse__html_attr_decoded(struct scan *sc, const struct parse__html_tag *tag, const char *lname,
                              int *rc)
{
    struct parse__html_attr a;

    *rc = 0;
    if (!parse__html_attr_get(tag, lname, &a))
        return false;
    core_buf_reset(&sc->sink->scratch);
    *rc = parse__html_decode(a.value, a.value_len, true, &sc->sink->scratch);
    return *rc == 0;
}

/* The href of an <a>, or in SVG also its xlink:href (gumbo adjusts foreign attributes and
 * names both "href"): the first of the two. */
static bool href_attr(const struct parse__html_tag *tag, bool svg, struct parse__html_attr *a)
{
    const char *p = tag->attrs, *end = tag->attrs + tag->attrs_len;

    if (!svg)
        return parse__html_attr_get(tag, "href", a);
    while (parse__html_attr_next(&p, end, a))
        if (parse__html_eq(a->name, a->name_len, "href") ||
            parse__html_eq(a->name, a->name_len, "xlink:href"))
            return true;
    return false;
}

int parse__html_scan_link(struct scan *sc, const struct parse__html_tag *tag, unsigned kind,
                          const char *attr, bool svg)
{
    struct parse__html_attr a;
    unsigned rel = 0;
    int rc;

    if (sc->title_only || in_template(sc) || !parse__html_attrs_readable(sc, tag))
        return 0;
    if (!(kind == PARSE_HTML_LINK_A ? href_attr(tag, svg, &a) : parse__html_attr_get(tag, attr, &a)))
        return 0;
    if (parse__html_attr_decoded(sc, tag, "rel", &rc))
        rel = parse__html_rel(scratch(sc), sc->sink->scratch.len);
    if (rc < 0)
        return rc;
    if (kind == PARSE_HTML_LINK_LINK_NEXT) {
        if (!(rel & (PARSE__REL_NEXT | PARSE__REL_PREV)))
            return 0;
        if (!(rel & PARSE__REL_NEXT))
            kind = PARSE_HTML_LINK_LINK_PREV;
    }
    if (!parse__html_sink_wants(sc->sink, rel))
        return 0;
    core_buf_reset(&sc->sink->scratch);
    rc = parse__html_decode(a.value, a.value_len, true, &sc->sink->scratch);
    if (rc < 0)
        return rc;
    return parse__html_sink_link(sc->sink, kind, rel, scratch(sc), sc->sink->scratch.len,
                                 tag->offset);
}

static int base(struct scan *sc, const struct parse__html_tag *tag)
{
    struct parse__html_attr a;
    int rc;

    if (sc->title_only || in_template(sc) || !parse__html_attrs_readable(sc, tag) ||
        !parse__html_attr_get(tag, "href", &a))
        return 0;
    /* the document's base is the first in tree order, and only foster parenting puts a
     * later <base> before an earlier one */
    if (sc->sink->base && sc->table_seen && give_up(sc, PARSE_HTML_DEFER_BASE))
        return 0;
    if (!parse__html_attr_decoded(sc, tag, "href", &rc))
        return rc;
    return parse__html_sink_base(sc->sink, scratch(sc), sc->sink->scratch.len, tag->offset);
}

static int meta(struct scan *sc, const struct parse__html_tag *tag)
{
    struct core_buf *b = &sc->sink->scratch;
    struct parse__html_attr a;
    size_t name_len;
    int rc;

    if (in_template(sc) || !parse__html_attrs_readable(sc, tag) ||
        !parse__html_attr_get(tag, "content", &a))
        return 0;
    /* both values go into scratch, one after the other */
    if (!parse__html_attr_decoded(sc, tag, "name", &rc))
        return rc;
    name_len = b->len;
    rc = parse__html_decode(a.value, a.value_len, true, b);
    if (rc < 0)
        return rc;
    parse__html_sink_meta(sc->sink, scratch(sc), name_len, scratch(sc) + name_len,
                          b->len - name_len);
    return 0;
}

/* The title element's text is the next token (RCDATA). */
static int title(struct scan *sc, const struct parse__html_tag *tag)
{
    struct parse__html_tag text;
    int rc;

    parse__html_tok_raw(&sc->t, PARSE__RAW_RCDATA, tag);
    parse__html_tok_next(&sc->t, &text);
    sc->after_raw = true;
    if (in_template(sc) || !parse__html_sink_title_begin(sc->sink, tag->offset))
        return 0;
    core_buf_reset(&sc->sink->scratch);
    rc = parse__html_decode(text.text, text.text_len, false, &sc->sink->scratch);
    if (rc == 0)
        rc = parse__html_sink_title_more(sc->sink, scratch(sc), sc->sink->scratch.len);
    return rc;
}


/* What every HTML start tag processed by the "in body" (or "in head") rules does besides
 * changing the stack: links, base, meta, title, raw text, the frameset-ok flag. */
int parse__html_leaf(struct scan *sc, const struct parse__html_tag *tag, unsigned short t)
{
    const struct tag *k = tag_at(t);

    if (k->flags & F_NOTOK)
        sc->frameset_not_ok = true;
    if (!(k->flags & (F_HEAD | F_INHEAD)))
        sc->head_over = true;
    switch (k->kind) {
    case K_A:
        return parse__html_scan_link(sc, tag, PARSE_HTML_LINK_A, "href", false);
    case K_AREA:
        return parse__html_scan_link(sc, tag, PARSE_HTML_LINK_AREA, "href", false);
    case K_IFRAME:
        raw(sc, tag, PARSE__RAW_RAWTEXT);
        return parse__html_scan_link(sc, tag, PARSE_HTML_LINK_IFRAME, "src", false);
    case K_LINK:
        return parse__html_scan_link(sc, tag, PARSE_HTML_LINK_LINK_NEXT, "href", false);
    case K_BASE:
        return base(sc, tag);
    case K_META:
        return meta(sc, tag);
    case K_TITLE:
        return title(sc, tag);
    case K_SCRIPT:
        raw(sc, tag, PARSE__RAW_SCRIPT);
        return 0;
    case K_RAWTEXT:
    case K_XMP:
        raw(sc, tag, PARSE__RAW_RAWTEXT);
        return 0;
    case K_TEXTAREA:
        raw(sc, tag, PARSE__RAW_RCDATA);
        return 0;
    case K_PLAINTEXT:
        raw(sc, tag, PARSE__RAW_PLAINTEXT);
        return 0;
    case K_TABLE:
        if (t == T_TABLE)
            sc->table_seen = true;
        return 0;
    default:
        return 0;
    }
}

/* Whether annotation-xml's encoding makes it an HTML integration point (gumbo compares
 * the decoded value, ignoring case). */
bool parse__html_annotation_is_html(struct scan *sc, const struct parse__html_tag *tag, int *rc)
{
    const char *v;
    size_t n;

    *rc = 0;
    if (!parse__html_attrs_readable(sc, tag) || !parse__html_attr_decoded(sc, tag, "encoding", rc))
        return false;
    v = scratch(sc);
    n = sc->sink->scratch.len;
    return (n == 9 && parse__html_eq(v, n, "text/html")) ||
           (n == 21 && parse__html_eq(v, n, "application/xhtml+xml"));
}
