/* app/orders_summary.c: the summary of `trawl orders` (see orders_summary.h), out of
 * orders_cmd.c when --state made that file two things. */
#include "app/orders_summary.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "app/export/jsonw.h"
#include "app/orders/histogram.h"
#include "app/orders/money.h"

bool orders_summary_adds_up(const struct orders_stats *s)
{
    uint64_t rejects = 0;
    int i;

    for (i = 0; i < ORDERS_R_COUNT; i++)
        rejects += s->rejects[i];
    /* every entry released (a JSONL line, or a CSV order's rows) became one result or reject;
     * and the pipeline's items all came from, and went back to, its pool (more back than it
     * made would mean blocks from elsewhere: the pool would grow with every reject) */
    return s->results + rejects + s->abandoned == s->entries &&
           s->items_returned <= s->max_in_flight;
}

void orders_summary_print(const struct orders_stats *s, const char *state_dir)
{
    double secs = (double)s->elapsed_ms / 1000.0;
    uint64_t rejects = 0;
    size_t i;

    for (i = 0; i < ORDERS_R_COUNT; i++)
        rejects += s->rejects[i];
    fprintf(stderr, "trawl: %llu lines in %.2f s (%.0f orders/s): %llu results (%llu priced, "
            "%llu delivered), %llu rejects (parse %llu, invalid %llu, duplicate %llu, "
            "delivery %llu)\n",
            (unsigned long long)s->lines, secs,
            secs > 0 ? (double)(s->results + rejects) / secs : 0.0,
            (unsigned long long)s->results, (unsigned long long)s->priced,
            (unsigned long long)s->delivered, (unsigned long long)rejects,
            (unsigned long long)s->rejects[ORDERS_R_PARSE],
            (unsigned long long)s->rejects[ORDERS_R_INVALID],
            (unsigned long long)s->rejects[ORDERS_R_DUPLICATE],
            (unsigned long long)s->rejects[ORDERS_R_DELIVERY]);
    for (i = 0; i < s->ncurrencies; i++) {
        char amount[48];

        money_format(s->totals[i].total, s->totals[i].decimals, amount, sizeof(amount));
        fprintf(stderr, "%s%s %s%s", i ? ", " : "trawl: totals: ", s->totals[i].code, amount,
                s->totals[i].overflow ? " (overflowed)" : "");
    }
    if (s->ncurrencies)
        fputc('\n', stderr);
    if (s->latency.n)
        fprintf(stderr, "trawl: delivery latency p50 %.1f ms, p95 %.1f ms, p99 %.1f ms; %llu retries\n",
                histogram_quantile(&s->latency, 0.50), histogram_quantile(&s->latency, 0.95),
                histogram_quantile(&s->latency, 0.99), (unsigned long long)s->retries);
    if (s->interrupted || s->input_error) {
        if (s->lines_not_reached == UINT64_MAX)
            fprintf(stderr, "trawl: %s: input after this point was not read (not counted: "
                    "not a regular file)", s->interrupted ? "interrupted" : "input error");
        else
            fprintf(stderr, "trawl: %s: %llu input lines were not reached",
                    s->interrupted ? "interrupted" : "input error",
                    (unsigned long long)s->lines_not_reached);
        if (s->resume_source[0])
            fprintf(stderr, "; resume from %s line %llu", s->resume_source,
                    (unsigned long long)s->resume_line);
        fputc('\n', stderr);
    }
    if (s->input_error)
        fprintf(stderr, "trawl orders: reading %s\n", s->input_error_text);
    if (state_dir) {
        fprintf(stderr, "trawl: state %s: %llu results and %llu rejects committed in all",
                state_dir, (unsigned long long)s->total_results,
                (unsigned long long)s->total_rejects);
        if (s->skipped)
            fprintf(stderr, "; %llu lines done by earlier runs skipped",
                    (unsigned long long)s->skipped);
        if (s->abandoned)
            fprintf(stderr, "; %llu deliveries cut off, left for the resume",
                    (unsigned long long)s->abandoned);
        fprintf(stderr, "; %llu commits, the longest %lld ms\n", (unsigned long long)s->commits,
                (long long)s->commit_max_ms);
        if (!s->finished)
            fprintf(stderr, "trawl: resume with: trawl orders --resume %s\n", state_dir);
    }
}

int orders_summary_json(const struct orders_stats *s, const char *state_dir, struct core_buf *out)
{
    struct jsonw w;
    char amount[48], num[32];
    uint64_t rejects = 0;
    size_t i;
    int rc;

    for (i = 0; i < ORDERS_R_COUNT; i++)
        rejects += s->rejects[i];
    jsonw_init(&w, out);
    jsonw_begin_object(&w);
    jsonw_key(&w, "lines");
    jsonw_uint(&w, s->lines);
    jsonw_key(&w, "results");
    jsonw_uint(&w, s->results);
    jsonw_key(&w, "status");
    jsonw_begin_object(&w);
    jsonw_key(&w, "priced");
    jsonw_uint(&w, s->priced);
    jsonw_key(&w, "delivered");
    jsonw_uint(&w, s->delivered);
    jsonw_end_object(&w);
    jsonw_key(&w, "rejects");
    jsonw_uint(&w, rejects);
    jsonw_key(&w, "reject_classes");
    jsonw_begin_object(&w);
    for (i = 0; i < ORDERS_R_COUNT; i++) {
        jsonw_key(&w, orders_reject_class_name((enum orders_reject_class)i));
        jsonw_uint(&w, s->rejects[i]);
    }
    jsonw_end_object(&w);
    jsonw_key(&w, "totals");
    jsonw_begin_object(&w);
    for (i = 0; i < s->ncurrencies; i++) {
        money_format(s->totals[i].total, s->totals[i].decimals, amount, sizeof(amount));
        jsonw_key(&w, s->totals[i].code);
        if (s->totals[i].overflow)
            jsonw_null(&w);
        else
            jsonw_string(&w, amount, strlen(amount));
    }
    jsonw_end_object(&w);
    jsonw_key(&w, "elapsed_ms");
    jsonw_int(&w, s->elapsed_ms);
    jsonw_key(&w, "orders_per_second");
    snprintf(num, sizeof(num), "%.1f",
             s->elapsed_ms > 0 ? (double)(s->results + rejects) * 1000.0 / (double)s->elapsed_ms : 0.0);
    jsonw_raw(&w, num);
    jsonw_key(&w, "retries");
    jsonw_uint(&w, s->retries);
    jsonw_key(&w, "max_in_flight");
    jsonw_uint(&w, s->max_in_flight);
    jsonw_key(&w, "latency_ms");
    if (s->latency.n) {
        static const struct { const char *k; double q; } qs[] = {{"p50", .5}, {"p95", .95}, {"p99", .99}};

        jsonw_begin_object(&w);
        for (i = 0; i < 3; i++) {
            snprintf(num, sizeof(num), "%.1f", histogram_quantile(&s->latency, qs[i].q));
            jsonw_key(&w, qs[i].k);
            jsonw_raw(&w, num);
        }
        jsonw_end_object(&w);
    } else {
        jsonw_null(&w);
    }
    jsonw_key(&w, "interrupted");
    jsonw_bool(&w, s->interrupted);
    jsonw_key(&w, "lines_not_reached");
    if (s->lines_not_reached == UINT64_MAX)
        jsonw_null(&w);
    else
        jsonw_uint(&w, s->lines_not_reached);
    jsonw_key(&w, "resume");
    if (s->resume_source[0]) {
        jsonw_begin_object(&w);
        jsonw_key(&w, "source");
        jsonw_string(&w, s->resume_source, strlen(s->resume_source));
        jsonw_key(&w, "line");
        jsonw_uint(&w, s->resume_line);
        jsonw_end_object(&w);
    } else {
        jsonw_null(&w);
    }
    jsonw_key(&w, "state");
    if (state_dir) {
        jsonw_begin_object(&w);
        jsonw_key(&w, "dir");
        jsonw_string(&w, state_dir, strlen(state_dir));
        jsonw_key(&w, "finished");
        jsonw_bool(&w, s->finished);
        jsonw_key(&w, "skipped");
        jsonw_uint(&w, s->skipped);
        jsonw_key(&w, "abandoned");
        jsonw_uint(&w, s->abandoned);
        jsonw_key(&w, "total_results");
        jsonw_uint(&w, s->total_results);
        jsonw_key(&w, "total_rejects");
        jsonw_uint(&w, s->total_rejects);
        jsonw_key(&w, "commits");
        jsonw_uint(&w, s->commits);
        jsonw_key(&w, "commit_max_ms");
        jsonw_int(&w, s->commit_max_ms);
        jsonw_end_object(&w);
    } else {
        jsonw_null(&w);
    }
    jsonw_end_object(&w);
    rc = jsonw_finish(&w);
    return rc ? rc : core_buf_putc(out, '\n');
}

