/* app/crawl_summary.c: the end-of-crawl summary of `trawl crawl` (see crawl_summary.h). */
#include "app/crawl_summary.h"

#include <stdio.h>

#include "app/crawl/warc.h"
#include "app/export/jsonw.h"

/* URLs attempted without a 2xx or an HTTP error status: no response, or an error class. */
static uint64_t summary_failed(const struct crawl_stats *s)
{
    return s->attempted - s->ok - s->http_errors;
}

/* URLs attempted per second of the whole crawl. */
static double summary_rate(const struct crawl_stats *s)
{
    return s->elapsed_ms > 0 ? (double)s->attempted * 1000.0 / (double)s->elapsed_ms : 0.0;
}

/* "trawl: HTML: N pages read by the scanner, M by gumbo (foreign 2, ...), K best effort". */
static void print_html_summary(const struct crawl_stats *s)
{
    unsigned i;
    int first = 1;

    if (!s->html_read[PARSE_HTML_SCANNER] && !s->html_read[PARSE_HTML_GUMBO])
        return;
    fprintf(stderr, "trawl: HTML: %llu pages read by the scanner, %llu by gumbo",
            (unsigned long long)s->html_read[PARSE_HTML_SCANNER],
            (unsigned long long)s->html_read[PARSE_HTML_GUMBO]);
    for (i = 1; i < PARSE_HTML_DEFER_COUNT; i++) {
        if (!s->html_why[i])
            continue;
        fprintf(stderr, "%s%s %llu", first ? " (" : ", ", parse_html_defer_name(i),
                (unsigned long long)s->html_why[i]);
        first = 0;
    }
    fprintf(stderr, "%s", first ? "" : ")");
    if (s->html_best_effort)
        fprintf(stderr, "; %llu too deep for gumbo, read best effort",
                (unsigned long long)s->html_best_effort);
    fputc('\n', stderr);
}

void crawl_summary_print(const struct crawl_stats *s, const struct crawl_warc_counts *warc,
                         const char *warc_name)
{
    static const enum crawl_status_class classes[] = {
        CRAWL_STATUS_1XX, CRAWL_STATUS_2XX, CRAWL_STATUS_3XX, CRAWL_STATUS_4XX,
        CRAWL_STATUS_5XX, CRAWL_STATUS_OTHER, CRAWL_STATUS_NONE};
    size_t k;
    int e, first = 1;

    fprintf(stderr, "trawl: %llu URLs in %.1f s (%.1f/s): %llu ok, %llu HTTP errors, %llu failed",
            (unsigned long long)s->attempted, (double)s->elapsed_ms / 1000.0, summary_rate(s),
            (unsigned long long)s->ok, (unsigned long long)s->http_errors,
            (unsigned long long)summary_failed(s));
    for (e = 1; e < CRAWL_E_COUNT; e++) {
        if (!s->errors[e])
            continue;
        fprintf(stderr, "%s%s %llu", first ? " (" : ", ", crawl_error_name((enum crawl_error)e),
                (unsigned long long)s->errors[e]);
        first = 0;
    }
    fprintf(stderr, "%s; %.1f MB\n", first ? "" : ")", (double)s->bytes / 1e6);
    for (first = 1, k = 0; k < sizeof(classes) / sizeof(classes[0]); k++) {
        if (!s->status[classes[k]])
            continue;
        fprintf(stderr, "%s%s %llu", first ? "trawl: status: " : ", ",
                crawl_status_class_name(classes[k]), (unsigned long long)s->status[classes[k]]);
        first = 0;
    }
    if (!first)
        fputc('\n', stderr);
    fprintf(stderr, "trawl: links: %llu found, %llu duplicates, %llu out of scope, %llu beyond "
            "depth, %llu not followed, %llu traps\n",
            (unsigned long long)s->links_found, (unsigned long long)s->duplicates,
            (unsigned long long)s->out_of_scope, (unsigned long long)s->beyond_depth,
            (unsigned long long)s->skipped_links, (unsigned long long)s->traps);
    if (s->link_capped_pages)
        fprintf(stderr, "trawl: links: %llu dropped on %llu pages past --max-links-per-page "
                "(too_many_links in --skipped)\n", (unsigned long long)s->links_dropped,
                (unsigned long long)s->link_capped_pages);
    fprintf(stderr, "trawl: %zu hosts; robots.txt: %llu fetched, %llu pages disallowed, %llu "
            "sitemaps listed (%llu fetched, %llu URLs); %llu retries\n",
            s->hosts, (unsigned long long)s->robots_fetched,
            (unsigned long long)s->robots_denied, (unsigned long long)s->sitemaps,
            (unsigned long long)s->sitemaps_fetched, (unsigned long long)s->sitemap_urls,
            (unsigned long long)s->retries);
    print_html_summary(s);
    if (warc)
        fprintf(stderr, "trawl: archived %llu responses and %llu revisits in %s: %llu records, "
                "%u %s, %.1f MB\n", (unsigned long long)warc->responses,
                (unsigned long long)warc->revisits, warc_name,
                (unsigned long long)warc->records, warc->files,
                warc->files == 1 ? "file" : "files", (double)warc->bytes / 1e6);
    if (s->remote_calls)
        fprintf(stderr, "trawl: redis: %llu jobs leased, %llu committed, %llu leases lost, %llu "
                "slots handed on; %llu calls (%.2f per page)\n",
                (unsigned long long)s->remote_leased, (unsigned long long)s->remote_committed,
                (unsigned long long)s->remote_stale, (unsigned long long)s->remote_handed_on,
                (unsigned long long)s->remote_calls,
                s->attempted ? (double)s->remote_calls / (double)s->attempted : 0.0);
    if (s->interrupted)
        fprintf(stderr, "trawl: interrupted: %llu queued URLs were not fetched\n",
                (unsigned long long)s->not_reached);
    else if (s->not_reached)
        fprintf(stderr, "trawl: --max-pages reached: %llu queued URLs were not fetched\n",
                (unsigned long long)s->not_reached);
}

static void put_count(struct jsonw *w, const char *key, uint64_t n)
{
    jsonw_key(w, key);
    jsonw_uint(w, n);
}

int crawl_summary_json(const struct crawl_stats *s, const struct crawl_warc_counts *warc,
                       struct core_buf *b)
{
    struct jsonw w;
    char num[64];
    int i, rc;

    jsonw_init(&w, b);
    jsonw_begin_object(&w);
    put_count(&w, "urls", s->attempted);
    put_count(&w, "ok", s->ok);
    put_count(&w, "http_errors", s->http_errors);
    put_count(&w, "failed", summary_failed(s));
    jsonw_key(&w, "status");
    jsonw_begin_object(&w);
    for (i = 0; i < CRAWL_STATUS_COUNT; i++)
        put_count(&w, crawl_status_class_name((enum crawl_status_class)i), s->status[i]);
    jsonw_end_object(&w);
    jsonw_key(&w, "errors");
    jsonw_begin_object(&w);
    for (i = 1; i < CRAWL_E_COUNT; i++)
        put_count(&w, crawl_error_name((enum crawl_error)i), s->errors[i]);
    jsonw_end_object(&w);
    put_count(&w, "bytes", s->bytes);
    jsonw_key(&w, "elapsed_ms");
    jsonw_int(&w, s->elapsed_ms);
    jsonw_key(&w, "urls_per_second");
    snprintf(num, sizeof(num), "%.1f", summary_rate(s));
    jsonw_raw(&w, num);
    jsonw_key(&w, "links");
    jsonw_begin_object(&w);
    put_count(&w, "found", s->links_found);
    put_count(&w, "duplicates", s->duplicates);
    put_count(&w, "out_of_scope", s->out_of_scope);
    put_count(&w, "beyond_depth", s->beyond_depth);
    put_count(&w, "not_followed", s->skipped_links);
    put_count(&w, "traps", s->traps);
    put_count(&w, "dropped", s->links_dropped);
    put_count(&w, "capped_pages", s->link_capped_pages);
    jsonw_end_object(&w);
    put_count(&w, "hosts", s->hosts);
    jsonw_key(&w, "robots");
    jsonw_begin_object(&w);
    put_count(&w, "fetched", s->robots_fetched);
    put_count(&w, "disallowed", s->robots_denied);
    jsonw_end_object(&w);
    jsonw_key(&w, "sitemaps");
    jsonw_begin_object(&w);
    put_count(&w, "listed", s->sitemaps);
    put_count(&w, "fetched", s->sitemaps_fetched);
    put_count(&w, "urls", s->sitemap_urls);
    jsonw_end_object(&w);
    jsonw_key(&w, "html");
    jsonw_begin_object(&w);
    put_count(&w, "scanner", s->html_read[PARSE_HTML_SCANNER]);
    put_count(&w, "gumbo", s->html_read[PARSE_HTML_GUMBO]);
    jsonw_key(&w, "gumbo_why");
    jsonw_begin_object(&w);
    for (i = 1; i < PARSE_HTML_DEFER_COUNT; i++)
        put_count(&w, parse_html_defer_name((unsigned)i), s->html_why[i]);
    jsonw_end_object(&w);
    put_count(&w, "best_effort", s->html_best_effort);
    jsonw_end_object(&w);
    put_count(&w, "retries", s->retries);
    jsonw_key(&w, "interrupted");
    jsonw_bool(&w, s->interrupted);
    put_count(&w, "not_reached", s->not_reached);
    jsonw_key(&w, "redis");
    if (s->remote_calls) {
        jsonw_begin_object(&w);
        put_count(&w, "calls", s->remote_calls);
        put_count(&w, "leased", s->remote_leased);
        put_count(&w, "committed", s->remote_committed);
        put_count(&w, "stale", s->remote_stale);
        put_count(&w, "handed_on", s->remote_handed_on);
        jsonw_end_object(&w);
    } else {
        jsonw_null(&w);
    }
    jsonw_key(&w, "warc");
    if (warc) {
        jsonw_begin_object(&w);
        put_count(&w, "files", warc->files);
        put_count(&w, "records", warc->records);
        put_count(&w, "responses", warc->responses);
        put_count(&w, "revisits", warc->revisits);
        put_count(&w, "bytes", warc->bytes);
        jsonw_end_object(&w);
    } else {
        jsonw_null(&w);
    }
    jsonw_end_object(&w);
    rc = jsonw_finish(&w);
    if (rc == 0)
        rc = core_buf_putc(b, '\n');
    return rc;
}
