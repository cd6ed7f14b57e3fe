/* parse/html_stack.c: the open elements the linear scanner keeps, and the rules on them.
 *
 * A small stack (SCAN_DEPTH) of the open elements that change the tree builder's rules:
 * <select>, <template>, and SVG and MathML with every element inside them, including the
 * HTML elements inside their integration points. Here are pushing and popping (with the raw
 * names gumbo compares foreign end tags by), the "has an element in scope" walks, and the
 * "in body" rules for HTML start and end tags on the kept elements; what would need the
 * elements not kept gives up (see html_scan.c's opening comment). Pure, any thread. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "parse/html_scan_int.h"

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
            i = past_comment(s, off, i + 4);
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
void parse__html_raw_end_name(const struct scan *sc, const struct parse__html_tag *tag,
                         const char **raw, size_t *len)
{
    const size_t ts = token_start(sc->s, sc->from, tag->offset);

    *raw = ts != tag->offset ? sc->s + ts + 2 : tag->name;
    *len = (size_t)(tag->attrs + tag->attrs_len - 1 - *raw);
}

bool parse__html_push(struct scan *sc, unsigned type, unsigned short tag,
                      const struct parse__html_tag *t)
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
int parse__html_push_foreign(struct scan *sc, unsigned type, unsigned short t,
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
        ip = parse__html_annotation_is_html(sc, tag, &rc) ? IP_HTML : IP_ANNOT;
    if (rc < 0)
        return rc;
    if (parse__html_push(sc, type, t, tag))
        sc->st[sc->n - 1].ip = (unsigned char)ip;
    return 0;
}

int parse__html_template_start(struct scan *sc, unsigned short t,
                               const struct parse__html_tag *tag)
{
    sc->frameset_not_ok = true;
    parse__html_push(sc, E_TEMPLATE, t, tag);
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

void parse__html_pop_select(struct scan *sc)
{
    pop(sc);
    mode_reset(sc);
}

void parse__html_template_end(struct scan *sc)
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

/* An HTML start tag inside SVG or MathML (in an integration point), by the "in body" rules
 * on the kept elements. Scopes end at the integration point, so they are all known. */
int parse__html_kept_start(struct scan *sc, const struct parse__html_tag *tag, unsigned short t)
{
    const struct tag *k = tag_at(t);
    size_t i;
    int r;

    switch (k->kind) {
    case K_SVG:
    case K_MATH:
        return parse__html_push_foreign(sc, k->kind == K_SVG ? E_SVG : E_MATH, t, tag);
    case K_SELECT:
        parse__html_leaf(sc, tag, t);
        parse__html_push(sc, E_SELECT, t, tag);
        return 0;
    case K_TEMPLATE:
        return parse__html_template_start(sc, t, tag);
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
        parse__html_push(sc, E_HTML, t, tag);
        break;
    default: /* void, or raw text (pushed and popped around its text) */
        break;
    }
    return parse__html_leaf(sc, tag, t);
}

/* Whether an end tag that reaches the HTML rules with only elements the scanner does not
 * keep left to close surely does nothing to them: no HTML element of its name can be open
 * there (<svg> and <math> are never HTML elements, a raw-text element is closed by its end
 * tag before any other tag is read, head is closed before the body), and </body>, </html>
 * only change the insertion mode to one that hands everything back to "in body". */
bool parse__html_ends_nothing_unkept(unsigned short t)
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
void parse__html_kept_end(struct scan *sc, unsigned short t)
{
    const struct tag *k = tag_at(t);
    unsigned scope = SCOPE_PLAIN;
    size_t i;
    int r;

    switch (k->kind) {
    case K_TEMPLATE:
        parse__html_template_end(sc);
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
    if (!parse__html_ends_nothing_unkept(t))
        give_up(sc, PARSE_HTML_DEFER_FOREIGN);
}
