/* app/crawl/discover.c: the one place a URL found on a page, in a redirect, a sitemap or the
 * seeds is judged: scope, dedup against the visited set (a shorter route re-expands a page
 * already done), depth, traps; what is not fetched is listed in --skipped with its reason. */
#include "app/crawl/crawl_int.h"

#include <errno.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "app/crawl/page.h"
#include "app/crawl/scope.h"
#include "app/crawl/state.h"
#include "core/loop.h"
#include "core/mem.h"
#include "core/offload.h"
#include "core/sigwatch.h"
#include "parse/robots.h"
#include "parse/sitemap.h"
#include "parse/url.h"

/* Length of "scheme://host[:port]" in a normalised URL. */
size_t crawl__origin_len(const char *url, size_t len)
{
    const char *p = memchr(url, ':', len), *slash;

    if (!p || (size_t)(p - url) + 3 > len)
        return len;
    slash = memchr(p + 3, '/', len - (size_t)(p + 3 - url));
    return slash ? (size_t)(slash - url) : len;
}

/* --- the visited set, kept ------------------------------------------------------------- */

static void keep_url(struct crawl *c, uint64_t fp)
{
    unsigned depth = 0, state = 0;

    parse_visited_get(c->visited, fp, &depth, &state);
    crawl_state_url(c->cfg->state, fp, depth, state);
}

int crawl__visit(struct crawl *c, uint64_t fp, unsigned depth, unsigned *state)
{
    int rc = parse_visited_add(c->visited, fp, depth, NULL, state);

    /* a new URL is kept by what becomes of it next (its job, or set_state); a known one that
     * got shorter, now */
    if (c->cfg->state && rc == PARSE_VISITED_SHORTER)
        keep_url(c, fp);
    return rc;
}

void crawl__set_state(struct crawl *c, uint64_t fp, unsigned state)
{
    parse_visited_set_state(c->visited, fp, state);
    /* QUEUED and ACTIVE need no row: the URL's stored job says it (a resumed crawl marks the
     * URL of every stored job QUEUED) */
    if (c->cfg->state && state != CRAWL_URL_ACTIVE && state != CRAWL_URL_QUEUED)
        keep_url(c, fp);
}

bool crawl__leave_for_resume(const struct crawl *c)
{
    return (c->cfg->state || c->remote) && c->stopping;
}

/* --- skipped URLs ------------------------------------------------------------------------- */

/* List url under why, once per URL (if we do not know it from the visited set already). */
void crawl__skipped(struct crawl *c, const char *url, size_t len, const char *parent,
                    enum crawl_skip why, bool dedup)
{
    if (!c->cfg->on_skip)
        return;
    if (dedup && c->skip_seen) {
        uint64_t fp = parse_visited_fingerprint(c->skip_seen, url, len);

        if (parse_visited_add(c->skip_seen, fp, 0, NULL, NULL) != PARSE_VISITED_NEW)
            return;
        if (c->cfg->state)
            crawl_state_skipped(c->cfg->state, fp);
    }
    if (url[len] == '\0') {
        c->cfg->on_skip(url, parent, why, c->cfg->arg);
    } else {
        char *copy = core_strndup(url, len);

        if (copy)
            c->cfg->on_skip(copy, parent, why, c->cfg->arg);
        core_free(copy);
    }
}

/* --- discovering URLs --------------------------------------------------------------------- */

int crawl__enqueue(struct crawl *c, const char *url, size_t len, uint64_t fp, unsigned depth,
                   struct frontier_parent *parent, void *extra, struct frontier_job **out)
{
    struct frontier_new n = {url, len, crawl__origin_len(url, len), fp, depth, parent,
                             FRONTIER_PAGE, 0, extra};
    int rc;

    if (c->remote) {
        /* every page is the shared frontier's to hand out */
        if (out)
            *out = NULL;
        rc = crawl__remote_link(c, url, len, fp, depth, FRONTIER_PAGE);
        if (rc == 0)
            crawl__set_state(c, fp, CRAWL_URL_QUEUED);
        return rc;
    }
    rc = frontier_add_job(c->frontier, &n, false, out);

    if (rc == 0) {
        crawl__set_state(c, fp, CRAWL_URL_QUEUED);
    } else if (rc == -EPIPE && crawl__leave_for_resume(c)) {
        /* a stop closed the frontier: the URL is known, so its job must be kept too */
        struct frontier_new kept = {url, len, 0, fp, depth, parent, FRONTIER_PAGE, 0, NULL};

        crawl__set_state(c, fp, CRAWL_URL_QUEUED);
        crawl_state_job(c->cfg->state, &kept);
    } else if (rc == -EPIPE)
        crawl__skipped(c, url, len, parent ? parent->url : NULL,
                c->stopping ? CRAWL_SKIP_INTERRUPTED : CRAWL_SKIP_MAX_PAGES, false);
    return rc;
}

/* Judge one URL found at depth on parent's page (or a seed, parent NULL). Counts new jobs in
 * *added. Failures to queue (out of memory, a closed frontier) drop the URL. */
void crawl__discover(struct crawl *c, const char *url, size_t len, unsigned depth,
                     struct frontier_parent *parent, long *added)
{
    const struct crawl_config *cfg = c->cfg;
    unsigned state = CRAWL_URL_QUEUED;
    const char *purl = parent ? parent->url : NULL;
    bool beyond = depth > cfg->max_depth;
    uint64_t fp;
    int rc;

    if (scope_check(cfg->scope, url, len) != SCOPE_IN) {
        c->st.out_of_scope++;
        crawl__skipped(c, url, len, purl, CRAWL_SKIP_SCOPE, true);
        return;
    }
    fp = parse_visited_fingerprint(c->visited, url, len);
    rc = crawl__visit(c, fp, depth, &state);
    if (rc == PARSE_VISITED_SEEN) {
        c->st.duplicates++;
        return;
    }
    if (rc == PARSE_VISITED_SHORTER) {
        c->st.shorter_routes++;
        if (state == CRAWL_URL_DONE)
            crawl__reexpand(c, fp, url, depth);
        if (state != CRAWL_URL_BEYOND || beyond)
            return; /* QUEUED and ACTIVE jobs read the better depth themselves */
    } else if (rc != PARSE_VISITED_NEW) {
        return; /* -ENOMEM: the URL is lost, and counted nowhere better */
    }
    if (beyond) {
        crawl__set_state(c, fp, CRAWL_URL_BEYOND);
        c->st.beyond_depth++;
        crawl__skipped(c, url, len, purl, CRAWL_SKIP_DEPTH, false);
        return;
    }
    if (rc == PARSE_VISITED_NEW && traps_check(c->traps, url, len, crawl__origin_len(url, len))) {
        /* keep it known (DONE), so it is judged once */
        crawl__set_state(c, fp, CRAWL_URL_DONE);
        c->st.traps++;
        crawl__skipped(c, url, len, purl, CRAWL_SKIP_TRAP, false);
        return;
    }
    if (crawl__enqueue(c, url, len, fp, depth, parent, NULL, NULL) == 0 && added)
        (*added)++;
}

/* A fetched page was reached by a shorter route: follow its stored links from there. */
void crawl__reexpand(struct crawl *c, uint64_t fp, const char *url, unsigned depth)
{
    struct frontier_parent *parent;
    struct core_buf links;
    size_t off;

    if (!c->links)
        return;
    core_buf_init(&links, 256u << 20);
    if (linkstore_get(c->links, fp, &links) == 0 && (parent = frontier_parent_new(url)) != NULL) {
        for (off = 0; off < links.len;) {
            const char *l = links.data + off;
            size_t n = strlen(l);
            bool hop = l[0] == REDIRECT_MARK;

            crawl__discover(c, l + hop, n - hop, hop ? depth : depth + 1, parent, NULL);
            off += n + 1;
        }
        frontier_parent_release(parent);
    }
    core_buf_free(&links);
}
