/* parse/html_scan.c: links, base, meta robots and title without building a tree.
 *
 * The fallback for pages gumbo should not see, and the whole of title_only mode. It runs
 * html_tok.c over the page once and reacts to the tags that matter: a[href], area[href],
 * iframe[src], frame[src], link[rel~=next|prev][href], base[href], meta[name][content] and
 * title, decoding attribute values and title text the way the HTML tokenizer does. To agree
 * with gumbo on ordinary pages it tracks just enough tree state to choose the content model
 * after a start tag: inside <svg> and <math> (outside their HTML integration points) there
 * is no raw text, "<![CDATA[" opens a CDATA section and <title> is SVG's, not the page's.
 * Everything else about tree building (foster parenting, tags gumbo ignores inside <select>
 * or outside <frameset>) is left out: the results can differ only on malformed pages.
 *
 * Linear in the input, with no memory but the sink's. */
#include <stdint.h>
#include <string.h>

#include "parse/html_int.h"

struct scan {
    struct parse__html_tok t;
    struct parse__html_sink *sink;
    bool title_only;
    bool head_over;   /* title_only: a tag that cannot be in <head> has been seen */
    size_t foreign;   /* open <svg> and <math> elements */
    size_t ip;        /* open HTML integration points inside them */
    bool ip_current;  /* ... and the last one is still the current node, as far as we know */
};

enum {
    K_OTHER, K_A, K_AREA, K_BASE, K_FRAME, K_IFRAME, K_LINK, K_META, K_TITLE, K_SCRIPT,
    K_RAWTEXT, K_TEXTAREA, K_PLAINTEXT, K_SVG, K_MATH, K_IP, K_BREAKOUT, K_FONT, K_HEAD,
    K_BODY
};

struct kname {
    const char *name;
    unsigned char kind;
    bool in_head; /* may appear in <head> without ending it */
};

/* The tags the scanner reacts to (anything else is K_OTHER, which ends the head). */
static const struct kname knames[] = {
    {"a", K_A, false}, {"annotation-xml", K_IP, false}, {"area", K_AREA, false},
    {"b", K_BREAKOUT, false}, {"base", K_BASE, true}, {"basefont", K_OTHER, true},
    {"bgsound", K_OTHER, true}, {"big", K_BREAKOUT, false}, {"blockquote", K_BREAKOUT, false},
    {"body", K_BODY, false}, {"br", K_BREAKOUT, false}, {"center", K_BREAKOUT, false},
    {"code", K_BREAKOUT, false}, {"dd", K_BREAKOUT, false}, {"desc", K_IP, false},
    {"div", K_BREAKOUT, false}, {"dl", K_BREAKOUT, false}, {"dt", K_BREAKOUT, false},
    {"em", K_BREAKOUT, false}, {"embed", K_BREAKOUT, false}, {"font", K_FONT, false},
    {"foreignobject", K_IP, false}, {"frame", K_FRAME, false}, {"h1", K_BREAKOUT, false},
    {"h2", K_BREAKOUT, false}, {"h3", K_BREAKOUT, false}, {"h4", K_BREAKOUT, false},
    {"h5", K_BREAKOUT, false}, {"h6", K_BREAKOUT, false}, {"head", K_HEAD, true},
    {"hr", K_BREAKOUT, false}, {"html", K_OTHER, true}, {"i", K_BREAKOUT, false},
    {"iframe", K_IFRAME, false}, {"img", K_BREAKOUT, false}, {"li", K_BREAKOUT, false},
    {"link", K_LINK, true}, {"listing", K_BREAKOUT, false}, {"math", K_MATH, false},
    {"menu", K_BREAKOUT, false}, {"meta", K_META, true}, {"mi", K_IP, false},
    {"mn", K_IP, false}, {"mo", K_IP, false}, {"ms", K_IP, false}, {"mtext", K_IP, false},
    {"nobr", K_BREAKOUT, false}, {"noembed", K_RAWTEXT, false}, {"noframes", K_RAWTEXT, true},
    {"noscript", K_OTHER, true}, {"ol", K_BREAKOUT, false}, {"p", K_BREAKOUT, false},
    {"plaintext", K_PLAINTEXT, false}, {"pre", K_BREAKOUT, false}, {"ruby", K_BREAKOUT, false},
    {"s", K_BREAKOUT, false}, {"script", K_SCRIPT, true}, {"small", K_BREAKOUT, false},
    {"span", K_BREAKOUT, false}, {"strike", K_BREAKOUT, false}, {"strong", K_BREAKOUT, false},
    {"style", K_RAWTEXT, true}, {"sub", K_BREAKOUT, false}, {"sup", K_BREAKOUT, false},
    {"svg", K_SVG, false}, {"table", K_BREAKOUT, false}, {"template", K_OTHER, true},
    {"textarea", K_TEXTAREA, false}, {"title", K_TITLE, true}, {"tt", K_BREAKOUT, false},
    {"u", K_BREAKOUT, false}, {"ul", K_BREAKOUT, false}, {"var", K_BREAKOUT, false},
    {"xmp", K_RAWTEXT, false},
};

static const struct kname *lookup(const struct parse__html_tag *tag)
{
    static const struct kname other = {"", K_OTHER, false};
    char name[16];
    size_t lo = 0, hi = sizeof(knames) / sizeof(knames[0]), mid;
    int c;

    parse__html_lower(tag->name, tag->name_len, name, sizeof(name));
    while (lo < hi) {
        mid = lo + (hi - lo) / 2;
        c = strcmp(name, knames[mid].name);
        if (c == 0)
            return &knames[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return &other;
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

/* The href of a tag, or in SVG and MathML its xlink:href (gumbo adjusts foreign attributes
 * and names both "href"): the first of the two. */
static bool href_attr(const struct parse__html_tag *tag, bool foreign, struct parse__html_attr *a)
{
    const char *p = tag->attrs, *end = tag->attrs + tag->attrs_len;

    if (!foreign)
        return parse__html_attr_get(tag, "href", a);
    while (parse__html_attr_next(&p, end, a))
        if (parse__html_eq(a->name, a->name_len, "href") ||
            parse__html_eq(a->name, a->name_len, "xlink:href"))
            return true;
    return false;
}

static int link(struct scan *sc, const struct parse__html_tag *tag, unsigned kind, const char *attr,
                bool foreign)
{
    struct parse__html_attr a;
    unsigned rel = 0;
    int rc;

    if (sc->title_only)
        return 0;
    if (!(kind == PARSE_HTML_LINK_A ? href_attr(tag, foreign, &a) : parse__html_attr_get(tag, attr, &a)))
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
    int rc;

    if (sc->title_only)
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

    /* both values go into scratch, one after the other */
    if (!parse__html_attr_get(tag, "content", &a))
        return 0;
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
    if (!parse__html_sink_title_begin(sc->sink, tag->offset))
        return 0;
    core_buf_reset(&sc->sink->scratch);
    rc = parse__html_decode(text.text, text.text_len, false, &sc->sink->scratch);
    if (rc == 0)
        rc = parse__html_sink_title_more(sc->sink, scratch(sc), sc->sink->scratch.len);
    return rc;
}

static bool font_breaks_out(const struct parse__html_tag *tag)
{
    struct parse__html_attr a;

    return parse__html_attr_get(tag, "color", &a) || parse__html_attr_get(tag, "face", &a) ||
           parse__html_attr_get(tag, "size", &a);
}

static int start_tag(struct scan *sc, const struct parse__html_tag *tag)
{
    const struct kname *k = lookup(tag);
    bool foreign = sc->foreign > 0 && sc->ip == 0;

    if (foreign && (k->kind == K_BREAKOUT || (k->kind == K_FONT && font_breaks_out(tag)))) {
        sc->foreign = 0; /* gumbo pops back to HTML content */
        sc->ip = 0;
        foreign = false;
    }
    if (!foreign && !k->in_head)
        sc->head_over = true;
    sc->ip_current = false;
    switch (k->kind) {
    case K_A:
        return link(sc, tag, PARSE_HTML_LINK_A, "href", foreign);
    case K_AREA:
        return link(sc, tag, PARSE_HTML_LINK_AREA, "href", foreign);
    case K_FRAME:
        return link(sc, tag, PARSE_HTML_LINK_FRAME, "src", foreign);
    case K_IFRAME:
        if (!foreign)
            parse__html_tok_raw(&sc->t, PARSE__RAW_RAWTEXT, tag);
        return link(sc, tag, PARSE_HTML_LINK_IFRAME, "src", foreign);
    case K_LINK:
        return link(sc, tag, PARSE_HTML_LINK_LINK_NEXT, "href", foreign);
    case K_BASE:
        return base(sc, tag);
    case K_META:
        return meta(sc, tag);
    case K_TITLE:
        if (!foreign)
            return title(sc, tag);
        sc->ip++; /* SVG's <title> holds HTML */
        sc->ip_current = true;
        return 0;
    case K_SCRIPT:
        if (!foreign)
            parse__html_tok_raw(&sc->t, PARSE__RAW_SCRIPT, tag);
        return 0;
    case K_RAWTEXT:
        if (!foreign)
            parse__html_tok_raw(&sc->t, PARSE__RAW_RAWTEXT, tag);
        return 0;
    case K_TEXTAREA:
        if (!foreign)
            parse__html_tok_raw(&sc->t, PARSE__RAW_RCDATA, tag);
        return 0;
    case K_PLAINTEXT:
        if (!foreign)
            parse__html_tok_raw(&sc->t, PARSE__RAW_PLAINTEXT, tag);
        return 0;
    case K_SVG:
    case K_MATH:
        if (!tag->self_closing && sc->ip == 0)
            sc->foreign++;
        return 0;
    case K_IP:
        if (foreign && !tag->self_closing) {
            sc->ip++;
            sc->ip_current = true;
        }
        return 0;
    default:
        return 0;
    }
}

static void end_tag(struct scan *sc, const struct parse__html_tag *tag)
{
    const struct kname *k = lookup(tag);

    switch (k->kind) {
    case K_SVG:
    case K_MATH:
        if (sc->ip == 0 && sc->foreign > 0)
            sc->foreign--;
        break;
    case K_IP:
    case K_TITLE:
        if (sc->ip > 0)
            sc->ip--;
        sc->ip_current = false;
        break;
    case K_HEAD:
        sc->head_over = true;
        break;
    default:
        break;
    }
}

int parse__html_scan(const char *s, size_t len, bool title_only, struct parse__html_sink *sink)
{
    struct scan sc;
    struct parse__html_tag tag;
    unsigned type;
    int rc = 0;

    memset(&sc, 0, sizeof(sc));
    sc.sink = sink;
    sc.title_only = title_only;
    parse__html_tok_init(&sc.t, s, len);
    for (;;) {
        /* gumbo's tokenizer opens CDATA sections when the current node is foreign, which
         * an integration point itself is */
        sc.t.cdata = sc.foreign > 0 && (sc.ip == 0 || sc.ip_current);
        type = parse__html_tok_next(&sc.t, &tag);
        if (type == PARSE__TOK_EOF)
            break;
        if (type == PARSE__TOK_START)
            rc = start_tag(&sc, &tag);
        else if (type == PARSE__TOK_END)
            end_tag(&sc, &tag);
        if (rc < 0)
            break;
        if (title_only && sc.head_over && sink->title_src != SIZE_MAX)
            break;
    }
    return rc;
}
