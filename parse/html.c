/* parse/html.c: link, base, title and meta robots extraction (see html.h).
 *
 * Both ways of reading a page, the linear scanner (html_scan.c, first) and gumbo's tree
 * (here, for the pages the scanner hands back), report what they find to a sink, which
 * applies the rules that do not depend on the parser: rel=nofollow and meta robots,
 * max_links, whitespace trimming and UTF-8 repair of hrefs, title whitespace collapsing and
 * capping, "the earliest <title> in the input wins" and "the first <base> given wins" (both
 * readers give them in tree order). Gumbo's tree is walked without recursion (parent links
 * and indexes), so even a deeper tree than the cost check expects cannot exhaust the C stack
 * here. */
#include "parse/html.h"

#include <errno.h>
#include <gumbo.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/utf8.h"
#include "parse/html_int.h"

void parse_html_opts_init(struct parse_html_opts *o)
{
    o->parser = PARSE_HTML_SCANNER;
    o->follow_nofollow = false;
    o->keep_nofollow = false;
    o->title_only = false;
    o->max_links = PARSE_HTML_MAX_LINKS_DEFAULT;
    o->max_depth = PARSE_HTML_MAX_DEPTH_DEFAULT;
}

static bool is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}

/* Drop surrounding ASCII whitespace from s[0..*n). */
static const char *trim(const char *s, size_t *n)
{
    size_t len = *n;

    while (len > 0 && is_ws(*s)) {
        s++;
        len--;
    }
    while (len > 0 && is_ws(s[len - 1]))
        len--;
    *n = len;
    return s;
}

/* --- sink --- */

void parse__html_sink_init(struct parse__html_sink *s, const struct parse_html_opts *o, size_t len)
{
    /* decoding turns one input byte into at most three (NUL or a stray byte -> U+FFFD) and
     * each link adds a NUL, so four bytes per input byte always suffice */
    const size_t max = len < SIZE_MAX / 8 ? 4 * len + 4096 : SIZE_MAX / 2;

    memset(s, 0, sizeof(*s));
    s->o = o;
    core_buf_init(&s->pool, max);
    core_buf_init(&s->scratch, max);
    core_buf_init(&s->title, PARSE_HTML_TITLE_MAX + 4);
    s->title_src = SIZE_MAX;
    s->base_src = SIZE_MAX;
}

void parse__html_sink_free(struct parse__html_sink *s)
{
    core_buf_free(&s->pool);
    core_buf_free(&s->scratch);
    core_buf_free(&s->title);
    core_free(s->links);
    core_free(s->base);
    s->links = NULL;
    s->base = NULL;
}

/* Whether the whitespace-separated tokens of s[0..n) include lname (any case); commas also
 * separate when commas is set (meta robots content). */
static bool has_token(const char *s, size_t n, const char *lname, bool commas)
{
    size_t i = 0, b;

    while (i < n) {
        while (i < n && (is_ws(s[i]) || (commas && s[i] == ',')))
            i++;
        b = i;
        while (i < n && !is_ws(s[i]) && !(commas && s[i] == ','))
            i++;
        if (i > b && parse__html_eq(s + b, i - b, lname))
            return true;
    }
    return false;
}

unsigned parse__html_rel(const char *v, size_t n)
{
    unsigned r = 0;

    if (has_token(v, n, "nofollow", false))
        r |= PARSE__REL_NOFOLLOW;
    if (has_token(v, n, "next", false))
        r |= PARSE__REL_NEXT;
    if (has_token(v, n, "prev", false))
        r |= PARSE__REL_PREV;
    return r;
}

bool parse__html_sink_wants(struct parse__html_sink *s, unsigned rel)
{
    const bool obey = !s->o->follow_nofollow;

    if (obey && (rel & PARSE__REL_NOFOLLOW)) {
        s->nofollow_skipped++;
        if (!s->o->keep_nofollow)
            return false;
    }
    if (obey && s->meta_nofollow && !s->o->keep_nofollow)
        return false; /* every link is dropped at the end anyway */
    if (s->nlinks >= s->o->max_links) {
        s->truncated = true;
        s->dropped++;
        return false;
    }
    return true;
}

int parse__html_sink_link(struct parse__html_sink *s, unsigned kind, unsigned rel,
                          const char *href, size_t len, size_t src)
{
    struct parse__html_sink_link *l;
    size_t off = s->pool.len;
    int rc;

    if (s->nlinks == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 64;

        if (cap > s->o->max_links)
            cap = s->o->max_links;
        l = core_reallocarray(s->links, cap, sizeof(*l));
        if (!l)
            return -ENOMEM;
        s->links = l;
        s->cap = cap;
    }
    href = trim(href, &len);
    rc = core_utf8_sanitize(href, len, CORE_UTF8_HTML_INPUT, &s->pool);
    if (rc == 0)
        rc = core_buf_putc(&s->pool, '\0');
    if (rc < 0) {
        s->pool.len = off;
        return rc;
    }
    l = &s->links[s->nlinks++];
    l->off = off;
    l->len = s->pool.len - off - 1;
    l->src = src;
    l->kind = kind;
    l->nofollow = !s->o->follow_nofollow && (rel & PARSE__REL_NOFOLLOW);
    return 0;
}

int parse__html_sink_base(struct parse__html_sink *s, const char *href, size_t len, size_t src)
{
    struct core_buf b;
    char *p;
    int rc;

    if (s->base_src != SIZE_MAX)
        return 0;
    href = trim(href, &len);
    core_buf_init(&b, s->pool.max);
    rc = core_utf8_sanitize(href, len, CORE_UTF8_HTML_INPUT, &b);
    p = rc == 0 ? core_buf_steal(&b) : NULL;
    core_buf_free(&b);
    if (!p)
        return rc < 0 ? rc : -ENOMEM;
    core_free(s->base);
    s->base = p;
    s->base_src = src;
    return 0;
}

void parse__html_sink_meta(struct parse__html_sink *s, const char *name, size_t name_len,
                           const char *content, size_t content_len)
{
    name = trim(name, &name_len);
    if (!parse__html_eq(name, name_len, "robots"))
        return;
    if (has_token(content, content_len, "none", true)) {
        s->meta_nofollow = true;
        s->meta_noindex = true;
    }
    if (has_token(content, content_len, "nofollow", true))
        s->meta_nofollow = true;
    if (has_token(content, content_len, "noindex", true))
        s->meta_noindex = true;
}

bool parse__html_sink_title_begin(struct parse__html_sink *s, size_t src)
{
    if (src >= s->title_src)
        return false;
    core_buf_reset(&s->title);
    s->title_src = src;
    s->title_space = false;
    return true;
}

int parse__html_sink_title_more(struct parse__html_sink *s, const char *text, size_t len)
{
    struct core_buf *t = &s->title;
    size_t i = 0, run;
    int rc;

    /* collapse whitespace runs as the text streams in; past the cap the rest is cut off */
    while (i < len && t->len < t->max) {
        if (is_ws(text[i])) {
            s->title_space = t->len > 0;
            i++;
            continue;
        }
        if (s->title_space) {
            rc = core_buf_putc(t, ' ');
            if (rc < 0)
                return rc == -EMSGSIZE ? 0 : rc;
            s->title_space = false;
        }
        for (run = i; i < len && !is_ws(text[i]); i++)
            ;
        if (i - run > t->max - t->len)
            i = run + (t->max - t->len);
        rc = core_buf_append(t, text + run, i - run);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* The title as the result gives it: controls replaced, valid UTF-8, cut at a character
 * boundary within PARSE_HTML_TITLE_MAX. NULL with -ENOMEM in *rc. */
static char *finish_title(const struct parse__html_sink *s, int *rc)
{
    struct core_buf b;
    char *p;

    core_buf_init(&b, 3 * s->title.max + 4);
    *rc = core_utf8_sanitize(s->title.data ? s->title.data : "", s->title.len,
                             CORE_UTF8_NO_CONTROLS | CORE_UTF8_HTML_INPUT, &b);
    if (*rc == 0 && b.len > PARSE_HTML_TITLE_MAX) {
        b.len = PARSE_HTML_TITLE_MAX;
        while (b.len > 0 && ((unsigned char)b.data[b.len] & 0xC0) == 0x80)
            b.len--;
        while (b.len > 0 && b.data[b.len - 1] == ' ')
            b.len--;
        b.data[b.len] = '\0';
    }
    p = *rc == 0 ? core_buf_steal(&b) : NULL;
    if (*rc == 0 && !p)
        *rc = -ENOMEM;
    core_buf_free(&b);
    return p;
}

static int by_src(const void *a, const void *b)
{
    const struct parse__html_sink_link *x = a, *y = b;

    return x->src < y->src ? -1 : x->src > y->src;
}

/* Move what the sink holds into r. sort: links came in tree order, put them in input order. */
static int sink_finish(struct parse__html_sink *s, bool sort, struct parse_html_result *r)
{
    struct parse_html_link *links = NULL;
    char *title = NULL, *storage;
    size_t i, n = s->nlinks;
    int rc = 0;

    if (s->meta_nofollow && !s->o->follow_nofollow && !s->o->keep_nofollow) {
        n = 0;
        s->truncated = false;
        s->dropped = 0;
    }
    if (s->title_src != SIZE_MAX) {
        title = finish_title(s, &rc);
        if (!title)
            return rc;
    }
    if (n > 0) {
        links = core_calloc(n, sizeof(*links));
        if (!links)
            goto out_free_title;
    }
    storage = NULL;
    if (n > 0) {
        storage = core_buf_steal(&s->pool);
        if (!storage)
            goto out_free_links;
    }
    if (sort && n > 1)
        qsort(s->links, n, sizeof(*s->links), by_src);
    for (i = 0; i < n; i++) {
        links[i].href = storage + s->links[i].off;
        links[i].len = s->links[i].len;
        links[i].kind = s->links[i].kind;
        /* under meta robots nofollow, every link is one not to follow */
        links[i].nofollow = s->links[i].nofollow ||
                            (s->meta_nofollow && !s->o->follow_nofollow);
    }
    memset(r, 0, sizeof(*r));
    r->title = title;
    r->base_href = s->base;
    s->base = NULL;
    r->meta_nofollow = s->meta_nofollow;
    r->meta_noindex = s->meta_noindex;
    r->links = links;
    r->nlinks = n;
    r->nofollow_skipped = s->nofollow_skipped;
    r->truncated_links = s->truncated;
    r->links_dropped = s->dropped;
    r->storage_ = storage;
    return 0;

out_free_links:
    core_free(links);
out_free_title:
    core_free(title);
    return -ENOMEM;
}

/* --- gumbo --- */

/* A template's contents are an inert fragment, not the document's (gumbo keeps them as the
 * template element's children): they are not walked. */
static const GumboVector *children(const GumboNode *n)
{
    if (n->type == GUMBO_NODE_DOCUMENT)
        return &n->v.document.children;
    if (n->type == GUMBO_NODE_ELEMENT)
        return &n->v.element.children;
    return NULL;
}

static const char *attr(const GumboElement *el, const char *name)
{
    const GumboAttribute *a = gumbo_get_attribute(&el->attributes, name);

    return a ? a->value : NULL;
}

static int visit_title(const GumboNode *n, struct parse__html_sink *s)
{
    const GumboVector *c = &n->v.element.children;
    unsigned i;
    int rc;

    if (!parse__html_sink_title_begin(s, n->v.element.start_pos.offset))
        return 0;
    for (i = 0; i < c->length; i++) {
        const GumboNode *t = c->data[i];

        if (t->type != GUMBO_NODE_TEXT && t->type != GUMBO_NODE_WHITESPACE &&
            t->type != GUMBO_NODE_CDATA)
            continue;
        rc = parse__html_sink_title_more(s, t->v.text.text, strlen(t->v.text.text));
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int visit(const GumboNode *n, struct parse__html_sink *s)
{
    /* elements that gumbo re-creates while repairing misnested formatting tags are copies
     * of an earlier <a>: their link is already counted */
    const unsigned copy = GUMBO_INSERTION_RECONSTRUCTED_FORMATTING_ELEMENT |
                          GUMBO_INSERTION_ADOPTION_AGENCY_CLONED;
    const GumboElement *el = &n->v.element;
    const size_t src = el->start_pos.offset;
    const char *v, *rel;
    unsigned kind, r = 0;

    /* HTML elements, and SVG's <a>: a MathML <a>, an SVG <title> or <iframe> is not one */
    if (el->tag_namespace != GUMBO_NAMESPACE_HTML &&
        !(el->tag == GUMBO_TAG_A && el->tag_namespace == GUMBO_NAMESPACE_SVG))
        return 0;
    if (s->o->title_only && el->tag != GUMBO_TAG_TITLE && el->tag != GUMBO_TAG_META)
        return 0;
    switch (el->tag) {
    case GUMBO_TAG_A:
    case GUMBO_TAG_AREA:
        kind = el->tag == GUMBO_TAG_A ? PARSE_HTML_LINK_A : PARSE_HTML_LINK_AREA;
        v = attr(el, "href");
        break;
    case GUMBO_TAG_IFRAME:
    case GUMBO_TAG_FRAME:
        kind = el->tag == GUMBO_TAG_IFRAME ? PARSE_HTML_LINK_IFRAME : PARSE_HTML_LINK_FRAME;
        v = attr(el, "src");
        break;
    case GUMBO_TAG_LINK:
        rel = attr(el, "rel");
        r = rel ? parse__html_rel(rel, strlen(rel)) : 0;
        if (!(r & (PARSE__REL_NEXT | PARSE__REL_PREV)))
            return 0;
        kind = r & PARSE__REL_NEXT ? PARSE_HTML_LINK_LINK_NEXT : PARSE_HTML_LINK_LINK_PREV;
        v = attr(el, "href");
        break;
    case GUMBO_TAG_BASE:
        v = attr(el, "href");
        return v ? parse__html_sink_base(s, v, strlen(v), src) : 0;
    case GUMBO_TAG_META:
        v = attr(el, "name");
        rel = attr(el, "content");
        if (v && rel)
            parse__html_sink_meta(s, v, strlen(v), rel, strlen(rel));
        return 0;
    case GUMBO_TAG_TITLE:
        return visit_title(n, s);
    default:
        return 0;
    }
    if (!v || (n->parse_flags & copy))
        return 0;
    if (el->tag != GUMBO_TAG_LINK) {
        rel = attr(el, "rel");
        r = rel ? parse__html_rel(rel, strlen(rel)) : 0;
    }
    if (!parse__html_sink_wants(s, r))
        return 0;
    return parse__html_sink_link(s, kind, r, v, strlen(v), src);
}

/* Visit every element in tree order, iteratively. */
static int walk(const GumboNode *root, struct parse__html_sink *s)
{
    const GumboNode *n = root;
    const GumboVector *c;
    int rc;

    for (;;) {
        if (n->type == GUMBO_NODE_ELEMENT) {
            rc = visit(n, s);
            if (rc < 0)
                return rc;
        }
        c = children(n);
        if (c && c->length > 0) {
            n = c->data[0];
            continue;
        }
        for (;;) {
            const GumboNode *p;
            size_t next;

            if (n == root)
                return 0;
            p = n->parent;
            next = n->index_within_parent + 1;
            c = children(p);
            if (next < c->length) {
                n = c->data[next];
                break;
            }
            n = p;
        }
    }
}

/* Gumbo's memory. Every block gumbo allocates is kept on a list, so that what gumbo 0.10.1
 * forgets to free (it leaks the strings of a DOCTYPE token in "in head noscript" mode: a
 * hostile page can leak megabytes) is freed after the parse, and so that gumbo allocates
 * through core/mem.h. Gumbo cannot handle a failed allocation, so the allocator longjmps
 * out of the parse instead, and the list frees everything gumbo held. */
union gblock {
    struct {
        union gblock *prev, *next;
    } l;
    max_align_t align; /* blocks handed to gumbo stay aligned */
};

struct gheap {
    union gblock *head;
    jmp_buf oom;
};

static void *gheap_alloc(void *userdata, size_t size)
{
    struct gheap *h = userdata;
    union gblock *b = size < SIZE_MAX - sizeof(*b) ? core_malloc(sizeof(*b) + size) : NULL;

    if (!b)
        longjmp(h->oom, 1);
    b->l.prev = NULL;
    b->l.next = h->head;
    if (h->head)
        h->head->l.prev = b;
    h->head = b;
    return b + 1;
}

static void gheap_free(void *userdata, void *p)
{
    struct gheap *h = userdata;
    union gblock *b = p;

    if (!p)
        return;
    b--;
    if (b->l.prev)
        b->l.prev->l.next = b->l.next;
    else
        h->head = b->l.next;
    if (b->l.next)
        b->l.next->l.prev = b->l.prev;
    core_free(b);
}

static void gheap_free_all(struct gheap *h)
{
    union gblock *b = h->head, *next;

    for (; b; b = next) {
        next = b->l.next;
        core_free(b);
    }
    h->head = NULL;
}

static void gumbo_opts(struct gheap *h, GumboOptions *o)
{
    *o = kGumboDefaultOptions;
    o->allocator = gheap_alloc;
    o->deallocator = gheap_free;
    o->userdata = h;
    /* The defaults record every parse error, about 170 bytes each; a page of NUL bytes
     * makes two per byte (a 1 MB page: 177 MB). Nothing here reads them. */
    o->max_errors = 0;
}

/* The parse, or NULL when memory ran out. Only h's list survives the longjmp, and it
 * lives in the caller's frame. */
static GumboOutput *gumbo_parse_guarded(struct gheap *h, const char *body, size_t len)
{
    GumboOptions o;

    gumbo_opts(h, &o);
    if (setjmp(h->oom) != 0)
        return NULL;
    return gumbo_parse_with_options(&o, body, len);
}

static int gumbo_extract(const char *body, size_t len, struct parse__html_sink *s)
{
    struct gheap h = {0};
    GumboOptions o;
    GumboOutput *g;
    int rc = -ENOMEM;

    g = gumbo_parse_guarded(&h, body, len);
    if (g) {
        rc = walk(g->document, s);
        gumbo_opts(&h, &o);
        gumbo_destroy_output(&o, g);
    }
    gheap_free_all(&h);
    return rc;
}

/* --- API --- */

const char *parse_html_defer_name(unsigned why)
{
    static const char *const names[PARSE_HTML_DEFER_COUNT] = {
        "none", "asked", "foreign", "select", "frameset", "base", "nesting", "charref",
        "attrs",
    };

    return why < PARSE_HTML_DEFER_COUNT ? names[why] : "unknown";
}

int parse_html_extract(const char *body, size_t len, const struct parse_html_opts *o,
                       struct parse_html_result *out)
{
    struct parse_html_opts opts;
    struct parse__html_sink s;
    unsigned defer = PARSE_HTML_DEFER_ASKED, parser = PARSE_HTML_SCANNER, ignored;
    bool cheap = false, deep = false;
    int rc = 0;

    parse_html_opts_init(&opts);
    if (o) {
        opts = *o;
        if (opts.max_links == 0)
            opts.max_links = PARSE_HTML_MAX_LINKS_DEFAULT;
        if (opts.max_depth == 0)
            opts.max_depth = PARSE_HTML_MAX_DEPTH_DEFAULT;
    }
    if (!body)
        body = "";
    parse__html_sink_init(&s, &opts, len);
    if (opts.parser != PARSE_HTML_GUMBO)
        rc = parse__html_scan(body, len, opts.title_only, true, &defer, &s);
    if (rc == 0 && defer != PARSE_HTML_DEFER_NONE) {
        /* start over with gumbo, if it can take the page: it counts positions in
         * unsigned int, and its tree builder is quadratic in nesting */
        parse__html_sink_free(&s);
        parse__html_sink_init(&s, &opts, len);
        if (len < UINT32_MAX / 2)
            rc = parse__html_cost_ok(body, len, opts.max_depth, &cheap);
        if (rc == 0 && cheap) {
            parser = PARSE_HTML_GUMBO;
            rc = gumbo_extract(body, len, &s);
        } else if (rc == 0) {
            deep = true;
            rc = parse__html_scan(body, len, opts.title_only, false, &ignored, &s);
        }
    }
    if (rc == 0)
        rc = sink_finish(&s, parser == PARSE_HTML_GUMBO, out);
    if (rc == 0) {
        out->parser = parser;
        out->defer = defer;
        out->deep_fallback = deep;
    }
    parse__html_sink_free(&s);
    return rc;
}

void parse_html_result_free(struct parse_html_result *r)
{
    if (!r)
        return;
    core_free(r->title);
    core_free(r->base_href);
    core_free(r->links);
    core_free(r->storage_);
    memset(r, 0, sizeof(*r));
}
