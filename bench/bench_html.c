/* bench/bench_html.c: single-thread throughput of the HTML extraction paths.
 *
 * Builds a realistic 14 KB page (head with meta, styles and scripts, navigation, an article,
 * a sidebar and a footer; 43 links, and an inline SVG icon) and times, on one thread: the
 * default extraction (the scanner), the scanner alone, gumbo's parse alone (default options,
 * and without error recording), the cost check, the gumbo path (check + parse + walk, as for
 * a page the scanner hands over), the best-effort path of pages too deep for gumbo (whole
 * check + scan), title_only, and charset conversion (iconv_open included). Also times the
 * 100,000-deep page, both ways.
 * Usage (Release build): cmake --build build/release --target bench_html &&
 *   build/release/bench/bench_html */
#include <gumbo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/mem.h"
#include "parse/charset.h"
#include "parse/html.h"
#include "parse/html_int.h"

static double now(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void add(struct core_buf *b, const char *s)
{
    if (core_buf_puts(b, s) < 0)
        abort();
}

static char *realistic_page(size_t *len, size_t *nlinks)
{
    static const char *const words[] = {
        "the", "crawler", "fetches", "pages", "and", "parses", "links", "from", "HTML",
        "documents", "with", "care", "for", "hostile", "input", "while", "keeping", "memory",
        "bounded", "across", "many", "concurrent", "transfers", "on", "one", "loop",
    };
    struct core_buf b;
    size_t i, w = 0, links = 0;
    char tmp[256];

    core_buf_init(&b, 1 << 20);
    add(&b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            "<meta name=\"description\" content=\"A realistic page for benchmarks\">\n"
            "<title>Benchmark Article &mdash; Example News</title>\n"
            "<link rel=\"stylesheet\" href=\"/static/css/main.css?v=3\">\n"
            "<link rel=\"icon\" href=\"/favicon.ico\">\n"
            "<link rel=\"canonical\" href=\"https://news.example/2024/05/article\">\n"
            "<link rel=\"next\" href=\"/2024/05/article?page=2\">\n<style>\n");
    links++;
    for (i = 0; i < 24; i++) {
        snprintf(tmp, sizeof(tmp), ".c%zu > a:hover { color: #%06zx; margin: 0 %zupx; }\n", i,
                 i * 4321, i);
        add(&b, tmp);
    }
    add(&b, "</style>\n<script>\nwindow.dataLayer = window.dataLayer || [];\n");
    for (i = 0; i < 20; i++) {
        snprintf(tmp, sizeof(tmp),
                 "function f%zu(a, b) { if (a < b && b > %zu) { return '<span>' + a + '</span>'; } }\n",
                 i, i);
        add(&b, tmp);
    }
    add(&b, "</script>\n</head>\n<body class=\"article\">\n<header><a href=\"/\" class=\"logo\">"
            "<svg viewBox=\"0 0 24 24\" width=\"24\"><title>Example News</title>"
            "<path d=\"M12 2L2 22h20z\"/><use xlink:href=\"#mark\"/></svg></a><nav><ul>\n");
    links++;
    for (i = 0; i < 12; i++, links++) {
        snprintf(tmp, sizeof(tmp), "<li class=\"nav-item\"><a href=\"/section/%zu/\">Section %zu</a></li>\n",
                 i, i);
        add(&b, tmp);
    }
    add(&b, "</ul></nav></header>\n<main><article>\n<h1>Benchmark article</h1>\n");
    for (i = 0; i < 15; i++) {
        size_t k;

        add(&b, "<p>");
        for (k = 0; k < 70; k++, w++) {
            add(&b, words[w % (sizeof(words) / sizeof(words[0]))]);
            add(&b, k % 11 == 10 ? ", " : " ");
        }
        snprintf(tmp, sizeof(tmp),
                 "<a href=\"https://other.example/story/%zu?ref=news&amp;utm=x\">related story</a>"
                 " and <em>more</em>.</p>\n",
                 i);
        add(&b, tmp);
        links++;
    }
    add(&b, "<figure><img src=\"/img/photo.jpg\" alt=\"photo\" width=\"640\" height=\"480\">"
            "<figcaption>A photo</figcaption></figure>\n</article>\n<aside><h2>Popular</h2><ol>\n");
    for (i = 0; i < 10; i++, links++) {
        snprintf(tmp, sizeof(tmp), "<li><a href=\"/2024/04/popular-%zu\" title=\"Popular %zu\">Popular "
                                   "story number %zu</a></li>\n",
                 i, i, i);
        add(&b, tmp);
    }
    add(&b, "</ol></aside></main>\n<footer><p>&copy; 2024 Example News &middot; ");
    for (i = 0; i < 4; i++, links++) {
        snprintf(tmp, sizeof(tmp), "<a href=\"/legal/%zu\">Legal %zu</a> ", i, i);
        add(&b, tmp);
    }
    add(&b, "<a rel=\"nofollow\" href=\"/ads\">Ads</a></p></footer>\n"
            "<script src=\"/static/js/app.js\" defer></script>\n</body>\n</html>\n");
    links++;
    *len = b.len;
    *nlinks = links;
    return core_buf_steal(&b);
}

/* Seconds per call of fn, over at least 0.5 s. */
#define TIME(label, bytes, body)                                                                   \
    do {                                                                                           \
        double t0 = now(), t;                                                                      \
        size_t n = 0;                                                                              \
        do {                                                                                       \
            for (size_t k_ = 0; k_ < 100; k_++, n++) {                                             \
                body;                                                                              \
            }                                                                                      \
            t = now() - t0;                                                                        \
        } while (t < 0.5);                                                                         \
        printf("%-36s %9.2f us/page", label, t / (double)n * 1e6);                                \
        if (bytes)                                                                                 \
            printf("  %8.1f MB/s", (double)(bytes) * (double)n / t / 1e6);                        \
        printf("\n");                                                                             \
    } while (0)

int main(void)
{
    size_t len, nlinks, i;
    char *page = realistic_page(&len, &nlinks);
    struct parse_html_opts o;
    struct parse_html_result r;
    unsigned defer;
    bool ok;

    parse_html_opts_init(&o);
    if (parse_html_extract(page, len, &o, &r) != 0)
        abort();
    printf("page: %zu bytes, %zu links in the page, %zu returned (one is rel=nofollow), "
           "title \"%s\", read by the %s\n",
           len, nlinks, r.nlinks, r.title, r.parser == PARSE_HTML_GUMBO ? "gumbo" : "scanner");
    parse_html_result_free(&r);
    {
        unsigned long a0 = core_mem_allocs(), a1;

        if (parse_html_extract(page, len, &o, &r) != 0)
            abort();
        a1 = core_mem_allocs();
        parse_html_result_free(&r);
        o.parser = PARSE_HTML_GUMBO;
        if (parse_html_extract(page, len, &o, &r) != 0)
            abort();
        printf("core/mem allocations per extraction: %lu by the scanner, %lu via gumbo\n",
               a1 - a0, core_mem_allocs() - a1);
        parse_html_result_free(&r);
        o.parser = PARSE_HTML_SCANNER;
    }
    TIME("extract, default (scanner)", len, {
        if (parse_html_extract(page, len, &o, &r) != 0 || r.parser != PARSE_HTML_SCANNER)
            abort();
        parse_html_result_free(&r);
    });
    TIME("scanner alone", len, {
        struct parse__html_sink s;

        parse__html_sink_init(&s, &o, len);
        if (parse__html_scan(page, len, false, true, &defer, &s) != 0 || defer)
            abort();
        parse__html_sink_free(&s);
    });

    TIME("gumbo parse + destroy (defaults)", len, {
        GumboOutput *g = gumbo_parse_with_options(&kGumboDefaultOptions, page, len);
        gumbo_destroy_output(&kGumboDefaultOptions, g);
    });
    {
        GumboOptions go = kGumboDefaultOptions;

        go.max_errors = 0;
        TIME("gumbo parse + destroy (no errors)", len, {
            GumboOutput *g = gumbo_parse_with_options(&go, page, len);
            gumbo_destroy_output(&go, g);
        });
    }
    TIME("cost check", len, {
        if (parse__html_cost_ok(page, len, 1000, &ok) != 0 || !ok)
            abort();
    });
    o.parser = PARSE_HTML_GUMBO;
    TIME("extract via gumbo (check+parse+walk)", len, {
        if (parse_html_extract(page, len, &o, &r) != 0 || r.parser != PARSE_HTML_GUMBO)
            abort();
        parse_html_result_free(&r);
    });
    o.parser = PARSE_HTML_SCANNER;
    TIME("best effort (whole check + scan)", len, {
        struct parse__html_sink s;

        if (parse__html_cost_ok(page, len, 1000, &ok) != 0 || !ok)
            abort();
        parse__html_sink_init(&s, &o, len);
        if (parse__html_scan(page, len, false, false, &defer, &s) != 0)
            abort();
        parse__html_sink_free(&s);
    });
    o.title_only = true;
    TIME("extract title_only", 0, {
        if (parse_html_extract(page, len, &o, &r) != 0 || !r.title)
            abort();
        parse_html_result_free(&r);
    });
    o.title_only = false;
    TIME("to_utf8 utf-8 (sanitize)", len, {
        struct core_buf b;

        core_buf_init(&b, 4 * len);
        if (parse_charset_to_utf8(page, len, "utf-8", &b) != 0)
            abort();
        core_buf_free(&b);
    });
    TIME("to_utf8 windows-1252 (iconv)", len, {
        struct core_buf b;

        core_buf_init(&b, 4 * len);
        if (parse_charset_to_utf8(page, len, "windows-1252", &b) != 0)
            abort();
        core_buf_free(&b);
    });
    TIME("to_utf8 windows-1252, 1 byte", 0, {
        struct core_buf b;

        core_buf_init(&b, 64);
        if (parse_charset_to_utf8("x", 1, "windows-1252", &b) != 0)
            abort();
        core_buf_free(&b);
    });
    free(page);

    /* the hostile page */
    {
        const size_t depth = 100000;
        char *deep = malloc(depth * 11 + 64), *p = deep;
        double t0;

        for (i = 0; i < depth; i++, p += 5)
            memcpy(p, "<div>", 5);
        p += sprintf(p, "<a href=\"/deep\">x</a>");
        for (i = 0; i < depth; i++, p += 6)
            memcpy(p, "</div>", 6);
        parse_html_opts_init(&o);
        t0 = now();
        if (parse_html_extract(deep, (size_t)(p - deep), &o, &r) != 0)
            abort();
        printf("100,000-deep page (%zu bytes): %.2f ms by the scanner, %zu link(s)\n",
               (size_t)(p - deep), (now() - t0) * 1e3, r.nlinks);
        parse_html_result_free(&r);
        o.parser = PARSE_HTML_GUMBO;
        t0 = now();
        if (parse_html_extract(deep, (size_t)(p - deep), &o, &r) != 0)
            abort();
        printf("... with gumbo asked for: %.2f ms, deep_fallback %d (cost check + best effort)\n",
               (now() - t0) * 1e3, r.deep_fallback);
        parse_html_result_free(&r);
        free(deep);
    }
    return 0;
}
