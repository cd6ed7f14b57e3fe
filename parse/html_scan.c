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
 * but the sink's. This file runs the tokenizer and hands each tag to the rules of where it is
 * (the document's own content or a template's, a <select>, foreign content); html_stack.c
 * keeps the open elements, html_elems.c the tag table and the sink (html_scan_int.h). */
#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "parse/html_scan_int.h"

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
            return k->kind == K_TEMPLATE ? parse__html_template_start(sc, t, tag) : 0;
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
                return parse__html_scan_link(sc, tag, PARSE_HTML_LINK_FRAME, "src", false);
            }
            return 0; /* everything else is ignored */
        }
        head_phase_start(sc, k);
    }
    switch (k->kind) {
    case K_SVG:
    case K_MATH:
        sc->head_over = true;
        return parse__html_push_foreign(sc, k->kind == K_SVG ? E_SVG : E_MATH, t, tag);
    case K_SELECT:
        parse__html_leaf(sc, tag, t);
        parse__html_push(sc, E_SELECT, t, tag);
        return 0;
    case K_TEMPLATE:
        return parse__html_template_start(sc, t, tag);
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
        return parse__html_leaf(sc, tag, t);
    }
}

static void loose_end(struct scan *sc, unsigned short t)
{
    const struct tag *k = tag_at(t);

    if (k->kind == K_TEMPLATE) {
        parse__html_template_end(sc);
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
        parse__html_pop_select(sc);
        return 0;
    case K_TEXTAREA:
        parse__html_pop_select(sc);
        *again = true;
        return 0;
    case K_VOID:
        if (t == T_INPUT || t == T_KEYGEN) {
            parse__html_pop_select(sc);
            *again = true;
        }
        return 0;
    case K_SCRIPT:
        raw(sc, tag, PARSE__RAW_SCRIPT);
        return 0;
    case K_TEMPLATE:
        return parse__html_template_start(sc, t, tag);
    case K_TABLE:
        /* "in select in table" ends the select here, "in select" ignores the tag */
        if (t == T_COLGROUP || t == T_COL)
            return 0;
        if (give_up(sc, PARSE_HTML_DEFER_SELECT))
            return 0;
        parse__html_pop_select(sc);
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
        parse__html_pop_select(sc);
    else if (k->kind == K_TEMPLATE)
        parse__html_template_end(sc);
    else if (k->kind == K_TABLE && t != T_COLGROUP && t != T_COL &&
             !give_up(sc, PARSE_HTML_DEFER_SELECT))
        parse__html_pop_select(sc);
}

static bool font_breaks_out(struct scan *sc, const struct parse__html_tag *tag)
{
    struct parse__html_attr a;

    if (!parse__html_attrs_readable(sc, tag))
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
        rc = parse__html_scan_link(sc, tag, PARSE_HTML_LINK_A, "href", true);
    if (rc == 0)
        rc = parse__html_push_foreign(sc, type, t, tag);
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

    parse__html_raw_end_name(sc, tag, &raw, &rawlen);
    for (i = sc->n; i-- > 0;) {
        const struct ent *e = &sc->st[i];

        if (!is_foreign(e)) {
            if (e->type == E_HTML) {
                parse__html_kept_end(sc, t);
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
        parse__html_template_end(sc);
    else if (!parse__html_ends_nothing_unkept(t))
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
    const unsigned short t = parse__html_tag_index(tag);
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
            rc = parse__html_kept_start(sc, tag, t);
        else
            rc = foreign_start(sc, tag, t, &again);
    } while (rc == 0 && again && !(sc->strict && sc->defer != PARSE_HTML_DEFER_NONE));
    return rc;
}

static void end_tag(struct scan *sc, const struct parse__html_tag *tag)
{
    const unsigned short t = parse__html_tag_index(tag);
    const struct ent *tp = top(sc);

    if (!tp || tp->type == E_TEMPLATE)
        loose_end(sc, t);
    else if (tp->type == E_SELECT)
        select_end(sc, t);
    else if (tp->type == E_HTML)
        parse__html_kept_end(sc, t);
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
            i = past_comment(s, n, i + 4);
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
    assert(parse__html_tags_ok());
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
