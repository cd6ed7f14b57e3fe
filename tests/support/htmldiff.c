/* tests/support/htmldiff.c: the linear scanner against gumbo on one page (see htmldiff.h). */
#include "tests/support/htmldiff.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "parse/html.h"
#include "parse/url.h"

#define URL_MAX 8192

static bool str_same(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* The base links resolve against, as app/crawl/page.c finds it. */
static int base_of(const char *url, const struct parse_html_result *r, struct core_buf *base)
{
    size_t ulen = strlen(url);
    int rc;

    core_buf_reset(base);
    if (r->base_href) {
        rc = parse_url_resolve(url, ulen, r->base_href, strlen(r->base_href), base);
        if (rc == 0 || rc == -ENOMEM)
            return rc;
    }
    core_buf_reset(base);
    return core_buf_append(base, url, ulen);
}

/* Link i of each result, resolved: the URL, or the error, must be the same. */
static int same_resolved(const struct core_buf *base_a, const struct parse_html_link *a,
                         const struct core_buf *base_b, const struct parse_html_link *b,
                         bool *same)
{
    struct core_buf ra, rb;
    int ea, eb;

    core_buf_init(&ra, URL_MAX);
    core_buf_init(&rb, URL_MAX);
    ea = parse_url_resolve(base_a->data, base_a->len, a->href, a->len, &ra);
    eb = parse_url_resolve(base_b->data, base_b->len, b->href, b->len, &rb);
    *same = ea == eb && (ea != 0 || (ra.len == rb.len && memcmp(ra.data, rb.data, ra.len) == 0));
    core_buf_free(&ra);
    core_buf_free(&rb);
    return ea == -ENOMEM || eb == -ENOMEM ? -ENOMEM : 0;
}

static int compare(const char *url, const struct parse_html_result *s,
                   const struct parse_html_result *g, char *msg, size_t cap)
{
    struct core_buf bs, bg;
    size_t i;
    int rc = 0;
    bool same;

    msg[0] = '\0';
    if (!str_same(s->title, g->title)) {
        snprintf(msg, cap, "title: scanner '%s', gumbo '%s'", s->title ? s->title : "(none)",
                 g->title ? g->title : "(none)");
        return HTMLDIFF_DIFFERENT;
    }
    if (!str_same(s->base_href, g->base_href)) {
        snprintf(msg, cap, "base: scanner '%s', gumbo '%s'",
                 s->base_href ? s->base_href : "(none)", g->base_href ? g->base_href : "(none)");
        return HTMLDIFF_DIFFERENT;
    }
    if (s->meta_nofollow != g->meta_nofollow || s->meta_noindex != g->meta_noindex) {
        snprintf(msg, cap, "meta robots: scanner nofollow %d noindex %d, gumbo %d %d",
                 s->meta_nofollow, s->meta_noindex, g->meta_nofollow, g->meta_noindex);
        return HTMLDIFF_DIFFERENT;
    }
    if (s->nofollow_skipped != g->nofollow_skipped || s->truncated_links != g->truncated_links) {
        snprintf(msg, cap, "rel=nofollow %zu vs %zu, truncated %d vs %d", s->nofollow_skipped,
                 g->nofollow_skipped, s->truncated_links, g->truncated_links);
        return HTMLDIFF_DIFFERENT;
    }
    for (i = 0; i < s->nlinks && i < g->nlinks; i++) {
        const struct parse_html_link *a = &s->links[i], *b = &g->links[i];

        if (a->len != b->len || memcmp(a->href, b->href, a->len) != 0 || a->kind != b->kind ||
            a->nofollow != b->nofollow) {
            snprintf(msg, cap, "link %zu: scanner '%.200s' (kind %u%s), gumbo '%.200s' (kind %u%s)",
                     i, a->href, a->kind, a->nofollow ? ", nofollow" : "", b->href, b->kind,
                     b->nofollow ? ", nofollow" : "");
            return HTMLDIFF_DIFFERENT;
        }
    }
    if (s->nlinks != g->nlinks) {
        snprintf(msg, cap, "%zu links from the scanner, %zu from gumbo; first extra: '%.200s'",
                 s->nlinks, g->nlinks,
                 s->nlinks > g->nlinks ? s->links[i].href : g->links[i].href);
        return HTMLDIFF_DIFFERENT;
    }
    /* the same hrefs and base resolve alike; check it the crawler's way all the same */
    core_buf_init(&bs, URL_MAX);
    core_buf_init(&bg, URL_MAX);
    rc = base_of(url, s, &bs);
    if (rc == 0)
        rc = base_of(url, g, &bg);
    for (i = 0; rc == 0 && i < s->nlinks; i++) {
        rc = same_resolved(&bs, &s->links[i], &bg, &g->links[i], &same);
        if (rc == 0 && !same) {
            snprintf(msg, cap, "link %zu '%.200s' resolves differently", i, s->links[i].href);
            rc = HTMLDIFF_DIFFERENT;
        }
    }
    core_buf_free(&bs);
    core_buf_free(&bg);
    return rc;
}

int htmldiff_page(const char *page, size_t len, const char *url, unsigned *why, char *msg,
                  size_t cap)
{
    struct parse_html_opts o;
    struct parse_html_result s, g;
    int rc;

    msg[0] = '\0';
    parse_html_opts_init(&o);
    o.keep_nofollow = true;
    rc = parse_html_extract(page, len, &o, &s);
    if (rc < 0)
        return rc;
    *why = s.defer;
    if (s.parser != PARSE_HTML_SCANNER || s.deep_fallback) {
        parse_html_result_free(&s);
        return HTMLDIFF_DEFERRED;
    }
    o.parser = PARSE_HTML_GUMBO;
    rc = parse_html_extract(page, len, &o, &g);
    if (rc < 0) {
        parse_html_result_free(&s);
        return rc;
    }
    if (g.deep_fallback)
        rc = HTMLDIFF_SKIPPED;
    else
        rc = compare(url, &s, &g, msg, cap);
    parse_html_result_free(&s);
    parse_html_result_free(&g);
    return rc;
}
