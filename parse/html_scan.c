/* parse/html_scan.c: links, base, meta robots and title without building a tree.
 *
 * The default reader of pages (gumbo reads only what this scanner hands back). It runs
 * html_tok.c over the page once and reacts to the tags that matter: a[href], area[href],
 * iframe[src], frame[src], link[rel~=next|prev][href], base[href], meta[name][content] and
 * title, decoding attribute values and title text the way the HTML tokenizer does. The aim
 * is gumbo's answer, exactly: which of those tags are elements of the document (in the HTML
 * namespace, or an SVG <a>, and not inside a <template>), and where raw text, CDATA and
 * markup begin, which is the tree builder's decision.
 *
 * For ordinary HTML content no tree is needed: every tag the scanner reacts to becomes an
 * element and raw-text elements are raw text in every insertion mode but a few. Those few
 * are kept exactly, on a small stack of the open elements that change the rules:
 *  - <select> (only <script> is raw text, <textarea>, <input> and <keygen> end it, every
 *    other tag is ignored), <template> (its contents are not the document's; an end tag
 *    </template> is the only way out, and a first <col> in it makes gumbo ignore all but
 *    <col> and <template>), and frameset mode (only <frame> and <noframes> count);
 *  - SVG and MathML, with every element inside them: foreign elements, their HTML and
 *    MathML text integration points, and the HTML elements inside those, with the "in
 *    body" rules for them (implied end tags, scopes, the special category), so that the
 *    scanner knows the adjusted current node (no raw text, CDATA sections, an SVG <a> is a
 *    link, <title> is SVG's) and when each one ends, comparing foreign end tags the way
 *    gumbo 0.10.1 does (the raw text between "</" and ">", so "</svg >" ends nothing).
 * What would need the rest of the tree is detected instead, and the scan gives up with a
 * reason (strict mode) so that the caller can ask gumbo: an end tag that leaves SVG or
 * MathML through HTML elements the scanner does not keep, tables, forms and misnested
 * formatting inside an integration point, table tags inside a <select>, a <frameset> after
 * the body may have begun, a second <base href> after a table (foster parenting puts tree
 * order out of input order) and nesting past SCAN_DEPTH; and two quirks of gumbo 0.10.1 not
 * worth following (attrs_odd, huge_numeric_ref). A third is followed: after "</>", foreign
 * end tags compare names the way gumbo then does (token_start). In best-effort mode (pages
 * too large or deep for gumbo) the scan carries on as if the markup were well formed.
 *
 * Linear in the input: each token costs O(1), or a walk over the bounded stack. No memory
 * but the sink's. */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "parse/html_int.h"

#define SCAN_DEPTH 128 /* open elements kept; deeper SVG/MathML/select/template: gumbo */

/* What a tag does in HTML content (the "in body" rules, and "in head" for head tags). */
enum {
    K_OTHER,     /* an ordinary element */
    K_A, K_AREA, K_BASE, K_FRAME, K_IFRAME, K_LINK, K_META, K_TITLE,
    K_SCRIPT, K_RAWTEXT, K_XMP, K_TEXTAREA, K_PLAINTEXT,
    K_SVG, K_MATH, K_SELECT, K_TEMPLATE, K_FRAMESET,
    K_IGNORED,   /* html, head, body, frame...: merged or ignored in body */
    K_BODY,
    K_TABLE,     /* table and its parts: their rules depend on the table insertion modes */
    K_FORM,      /* the form element pointer */
    K_HARD,      /* applet, marquee, object, isindex: markers, implied forms */
    K_VOID,      /* inserted and popped at once */
    K_HR,
    K_BLOCK,     /* closes a <p>, then pushed */
    K_HEADING, K_PRE, K_LI, K_DDDT, K_BUTTON, K_FMT, K_NOBR, K_OPTION, K_RUBY, K_RTP
};

enum {
    F_SPECIAL = 1 << 0,  /* gumbo's "special" category (HTML namespace) */
    F_FMT = 1 << 1,      /* a formatting element */
    F_IMPLIED = 1 << 2,  /* closed by "generate implied end tags" */
    F_BREAKOUT = 1 << 3, /* its start tag ends SVG/MathML content */
    F_HEAD = 1 << 4,     /* before the body, does not start it */
    F_INHEAD = 1 << 5,   /* ... only before </head> */
    F_NOTOK = 1 << 6,    /* sets frameset-ok to "not ok" */
    F_BLOCKEND = 1 << 7, /* its end tag closes it if in scope */
    F_SVGIP = 1 << 8,    /* an HTML integration point in SVG (foreignObject, desc, title) */
    F_MATHIP = 1 << 9,   /* a MathML text integration point (mi, mo, mn, ms, mtext) */
    F_ANNOT = 1 << 10,   /* annotation-xml */
    F_MGLYPH = 1 << 11,  /* mglyph, malignmark: stay MathML in a text integration point */
    F_LISTEND = 1 << 12  /* ol, ul: bound list item scope */
};

struct tag {
    const char *name;
    unsigned char len;
    unsigned char kind;
    unsigned short flags;
};

#define S F_SPECIAL
#define BO F_BREAKOUT
#define BE F_BLOCKEND
#define NO F_NOTOK

/* Every name gumbo 0.10.1 knows (its GumboTag enum), sorted; any other is one "unknown" tag
 * to gumbo, and unknown tags all compare equal in its HTML end tag rules. */
#define TAGS(X) \
    X(T_A, "a", K_A, F_FMT) \
    X(T_ABBR, "abbr", K_OTHER, 0) \
    X(T_ACRONYM, "acronym", K_OTHER, 0) \
    X(T_ADDRESS, "address", K_BLOCK, S | BE) \
    X(T_ANNOTATION_XML, "annotation-xml", K_OTHER, F_ANNOT) \
    X(T_APPLET, "applet", K_HARD, S | NO) \
    X(T_AREA, "area", K_AREA, S | NO) \
    X(T_ARTICLE, "article", K_BLOCK, S | BE) \
    X(T_ASIDE, "aside", K_BLOCK, S | BE) \
    X(T_AUDIO, "audio", K_OTHER, 0) \
    X(T_B, "b", K_FMT, F_FMT | BO) \
    X(T_BASE, "base", K_BASE, S | F_HEAD) \
    X(T_BASEFONT, "basefont", K_VOID, S | F_HEAD) \
    X(T_BDI, "bdi", K_OTHER, 0) \
    X(T_BDO, "bdo", K_OTHER, 0) \
    X(T_BGSOUND, "bgsound", K_VOID, S | F_HEAD) \
    X(T_BIG, "big", K_FMT, F_FMT | BO) \
    X(T_BLINK, "blink", K_OTHER, 0) \
    X(T_BLOCKQUOTE, "blockquote", K_BLOCK, S | BE | BO) \
    X(T_BODY, "body", K_BODY, S | BO) \
    X(T_BR, "br", K_VOID, S | NO | BO) \
    X(T_BUTTON, "button", K_BUTTON, S | NO | BE) \
    X(T_CANVAS, "canvas", K_OTHER, 0) \
    X(T_CAPTION, "caption", K_TABLE, S) \
    X(T_CENTER, "center", K_BLOCK, S | BE | BO) \
    X(T_CITE, "cite", K_OTHER, 0) \
    X(T_CODE, "code", K_FMT, F_FMT | BO) \
    X(T_COL, "col", K_TABLE, S) \
    X(T_COLGROUP, "colgroup", K_TABLE, S) \
    X(T_DATA, "data", K_OTHER, 0) \
    X(T_DATALIST, "datalist", K_OTHER, 0) \
    X(T_DD, "dd", K_DDDT, S | F_IMPLIED | NO | BO) \
    X(T_DEL, "del", K_OTHER, 0) \
    X(T_DESC, "desc", K_OTHER, F_SVGIP) \
    X(T_DETAILS, "details", K_BLOCK, S | BE) \
    X(T_DFN, "dfn", K_OTHER, 0) \
    X(T_DIR, "dir", K_BLOCK, S | BE) \
    X(T_DIV, "div", K_BLOCK, S | BE | BO) \
    X(T_DL, "dl", K_BLOCK, S | BE | BO) \
    X(T_DT, "dt", K_DDDT, S | F_IMPLIED | NO | BO) \
    X(T_EM, "em", K_FMT, F_FMT | BO) \
    X(T_EMBED, "embed", K_VOID, S | NO | BO) \
    X(T_FIELDSET, "fieldset", K_BLOCK, S | BE) \
    X(T_FIGCAPTION, "figcaption", K_BLOCK, S | BE) \
    X(T_FIGURE, "figure", K_BLOCK, S | BE) \
    X(T_FONT, "font", K_FMT, F_FMT) \
    X(T_FOOTER, "footer", K_BLOCK, S | BE) \
    X(T_FOREIGNOBJECT, "foreignobject", K_OTHER, F_SVGIP) \
    X(T_FORM, "form", K_FORM, S) \
    X(T_FRAME, "frame", K_FRAME, S) \
    X(T_FRAMESET, "frameset", K_FRAMESET, S) \
    X(T_H1, "h1", K_HEADING, S | BO) \
    X(T_H2, "h2", K_HEADING, S | BO) \
    X(T_H3, "h3", K_HEADING, S | BO) \
    X(T_H4, "h4", K_HEADING, S | BO) \
    X(T_H5, "h5", K_HEADING, S | BO) \
    X(T_H6, "h6", K_HEADING, S | BO) \
    X(T_HEAD, "head", K_IGNORED, S | F_HEAD | BO) \
    X(T_HEADER, "header", K_BLOCK, S | BE) \
    X(T_HGROUP, "hgroup", K_BLOCK, S | BE) \
    X(T_HR, "hr", K_HR, S | NO | BO) \
    X(T_HTML, "html", K_IGNORED, S | F_HEAD) \
    X(T_I, "i", K_FMT, F_FMT | BO) \
    X(T_IFRAME, "iframe", K_IFRAME, S | NO) \
    X(T_IMAGE, "image", K_VOID, NO) \
    X(T_IMG, "img", K_VOID, S | NO | BO) \
    X(T_INPUT, "input", K_VOID, S) \
    X(T_INS, "ins", K_OTHER, 0) \
    X(T_ISINDEX, "isindex", K_HARD, S | NO) \
    X(T_KBD, "kbd", K_OTHER, 0) \
    X(T_KEYGEN, "keygen", K_VOID, NO) \
    X(T_LABEL, "label", K_OTHER, 0) \
    X(T_LEGEND, "legend", K_OTHER, 0) \
    X(T_LI, "li", K_LI, S | F_IMPLIED | NO | BO) \
    X(T_LINK, "link", K_LINK, S | F_HEAD) \
    X(T_LISTING, "listing", K_PRE, S | NO | BE | BO) \
    X(T_MAIN, "main", K_BLOCK, BE) \
    X(T_MALIGNMARK, "malignmark", K_OTHER, F_MGLYPH) \
    X(T_MAP, "map", K_OTHER, 0) \
    X(T_MARK, "mark", K_OTHER, 0) \
    X(T_MARQUEE, "marquee", K_HARD, S | NO) \
    X(T_MATH, "math", K_MATH, 0) \
    X(T_MENU, "menu", K_BLOCK, S | BE | BO) \
    X(T_MENUITEM, "menuitem", K_VOID, S | F_INHEAD) \
    X(T_META, "meta", K_META, S | F_HEAD | BO) \
    X(T_METER, "meter", K_OTHER, 0) \
    X(T_MGLYPH, "mglyph", K_OTHER, F_MGLYPH) \
    X(T_MI, "mi", K_OTHER, F_MATHIP) \
    X(T_MN, "mn", K_OTHER, F_MATHIP) \
    X(T_MO, "mo", K_OTHER, F_MATHIP) \
    X(T_MS, "ms", K_OTHER, F_MATHIP) \
    X(T_MTEXT, "mtext", K_OTHER, F_MATHIP) \
    X(T_MULTICOL, "multicol", K_OTHER, 0) \
    X(T_NAV, "nav", K_BLOCK, S | BE) \
    X(T_NEXTID, "nextid", K_OTHER, 0) \
    X(T_NOBR, "nobr", K_NOBR, F_FMT | BO) \
    X(T_NOEMBED, "noembed", K_RAWTEXT, S) \
    X(T_NOFRAMES, "noframes", K_RAWTEXT, S | F_HEAD) \
    X(T_NOSCRIPT, "noscript", K_OTHER, S | F_INHEAD) \
    X(T_OBJECT, "object", K_HARD, S | NO) \
    X(T_OL, "ol", K_BLOCK, S | BE | BO | F_LISTEND) \
    X(T_OPTGROUP, "optgroup", K_OPTION, F_IMPLIED) \
    X(T_OPTION, "option", K_OPTION, F_IMPLIED) \
    X(T_OUTPUT, "output", K_OTHER, 0) \
    X(T_P, "p", K_BLOCK, S | F_IMPLIED | BO) \
    X(T_PARAM, "param", K_VOID, S) \
    X(T_PLAINTEXT, "plaintext", K_PLAINTEXT, S) \
    X(T_PRE, "pre", K_PRE, S | NO | BE | BO) \
    X(T_PROGRESS, "progress", K_OTHER, 0) \
    X(T_Q, "q", K_OTHER, 0) \
    X(T_RB, "rb", K_RUBY, F_IMPLIED) \
    X(T_RP, "rp", K_RTP, F_IMPLIED) \
    X(T_RT, "rt", K_RTP, F_IMPLIED) \
    X(T_RTC, "rtc", K_RUBY, F_IMPLIED) \
    X(T_RUBY, "ruby", K_OTHER, BO) \
    X(T_S, "s", K_FMT, F_FMT | BO) \
    X(T_SAMP, "samp", K_OTHER, 0) \
    X(T_SCRIPT, "script", K_SCRIPT, S | F_HEAD) \
    X(T_SECTION, "section", K_BLOCK, S | BE) \
    X(T_SELECT, "select", K_SELECT, S | NO) \
    X(T_SMALL, "small", K_FMT, F_FMT | BO) \
    X(T_SOURCE, "source", K_VOID, 0) \
    X(T_SPACER, "spacer", K_OTHER, 0) \
    X(T_SPAN, "span", K_OTHER, BO) \
    X(T_STRIKE, "strike", K_FMT, F_FMT | BO) \
    X(T_STRONG, "strong", K_FMT, F_FMT | BO) \
    X(T_STYLE, "style", K_RAWTEXT, S | F_HEAD) \
    X(T_SUB, "sub", K_OTHER, BO) \
    X(T_SUMMARY, "summary", K_BLOCK, S | BE) \
    X(T_SUP, "sup", K_OTHER, BO) \
    X(T_SVG, "svg", K_SVG, 0) \
    X(T_TABLE, "table", K_TABLE, S | NO | BO) \
    X(T_TBODY, "tbody", K_TABLE, S) \
    X(T_TD, "td", K_TABLE, S) \
    X(T_TEMPLATE, "template", K_TEMPLATE, S | F_HEAD | NO) \
    X(T_TEXTAREA, "textarea", K_TEXTAREA, S | NO) \
    X(T_TFOOT, "tfoot", K_TABLE, S) \
    X(T_TH, "th", K_TABLE, S) \
    X(T_THEAD, "thead", K_TABLE, S) \
    X(T_TIME, "time", K_OTHER, 0) \
    X(T_TITLE, "title", K_TITLE, S | F_HEAD | F_SVGIP) \
    X(T_TR, "tr", K_TABLE, S) \
    X(T_TRACK, "track", K_VOID, 0) \
    X(T_TT, "tt", K_FMT, F_FMT | BO) \
    X(T_U, "u", K_FMT, F_FMT | BO) \
    X(T_UL, "ul", K_BLOCK, S | BE | BO | F_LISTEND) \
    X(T_VAR, "var", K_OTHER, BO) \
    X(T_VIDEO, "video", K_OTHER, 0) \
    X(T_WBR, "wbr", K_VOID, S | NO) \
    X(T_XMP, "xmp", K_XMP, S | NO)

#define TAG_ID(id, name, kind, flags) id,
#define TAG_ENTRY(id, name, kind, flags) {name, sizeof(name) - 1, kind, flags},

enum { TAGS(TAG_ID) NTAGS, TAG_UNKNOWN = NTAGS, NO_TAG = 0xFFFF /* matches no element */ };

static const struct tag tags[] = {TAGS(TAG_ENTRY)};

#undef S
#undef BO
#undef BE
#undef NO

static const struct tag unknown_tag = {"", 0, K_OTHER, 0};

/* Where the names of each first letter begin in tags[] ('a' to 'z', then the end): a tag's
 * name is looked for in its letter's few. (Checked against tags[] in debug builds.) */
static const unsigned char letter_start[27] = {
    0, 10, 22, 29, 40, 42, 51, 51, 62, 69, 69, 71, 76, 93, 99, 104, 109, 110, 115, 131, 144, 146, 148, 149, 150, 150, 150
};


/* The open elements the scanner keeps (see the opening comment). */
enum { E_SVG, E_MATH, E_HTML, E_SELECT, E_TEMPLATE };

/* What kind of integration point a foreign element is. */
enum { IP_NONE, IP_HTML, IP_TEXT, IP_ANNOT /* annotation-xml that is not an HTML one */ };

/* <template> contents: gumbo's template insertion mode, as far as it matters here. */
enum { TM_INIT, TM_BODY, TM_COLGROUP };

struct ent {
    const char *raw;    /* the name as gumbo compares it in foreign end tags */
    size_t rawlen;
    unsigned char type; /* E_* */
    unsigned char ip;   /* IP_*, foreign elements */
    unsigned char tmode; /* TM_*, templates */
    unsigned short tag; /* index in tags[], or TAG_UNKNOWN */
};

/* Where the page is, outside the kept elements (frameset mode and the start of the body). */
enum { PH_HEAD, PH_AFTER_HEAD, PH_BODY, PH_FRAMESET, PH_AFTER_FRAMESET };

struct scan {
    struct parse__html_tok t;
    struct parse__html_sink *sink;
    const char *s;
    bool title_only;
    bool strict;
    unsigned defer;        /* PARSE_HTML_DEFER_*: why a strict scan gave up */
    bool head_over;        /* title_only: a tag that cannot be in <head> has been seen */
    bool after_raw;        /* raw text was read: the next tag is the end tag that ended it */
    size_t from;           /* where the tokenizer began looking for the current tag */
    unsigned char phase;   /* PH_* */
    bool body_maybe;       /* text (or a comment) before the body: it may have begun */
    bool frameset_not_ok;  /* gumbo's frameset-ok flag is surely "not ok" */
    bool table_seen;
    size_t frameset_depth;
    size_t ntemplates;     /* E_TEMPLATE entries in st */
    size_t n;
    struct ent st[SCAN_DEPTH];
};

#ifndef NDEBUG
static bool letter_start_ok(void)
{
    size_t i;

    for (i = 0; i < NTAGS; i++) {
        const int c = tags[i].name[0] - 'a';

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

/* The tag's index in tags[], or TAG_UNKNOWN (gumbo lower-cases names). */
static unsigned short tag_index(const struct parse__html_tag *t)
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
        if (tags[i].len != n)
            continue;
        for (k = 1; k < n && tags[i].name[k] == lower(name[k]); k++)
            ;
        if (k == n)
            return (unsigned short)i;
    }
    return TAG_UNKNOWN;
}

static const struct tag *tag_at(unsigned short i)
{
    return i < NTAGS ? &tags[i] : &unknown_tag;
}

/* Give up (strict) or note that the result may not be gumbo's (best effort). True when the
 * caller must stop: the main loop ends the scan. */
static bool give_up(struct scan *sc, unsigned why)
{
    if (sc->defer == PARSE_HTML_DEFER_NONE)
        sc->defer = why;
    return sc->strict;
}

/* --- attributes --- */

#define ATTRS_MAX 64 /* attributes of one tag the scanner checks for duplicates */

/* Whether the attributes of a tag are beyond what parse__html_attr_get reads as gumbo does.
 * It keeps the first of duplicate names, as gumbo does, but gumbo 0.10.1 has a quirk: a
 * duplicate without a value leaves its name in the buffer the next attribute's name is
 * read into ("<a x x href=y>" has attributes x and xhref). Such tags (and tags with more
 * than ATTRS_MAX attributes, which are not looked through) go to gumbo. */
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

/* --- the sink --- */

static bool in_template(const struct scan *sc)
{
    return sc->ntemplates > 0;
}

/* Before reading a tag's attributes: false when the scan must give up on them. */
static bool attrs_readable(struct scan *sc, const struct parse__html_tag *tag)
{
    return !attrs_odd(tag) || !give_up(sc, PARSE_HTML_DEFER_ATTRS);
}

/* Decode attribute lname of tag into the sink's scratch buffer. False when it is absent. */
static bool attr_decoded(struct scan *sc, const struct parse__html_tag *tag, const char *lname,
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

static const char *scratch(const struct scan *sc)
{
    return sc->sink->scratch.data ? sc->sink->scratch.data : "";
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

static int link(struct scan *sc, const struct parse__html_tag *tag, unsigned kind, const char *attr,
                bool svg)
{
    struct parse__html_attr a;
    unsigned rel = 0;
    int rc;

    if (sc->title_only || in_template(sc) || !attrs_readable(sc, tag))
        return 0;
    if (!(kind == PARSE_HTML_LINK_A ? href_attr(tag, svg, &a) : parse__html_attr_get(tag, attr, &a)))
        return 0;
    if (attr_decoded(sc, tag, "rel", &rc))
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

    if (sc->title_only || in_template(sc) || !attrs_readable(sc, tag) ||
        !parse__html_attr_get(tag, "href", &a))
        return 0;
    /* the document's base is the first in tree order, and only foster parenting puts a
     * later <base> before an earlier one */
    if (sc->sink->base && sc->table_seen && give_up(sc, PARSE_HTML_DEFER_BASE))
        return 0;
    if (!attr_decoded(sc, tag, "href", &rc))
        return rc;
    return parse__html_sink_base(sc->sink, scratch(sc), sc->sink->scratch.len, tag->offset);
}

static int meta(struct scan *sc, const struct parse__html_tag *tag)
{
    struct core_buf *b = &sc->sink->scratch;
    struct parse__html_attr a;
    size_t name_len;
    int rc;

    if (in_template(sc) || !attrs_readable(sc, tag) || !parse__html_attr_get(tag, "content", &a))
        return 0;
    /* both values go into scratch, one after the other */
    if (!attr_decoded(sc, tag, "name", &rc))
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

/* --- the stack --- */

static struct ent *top(struct scan *sc)
{
    return sc->n > 0 ? &sc->st[sc->n - 1] : NULL;
}

static bool is_foreign(const struct ent *e)
{
    return e->type == E_SVG || e->type == E_MATH;
}

/* Ends "has an element in scope" walks: the HTML integration points of SVG and MathML
 * (every annotation-xml, as in gumbo) and <template>; the HTML ones (applet, caption, table,
 * ...) are never kept. */
static bool is_boundary(const struct ent *e)
{
    return e->type == E_TEMPLATE || (is_foreign(e) && e->ip != IP_NONE);
}

/* Gumbo's special category; SVG's <title> is not in it (unlike the spec's). */
static bool is_special(const struct ent *e)
{
    if (e->type == E_SELECT || e->type == E_TEMPLATE)
        return true;
    if (e->type == E_HTML)
        return (tag_at(e->tag)->flags & F_SPECIAL) != 0;
    if (e->type == E_SVG)
        return e->ip == IP_HTML && tag_at(e->tag)->kind != K_TITLE;
    return e->ip != IP_NONE;
}

static bool html_is(const struct ent *e, unsigned short tag)
{
    return e->type == E_HTML && e->tag == tag;
}

static bool html_kind(const struct ent *e, unsigned kind)
{
    return e->type == E_HTML && tag_at(e->tag)->kind == kind;
}

static void pop(struct scan *sc)
{
    if (sc->st[sc->n - 1].type == E_TEMPLATE)
        sc->ntemplates--;
    sc->n--;
}

static size_t past_gt(const char *s, size_t n, size_t i)
{
    const char *p = i < n ? memchr(s + i, '>', n - i) : NULL;

    return p ? (size_t)(p - s) + 1 : n;
}

/* Where gumbo's "original text" of the tag at s[off] begins: at its '<', unless "</>" (which
 * gumbo drops without ending a token) comes right before it, in which case the text begins
 * at the first of those. s[from..off) is what the tokenizer skipped before the tag: text,
 * comments, doctypes, bogus comments and "</>", read here the way html_tok.c reads them. */
static size_t token_start(const char *s, size_t from, size_t off)
{
    size_t i = from, run = SIZE_MAX;

    if (off - from < 3 || memcmp(s + off - 3, "</>", 3) != 0)
        return off;
    while (i < off) {
        if (s[i] != '<' || i + 1 >= off) {
            i++; /* text: a character token */
            run = SIZE_MAX;
        } else if (s[i + 1] == '/' && i + 2 < off && s[i + 2] == '>') {
            if (run == SIZE_MAX)
                run = i;
            i += 3;
        } else if (s[i + 1] == '/') {
            i = past_gt(s, off, i + 2); /* a bogus comment */
            run = SIZE_MAX;
        } else if (off - i >= 4 && !memcmp(s + i, "<!--", 4)) {
            i += 4;
            if (i < off && s[i] == '>') {
                i++;
            } else if (i + 1 < off && s[i] == '-' && s[i + 1] == '>') {
                i += 2;
            } else {
                for (; i < off; i++)
                    if ((off - i >= 3 && !memcmp(s + i, "-->", 3)) ||
                        (off - i >= 4 && !memcmp(s + i, "--!>", 4)))
                        break;
                i = i < off ? past_gt(s, off, i) : off;
            }
            run = SIZE_MAX;
        } else if (s[i + 1] == '!' || s[i + 1] == '?') {
            i = past_gt(s, off, i + 1); /* doctype, bogus comment */
            run = SIZE_MAX;
        } else {
            i++; /* a '<' that starts nothing */
            run = SIZE_MAX;
        }
    }
    return run == SIZE_MAX ? off : run;
}

/* The name gumbo compares foreign end tags with, taken from a start tag's original text:
 * after the '<', up to white space (isspace, so also \v) or '/'. After "</>", the text
 * begins "</" and gumbo takes it for an end tag's: all of it between "</" and '>'. */
static void raw_start_name(const struct scan *sc, const struct parse__html_tag *tag,
                           const char **raw, size_t *len)
{
    const size_t ts = token_start(sc->s, sc->from, tag->offset);
    size_t i;

    if (ts != tag->offset) {
        *raw = sc->s + ts + 2;
        *len = (size_t)(tag->attrs + tag->attrs_len - 1 - *raw);
        return;
    }
    for (i = 0; i < tag->name_len; i++)
        if (tag->name[i] == '\v')
            break;
    *raw = tag->name;
    *len = i;
}

/* The same for an end tag: all between "</" and '>'. */
static void raw_end_name(const struct scan *sc, const struct parse__html_tag *tag,
                         const char **raw, size_t *len)
{
    const size_t ts = token_start(sc->s, sc->from, tag->offset);

    *raw = ts != tag->offset ? sc->s + ts + 2 : tag->name;
    *len = (size_t)(tag->attrs + tag->attrs_len - 1 - *raw);
}

static bool push(struct scan *sc, unsigned type, unsigned short tag, const struct parse__html_tag *t)
{
    struct ent *e;

    if (sc->n == SCAN_DEPTH) {
        give_up(sc, PARSE_HTML_DEFER_NESTING);
        return false;
    }
    e = &sc->st[sc->n++];
    if (type == E_SVG || type == E_MATH)
        raw_start_name(sc, t, &e->raw, &e->rawlen);
    e->type = (unsigned char)type;
    e->ip = IP_NONE;
    e->tmode = TM_INIT;
    e->tag = tag;
    if (type == E_TEMPLATE)
        sc->ntemplates++;
    return true;
}

/* Pop everything above entry i, and i: false (give up) when that would pop an HTML
 * formatting element other than the top one's own end tag, whose entry in the list of
 * active formatting elements gumbo would then re-create at the next text or tag. */
static bool pop_to(struct scan *sc, size_t i)
{
    size_t j;

    for (j = i; j < sc->n; j++)
        if (sc->st[j].type == E_HTML && (tag_at(sc->st[j].tag)->flags & F_FMT) &&
            give_up(sc, PARSE_HTML_DEFER_FOREIGN))
            return false;
    while (sc->n > i)
        pop(sc);
    return true;
}

/* "Generate implied end tags", except for elements of tag except. */
static void implied_end_tags(struct scan *sc, unsigned short except)
{
    while (sc->n > 0 && sc->st[sc->n - 1].type == E_HTML && sc->st[sc->n - 1].tag != except &&
           (tag_at(sc->st[sc->n - 1].tag)->flags & F_IMPLIED))
        pop(sc);
}

enum { SCOPE_PLAIN, SCOPE_BUTTON, SCOPE_LIST };

/* Walk down from the top for an HTML element of tag (or, with kind K_HEADING, any heading)
 * in the given scope: 1 and *at when found, 0 when a boundary comes first, -1 when the
 * walk leaves the kept elements (the answer depends on elements not kept). */
static int in_scope(const struct scan *sc, unsigned short tag, unsigned scope, size_t *at)
{
    size_t i;

    for (i = sc->n; i-- > 0;) {
        const struct ent *e = &sc->st[i];

        if (e->type == E_HTML && (e->tag == tag || (tag_at(tag)->kind == K_HEADING &&
                                                    html_kind(e, K_HEADING)))) {
            *at = i;
            return 1;
        }
        if (is_boundary(e))
            return 0;
        if (scope == SCOPE_BUTTON && html_kind(e, K_BUTTON))
            return 0;
        if (scope == SCOPE_LIST && e->type == E_HTML && (tag_at(e->tag)->flags & F_LISTEND))
            return 0;
    }
    return -1;
}

/* "Close the element" found by in_scope at i: implied end tags, then pop to it. */
static bool close_at(struct scan *sc, size_t i)
{
    implied_end_tags(sc, sc->st[i].tag);
    return pop_to(sc, i);
}

/* A start tag that closes a <p> in button scope first. */
static bool close_p(struct scan *sc, unsigned short p)
{
    size_t i;
    int r = in_scope(sc, p, SCOPE_BUTTON, &i);

    if (r < 0)
        return !give_up(sc, PARSE_HTML_DEFER_FOREIGN);
    return r == 0 || close_at(sc, i);
}

/* <li>, <dd>, <dt>: close an open one of the same kind unless a special element (but
 * address, div, p) comes first. */
static bool close_list_item(struct scan *sc, unsigned kind)
{
    size_t i;

    for (i = sc->n; i-- > 0;) {
        const struct ent *e = &sc->st[i];

        if (html_kind(e, kind))
            return close_at(sc, i);
        if (is_special(e) && !html_is(e, T_ADDRESS) && !html_is(e, T_DIV) && !html_is(e, T_P))
            return true;
    }
    return !give_up(sc, PARSE_HTML_DEFER_FOREIGN);
}

/* --- content models and the elements the scanner reacts to --- */

static void raw(struct scan *sc, const struct parse__html_tag *tag, unsigned kind)
{
    parse__html_tok_raw(&sc->t, kind, tag);
}

/* What every HTML start tag processed by the "in body" (or "in head") rules does besides
 * changing the stack: links, base, meta, title, raw text, the frameset-ok flag. */
static int html_leaf(struct scan *sc, const struct parse__html_tag *tag, unsigned short t)
{
    const struct tag *k = tag_at(t);

    if (k->flags & F_NOTOK)
        sc->frameset_not_ok = true;
    if (!(k->flags & (F_HEAD | F_INHEAD)))
        sc->head_over = true;
    switch (k->kind) {
    case K_A:
        return link(sc, tag, PARSE_HTML_LINK_A, "href", false);
    case K_AREA:
        return link(sc, tag, PARSE_HTML_LINK_AREA, "href", false);
    case K_IFRAME:
        raw(sc, tag, PARSE__RAW_RAWTEXT);
        return link(sc, tag, PARSE_HTML_LINK_IFRAME, "src", false);
    case K_LINK:
        return link(sc, tag, PARSE_HTML_LINK_LINK_NEXT, "href", false);
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
static bool annotation_is_html(struct scan *sc, const struct parse__html_tag *tag, int *rc)
{
    const char *v;
    size_t n;

    *rc = 0;
    if (!attrs_readable(sc, tag) || !attr_decoded(sc, tag, "encoding", rc))
        return false;
    v = scratch(sc);
    n = sc->sink->scratch.len;
    return (n == 9 && parse__html_eq(v, n, "text/html")) ||
           (n == 21 && parse__html_eq(v, n, "application/xhtml+xml"));
}

/* Push a foreign element of namespace type (E_SVG, E_MATH). */
static int push_foreign(struct scan *sc, unsigned type, unsigned short t,
                        const struct parse__html_tag *tag)
{
    const struct tag *k = tag_at(t);
    unsigned ip = IP_NONE;
    int rc = 0;

    if (tag->self_closing)
        return 0;
    if (type == E_SVG && (k->flags & F_SVGIP))
        ip = IP_HTML;
    else if (type == E_MATH && (k->flags & F_MATHIP))
        ip = IP_TEXT;
    else if (type == E_MATH && (k->flags & F_ANNOT))
        ip = annotation_is_html(sc, tag, &rc) ? IP_HTML : IP_ANNOT;
    if (rc < 0)
        return rc;
    if (push(sc, type, t, tag))
        sc->st[sc->n - 1].ip = (unsigned char)ip;
    return 0;
}

static int template_start(struct scan *sc, unsigned short t, const struct parse__html_tag *tag)
{
    sc->frameset_not_ok = true;
    push(sc, E_TEMPLATE, t, tag);
    return 0;
}

/* After a <select> or <template> closes, gumbo resets the insertion mode from the open
 * elements, taking an SVG or MathML element named select, td, template... for the HTML one
 * (it does not look at namespaces there): then its mode, and what it does next, is not the
 * scanner's (and it may fail an assertion, so the cost check keeps such pages from it). */
static void mode_reset(struct scan *sc)
{
    size_t i;

    for (i = sc->n; i-- > 0;) {
        const struct ent *e = &sc->st[i];

        if (e->type == E_SELECT || e->type == E_TEMPLATE)
            return;
        if (is_foreign(e)) {
            switch (e->tag) {
            case T_SELECT: case T_TD: case T_TH: case T_TR: case T_TBODY: case T_THEAD:
            case T_TFOOT: case T_CAPTION: case T_COLGROUP: case T_TABLE: case T_TEMPLATE:
            case T_HEAD: case T_BODY: case T_FRAMESET: case T_HTML:
                give_up(sc, PARSE_HTML_DEFER_FOREIGN);
                return;
            default:
                break;
            }
        }
    }
}

static void pop_select(struct scan *sc)
{
    pop(sc);
    mode_reset(sc);
}

/* </template> by the HTML rules: closes the innermost template, whatever is open in it. */
static void template_end(struct scan *sc)
{
    size_t i;

    if (sc->ntemplates == 0)
        return;
    for (i = sc->n; i-- > 0;)
        if (sc->st[i].type == E_TEMPLATE)
            break;
    while (sc->n > i)
        pop(sc);
    mode_reset(sc);
}

/* A <frameset> start tag in the document's own HTML content. */
static void frameset_start(struct scan *sc)
{
    if (sc->phase == PH_FRAMESET) {
        sc->frameset_depth++;
    } else if (sc->phase == PH_HEAD || sc->phase == PH_AFTER_HEAD) {
        if (sc->body_maybe && give_up(sc, PARSE_HTML_DEFER_FRAMESET))
            return;
        sc->phase = PH_FRAMESET;
        sc->frameset_depth = 1;
    } else if (sc->phase == PH_BODY && !sc->frameset_not_ok) {
        give_up(sc, PARSE_HTML_DEFER_FRAMESET); /* gumbo may replace the body with it */
    }
}

/* Before the body: does this start tag begin it? (At the top level only.) */
static void head_phase_start(struct scan *sc, const struct tag *k)
{
    if (sc->phase != PH_HEAD && sc->phase != PH_AFTER_HEAD)
        return;
    if (k->kind == K_FRAMESET)
        return;
    if ((k->flags & F_HEAD) || (sc->phase == PH_HEAD && (k->flags & F_INHEAD)))
        return;
    sc->phase = PH_BODY;
    if (k->kind == K_BODY)
        sc->frameset_not_ok = true;
}

/* The tags "in template" hands to the "in head" rules; any other start tag decides what the
 * template's contents are (a first <col>: a column group, which ignores most tags). */
static bool in_template_head(unsigned short t)
{
    return t == T_BASE || t == T_BASEFONT || t == T_BGSOUND || t == T_LINK || t == T_META ||
           t == T_NOFRAMES || t == T_SCRIPT || t == T_STYLE || t == T_TEMPLATE || t == T_TITLE;
}

/* The document's own HTML content, or a template's: the scanner keeps no HTML elements
 * there, only what changes the rules. */
static int loose_start(struct scan *sc, const struct parse__html_tag *tag, unsigned short t)
{
    const struct tag *k = tag_at(t);
    struct ent *tp = top(sc);

    if (tp && tp->type == E_TEMPLATE) {
        if (tp->tmode == TM_COLGROUP) {
            /* after a first <col>, gumbo ignores all but <col> and <template> */
            return k->kind == K_TEMPLATE ? template_start(sc, t, tag) : 0;
        }
        if (tp->tmode == TM_INIT && !in_template_head(t))
            tp->tmode = t == T_COL ? TM_COLGROUP : TM_BODY;
        if (tp->tmode == TM_COLGROUP)
            return 0;
    } else {
        if (sc->phase == PH_FRAMESET || sc->phase == PH_AFTER_FRAMESET) {
            if (t == T_NOFRAMES) {
                raw(sc, tag, PARSE__RAW_RAWTEXT);
            } else if (sc->phase == PH_FRAMESET && k->kind == K_FRAMESET) {
                sc->frameset_depth++;
            } else if (sc->phase == PH_FRAMESET && k->kind == K_FRAME) {
                return link(sc, tag, PARSE_HTML_LINK_FRAME, "src", false);
            }
            return 0; /* everything else is ignored */
        }
        head_phase_start(sc, k);
    }
    switch (k->kind) {
    case K_SVG:
    case K_MATH:
        sc->head_over = true;
        return push_foreign(sc, k->kind == K_SVG ? E_SVG : E_MATH, t, tag);
    case K_SELECT:
        html_leaf(sc, tag, t);
        push(sc, E_SELECT, t, tag);
        return 0;
    case K_TEMPLATE:
        return template_start(sc, t, tag);
    case K_FRAMESET:
        if (!in_template(sc))
            frameset_start(sc);
        return 0;
    case K_BODY:
        if (!in_template(sc))
            sc->frameset_not_ok = true;
        sc->head_over = true;
        return 0;
    default:
        return html_leaf(sc, tag, t);
    }
}

static void loose_end(struct scan *sc, unsigned short t)
{
    const struct tag *k = tag_at(t);

    if (k->kind == K_TEMPLATE) {
        template_end(sc);
        return;
    }
    if (sc->n > 0)
        return;
    if (sc->phase == PH_FRAMESET && k->kind == K_FRAMESET) {
        if (--sc->frameset_depth == 0)
            sc->phase = PH_AFTER_FRAMESET;
    } else if (sc->phase == PH_HEAD || sc->phase == PH_AFTER_HEAD) {
        if (t == T_HEAD)
            sc->phase = PH_AFTER_HEAD;
        else if (t == T_BODY || t == T_HTML || t == T_BR)
            sc->phase = PH_BODY;
    }
    if (t == T_HEAD)
        sc->head_over = true;
}

/* <select>: only a few tags mean anything until it ends. */
static int select_start(struct scan *sc, const struct parse__html_tag *tag, unsigned short t,
                        bool *again)
{
    const struct tag *k = tag_at(t);

    switch (k->kind) {
    case K_SELECT:
        pop_select(sc);
        return 0;
    case K_TEXTAREA:
        pop_select(sc);
        *again = true;
        return 0;
    case K_VOID:
        if (t == T_INPUT || t == T_KEYGEN) {
            pop_select(sc);
            *again = true;
        }
        return 0;
    case K_SCRIPT:
        raw(sc, tag, PARSE__RAW_SCRIPT);
        return 0;
    case K_TEMPLATE:
        return template_start(sc, t, tag);
    case K_TABLE:
        /* "in select in table" ends the select here, "in select" ignores the tag */
        if (t == T_COLGROUP || t == T_COL)
            return 0;
        if (give_up(sc, PARSE_HTML_DEFER_SELECT))
            return 0;
        pop_select(sc);
        *again = true;
        return 0;
    default:
        return 0;
    }
}

static void select_end(struct scan *sc, unsigned short t)
{
    const struct tag *k = tag_at(t);

    if (k->kind == K_SELECT)
        pop_select(sc);
    else if (k->kind == K_TEMPLATE)
        template_end(sc);
    else if (k->kind == K_TABLE && t != T_COLGROUP && t != T_COL &&
             !give_up(sc, PARSE_HTML_DEFER_SELECT))
        pop_select(sc);
}

/* An HTML start tag inside SVG or MathML (in an integration point), by the "in body" rules
 * on the kept elements. Scopes end at the integration point, so they are all known. */
static int kept_start(struct scan *sc, const struct parse__html_tag *tag, unsigned short t)
{
    const struct tag *k = tag_at(t);
    size_t i;
    int r;

    switch (k->kind) {
    case K_SVG:
    case K_MATH:
        return push_foreign(sc, k->kind == K_SVG ? E_SVG : E_MATH, t, tag);
    case K_SELECT:
        html_leaf(sc, tag, t);
        push(sc, E_SELECT, t, tag);
        return 0;
    case K_TEMPLATE:
        return template_start(sc, t, tag);
    case K_IGNORED:
    case K_BODY:
    case K_FRAME:
        return 0;
    case K_TABLE:
    case K_FORM:
    case K_HARD:
    case K_FRAMESET:
        give_up(sc, PARSE_HTML_DEFER_FOREIGN);
        return 0;
    case K_BLOCK:
    case K_PRE:
    case K_HR:
    case K_XMP:
    case K_PLAINTEXT:
        if (!close_p(sc, T_P))
            return 0;
        break;
    case K_HEADING:
        if (!close_p(sc, T_P))
            return 0;
        if (sc->n > 0 && html_kind(top(sc), K_HEADING))
            pop(sc);
        break;
    case K_LI:
    case K_DDDT:
        if (!close_list_item(sc, k->kind) || !close_p(sc, T_P))
            return 0;
        break;
    case K_BUTTON:
        r = in_scope(sc, t, SCOPE_PLAIN, &i);
        if (r < 0 && give_up(sc, PARSE_HTML_DEFER_FOREIGN))
            return 0;
        if (r > 0 && !close_at(sc, i))
            return 0;
        break;
    case K_A:
        /* an open <a> is closed first by the adoption agency, which is simple only when
         * it is the current node; any other <a> kept is then taken off the stack (one
         * outside SVG/MathML is not in scope, and is only forgotten) */
        if (sc->n > 0 && html_is(top(sc), t))
            pop(sc);
        for (i = sc->n; i-- > 0 && sc->st[i].type != E_TEMPLATE;)
            if (html_is(&sc->st[i], t) && give_up(sc, PARSE_HTML_DEFER_FOREIGN))
                return 0;
        break;
    case K_NOBR:
        r = in_scope(sc, t, SCOPE_PLAIN, &i);
        if (r != 0 && give_up(sc, PARSE_HTML_DEFER_FOREIGN))
            return 0;
        break;
    case K_OPTION:
        if (sc->n > 0 && html_is(top(sc), T_OPTION))
            pop(sc);
        break;
    case K_RUBY:
    case K_RTP:
        r = in_scope(sc, T_RUBY, SCOPE_PLAIN, &i);
        if (r < 0 && give_up(sc, PARSE_HTML_DEFER_FOREIGN))
            return 0;
        if (r > 0)
            implied_end_tags(sc, k->kind == K_RTP ? T_RTC : NO_TAG);
        break;
    default:
        break;
    }
    switch (k->kind) {
    case K_A:
    case K_FMT:
    case K_NOBR:
    case K_BLOCK:
    case K_HEADING:
    case K_PRE:
    case K_LI:
    case K_DDDT:
    case K_BUTTON:
    case K_OPTION:
    case K_RUBY:
    case K_RTP:
    case K_OTHER:
        push(sc, E_HTML, t, tag);
        break;
    default: /* void, or raw text (pushed and popped around its text) */
        break;
    }
    return html_leaf(sc, tag, t);
}

/* Whether an end tag that reaches the HTML rules with only elements the scanner does not
 * keep left to close surely does nothing to them: no HTML element of its name can be open
 * there (<svg> and <math> are never HTML elements, a raw-text element is closed by its end
 * tag before any other tag is read, head is closed before the body), and </body>, </html>
 * only change the insertion mode to one that hands everything back to "in body". */
static bool ends_nothing_unkept(unsigned short t)
{
    const struct tag *k = tag_at(t);

    switch (k->kind) {
    case K_SVG:
    case K_MATH:
    case K_TITLE:
    case K_SCRIPT:
    case K_RAWTEXT:
    case K_XMP:
    case K_TEXTAREA:
    case K_PLAINTEXT:
    case K_IFRAME:
    case K_BODY:
        return true;
    default:
        return t == T_HEAD || t == T_HTML || t == T_BR;
    }
}

/* An HTML end tag by the "in body" rules, on the kept elements: inside an integration
 * point, or an end tag that foreign content passed on because it reached one. */
static void kept_end(struct scan *sc, unsigned short t)
{
    const struct tag *k = tag_at(t);
    unsigned scope = SCOPE_PLAIN;
    size_t i;
    int r;

    switch (k->kind) {
    case K_TEMPLATE:
        template_end(sc);
        return;
    case K_BODY:
    case K_IGNORED: /* </body>, </html>: the body is not in scope */
        if (t != T_HEAD)
            return;
        break;
    case K_TABLE:
    case K_FORM:
    case K_HARD:
        give_up(sc, PARSE_HTML_DEFER_FOREIGN);
        return;
    default:
        if (t == T_BR)
            return; /* a <br>, inserted and popped */
        break;
    }
    if (k->flags & F_FMT) {
        /* the adoption agency: simple when the element is the current node; one outside
         * SVG/MathML is not in scope, and the end tag is ignored */
        if (html_is(top(sc), t)) {
            pop(sc);
            return;
        }
        for (i = sc->n; i-- > 0 && sc->st[i].type != E_TEMPLATE;)
            if (html_is(&sc->st[i], t)) {
                give_up(sc, PARSE_HTML_DEFER_FOREIGN);
                return;
            }
        return;
    }
    if ((k->flags & F_BLOCKEND) || k->kind == K_LI || k->kind == K_DDDT || k->kind == K_HEADING ||
        t == T_P) {
        if (t == T_P)
            scope = SCOPE_BUTTON;
        else if (k->kind == K_LI)
            scope = SCOPE_LIST;
        r = in_scope(sc, t, scope, &i);
        if (r < 0) {
            give_up(sc, PARSE_HTML_DEFER_FOREIGN);
        } else if (r > 0 && k->kind == K_HEADING) {
            implied_end_tags(sc, NO_TAG);
            pop_to(sc, i);
        } else if (r > 0) {
            close_at(sc, i);
        }
        return; /* not in scope: ignored ("</p>" makes an empty <p>) */
    }
    /* any other end tag: the nearest element of that name, unless a special one is nearer */
    for (i = sc->n; i-- > 0;) {
        const struct ent *e = &sc->st[i];

        if (html_is(e, t)) {
            close_at(sc, i);
            return;
        }
        if (is_special(e))
            return;
    }
    if (!ends_nothing_unkept(t))
        give_up(sc, PARSE_HTML_DEFER_FOREIGN);
}

static bool font_breaks_out(struct scan *sc, const struct parse__html_tag *tag)
{
    struct parse__html_attr a;

    if (!attrs_readable(sc, tag))
        return false;
    return parse__html_attr_get(tag, "color", &a) || parse__html_attr_get(tag, "face", &a) ||
           parse__html_attr_get(tag, "size", &a);
}

/* A start tag in foreign content (the current node is SVG or MathML and not an integration
 * point for this tag). */
static int foreign_start(struct scan *sc, const struct parse__html_tag *tag, unsigned short t,
                         bool *again)
{
    const struct tag *k = tag_at(t);
    unsigned type = top(sc)->type;
    int rc = 0;

    if ((k->flags & F_BREAKOUT) || (t == T_FONT && font_breaks_out(sc, tag))) {
        /* back to HTML content: pop to an HTML element or integration point, reprocess */
        do
            pop(sc);
        while (sc->n > 0 && is_foreign(top(sc)) && top(sc)->ip != IP_HTML &&
               top(sc)->ip != IP_TEXT);
        *again = true;
        return 0;
    }
    if (type == E_SVG && k->kind == K_A)
        rc = link(sc, tag, PARSE_HTML_LINK_A, "href", true);
    if (rc == 0)
        rc = push_foreign(sc, type, t, tag);
    return rc;
}

/* strncasecmp over two equal lengths, as gumbo compares foreign tag names (it stops at a
 * NUL in both). */
static bool name_eq(const char *a, size_t an, const char *b, size_t bn)
{
    size_t i;

    if (an != bn)
        return false;
    for (i = 0; i < an; i++) {
        char x = a[i], y = b[i];

        if (x >= 'A' && x <= 'Z')
            x = (char)(x + 32);
        if (y >= 'A' && y <= 'Z')
            y = (char)(y + 32);
        if (x != y)
            return false;
        if (x == '\0')
            return true;
    }
    return true;
}

/* An end tag in foreign content: it closes the nearest foreign element of the same name
 * (by the text between "</" and ">", so any space or attribute makes it match none), or
 * goes on to the HTML rules at the first HTML element. */
static void foreign_end(struct scan *sc, const struct parse__html_tag *tag, unsigned short t)
{
    const struct tag *k = tag_at(t);
    const char *raw;
    size_t i, rawlen;

    raw_end_name(sc, tag, &raw, &rawlen);
    for (i = sc->n; i-- > 0;) {
        const struct ent *e = &sc->st[i];

        if (!is_foreign(e)) {
            if (e->type == E_HTML) {
                kept_end(sc, t);
                return;
            }
            break;
        }
        if (name_eq(e->raw, e->rawlen, raw, rawlen)) {
            while (sc->n > i)
                pop(sc);
            return;
        }
    }
    /* the HTML rules, on elements the scanner does not keep: what they do is known for
     * </template> and for the end tags that cannot close any of them */
    if (k->kind == K_TEMPLATE)
        template_end(sc);
    else if (!ends_nothing_unkept(t))
        give_up(sc, PARSE_HTML_DEFER_FOREIGN);
}

/* Whether a start tag goes to the HTML rules although the current node is foreign. */
static bool html_content(const struct ent *e, unsigned short t)
{
    const struct tag *k = tag_at(t);

    return e->ip == IP_HTML || (e->ip == IP_TEXT && !(k->flags & F_MGLYPH)) ||
           (e->ip == IP_ANNOT && k->kind == K_SVG);
}

static int start_tag(struct scan *sc, const struct parse__html_tag *tag)
{
    const unsigned short t = tag_index(tag);
    bool again;
    int rc;

    do {
        const struct ent *tp = top(sc);

        again = false;
        if (!tp || tp->type == E_TEMPLATE)
            rc = loose_start(sc, tag, t);
        else if (tp->type == E_SELECT)
            rc = select_start(sc, tag, t, &again);
        else if (tp->type == E_HTML || html_content(tp, t))
            rc = kept_start(sc, tag, t);
        else
            rc = foreign_start(sc, tag, t, &again);
    } while (rc == 0 && again && !(sc->strict && sc->defer != PARSE_HTML_DEFER_NONE));
    return rc;
}

static void end_tag(struct scan *sc, const struct parse__html_tag *tag)
{
    const unsigned short t = tag_index(tag);
    const struct ent *tp = top(sc);

    if (!tp || tp->type == E_TEMPLATE)
        loose_end(sc, t);
    else if (tp->type == E_SELECT)
        select_end(sc, t);
    else if (tp->type == E_HTML)
        kept_end(sc, t);
    else
        foreign_end(sc, tag, t);
}

/* Whether s[0..n), which the tokenizer read as text, comments, doctypes and bogus comments,
 * has text other than white space (which would begin the body). */
static bool has_text(const char *s, size_t n)
{
    size_t i = 0;

    while (i < n) {
        const char c = s[i];

        if (c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r') {
            i++;
        } else if (c != '<' || i + 1 >= n) {
            return true;
        } else if (n - i >= 4 && !memcmp(s + i, "<!--", 4)) {
            i += 4; /* a comment: "<!-->", "<!--->", or up to "-->" or "--!>" */
            if (i < n && s[i] == '>') {
                i++;
            } else if (i + 1 < n && s[i] == '-' && s[i + 1] == '>') {
                i += 2;
            } else {
                for (; i < n; i++)
                    if ((n - i >= 3 && !memcmp(s + i, "-->", 3)) ||
                        (n - i >= 4 && !memcmp(s + i, "--!>", 4)))
                        break;
                i = i < n ? past_gt(s, n, i) : n;
            }
        } else if (s[i + 1] == '!' || s[i + 1] == '?' || s[i + 1] == '/') {
            i = past_gt(s, n, i + 1); /* doctype, bogus comment, "</>" */
        } else {
            return true; /* a '<' that starts nothing */
        }
    }
    return false;
}

/* Whether s has a numeric character reference ("&#" digits, or "&#x" hex digits) worth
 * 2^31 or more: gumbo 0.10.1 adds the digits up in an int, so the value wraps around, and the
 * negative ones go wrong in odd ways (-1 is its "no character", taken for the end of the
 * input). It may be anywhere (text, any attribute), so the whole input is looked at. */
static bool huge_numeric_ref(const char *s, size_t len)
{
    const char *p = s, *end = s + len;

    while ((p = memchr(p, '&', (size_t)(end - p))) != NULL) {
        uint64_t v = 0;
        bool hex;

        p++;
        if (p == end || *p != '#')
            continue;
        p++;
        hex = p < end && (*p == 'x' || *p == 'X');
        if (hex)
            p++;
        for (; p < end; p++) {
            unsigned d;

            if (*p >= '0' && *p <= '9')
                d = (unsigned)(*p - '0');
            else if (hex && ((*p | 32) >= 'a' && (*p | 32) <= 'f'))
                d = (unsigned)((*p | 32) - 'a' + 10);
            else
                break;
            v = v * (hex ? 16 : 10) + d;
            if (v >= (1u << 31))
                return true;
        }
    }
    return false;
}

int parse__html_scan(const char *s, size_t len, bool title_only, bool strict, unsigned *defer,
                     struct parse__html_sink *sink)
{
    struct scan sc;
    struct parse__html_tag tag;
    unsigned type;
    int rc = 0;

    /* all but the stack of entries, which is written before it is read (4 KB not to clear
     * on every page) */
    memset(&sc, 0, offsetof(struct scan, st));
    sc.sink = sink;
    sc.s = s;
    sc.title_only = title_only;
    sc.strict = strict;
    sc.phase = PH_HEAD;
    assert(letter_start_ok());
    parse__html_tok_init(&sc.t, s, len);
    for (;;) {
        const size_t from = sc.t.pos;

        /* gumbo's tokenizer opens CDATA sections when the current node is foreign, which
         * an integration point itself is */
        sc.t.cdata = sc.n > 0 && is_foreign(top(&sc));
        sc.from = from;
        type = parse__html_tok_next(&sc.t, &tag);
        if (type == PARSE__TOK_EOF)
            break;
        /* text before the body begins it, which decides what a <frameset> does */
        if (sc.n == 0 && (sc.phase == PH_HEAD || sc.phase == PH_AFTER_HEAD) && !sc.body_maybe &&
            type != PARSE__TOK_RAW)
            sc.body_maybe = has_text(s + from, tag.offset - from);
        if (type == PARSE__TOK_RAW) {
            sc.after_raw = true;
            continue;
        }
        if (sc.after_raw) {
            /* the raw-text element's end tag: gumbo pops that element, which the scanner
             * never pushed */
            sc.after_raw = false;
            if (type == PARSE__TOK_END)
                continue;
        }
        if (type == PARSE__TOK_START)
            rc = start_tag(&sc, &tag);
        else if (type == PARSE__TOK_END)
            end_tag(&sc, &tag);
        if (rc < 0 || (strict && sc.defer != PARSE_HTML_DEFER_NONE))
            break;
        if (title_only && sc.head_over && sink->title_src != SIZE_MAX)
            break;
    }
    /* what was read (all of it, but in title_only mode) must not have a reference gumbo
     * wraps around: one at -1 would end its input there */
    if (rc == 0 && sc.defer == PARSE_HTML_DEFER_NONE && huge_numeric_ref(s, sc.t.pos))
        give_up(&sc, PARSE_HTML_DEFER_CHARREF);
    *defer = sc.defer;
    return rc;
}
