/* parse/html_cost.c: will gumbo parse this page in about linear time?
 *
 * Gumbo 0.10.1's tree builder walks its stack of open elements for most tokens, so a page
 * that keeps N elements open costs O(N) per token and O(N^2) in all (100,000 nested <div>s
 * take about two minutes), and it has no depth limit. Its tokenizer also compares each new
 * attribute with all earlier ones of the tag, quadratic in the attributes of one tag.
 *
 * The check replays the page through html_tok.c with a shadow stack that models the tree
 * builder from above: it pushes every element gumbo could push and pops only where gumbo is
 * sure to pop the same element, so gumbo's stack (its elements, plus the few it implies
 * such as <tbody>, and the formatting elements it re-creates, whose originals the shadow
 * stack still holds) never outgrows it by more than a small factor. When the shadow stack
 * would pass max_depth, gumbo is not used. A start-minus-end counter would not do: "</span>"
 * does not close a <div>, and "<div><b id=1></div>" leaves the <b> to be re-created by
 * gumbo at every later text; a tree-builder-exact replay would be gumbo itself.
 *
 * Pops the shadow stack makes:
 *  - an end tag that names the top entry (any h1-h6 for an h1-h6), as gumbo pops its
 *    current node for that end tag in every insertion mode;
 *  - an end tag for a block that also closes open p, li, dd, dt, option, td, th, tr, tbody
 *    entries directly above it, in the order they nest (each kind closes its own kind, so
 *    gumbo cannot pile them up unprotected, which bounds the error when that block is only
 *    on the shadow stack);
 *  - inside SVG or MathML, an end tag that names an entry below a run of foreign entries,
 *    as gumbo's foreign content rules walk down to it (only a bare "</name>": gumbo
 *    compares the raw text of foreign end tags);
 *  - start tags that close their own kind when it is the top entry (<p> and the blocks that
 *    close a <p>, <li>, <dd>/<dt>, <option>, <td>/<th>, <tr>, <tbody>, <a>, <nobr>,
 *    <button>, <table> in a table, <select> in a select, h1-h6 after h1-h6).
 * Everything else gumbo might close stays on the shadow stack, and marks what is there as
 * "suspect" (gumbo may have closed it); so does popping an entry whose start tag gumbo may
 * have ignored (a <tr> outside a table), since gumbo may have read its end tag as closing
 * something else. The HTML rules above apply only where gumbo is surely in HTML content
 * (no foreign entry at all, or a trusted HTML top entry), and only a trusted foreign top
 * entry lets a self-closing tag ("<path/>") go unpushed and makes new children foreign,
 * and only a trusted foreign top entry (integration points too) makes "<![CDATA[" a CDATA
 * section, as in gumbo's tokenizer. Raw-text content
 * (script, style, title, ...) is skipped only when no foreign, select or frameset entry is
 * open at all, since those change whether gumbo's tokenizer reads it as text. A
 * "<![CDATA[" that could be either a CDATA section or a bogus comment (they hide different
 * tags) makes the page unfit for gumbo, and so does a CDATA section in an integration point
 * (<svg><title><![CDATA[x]]>): inside a table, gumbo 0.10.1 fails an assertion on it and
 * aborts the process. So does an SVG or MathML element named like one gumbo resets the
 * insertion mode by (select, td, template...: see resets_mode).
 *
 * Each token costs O(1) (the walks above are capped), so the check is linear. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "parse/html_int.h"

/* Tags with rules of their own. */
enum {
    ID_OTHER, ID_A, ID_BODY, ID_BUTTON, ID_CAPTION, ID_COLGROUP, ID_DD, ID_DL, ID_DT,
    ID_FONT, ID_FORM, ID_FRAMESET, ID_H, ID_HEAD, ID_HTML, ID_INPUT, ID_LI, ID_LIST,
    ID_MATH, ID_NOBR, ID_OPTGROUP, ID_OPTION, ID_P, ID_SELECT, ID_SVG, ID_TABLE,
    ID_TEMPLATE, ID_TD, ID_TH, ID_TR, ID_TSECTION, ID_COUNT
};

enum {
    T_VOID = 1 << 0,      /* never on the stack */
    T_PCLOSE = 1 << 1,    /* its start tag closes a <p> (gumbo 0.10.1's list) */
    T_BLOCKEND = 1 << 2,  /* its end tag pops whatever is above it */
    T_BREAKOUT = 1 << 3,  /* ends SVG/MathML content */
    T_POPPER = 1 << 4,    /* its start tag may make gumbo pop elements */
    T_IP_SVG = 1 << 5,    /* HTML integration point inside <svg> */
    T_IP_MATH = 1 << 6,   /* HTML integration point inside <math> */
    T_RCDATA = 1 << 7,
    T_RAWTEXT = 1 << 8,
    T_SCRIPT = 1 << 9,
    T_PLAINTEXT = 1 << 10,
    T_MGLYPH = 1 << 11    /* stays MathML inside a MathML text integration point */
};

struct taginfo {
    const char *name;
    unsigned char id;
    unsigned short flags;
};

#define PB (T_PCLOSE | T_BLOCKEND)

/* Sorted by name, for bsearch. */
static const struct taginfo tags[] = {
    {"a", ID_A, T_POPPER},
    {"address", ID_OTHER, PB},
    {"annotation-xml", ID_OTHER, 0}, /* an integration point only with an encoding */
    {"applet", ID_OTHER, T_BLOCKEND},
    {"area", ID_OTHER, T_VOID},
    {"article", ID_OTHER, PB},
    {"aside", ID_OTHER, PB},
    {"b", ID_OTHER, T_BREAKOUT},
    {"base", ID_OTHER, T_VOID},
    {"basefont", ID_OTHER, T_VOID},
    {"bgsound", ID_OTHER, T_VOID},
    {"big", ID_OTHER, T_BREAKOUT},
    {"blockquote", ID_OTHER, PB | T_BREAKOUT},
    {"body", ID_BODY, T_BREAKOUT},
    {"br", ID_OTHER, T_VOID | T_BREAKOUT},
    {"button", ID_BUTTON, T_POPPER | T_BLOCKEND},
    {"caption", ID_CAPTION, T_POPPER | T_BLOCKEND},
    {"center", ID_OTHER, PB | T_BREAKOUT},
    {"code", ID_OTHER, T_BREAKOUT},
    {"col", ID_OTHER, T_VOID | T_POPPER},
    {"colgroup", ID_COLGROUP, T_POPPER | T_BLOCKEND},
    {"dd", ID_DD, PB | T_POPPER | T_BREAKOUT},
    {"desc", ID_OTHER, T_IP_SVG},
    {"details", ID_OTHER, PB},
    {"dir", ID_LIST, PB},
    {"div", ID_OTHER, PB | T_BREAKOUT},
    {"dl", ID_DL, PB | T_BREAKOUT},
    {"dt", ID_DT, PB | T_POPPER | T_BREAKOUT},
    {"em", ID_OTHER, T_BREAKOUT},
    {"embed", ID_OTHER, T_VOID | T_BREAKOUT},
    {"fieldset", ID_OTHER, PB},
    {"figcaption", ID_OTHER, PB},
    {"figure", ID_OTHER, PB},
    {"font", ID_FONT, 0},
    {"footer", ID_OTHER, PB},
    {"foreignobject", ID_OTHER, T_IP_SVG},
    {"form", ID_FORM, PB | T_POPPER},
    {"frame", ID_OTHER, T_VOID},
    {"frameset", ID_FRAMESET, T_POPPER},
    {"h1", ID_H, PB | T_POPPER | T_BREAKOUT},
    {"h2", ID_H, PB | T_POPPER | T_BREAKOUT},
    {"h3", ID_H, PB | T_POPPER | T_BREAKOUT},
    {"h4", ID_H, PB | T_POPPER | T_BREAKOUT},
    {"h5", ID_H, PB | T_POPPER | T_BREAKOUT},
    {"h6", ID_H, PB | T_POPPER | T_BREAKOUT},
    {"head", ID_HEAD, T_BREAKOUT},
    {"header", ID_OTHER, PB},
    {"hgroup", ID_OTHER, PB},
    {"hr", ID_OTHER, T_VOID | T_PCLOSE | T_BREAKOUT},
    {"html", ID_HTML, 0},
    {"i", ID_OTHER, T_BREAKOUT},
    {"iframe", ID_OTHER, T_RAWTEXT},
    {"image", ID_OTHER, T_VOID},
    {"img", ID_OTHER, T_VOID | T_BREAKOUT},
    {"input", ID_INPUT, T_VOID | T_POPPER},
    {"isindex", ID_OTHER, T_VOID | T_PCLOSE | T_POPPER},
    {"keygen", ID_INPUT, T_VOID | T_POPPER},
    {"li", ID_LI, PB | T_POPPER | T_BREAKOUT},
    {"link", ID_OTHER, T_VOID},
    {"listing", ID_OTHER, PB | T_BREAKOUT},
    {"main", ID_OTHER, PB},
    {"malignmark", ID_OTHER, T_MGLYPH},
    {"marquee", ID_OTHER, T_BLOCKEND},
    {"math", ID_MATH, 0},
    {"menu", ID_LIST, PB | T_BREAKOUT},
    {"menuitem", ID_OTHER, T_VOID},
    {"meta", ID_OTHER, T_VOID | T_BREAKOUT},
    {"mglyph", ID_OTHER, T_MGLYPH},
    {"mi", ID_OTHER, T_IP_MATH},
    {"mn", ID_OTHER, T_IP_MATH},
    {"mo", ID_OTHER, T_IP_MATH},
    {"ms", ID_OTHER, T_IP_MATH},
    {"mtext", ID_OTHER, T_IP_MATH},
    {"nav", ID_OTHER, PB},
    {"nobr", ID_NOBR, T_POPPER | T_BREAKOUT},
    {"noembed", ID_OTHER, T_RAWTEXT},
    {"noframes", ID_OTHER, T_RAWTEXT},
    {"object", ID_OTHER, T_BLOCKEND},
    {"ol", ID_LIST, PB | T_BREAKOUT},
    {"optgroup", ID_OPTGROUP, T_POPPER},
    {"option", ID_OPTION, T_POPPER},
    {"p", ID_P, PB | T_BREAKOUT},
    {"param", ID_OTHER, T_VOID},
    {"plaintext", ID_OTHER, T_PCLOSE | T_PLAINTEXT},
    {"pre", ID_OTHER, PB | T_BREAKOUT},
    {"rb", ID_OTHER, T_POPPER},
    {"rp", ID_OTHER, T_POPPER},
    {"rt", ID_OTHER, T_POPPER},
    {"rtc", ID_OTHER, T_POPPER},
    {"ruby", ID_OTHER, T_BREAKOUT},
    {"s", ID_OTHER, T_BREAKOUT},
    {"script", ID_OTHER, T_SCRIPT},
    {"section", ID_OTHER, PB},
    {"select", ID_SELECT, T_POPPER | T_BLOCKEND},
    {"small", ID_OTHER, T_BREAKOUT},
    {"source", ID_OTHER, T_VOID},
    {"span", ID_OTHER, T_BREAKOUT},
    {"strike", ID_OTHER, T_BREAKOUT},
    {"strong", ID_OTHER, T_BREAKOUT},
    {"style", ID_OTHER, T_RAWTEXT},
    {"sub", ID_OTHER, T_BREAKOUT},
    {"summary", ID_OTHER, PB},
    {"sup", ID_OTHER, T_BREAKOUT},
    {"svg", ID_SVG, 0},
    {"table", ID_TABLE, T_POPPER | T_BLOCKEND | T_BREAKOUT},
    {"tbody", ID_TSECTION, T_POPPER | T_BLOCKEND},
    {"td", ID_TD, T_POPPER | T_BLOCKEND},
    {"template", ID_TEMPLATE, T_BLOCKEND},
    {"textarea", ID_INPUT, T_POPPER | T_RCDATA},
    {"tfoot", ID_TSECTION, T_POPPER | T_BLOCKEND},
    {"th", ID_TH, T_POPPER | T_BLOCKEND},
    {"thead", ID_TSECTION, T_POPPER | T_BLOCKEND},
    {"title", ID_OTHER, T_RCDATA | T_IP_SVG},
    {"tr", ID_TR, T_POPPER | T_BLOCKEND},
    {"track", ID_OTHER, T_VOID},
    {"tt", ID_OTHER, T_BREAKOUT},
    {"u", ID_OTHER, T_BREAKOUT},
    {"ul", ID_LIST, PB | T_BREAKOUT},
    {"var", ID_OTHER, T_BREAKOUT},
    {"wbr", ID_OTHER, T_VOID},
    {"xmp", ID_OTHER, T_PCLOSE | T_RAWTEXT},
};

static const struct taginfo other = {"", ID_OTHER, 0};

enum {
    E_FOREIGN = 1 << 0, /* an SVG or MathML element (or, when not E_SURE, maybe one) */
    E_IP = 1 << 1,      /* ... that is an HTML integration point */
    E_MATHNS = 1 << 2,  /* ... in the MathML namespace */
    E_SURE = 1 << 3,    /* when pushed, gumbo's context (HTML or foreign) was known */
    E_PHANTOM = 1 << 4  /* gumbo may have ignored the start tag */
};

struct entry {
    const char *name; /* in the input */
    size_t name_len;
    unsigned char id;
    unsigned char flags;
};

#define WALK_MAX 64 /* foreign entries an end tag may look through */

struct est {
    struct entry *stack;
    size_t depth, cap, max;
    size_t suspect;        /* entries below this index may be gone from gumbo's stack */
    size_t count[ID_COUNT];
    size_t nforeign;       /* E_FOREIGN entries */
    bool form_open;        /* gumbo's form element pointer is set */
    bool too_deep;
    bool unsafe;           /* markup gumbo may read differently, or crash on */
};

static int cmp_tag(const void *key, const void *elem)
{
    return strcmp(key, ((const struct taginfo *)elem)->name);
}

static const struct taginfo *info(const struct parse__html_tag *tag)
{
    char name[16];
    const struct taginfo *t;

    parse__html_lower(tag->name, tag->name_len, name, sizeof(name));
    if (!name[0])
        return &other;
    t = bsearch(name, tags, sizeof(tags) / sizeof(tags[0]), sizeof(tags[0]), cmp_tag);
    return t ? t : &other;
}

static bool same_name(const char *a, size_t an, const char *b, size_t bn)
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
    }
    return true;
}

static struct entry *top(struct est *e)
{
    return e->depth ? &e->stack[e->depth - 1] : NULL;
}

static struct entry *below(struct est *e, size_t k)
{
    return e->depth > k ? &e->stack[e->depth - 1 - k] : NULL;
}

static bool trusted(const struct est *e, const struct entry *x)
{
    return (size_t)(x - e->stack) >= e->suspect && (x->flags & E_SURE);
}

/* Gumbo's current node is surely this foreign element (new tags are foreign children). */
static bool foreign_ctx(const struct est *e, const struct entry *x)
{
    return x && (x->flags & E_FOREIGN) && !(x->flags & E_IP) && trusted(e, x);
}

/* Gumbo surely applies its HTML rules to the next tag. Without any foreign entry it must
 * (a foreign element in gumbo's stack is always on the shadow stack too). */
static bool html_ctx(const struct est *e, const struct entry *x)
{
    return e->nforeign == 0 || (x && (!(x->flags & E_FOREIGN) || (x->flags & E_IP)) &&
                                trusted(e, x));
}

static void suspect(struct est *e)
{
    e->suspect = e->depth;
}

static void pop(struct est *e)
{
    struct entry *x = &e->stack[--e->depth];

    e->count[x->id]--;
    if (x->flags & E_FOREIGN)
        e->nforeign--;
    if (e->suspect > e->depth)
        e->suspect = e->depth;
}

static void pop_n(struct est *e, size_t n)
{
    while (n-- > 0)
        pop(e);
}

static bool top_is(struct est *e, unsigned id)
{
    struct entry *x = top(e);

    return x && x->id == id;
}

static void pop_if(struct est *e, unsigned id)
{
    if (top_is(e, id))
        pop(e);
}

/* Names gumbo 0.10.1 takes for the HTML element when it resets the insertion mode, without
 * looking at the namespace: an SVG or MathML <select>, <td>, <template>... on the stack then
 * gives it a wrong mode, and it can pop the whole stack and fail an assertion (found by
 * fuzz_html_diff: <table><math><select><mi><select><table>). */
static bool resets_mode(unsigned id)
{
    switch (id) {
    case ID_SELECT:
    case ID_TD:
    case ID_TH:
    case ID_TR:
    case ID_TSECTION:
    case ID_CAPTION:
    case ID_COLGROUP:
    case ID_TABLE:
    case ID_TEMPLATE:
    case ID_HEAD:
    case ID_BODY:
    case ID_FRAMESET:
    case ID_HTML:
        return true;
    default:
        return false;
    }
}

static int push(struct est *e, const struct parse__html_tag *tag, unsigned id, unsigned flags)
{
    struct entry *x;

    if ((flags & E_FOREIGN) && resets_mode(info(tag)->id))
        e->unsafe = true;

    if (e->depth >= e->max) {
        e->too_deep = true;
        return 0;
    }
    if (e->depth == e->cap) {
        size_t cap = e->cap ? 2 * e->cap : 64;

        if (cap > e->max)
            cap = e->max;
        x = core_reallocarray(e->stack, cap, sizeof(*x));
        if (!x)
            return -ENOMEM;
        e->stack = x;
        e->cap = cap;
    }
    x = &e->stack[e->depth++];
    x->name = tag->name;
    x->name_len = tag->name_len;
    x->id = (unsigned char)id;
    x->flags = (unsigned char)flags;
    e->count[id]++;
    if (flags & E_FOREIGN)
        e->nforeign++;
    return 0;
}

static bool is_breakout(const struct taginfo *ti, const struct parse__html_tag *tag)
{
    struct parse__html_attr a;

    if (ti->flags & T_BREAKOUT)
        return true;
    return ti->id == ID_FONT &&
           (parse__html_attr_get(tag, "color", &a) || parse__html_attr_get(tag, "face", &a) ||
            parse__html_attr_get(tag, "size", &a));
}

/* Start tags that make gumbo close the top entry: pop what gumbo surely pops too. True when
 * gumbo pops nothing else for this tag (else what remains becomes suspect). */
static bool close_before(struct est *e, const struct taginfo *ti)
{
    switch (ti->id) {
    case ID_LI:
        pop_if(e, ID_P);
        pop_if(e, ID_LI);
        return e->count[ID_LI] == 0 && e->count[ID_P] == 0;
    case ID_DD:
    case ID_DT:
        pop_if(e, ID_P);
        if (top_is(e, ID_DD) || top_is(e, ID_DT))
            pop(e);
        return e->count[ID_DD] + e->count[ID_DT] == 0 && e->count[ID_P] == 0;
    case ID_OPTION:
        pop_if(e, ID_OPTION);
        return true;
    case ID_OPTGROUP:
        pop_if(e, ID_OPTION);
        return !top_is(e, ID_OPTGROUP);
    case ID_TD:
    case ID_TH:
        if (top_is(e, ID_TD) || top_is(e, ID_TH))
            pop(e);
        return e->count[ID_TABLE] == 0 ||
               (e->count[ID_TD] + e->count[ID_TH] == 0 &&
                (top_is(e, ID_TR) || top_is(e, ID_TSECTION) || top_is(e, ID_TABLE)));
    case ID_TR:
        if (top_is(e, ID_TD) || top_is(e, ID_TH))
            pop(e);
        pop_if(e, ID_TR);
        return e->count[ID_TABLE] == 0 || top_is(e, ID_TSECTION) || top_is(e, ID_TABLE);
    case ID_TSECTION:
        if (top_is(e, ID_TD) || top_is(e, ID_TH))
            pop(e);
        pop_if(e, ID_TR);
        pop_if(e, ID_TSECTION);
        return e->count[ID_TABLE] == 0 || top_is(e, ID_TABLE);
    case ID_CAPTION:
    case ID_COLGROUP:
        return e->count[ID_TABLE] == 0 || top_is(e, ID_TABLE);
    case ID_TABLE:
        /* a <table> in a table closes it; whether one closes a <p> depends on quirks mode,
         * so an open p is left alone and marked */
        if (top_is(e, ID_TABLE)) {
            pop(e);
            return e->count[ID_P] == 0;
        }
        return e->count[ID_P] == 0 &&
               (e->count[ID_TABLE] == 0 || top_is(e, ID_TD) || top_is(e, ID_TH) ||
                top_is(e, ID_CAPTION));
    case ID_A:
    case ID_NOBR:
    case ID_BUTTON:
        pop_if(e, ti->id);
        return e->count[ti->id] == 0;
    case ID_INPUT:
        return e->count[ID_SELECT] == 0;
    case ID_SELECT:
        return e->count[ID_SELECT] == 0;
    case ID_H:
        pop_if(e, ID_P);
        pop_if(e, ID_H);
        return e->count[ID_P] == 0;
    default:
        if (ti->flags & T_PCLOSE) {
            pop_if(e, ID_P);
            return e->count[ID_P] == 0;
        }
        return !(ti->flags & T_POPPER);
    }
}

/* Whether a foreign element of this tag, under foreign parent x, is an HTML integration
 * point (annotation-xml only when it says its content is HTML). */
static bool is_ip(const struct entry *x, const struct taginfo *ti, const struct parse__html_tag *tag)
{
    struct parse__html_attr a;

    if (!(x->flags & E_MATHNS))
        return ti->flags & T_IP_SVG;
    if (ti->flags & T_IP_MATH)
        return true;
    return parse__html_eq(tag->name, tag->name_len, "annotation-xml") &&
           parse__html_attr_get(tag, "encoding", &a) &&
           (parse__html_eq(a.value, a.value_len, "text/html") ||
            parse__html_eq(a.value, a.value_len, "application/xhtml+xml"));
}

static unsigned raw_kind(const struct taginfo *ti)
{
    if (ti->flags & T_RCDATA)
        return PARSE__RAW_RCDATA;
    if (ti->flags & T_RAWTEXT)
        return PARSE__RAW_RAWTEXT;
    if (ti->flags & T_SCRIPT)
        return PARSE__RAW_SCRIPT;
    if (ti->flags & T_PLAINTEXT)
        return PARSE__RAW_PLAINTEXT;
    return PARSE__RAW_NONE;
}

/* Whether gumbo may ignore this start tag in HTML content: table parts outside a table,
 * and most tags in a select or a frameset. Popping such an entry later is no sign that
 * gumbo popped anything: it may have handled that end tag quite differently. */
static bool ignorable(struct est *e, const struct taginfo *ti)
{
    switch (ti->id) {
    case ID_TD:
    case ID_TH:
        if (!(top_is(e, ID_TR) || top_is(e, ID_TSECTION) || top_is(e, ID_TABLE)))
            return true;
        break;
    case ID_TR:
        if (!(top_is(e, ID_TSECTION) || top_is(e, ID_TABLE)))
            return true;
        break;
    case ID_TSECTION:
    case ID_CAPTION:
    case ID_COLGROUP:
        if (!top_is(e, ID_TABLE))
            return true;
        break;
    default:
        break;
    }
    if (e->count[ID_SELECT] > 0 && ti->id != ID_OPTION && ti->id != ID_OPTGROUP &&
        ti->id != ID_SELECT && ti->id != ID_INPUT && ti->id != ID_TEMPLATE)
        return true;
    return e->count[ID_FRAMESET] > 0 && ti->id != ID_FRAMESET;
}

static int start_tag(struct est *e, struct parse__html_tok *t, const struct parse__html_tag *tag)
{
    const struct taginfo *ti = info(tag);
    struct entry *x = top(e);
    const bool breakout = is_breakout(ti, tag);
    const bool html = html_ctx(e, x);
    unsigned flags, raw;
    bool handled;
    int rc;

    if (foreign_ctx(e, x) && !breakout) {
        /* a foreign child: no HTML rules, and "/>" really closes it */
        if (tag->self_closing)
            return 0;
        flags = E_FOREIGN | E_SURE | (x->flags & E_MATHNS);
        if (ti->id == ID_SVG)
            flags &= ~(unsigned)E_MATHNS;
        else if (ti->id == ID_MATH)
            flags |= E_MATHNS;
        else if (is_ip(x, ti, tag))
            flags |= E_IP;
        return push(e, tag, ti->id == ID_SVG || ti->id == ID_MATH ? ti->id : ID_OTHER, flags);
    }
    if (x && (x->flags & E_FOREIGN) && !(x->flags & E_IP) && breakout)
        suspect(e); /* gumbo leaves SVG/MathML content: it pops foreign elements */
    /* MathML text integration points keep these two in MathML */
    if (x && (x->flags & E_IP) && (x->flags & E_MATHNS) && (ti->flags & T_MGLYPH) &&
        trusted(e, x)) {
        if (tag->self_closing)
            return 0;
        return push(e, tag, ID_OTHER, E_FOREIGN | E_MATHNS | E_SURE);
    }
    if (ti->id == ID_SVG || ti->id == ID_MATH) {
        /* foreign in any context; "<svg/>" is popped at once */
        if (tag->self_closing)
            return 0;
        return push(e, tag, ti->id, E_FOREIGN | E_SURE | (ti->id == ID_MATH ? E_MATHNS : 0));
    }
    if (html) {
        switch (ti->id) {
        case ID_HTML:
        case ID_HEAD:
        case ID_BODY:
            return 0; /* gumbo merges these into the ones it has */
        case ID_FORM:
            if (e->form_open && e->count[ID_TEMPLATE] == 0)
                return 0; /* a second form is ignored */
            break;
        case ID_SELECT:
            if (top_is(e, ID_SELECT)) {
                pop(e); /* <select> in a select acts as </select> */
                return 0;
            }
            break;
        default:
            break;
        }
    }
    /* in doubt (maybe foreign content), pop nothing */
    if (html)
        handled = close_before(e, ti);
    else
        handled = !(ti->flags & (T_POPPER | T_PCLOSE));
    if (!handled)
        suspect(e);
    if (html && (ti->flags & T_VOID))
        return 0;
    /* in doubt, the new element may be foreign if its parent may be */
    if (html)
        flags = E_SURE | (ignorable(e, ti) ? E_PHANTOM : 0);
    else if (x && (x->flags & E_FOREIGN) && !(x->flags & E_IP) && !breakout)
        flags = E_FOREIGN | (x->flags & E_MATHNS);
    else
        flags = 0;
    rc = push(e, tag, ti->id, flags);
    if (rc < 0 || e->too_deep)
        return rc;
    if (ti->id == ID_FORM && html && e->count[ID_TEMPLATE] == 0 && e->count[ID_SELECT] == 0 &&
        e->count[ID_FRAMESET] == 0)
        e->form_open = true;
    /* whether gumbo's tokenizer switches to raw text depends on the insertion mode: in
     * foreign content, select and frameset it may not, and skipping text that gumbo reads
     * as tags could miss nesting */
    raw = raw_kind(ti);
    if (raw != PARSE__RAW_NONE && e->nforeign == 0 && e->count[ID_SELECT] == 0 &&
        e->count[ID_FRAMESET] == 0)
        parse__html_tok_raw(t, raw, tag);
    return 0;
}

/* Entries an end tag for a block closes: open p, li, dd/dt, option and table parts
 * directly above it, in nesting order. 0 when the entry there does not match. */
static size_t block_end(struct est *e, const struct taginfo *ti, const struct parse__html_tag *tag)
{
    static const unsigned char none[] = {0};
    static const unsigned char list[] = {ID_P, ID_LI, 0};
    static const unsigned char dl[] = {ID_P, ID_DD, 0};
    static const unsigned char select[] = {ID_OPTION, 0};
    static const unsigned char table[] = {ID_P, ID_TD, ID_TR, ID_TSECTION, 0};
    static const unsigned char tsection[] = {ID_P, ID_TD, ID_TR, 0};
    static const unsigned char tr[] = {ID_P, ID_TD, 0};
    static const unsigned char block[] = {ID_P, 0};
    const unsigned char *layers = none;
    const struct entry *x;
    size_t k = 0;

    switch (ti->id) {
    case ID_LIST:
        layers = list;
        break;
    case ID_DL:
        layers = dl;
        break;
    case ID_SELECT:
        layers = select;
        break;
    case ID_TABLE:
        layers = table;
        break;
    case ID_TSECTION:
        layers = tsection;
        break;
    case ID_TR:
        layers = tr;
        break;
    default:
        if (ti->flags & T_BLOCKEND)
            layers = block;
        break;
    }
    for (; *layers; layers++) {
        x = below(e, k);
        if (!x || (x->flags & E_FOREIGN))
            return 0;
        if (x->id == *layers || (*layers == ID_DD && x->id == ID_DT) ||
            (*layers == ID_TD && x->id == ID_TH))
            k++;
    }
    x = below(e, k);
    if (!x || (x->flags & E_FOREIGN) || !same_name(x->name, x->name_len, tag->name, tag->name_len))
        return 0;
    return k + 1;
}

static void end_tag(struct est *e, const struct parse__html_tag *tag)
{
    const struct taginfo *ti = info(tag);
    struct entry *x = top(e);
    size_t k, n = 0;
    bool phantom, bare, html;

    if (ti->id == ID_HTML || ti->id == ID_HEAD || ti->id == ID_BODY)
        return; /* gumbo switches insertion mode but keeps them open */
    if (ti->id == ID_FORM) {
        /* gumbo clears its form pointer, and removes that form only if it had one */
        bool had = e->form_open;

        e->form_open = false;
        if (!had && e->count[ID_TEMPLATE] == 0 && html_ctx(e, x)) {
            suspect(e);
            return;
        }
    }
    if (!x) {
        suspect(e);
        return;
    }
    /* gumbo 0.10.1 matches end tags in foreign content by their raw text, "</g >" against
     * "g", so an end tag with anything after its name closes no foreign element */
    bare = tag->attrs_len == 1;
    html = html_ctx(e, x) && !(x->flags & E_FOREIGN);
    if (same_name(x->name, x->name_len, tag->name, tag->name_len) && (bare || html)) {
        /* every insertion mode, and foreign content, pops a current node the end tag names */
        n = 1;
    } else if (foreign_ctx(e, x) && bare) {
        /* foreign content: gumbo walks down through foreign elements to a matching one */
        for (k = 1; k < WALK_MAX && (x = below(e, k)) != NULL && foreign_ctx(e, x); k++) {
            if (same_name(x->name, x->name_len, tag->name, tag->name_len)) {
                n = k + 1;
                break;
            }
        }
    } else if (html) {
        if (ti->id == ID_H && x->id == ID_H)
            n = 1;
        else
            n = block_end(e, ti, tag);
    }
    if (n == 0) {
        suspect(e);
        return;
    }
    phantom = e->stack[e->depth - n].flags & E_PHANTOM;
    pop_n(e, n);
    if (phantom)
        suspect(e); /* gumbo never had it: the end tag may have closed something else */
}

int parse__html_cost_ok(const char *s, size_t len, size_t max_depth, bool *ok)
{
    /* gumbo's duplicate-attribute check compares each attribute with the earlier ones of
     * its tag; about 8 comparisons per input byte keep it well under the cost of parsing */
    const uint64_t attr_budget = 8 * (uint64_t)len + (1u << 20);
    uint64_t attr_cost = 0;
    struct parse__html_tok t;
    struct parse__html_tag tag;
    struct entry *x;
    struct est e;
    unsigned type;
    int rc = 0;

    memset(&e, 0, sizeof(e));
    e.max = max_depth;
    parse__html_tok_init(&t, s, len);
    for (;;) {
        /* gumbo's tokenizer opens CDATA sections when the current node is foreign */
        x = top(&e);
        t.cdata = x && (x->flags & E_FOREIGN) && trusted(&e, x);
        type = parse__html_tok_next(&t, &tag);
        if (type == PARSE__TOK_EOF)
            break;
        if (type == PARSE__TOK_RAW)
            continue;
        if (type == PARSE__TOK_CDATA || type == PARSE__TOK_CDATA_BOGUS) {
            if (type == PARSE__TOK_CDATA ? (x->flags & E_IP) != 0 : e.nforeign > 0) {
                e.unsafe = true;
                break;
            }
            continue;
        }
        attr_cost += (uint64_t)tag.nattrs * tag.nattrs / 2;
        if (attr_cost > attr_budget)
            break;
        if (type == PARSE__TOK_START)
            rc = start_tag(&e, &t, &tag);
        else
            end_tag(&e, &tag);
        if (rc < 0 || e.too_deep)
            break;
    }
    core_free(e.stack);
    if (rc == 0)
        *ok = !e.too_deep && !e.unsafe && attr_cost <= attr_budget;
    return rc;
}
