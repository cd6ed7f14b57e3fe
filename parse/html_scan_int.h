/* parse/html_scan_int.h: what the linear HTML scanner's files share (module-internal).
 *
 * html_scan.c runs the tokenizer and dispatches each tag by the insertion mode it is in,
 * html_stack.c keeps the open elements that change the rules (and the "in body" rules on
 * them), html_elems.c holds gumbo's tag names and what the tags the scanner reacts to hand
 * the sink. See html_scan.c's opening comment for the design. The small helpers used on
 * every tag are static inline here, so that the split costs no calls.
 * Ownership: struct scan lives on parse__html_scan's stack; the sink is the caller's. Pure,
 * any thread. */
#ifndef PARSE_HTML_SCAN_INT_H
#define PARSE_HTML_SCAN_INT_H

#include <stdbool.h>
#include <stddef.h>
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

/* TAGS below spells flags with the short names S (F_SPECIAL), BO (F_BREAKOUT), BE
 * (F_BLOCKEND) and NO (F_NOTOK), defined where the table is built (html_elems.c). */

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
extern const struct tag parse__html_tags[NTAGS];
extern const struct tag parse__html_tag_unknown;


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

static inline const struct tag *tag_at(unsigned short i)
{
    return i < NTAGS ? &parse__html_tags[i] : &parse__html_tag_unknown;
}

/* Give up (strict) or note that the result may not be gumbo's (best effort). True when the
 * caller must stop: the main loop ends the scan. */
static inline bool give_up(struct scan *sc, unsigned why)
{
    if (sc->defer == PARSE_HTML_DEFER_NONE)
        sc->defer = why;
    return sc->strict;
}

static inline bool in_template(const struct scan *sc)
{
    return sc->ntemplates > 0;
}

static inline const char *scratch(const struct scan *sc)
{
    return sc->sink->scratch.data ? sc->sink->scratch.data : "";
}

static inline struct ent *top(struct scan *sc)
{
    return sc->n > 0 ? &sc->st[sc->n - 1] : NULL;
}

static inline bool is_foreign(const struct ent *e)
{
    return e->type == E_SVG || e->type == E_MATH;
}

static inline bool html_is(const struct ent *e, unsigned short tag)
{
    return e->type == E_HTML && e->tag == tag;
}

static inline bool html_kind(const struct ent *e, unsigned kind)
{
    return e->type == E_HTML && tag_at(e->tag)->kind == kind;
}

static inline void pop(struct scan *sc)
{
    if (sc->st[sc->n - 1].type == E_TEMPLATE)
        sc->ntemplates--;
    sc->n--;
}

static inline size_t past_gt(const char *s, size_t n, size_t i)
{
    const char *p = i < n ? memchr(s + i, '>', n - i) : NULL;

    return p ? (size_t)(p - s) + 1 : n;
}

/* Past the comment whose "<!--" ends at i in s[0..n): "<!-->", "<!--->", or up to "-->" or
 * "--!>" (to n when it never ends), as the tokenizer reads it. */
static inline size_t past_comment(const char *s, size_t n, size_t i)
{
    if (i < n && s[i] == '>')
        return i + 1;
    if (i + 1 < n && s[i] == '-' && s[i + 1] == '>')
        return i + 2;
    for (; i < n; i++)
        if ((n - i >= 3 && !memcmp(s + i, "-->", 3)) || (n - i >= 4 && !memcmp(s + i, "--!>", 4)))
            break;
    return i < n ? past_gt(s, n, i) : n;
}

static inline void raw(struct scan *sc, const struct parse__html_tag *tag, unsigned kind)
{
    parse__html_tok_raw(&sc->t, kind, tag);
}

/* html_elems.c: tag names, attributes, the sink. */
#ifndef NDEBUG
bool parse__html_tags_ok(void);
#endif
/* The tag's index in parse__html_tags[], or TAG_UNKNOWN (gumbo lower-cases names). */
unsigned short parse__html_tag_index(const struct parse__html_tag *t);
/* Before reading a tag's attributes: false when the scan must give up on them. */
bool parse__html_attrs_readable(struct scan *sc, const struct parse__html_tag *tag);
/* Decode attribute lname of tag into the sink's scratch buffer. False when it is absent. */
bool parse__html_attr_decoded(struct scan *sc, const struct parse__html_tag *tag, const char *lname,
                              int *rc);
/* Hand the sink a link of kind from attribute attr (an <a>'s href, or in SVG xlink:href). */
int parse__html_scan_link(struct scan *sc, const struct parse__html_tag *tag, unsigned kind,
                          const char *attr, bool svg);
/* What an HTML start tag does besides changing the stack: links, base, meta, title, raw
 * text, the frameset-ok flag. */
int parse__html_leaf(struct scan *sc, const struct parse__html_tag *tag, unsigned short t);
/* Whether annotation-xml's encoding makes it an HTML integration point. */
bool parse__html_annotation_is_html(struct scan *sc, const struct parse__html_tag *tag, int *rc);

/* html_stack.c: the kept open elements. */
/* Push an entry; false (and give up) past SCAN_DEPTH. */
bool parse__html_push(struct scan *sc, unsigned type, unsigned short tag,
                      const struct parse__html_tag *t);
/* The name gumbo compares foreign end tags with: all between "</" and '>'. */
void parse__html_raw_end_name(const struct scan *sc, const struct parse__html_tag *tag,
                              const char **raw, size_t *len);
/* Push a foreign element of namespace type (E_SVG, E_MATH). */
int parse__html_push_foreign(struct scan *sc, unsigned type, unsigned short t,
                             const struct parse__html_tag *tag);
int parse__html_template_start(struct scan *sc, unsigned short t,
                               const struct parse__html_tag *tag);
/* </template> by the HTML rules: closes the innermost template, whatever is open in it. */
void parse__html_template_end(struct scan *sc);
/* Pop the <select>, then reset the insertion mode. */
void parse__html_pop_select(struct scan *sc);
/* An HTML start tag inside SVG or MathML (in an integration point), by the "in body" rules. */
int parse__html_kept_start(struct scan *sc, const struct parse__html_tag *tag, unsigned short t);
/* An HTML end tag by the "in body" rules, on the kept elements. */
void parse__html_kept_end(struct scan *sc, unsigned short t);
/* Whether an end tag reaching the HTML rules with only unkept elements left surely does
 * nothing to them. */
bool parse__html_ends_nothing_unkept(unsigned short t);

#endif
