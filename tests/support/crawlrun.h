/* tests/support/crawlrun.h: run the crawl engine against a test site and keep what it said.
 *
 * crawlrun_setup fills a config with test-friendly defaults (16 workers, depth 3, short
 * backoff, scope any, every host name connected to the site's server; the crawler's own
 * generous timeouts, which only a stalling server reaches, loaded machine or not), the
 * caller adjusts it, crawlrun_go runs the crawl to its end under a watchdog. Records and
 * --skipped lines are captured for the assertions.
 *
 * Ownership: struct crawlrun is the caller's (large: keep it static or on the heap). */
#ifndef TRAWL_TESTS_CRAWLRUN_H
#define TRAWL_TESTS_CRAWLRUN_H

#include <stdbool.h>
#include <stddef.h>

#include "app/crawl/crawl.h"
#include "tests/support/site.h"

struct crawlrun_rec {
    char url[256];
    char final_url[256];
    char error[32];
    char title[256];
    long status;
    unsigned attempts;
    long links_found;
    long long bytes;
};

struct crawlrun {
    struct crawl_config cfg;
    struct crawl_stats st;
    struct crawlrun_rec recs[512];
    size_t n;
    char seeds_buf[4][256];
    const char *seeds[4];
    char connect[64];
    const char *connect_to[1];
    char skips[128][320];
    size_t nskips;
    int rc;
};

void crawlrun_setup(struct crawlrun *r, struct site *s, const char *const *seeds, size_t n);
void crawlrun_go(struct crawlrun *r);
const struct crawlrun_rec *crawlrun_find(const struct crawlrun *r, const char *url);
/* Was a URL containing url_part listed in --skipped with this reason? */
bool crawlrun_skipped(const struct crawlrun *r, const char *reason, const char *url_part);

#endif
