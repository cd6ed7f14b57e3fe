/* bench/bench_parse.c: the HTML parsing ceiling of the crawl benchmark.
 *
 * bench_parse SITE_DIR URLS_FILE [--threads N] [--rounds R]
 *
 * Loads every page listed in URLS_FILE (paths under SITE_DIR) into memory, then parses them all
 * on N threads (default 2), R rounds (default 3, best kept), two ways:
 *   gumbo:    gumbo_parse + gumbo_destroy_output, nothing else (the raw parser ceiling);
 *   analyze:  app/crawl/page.c's page_analyze, what the crawler does per page off the loop (charset,
 *             the scanner, or gumbo where it must, links, resolution and normalisation of every
 *             link).
 * Prints pages/s and MB/s for each, tab-separated. */
#include <gumbo.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "app/crawl/page.h"

struct page {
    char *path;
    char *body;
    size_t len;
};

struct job {
    struct page *pages;
    size_t from;
    size_t to;
    int analyze;
    const char *base;
};

static void *work(void *arg)
{
    struct job *j = arg;
    size_t i;

    for (i = j->from; i < j->to; i++) {
        struct page *p = &j->pages[i];

        if (j->analyze) {
            struct page_input in;
            struct page_output out;
            char url[512];

            snprintf(url, sizeof(url), "%s%s", j->base, p->path);
            memset(&in, 0, sizeof(in));
            in.body = p->body;
            in.len = p->len;
            in.content_type = "text/html";
            in.url = url;
            in.max_url_len = 2048;
            page_output_init(&out);
            if (page_analyze(&in, &out) != 0)
                abort();
            page_output_free(&out);
        } else {
            GumboOutput *o = gumbo_parse_with_options(&kGumboDefaultOptions, p->body, p->len);

            gumbo_destroy_output(&kGumboDefaultOptions, o);
        }
    }
    return NULL;
}

static double run(struct page *pages, size_t n, int threads, int analyze)
{
    pthread_t t[64];
    struct job jobs[64];
    uint64_t t0 = uv_hrtime();
    int i;

    for (i = 0; i < threads; i++) {
        jobs[i] = (struct job){pages, n * (size_t)i / (size_t)threads,
                               n * (size_t)(i + 1) / (size_t)threads, analyze,
                               "http://127.0.0.1:8080"};
        pthread_create(&t[i], NULL, work, &jobs[i]);
    }
    for (i = 0; i < threads; i++)
        pthread_join(t[i], NULL);
    return (double)(uv_hrtime() - t0) / 1e9;
}

int main(int argc, char **argv)
{
    struct page *pages = NULL;
    size_t n = 0, cap = 0, bytes = 0;
    int threads = 2, rounds = 3, i, r;
    char line[1024];
    FILE *urls;

    if (argc < 3) {
        fprintf(stderr, "usage: bench_parse SITE_DIR URLS_FILE [--threads N] [--rounds R]\n");
        return 2;
    }
    for (i = 3; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--threads") == 0)
            threads = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--rounds") == 0)
            rounds = atoi(argv[i + 1]);
    }
    if (threads < 1 || threads > 64)
        threads = 2;
    urls = fopen(argv[2], "r");
    if (!urls)
        return 1;
    while (fgets(line, sizeof(line), urls)) {
        char file[2048];
        FILE *f;
        long len;

        line[strcspn(line, "\n")] = '\0';
        snprintf(file, sizeof(file), "%s%s", argv[1],
                 strcmp(line, "/") == 0 ? "/index.html" : line);
        f = fopen(file, "rb");
        if (!f)
            continue;
        if (n == cap)
            pages = realloc(pages, (cap = cap ? cap * 2 : 1024) * sizeof(*pages));
        fseek(f, 0, SEEK_END);
        len = ftell(f);
        fseek(f, 0, SEEK_SET);
        pages[n].path = strdup(line);
        pages[n].body = malloc((size_t)len);
        pages[n].len = fread(pages[n].body, 1, (size_t)len, f);
        bytes += pages[n].len;
        n++;
        fclose(f);
    }
    fclose(urls);
    for (r = 0; r < 2; r++) {
        double best = 1e9;

        for (i = 0; i < rounds; i++) {
            double s = run(pages, n, threads, r);

            if (s < best)
                best = s;
        }
        printf("%s\t%d threads\t%.0f pages/s\t%.1f MB/s\n", r ? "analyze" : "gumbo", threads,
               (double)n / best, (double)bytes / best / 1e6);
    }
    return 0;
}
