/* tests/support/crawlrun.c: see crawlrun.h. */
#include "tests/support/crawlrun.h"

#include <stdio.h>
#include <string.h>

#include "app/crawl/scope.h"
#include "core/loop.h"
#include "tests/support/corotest.h"

static void on_record(const struct crawl_record *r, void *arg)
{
    struct crawlrun *run = arg;
    struct crawlrun_rec *x = &run->recs[run->n++];

    assert_true(run->n < sizeof(run->recs) / sizeof(run->recs[0]));
    snprintf(x->url, sizeof(x->url), "%s", r->url);
    snprintf(x->final_url, sizeof(x->final_url), "%s", r->final_url ? r->final_url : "");
    snprintf(x->error, sizeof(x->error), "%s", r->error ? r->error : "");
    snprintf(x->title, sizeof(x->title), "%s", r->title ? r->title : "");
    x->status = r->status;
    x->attempts = r->attempts;
    x->links_found = r->links_found;
    x->bytes = (long long)r->bytes;
}

static void on_skip(const char *url, const char *parent, enum crawl_skip why, void *arg)
{
    struct crawlrun *run = arg;

    (void)parent;
    if (run->nskips < sizeof(run->skips) / sizeof(run->skips[0]))
        snprintf(run->skips[run->nskips++], sizeof(run->skips[0]), "%s %s",
                 crawl_skip_name(why), url);
}

void crawlrun_setup(struct crawlrun *r, struct site *s, const char *const *seeds, size_t n)
{
    size_t i;

    memset(r, 0, sizeof(*r));
    crawl_config_init(&r->cfg);
    r->cfg.workers = 16;
    r->cfg.max_depth = 3;
    r->cfg.retry_base_ms = 50;
    for (i = 0; i < n && i < 4; i++) {
        snprintf(r->seeds_buf[i], sizeof(r->seeds_buf[i]), "%s", seeds[i]);
        r->seeds[i] = r->seeds_buf[i];
    }
    r->cfg.seeds = r->seeds;
    r->cfg.nseeds = i;
    site_connect_to(s, r->connect, sizeof(r->connect));
    r->connect_to[0] = r->connect;
    r->cfg.fetch.connect_to = r->connect_to;
    r->cfg.fetch.nconnect_to = 1;
    r->cfg.on_record = on_record;
    r->cfg.on_skip = on_skip;
    r->cfg.arg = r;
    assert_int_equal(scope_create(SCOPE_ANY, &r->cfg.scope), 0);
}

static int body(struct core_coro *co, void *arg)
{
    struct crawlrun *r = arg;

    r->rc = crawl_run(co, &r->cfg, NULL, &r->st);
    return 0;
}

void crawlrun_go(struct crawlrun *r)
{
    assert_int_equal(corotest_run(body, r, COROTEST_WATCHDOG_MS), 0);
    assert_int_equal(r->rc, 0);
    scope_destroy(r->cfg.scope);
    r->cfg.scope = NULL;
}

const struct crawlrun_rec *crawlrun_find(const struct crawlrun *r, const char *url)
{
    size_t i;

    for (i = 0; i < r->n; i++)
        if (strcmp(r->recs[i].url, url) == 0)
            return &r->recs[i];
    return NULL;
}

bool crawlrun_skipped(const struct crawlrun *r, const char *reason, const char *url_part)
{
    size_t i, n = strlen(reason);

    for (i = 0; i < r->nskips; i++)
        if (strncmp(r->skips[i], reason, n) == 0 && r->skips[i][n] == ' ' &&
            strstr(r->skips[i], url_part))
            return true;
    return false;
}
