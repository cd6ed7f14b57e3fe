/* tests/test_app_crawl_cmd.c: `trawl crawl` as a user runs it: exit codes, messages, output
 * files (JSONL and CSV, checked by parsing them back), the --summary file, seeds from a file,
 * and SIGINT. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#define JSMN_STATIC
#define JSMN_STRICT
#include <jsmn.h>

#include "fetch/version.h"
#include "tests/support/corotest.h"
#include "tests/support/proc.h"
#include "tests/support/site.h"

static const struct site_page small[] = {
    {"/", 0, NULL, NULL,
     "<title>Home, \"quoted\"</title><a href=\"/a\">a</a><a href=\"/b\">b</a>"
     "<a href=\"/missing\">m</a>", 0},
    {"/a", 0, NULL, NULL, "<title>A\nline</title><a href=\"/\">home</a>", 0},
    {"/b", 0, NULL, NULL, "<title>B, with comma</title>", 0},
};

static const char *const fields[] = {"url", "final_url", "depth", "parent", "status",
                                     "content_type", "bytes", "title", "links_found",
                                     "links_new", "fetch_ms", "error", "fetched_at",
                                     "attempts", "warc_file", "warc_offset"};
#define NFIELDS 16

/* Every line of text is one JSON object with exactly the record fields. Returns the count. */
static int check_jsonl(const char *text)
{
    int lines = 0;

    while (*text) {
        const char *nl = strchr(text, '\n');
        jsmn_parser p;
        jsmntok_t t[64];
        int n, i, k;

        assert_non_null(nl); /* every line is complete */
        jsmn_init(&p);
        n = jsmn_parse(&p, text, (size_t)(nl - text), t, 64);
        if (n < 1 || t[0].type != JSMN_OBJECT)
            fail_msg("not a JSON object: %.*s", (int)(nl - text), text);
        assert_int_equal(t[0].size, NFIELDS);
        for (i = 1, k = 0; i < n && k < NFIELDS; k++) {
            assert_int_equal(t[i].type, JSMN_STRING);
            assert_int_equal((size_t)(t[i].end - t[i].start), strlen(fields[k]));
            assert_memory_equal(text + t[i].start, fields[k], strlen(fields[k]));
            i += 2; /* key, value (values here are never containers) */
        }
        lines++;
        text = nl + 1;
    }
    return lines;
}

static const char *url(struct site *s, const char *path, char *buf)
{
    return site_url(s, path, buf, 128);
}

/* The file holds exactly one JSON object and a newline (strict JSON: jsmn in strict mode,
 * every token consumed). */
static void check_json_file(const char *text)
{
    jsmn_parser p;
    jsmntok_t t[256];
    size_t len = strlen(text);
    int n;

    assert_true(len > 2);
    assert_int_equal(text[len - 1], '\n');
    jsmn_init(&p);
    n = jsmn_parse(&p, text, len - 1, t, 256);
    if (n < 1 || t[0].type != JSMN_OBJECT || (size_t)t[0].end != len - 1)
        fail_msg("not one JSON object: %s", text);
}

/* text contains needle, else the test fails showing both. */
static void expect_in(const char *text, const char *needle)
{
    if (!strstr(text, needle))
        fail_msg("'%s' not in: %s", needle, text);
}

static void test_cli_help_and_version(void **state)
{
    struct proc p = {0};
    char want[256], *out;

    (void)state;
    assert_int_equal(proc_run(&p, (const char *[]){"--version", NULL}, PROC_WATCHDOG_MS), 0);
    out = proc_slurp(p.out);
    /* trawl's version, then the libraries' as loaded (this test links the same ones) */
    snprintf(want, sizeof(want), "trawl %s\nrunning with libcurl %s, libuv %s\n"
             "built with gumbo %s\n", TRAWL_VERSION, fetch_version_libcurl(),
             uv_version_string(), TRAWL_GUMBO_VERSION);
    assert_string_equal(out, want);
    assert_true(fetch_version_libcurl()[0] >= '1' && fetch_version_libcurl()[0] <= '9');
    assert_true(TRAWL_GUMBO_VERSION[0] >= '0' && TRAWL_GUMBO_VERSION[0] <= '9');
    free(out);
    assert_int_equal(proc_run(&p, (const char *[]){"--help", NULL}, PROC_WATCHDOG_MS), 0);
    out = proc_slurp(p.out);
    assert_non_null(strstr(out, "crawl"));
    free(out);
    assert_int_equal(proc_run(&p, (const char *[]){"crawl", "--help", NULL}, PROC_WATCHDOG_MS), 0);
    out = proc_slurp(p.out);
    assert_non_null(strstr(out, "Usage: trawl crawl"));
    assert_non_null(strstr(out, "--max-pages"));
    free(out);
    proc_cleanup(&p);
}

static void expect_usage(const char *const *argv, const char *needle)
{
    struct proc p = {0};
    char *err;

    assert_int_equal(proc_run(&p, argv, PROC_WATCHDOG_MS), 2);
    err = proc_slurp(p.err);
    if (!strstr(err, needle) || !strstr(err, "--help"))
        fail_msg("stderr lacks '%s': %s", needle, err);
    free(err);
    proc_cleanup(&p);
}

static void test_cli_usage_errors_exit_2(void **state)
{
    (void)state;
    expect_usage((const char *[]){NULL}, "command");
    expect_usage((const char *[]){"bogus", NULL}, "unknown command 'bogus'");
    expect_usage((const char *[]){"crawl", NULL}, "no seed URL");
    expect_usage((const char *[]){"crawl", "--depth", "x", "http://127.0.0.1:1/", NULL},
                 "invalid value 'x' for --depth");
    expect_usage((const char *[]){"crawl", "--nope", "http://127.0.0.1:1/", NULL},
                 "unknown option '--nope'");
    expect_usage((const char *[]){"crawl", "--order", "random", "http://127.0.0.1:1/", NULL},
                 "--order must be");
    expect_usage((const char *[]){"crawl", "--allow", "(", "http://127.0.0.1:1/", NULL},
                 "bad --allow regex");
    expect_usage((const char *[]){"crawl", "--max-links-per-page", "0", "http://127.0.0.1:1/",
                                  NULL}, "invalid value '0' for --max-links-per-page");
    expect_usage((const char *[]){"crawl", "--html-parser", "tidy", "http://127.0.0.1:1/", NULL},
                 "--html-parser must be scanner or gumbo");
    expect_usage((const char *[]){"crawl", "--cacert", "/nonexistent/ca.pem",
                                  "http://127.0.0.1:1/", NULL},
                 "cannot read --cacert '/nonexistent/ca.pem'");
    expect_usage((const char *[]){"crawl", "mailto:x@example.com", "not a url", NULL},
                 "no valid seed");
}

static void test_cli_invalid_seed_is_reported_and_skipped(void **state)
{
    struct site s;
    struct proc p = {0};
    char u[128], *err, *out;

    (void)state;
    assert_int_equal(site_start(&s, small, 3), 0);
    assert_int_equal(proc_run(&p, (const char *[]){"crawl", "-q", "-d", "0", "ht!tp://x",
                                                   url(&s, "/", u), NULL}, PROC_WATCHDOG_MS), 0);
    err = proc_slurp(p.err);
    assert_non_null(strstr(err, "skipping invalid seed 'ht!tp://x'"));
    out = proc_slurp(p.out);
    assert_int_equal(check_jsonl(out), 1);
    free(err);
    free(out);
    proc_cleanup(&p);
    site_stop(&s);
}

static void test_cli_unwritable_output_fails_before_any_fetch(void **state)
{
    struct site s;
    struct proc p = {0};
    char u[128], *err;

    (void)state;
    assert_int_equal(site_start(&s, small, 3), 0);
    assert_int_equal(proc_run(&p, (const char *[]){"crawl", "-o", "/nonexistent/dir/out.jsonl",
                                                   url(&s, "/", u), NULL}, PROC_WATCHDOG_MS), 1);
    err = proc_slurp(p.err);
    assert_non_null(strstr(err, "cannot write '/nonexistent/dir/out.jsonl'"));
    assert_int_equal(httpd_requests(s.srv), 0);
    free(err);
    proc_cleanup(&p);
    site_stop(&s);
}

static void test_cli_jsonl_file_is_complete_and_valid(void **state)
{
    struct site s;
    struct proc p = {0};
    char u[128], path[160], *out, *err;

    (void)state;
    assert_int_equal(site_start(&s, small, 3), 0);
    proc_init(&p);
    proc_path(&p, "out.jsonl", path, sizeof(path));
    assert_int_equal(proc_run(&p, (const char *[]){"crawl", "-o", path, url(&s, "/", u), NULL},
                              PROC_WATCHDOG_MS), 0);
    out = proc_slurp(path);
    assert_int_equal(check_jsonl(out), 4); /* /, /a, /b, /missing */
    assert_non_null(strstr(out, "\"title\":\"Home, \\\"quoted\\\"\""));
    assert_non_null(strstr(out, "\"status\":404"));
    assert_non_null(strstr(out, "\"fetched_at\":\"20"));
    err = proc_slurp(p.err);
    assert_non_null(strstr(err, "4 URLs")); /* the summary */
    free(out);
    free(err);
    proc_cleanup(&p);
    site_stop(&s);
}

static void test_cli_csv_file_has_header_and_quoted_fields(void **state)
{
    struct site s;
    struct proc p = {0};
    char u[128], path[160], *out, *line;
    int rows = 0;

    (void)state;
    assert_int_equal(site_start(&s, small, 3), 0);
    proc_init(&p);
    proc_path(&p, "out.csv", path, sizeof(path));
    assert_int_equal(proc_run(&p, (const char *[]){"crawl", "-q", "-o", path, url(&s, "/", u),
                                                   NULL}, PROC_WATCHDOG_MS), 0);
    out = proc_slurp(path);
    assert_true(strncmp(out, "url,final_url,depth,parent,status,content_type,bytes,title,"
                             "links_found,links_new,fetch_ms,error,fetched_at,attempts,"
                             "warc_file,warc_offset\r\n",
                        139) == 0);
    assert_non_null(strstr(out, "\"B, with comma\""));
    assert_non_null(strstr(out, "\"Home, \"\"quoted\"\"\""));
    for (line = out; (line = strstr(line, "\r\n")) != NULL; line += 2)
        rows++;
    assert_int_equal(rows, 5); /* header + 4 records */
    free(out);
    proc_cleanup(&p);
    site_stop(&s);
}

/* / links to a page, a missing page, a mailto: link and another host; /a links back home and
 * one level deeper. With -d 1: /, /a and /missing are fetched. */
static const struct site_page fates[] = {
    {"/", 0, NULL, NULL,
     "<title>Home</title><a href=\"/a\">a</a><a href=\"/missing\">m</a>"
     "<a href=\"mailto:x@example.com\">mail</a><a href=\"{OTHER}/elsewhere\">away</a>", 0},
    {"/a", 0, NULL, NULL, "<title>A</title><a href=\"/\">home</a><a href=\"/a/deep\">deep</a>", 0},
    {"/a/deep", 0, NULL, NULL, "<title>deep</title>", 0},
};

static void test_cli_summary_file_has_the_counts(void **state)
{
    struct site s;
    struct proc p = {0};
    char u[128], out[160], sum[160], skipped[160], *json, *err;

    (void)state;
    assert_int_equal(site_start(&s, fates, 3), 0);
    proc_init(&p);
    proc_path(&p, "out.jsonl", out, sizeof(out));
    proc_path(&p, "summary.json", sum, sizeof(sum));
    proc_path(&p, "skipped.jsonl", skipped, sizeof(skipped));
    /* --skipped makes pages at the depth limit parsed for links, so beyond_depth is counted */
    assert_int_equal(proc_run(&p, (const char *[]){"crawl", "-d", "1", "-o", out, "--skipped",
                                                   skipped, "--summary", sum, url(&s, "/", u),
                                                   NULL}, PROC_WATCHDOG_MS), 0);
    json = proc_slurp(sum);
    check_json_file(json);
    expect_in(json, "{\"urls\":3,\"ok\":2,\"http_errors\":1,\"failed\":0,");
    expect_in(json, "\"status\":{\"none\":0,\"1xx\":0,\"2xx\":2,\"3xx\":0,\"4xx\":1,"
                    "\"5xx\":0,\"other\":0}");
    expect_in(json, "\"errors\":{\"dns\":0,\"connect\":0,\"timeout\":0,\"tls\":0,");
    expect_in(json, "\"robots\":0,\"other\":0,\"dead_letter\":0},\"bytes\":");
    expect_in(json, "\"links\":{\"found\":6,\"duplicates\":1,\"out_of_scope\":1,"
                    "\"beyond_depth\":1,\"not_followed\":1,\"traps\":0,\"dropped\":0,"
                    "\"capped_pages\":0}");
    expect_in(json, "\"hosts\":1,\"robots\":{\"fetched\":1,\"disallowed\":0},"
                    "\"sitemaps\":{\"listed\":0,\"fetched\":0,\"urls\":0},");
    expect_in(json, "\"html\":{\"scanner\":2,\"gumbo\":0,\"gumbo_why\":{\"asked\":0,"
                    "\"foreign\":0,\"select\":0,\"frameset\":0,\"base\":0,\"nesting\":0,"
                    "\"charref\":0,\"attrs\":0},\"best_effort\":0},\"retries\":0,"
                    "\"interrupted\":false,\"not_reached\":0,\"redis\":null,\"warc\":null}");
    expect_in(json, "\"elapsed_ms\":");
    expect_in(json, "\"urls_per_second\":");
    /* the stderr summary tells the same story */
    err = proc_slurp(p.err);
    expect_in(err, "3 URLs");
    expect_in(err, "2 ok, 1 HTTP errors, 0 failed");
    expect_in(err, "trawl: status: 2xx 2, 4xx 1\n");
    expect_in(err, "6 found, 1 duplicates, 1 out of scope, 1 beyond depth, 1 not followed, 0 traps");
    expect_in(err, "trawl: HTML: 2 pages read by the scanner, 0 by gumbo\n");
    assert_int_equal(site_foreign_hosts(&s), 0);
    free(json);
    free(err);
    proc_cleanup(&p);
    site_stop(&s);
}

/* A page with 12,000 links (more than the 10,000 once dropped without a word), all to pages
 * robots.txt disallows, so each one followed is a record and no request. */
#define MANY 12000

static void test_cli_max_links_per_page(void **state)
{
    struct site_page pages[2] = {
        {"/", 0, NULL, NULL, NULL, 0},
        {"/robots.txt", 0, "text/plain", NULL, "User-agent: *\nDisallow: /p\n", 0},
    };
    char *body = malloc(MANY * 32), u[128], out[160], sum[160], skipped[160], want[256];
    char *text, *json, *err, *skips;
    struct site s;
    struct proc p = {0};
    size_t len, i;

    (void)state;
    assert_non_null(body);
    len = (size_t)sprintf(body, "<title>All items</title>");
    for (i = 0; i < MANY; i++)
        len += (size_t)sprintf(body + len, "<a href=\"/p%zu\">p%zu</a>", i, i);
    pages[0].body = body;
    assert_int_equal(site_start(&s, pages, 2), 0);
    proc_init(&p);
    proc_path(&p, "out.jsonl", out, sizeof(out));
    proc_path(&p, "summary.json", sum, sizeof(sum));
    proc_path(&p, "skipped.jsonl", skipped, sizeof(skipped));

    /* by default all of them */
    assert_int_equal(proc_run(&p, (const char *[]){"crawl", "-d", "1", "-o", out, "--skipped",
                                                   skipped, "--summary", sum, url(&s, "/", u),
                                                   NULL}, PROC_WATCHDOG_MS), 0);
    text = proc_slurp(out);
    assert_int_equal(check_jsonl(text), MANY + 1);
    expect_in(text, "\"links_found\":12000,\"links_new\":12000,");
    free(text);
    json = proc_slurp(sum);
    expect_in(json, "\"links\":{\"found\":12000,");
    expect_in(json, "\"traps\":0,\"dropped\":0,\"capped_pages\":0}");
    free(json);
    skips = proc_slurp(skipped);
    assert_null(strstr(skips, "too_many_links"));
    free(skips);
    err = proc_slurp(p.err);
    assert_null(strstr(err, "--max-links-per-page"));
    free(err);

    /* with a limit, the record, the summary and --skipped show the cut */
    assert_int_equal(proc_run(&p, (const char *[]){"crawl", "-d", "1", "-o", out, "--skipped",
                                                   skipped, "--summary", sum,
                                                   "--max-links-per-page", "50",
                                                   url(&s, "/", u), NULL}, PROC_WATCHDOG_MS), 0);
    text = proc_slurp(out);
    assert_int_equal(check_jsonl(text), 50 + 1);
    expect_in(text, "\"links_found\":12000,\"links_new\":50,");
    free(text);
    json = proc_slurp(sum);
    check_json_file(json);
    expect_in(json, "{\"urls\":51,");
    expect_in(json, "\"links\":{\"found\":12000,");
    expect_in(json, "\"traps\":0,\"dropped\":11950,\"capped_pages\":1}");
    free(json);
    skips = proc_slurp(skipped);
    snprintf(want, sizeof(want),
             "{\"url\":\"%s\",\"parent\":null,\"reason\":\"too_many_links\"}\n", u);
    expect_in(skips, want);
    free(skips);
    err = proc_slurp(p.err);
    expect_in(err, "trawl: links: 11950 dropped on 1 pages past --max-links-per-page");
    free(err);
    assert_int_equal(site_hits(&s, "/"), 2);
    assert_int_equal(httpd_requests(s.srv), 4); /* / and robots.txt, twice: no /pN */
    proc_cleanup(&p);
    site_stop(&s);
    free(body);
}

/* --html-parser gumbo: every page goes to gumbo, the same records come out, and the
 * summary counts the pages by parser and reason. */
static void test_cli_html_parser_gumbo_reads_every_page(void **state)
{
    struct site s;
    struct proc p = {0};
    char u[128], out1[160], out2[160], sum[160], *json, *err, *a, *b;

    (void)state;
    assert_int_equal(site_start(&s, fates, 3), 0);
    proc_init(&p);
    proc_path(&p, "scanner.jsonl", out1, sizeof(out1));
    proc_path(&p, "gumbo.jsonl", out2, sizeof(out2));
    proc_path(&p, "summary.json", sum, sizeof(sum));
    assert_int_equal(proc_run(&p, (const char *[]){"crawl", "-d", "2", "-w", "1", "--per-host",
                                                   "1", "-o", out1, url(&s, "/", u), NULL},
                              PROC_WATCHDOG_MS), 0);
    assert_int_equal(proc_run(&p, (const char *[]){"crawl", "-d", "2", "-w", "1", "--per-host",
                                                   "1", "--html-parser", "gumbo", "-o", out2,
                                                   "--summary", sum, url(&s, "/", u), NULL},
                              PROC_WATCHDOG_MS), 0);
    json = proc_slurp(sum);
    expect_in(json, "\"html\":{\"scanner\":0,\"gumbo\":3,\"gumbo_why\":{\"asked\":3,");
    err = proc_slurp(p.err);
    expect_in(err, "trawl: HTML: 0 pages read by the scanner, 3 by gumbo (asked 3)\n");
    /* the same links and titles either way */
    a = proc_slurp(out1);
    b = proc_slurp(out2);
    assert_true(strstr(a, "\"links_found\":4") != NULL);
    assert_true(strstr(b, "\"links_found\":4") != NULL);
    assert_true(strstr(a, "\"title\":\"deep\"") != NULL);
    assert_true(strstr(b, "\"title\":\"deep\"") != NULL);
    free(a);
    free(b);
    free(json);
    free(err);
    proc_cleanup(&p);
    site_stop(&s);
}

static void test_cli_unwritable_summary_fails_before_any_fetch(void **state)
{
    struct site s;
    struct proc p = {0};
    char u[128], *err;

    (void)state;
    assert_int_equal(site_start(&s, small, 3), 0);
    assert_int_equal(proc_run(&p, (const char *[]){"crawl", "-o", "/dev/null", "--summary",
                                                   "/nonexistent/dir/summary.json",
                                                   url(&s, "/", u), NULL}, PROC_WATCHDOG_MS), 1);
    err = proc_slurp(p.err);
    expect_in(err, "cannot write '/nonexistent/dir/summary.json'");
    assert_int_equal(httpd_requests(s.srv), 0);
    free(err);
    proc_cleanup(&p);
    site_stop(&s);
}

static void test_cli_seeds_from_a_file(void **state)
{
    struct site s;
    struct proc p = {0};
    char u[128], u2[128], list[160], *out;
    FILE *f;

    (void)state;
    assert_int_equal(site_start(&s, small, 3), 0);
    proc_init(&p);
    proc_path(&p, "seeds.txt", list, sizeof(list));
    f = fopen(list, "w");
    fprintf(f, "# seeds\n\n  %s  \n%s\nnot-a-url\n", url(&s, "/a", u), url(&s, "/b", u2));
    fclose(f);
    assert_int_equal(proc_run(&p, (const char *[]){"crawl", "-q", "-d", "0", "-i", list, NULL},
                              PROC_WATCHDOG_MS), 0);
    out = proc_slurp(p.out);
    assert_int_equal(check_jsonl(out), 2);
    free(out);
    out = proc_slurp(p.err);
    assert_non_null(strstr(out, "seeds.txt:5: skipping invalid seed 'not-a-url'"));
    free(out);
    proc_cleanup(&p);
    site_stop(&s);
}

/* A site of slow pages: / links to 200 pages that each take delay_ms, or (held) never end. */
static struct site_page slow[202];
static char slow_paths[201][16];
static char slow_index[200 * 32];

static void make_slow_site(unsigned delay_ms, bool held)
{
    size_t i, n = 0;

    n += (size_t)snprintf(slow_index, sizeof(slow_index), "<title>slow</title>");
    for (i = 0; i < 200; i++) {
        snprintf(slow_paths[i], sizeof(slow_paths[i]), "/s%zu", i);
        n += (size_t)snprintf(slow_index + n, sizeof(slow_index) - n, "<a href=\"/s%zu\">x</a>", i);
        slow[i + 1] = (struct site_page){slow_paths[i], 0, NULL, NULL, "<title>s</title>", delay_ms};
        slow[i + 1].hold = held ? SITE_HOLD_FOREVER : 0;
    }
    slow[0] = (struct site_page){"/", 0, NULL, NULL, slow_index, 0};
}

static int count_lines(const char *path)
{
    char *t = proc_slurp(path);
    int n = 0;
    const char *c;

    for (c = t; *c; c++)
        n += *c == '\n';
    free(t);
    return n;
}

struct progress {
    const char *path;
    int lines;                  /* at least this many records written */
    struct site *s;
    uint64_t requests;          /* and this many requests seen */
};

static bool progressed(void *arg)
{
    const struct progress *g = arg;

    return count_lines(g->path) >= g->lines && httpd_requests(g->s->srv) >= g->requests;
}

static void test_cli_sigint_finishes_in_flight_and_exits_130(void **state)
{
    struct site s;
    struct proc p = {0};
    char u[128], path[160], sum[160], *out, *err, *json;

    (void)state;
    make_slow_site(800, false);
    assert_int_equal(site_start(&s, slow, 201), 0);
    proc_init(&p);
    proc_path(&p, "out.jsonl", path, sizeof(path));
    proc_path(&p, "summary.json", sum, sizeof(sum));
    /* a grace far longer than the pages take, however slow the machine */
    proc_start(&p, (const char *[]){"crawl", "-w", "4", "--grace", "60", "-o", path,
                                    "--summary", sum, url(&s, "/", u), NULL}, NULL);
    {
        struct progress g = {path, 2, &s, 0};

        proc_wait_until(progressed, &g);
    }
    proc_signal(&p, SIGINT);
    assert_int_equal(proc_wait(&p, PROC_WATCHDOG_MS), 130);
    out = proc_slurp(path);
    /* the seed, plus pages that were in flight: finished within the grace period, not lost */
    assert_true(check_jsonl(out) >= 2);
    assert_null(strstr(out, "\"error\":\"cancelled\""));
    assert_true(httpd_requests(s.srv) < 201); /* nothing new started after the signal */
    err = proc_slurp(p.err);
    assert_non_null(strstr(err, "interrupted"));
    /* the summary file is written on the way out, and says so */
    json = proc_slurp(sum);
    check_json_file(json);
    expect_in(json, "\"interrupted\":true");
    assert_null(strstr(json, "\"not_reached\":0,")); /* the queued pages it never fetched */
    snprintf(u, sizeof(u), "{\"urls\":%d,", check_jsonl(out));
    expect_in(json, u);                                /* one per record written */
    free(json);
    free(out);
    free(err);
    proc_cleanup(&p);
    site_stop(&s);
}

static void test_cli_second_sigint_aborts_in_flight(void **state)
{
    struct site s;
    struct proc p = {0};
    char u[128], path[160], *out;

    (void)state;
    make_slow_site(0, true); /* the pages are never answered */
    assert_int_equal(site_start(&s, slow, 201), 0);
    proc_init(&p);
    proc_path(&p, "out.jsonl", path, sizeof(path));
    proc_start(&p, (const char *[]){"crawl", "-q", "-w", "4", "--per-host", "4", "--grace", "3600",
                                    "-o", path, url(&s, "/", u), NULL}, NULL);
    {
        /* the seed's record, and robots.txt, / and the four pages the workers wait for */
        struct progress g = {path, 1, &s, 6};

        proc_wait_until(progressed, &g);
    }
    proc_signal(&p, SIGINT);
    proc_signal(&p, SIGINT);
    /* the pages never end and the grace is an hour: only the second signal can end it */
    assert_int_equal(proc_wait(&p, PROC_WATCHDOG_MS), 130);
    out = proc_slurp(path);
    assert_int_equal(check_jsonl(out), 5); /* the seed + 4 aborted fetches, all recorded */
    assert_non_null(strstr(out, "\"error\":\"cancelled\""));
    free(out);
    proc_cleanup(&p);
    site_stop(&s);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cli_help_and_version),
        cmocka_unit_test(test_cli_usage_errors_exit_2),
        cmocka_unit_test(test_cli_invalid_seed_is_reported_and_skipped),
        cmocka_unit_test(test_cli_unwritable_output_fails_before_any_fetch),
        cmocka_unit_test(test_cli_jsonl_file_is_complete_and_valid),
        cmocka_unit_test(test_cli_csv_file_has_header_and_quoted_fields),
        cmocka_unit_test(test_cli_summary_file_has_the_counts),
        cmocka_unit_test(test_cli_max_links_per_page),
        cmocka_unit_test(test_cli_html_parser_gumbo_reads_every_page),
        cmocka_unit_test(test_cli_unwritable_summary_fails_before_any_fetch),
        cmocka_unit_test(test_cli_seeds_from_a_file),
        cmocka_unit_test(test_cli_sigint_finishes_in_flight_and_exits_130),
        cmocka_unit_test(test_cli_second_sigint_aborts_in_flight),
    };

    signal(SIGPIPE, SIG_IGN);
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
