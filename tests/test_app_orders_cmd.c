/* tests/test_app_orders_cmd.c: `trawl orders` end to end, as a user runs it: real files in,
 * results and rejects out, delivery to a local endpoint on 127.0.0.1 that fails on purpose.
 * Every run checks the invariant: input lines = results + rejects (+ lines not reached). */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define JSMN_STATIC
#define JSMN_STRICT
#include <jsmn.h>

#include "core/buf.h"
#include "tests/support/corotest.h"
#include "tests/support/jsonstr.h"
#include "tests/support/proc.h"
#include "tools/httpd.h"

/* --- reading the output files --------------------------------------------------------------- */

struct line {
    char text[4096];
};

struct file {
    struct line *lines;
    size_t n;
};

static void read_jsonl(const char *path, struct file *f)
{
    char *all = proc_slurp(path), *p = all, *nl;

    f->lines = calloc(20000, sizeof(*f->lines));
    f->n = 0;
    while (*p) {
        jsmn_parser jp;
        jsmntok_t t[256];

        nl = strchr(p, '\n');
        assert_non_null(nl); /* complete lines only */
        jsmn_init(&jp);
        if (jsmn_parse(&jp, p, (size_t)(nl - p), t, 256) < 1 || t[0].type != JSMN_OBJECT)
            fail_msg("%s: not a JSON object: %.*s", path, (int)(nl - p), p);
        assert_true(f->n < 20000);
        snprintf(f->lines[f->n].text, sizeof(f->lines[f->n].text), "%.*s", (int)(nl - p), p);
        f->n++;
        p = nl + 1;
    }
    free(all);
}

static void file_free(struct file *f)
{
    free(f->lines);
    f->lines = NULL;
}

static const char *find_line(const struct file *f, const char *needle)
{
    size_t i;

    for (i = 0; i < f->n; i++)
        if (strstr(f->lines[i].text, needle))
            return f->lines[i].text;
    return NULL;
}

static size_t count_with(const struct file *f, const char *needle)
{
    size_t i, n = 0;

    for (i = 0; i < f->n; i++)
        n += strstr(f->lines[i].text, needle) != NULL;
    return n;
}

/* The token after token i and everything inside it. */
static int tok_skip(const jsmntok_t *t, int n, int i)
{
    int k = i + 1;

    while (k < n && t[k].start < t[i].end)
        k++;
    return k;
}

/* The string at path in the JSON text js[0..len), decoded into out: path holds object keys, and
 * array indexes as decimal text ({"items", "0", "sku"}). Fails the test when it is not there or
 * not a string. */
static void json_at(const char *js, size_t len, const char *const *path, size_t depth,
                    struct core_buf *out)
{
    jsmntok_t t[512];
    jsmn_parser jp;
    int n, at = 0, k, m;
    size_t d;

    jsmn_init(&jp);
    n = jsmn_parse(&jp, js, len, t, 512);
    assert_true(n > 0);
    for (d = 0; d < depth; d++) {
        const int size = t[at].size;

        k = at + 1;
        if (t[at].type == JSMN_ARRAY) {
            for (m = 0; m < atoi(path[d]); m++)
                k = tok_skip(t, n, k);
            assert_true(m < size);
            at = k;
            continue;
        }
        assert_int_equal(t[at].type, JSMN_OBJECT);
        for (m = 0; m < size; m++, k = tok_skip(t, n, k + 1))
            if ((size_t)(t[k].end - t[k].start) == strlen(path[d]) &&
                memcmp(js + t[k].start, path[d], strlen(path[d])) == 0)
                break;
        if (m == size)
            fail_msg("no '%s' in %.*s", path[d], (int)len, js);
        at = k + 1;
    }
    if (t[at].type != JSMN_STRING)
        fail_msg("'%s' is not a string in %.*s", path[depth - 1], (int)len, js);
    jsonstr_unescape(js + t[at].start, (size_t)(t[at].end - t[at].start), out);
}

/* The string member key of the JSON object in text, decoded into out. */
static void json_member(const char *text, const char *key, struct core_buf *out)
{
    json_at(text, strlen(text), &key, 1, out);
}

static void assert_buf_equal(const struct core_buf *b, const char *want, size_t len)
{
    if (b->len != len || memcmp(b->data, want, len) != 0)
        fail_msg("got %zu bytes [%.*s], want %zu [%.*s]", b->len, (int)b->len, b->data, len,
                 (int)len, want);
}

/* One RFC 4180 record at *pos of s[0..len) into fields (at most max), unquoted and with doubled
 * quotes undone; *pos moves past its CRLF. Returns the number of fields. */
static size_t csv_record(const char *s, size_t len, size_t *pos, struct core_buf *fields,
                         size_t max)
{
    size_t i = *pos, n = 0;

    for (;;) {
        struct core_buf *f = &fields[n++];

        assert_true(n <= max);
        core_buf_reset(f);
        assert_int_equal(core_buf_append(f, "", 0), 0);
        if (i < len && s[i] == '"') {
            for (i++;; i++) {
                assert_true(i < len);   /* a quoted field is closed */
                if (s[i] == '"' && !(i + 1 < len && s[i + 1] == '"'))
                    break;
                if (s[i] == '"')
                    i++;
                assert_int_equal(core_buf_putc(f, s[i]), 0);
            }
            i++;
        } else {
            /* an unquoted field holds no line break (the writer quotes those) */
            while (i < len && s[i] != ',' && s[i] != '\r' && s[i] != '\n')
                assert_int_equal(core_buf_putc(f, s[i++]), 0);
        }
        if (i < len && s[i] == ',') {
            i++;
            continue;
        }
        assert_true(i + 1 < len && s[i] == '\r' && s[i + 1] == '\n');
        *pos = i + 2;
        return n;
    }
}

/* A whole file and its length (it may hold NULs). */
static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;

    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");

    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* --- the endpoint ----------------------------------------------------------------------------
 * Behaviour by order id prefix:
 *   OK-*     201 at once            E500-*   500 twice, then 201
 *   E429-*   429 + Retry-After: 1 once, then 200       BAD-*  400 with a body
 *   SLOW-*   no answer the first time (client times out), then 201
 *   RST-*    connection reset the first time, then 201
 *   DOWN-*   503 always              WAIT-*  answers after 100 ms
 * It is idempotent: a key that already succeeded is answered 200 again but not processed
 * twice; `processed` counts each key's processing. */
struct endpoint {
    pthread_mutex_t mu;
    char keys[4096][128];
    int tries[4096];
    int processed[4096];
    size_t n;
    char order_of[4096][128]; /* keys in the order they were first processed */
    size_t norder;
};

static int key_slot(struct endpoint *e, const char *key)
{
    size_t i;

    for (i = 0; i < e->n; i++)
        if (strcmp(e->keys[i], key) == 0)
            return (int)i;
    if (e->n == 4096)
        abort();
    snprintf(e->keys[e->n], sizeof(e->keys[0]), "%s", key);
    return (int)e->n++;
}

static void endpoint(const struct httpd_request *req, struct httpd_response *resp, void *arg)
{
    struct endpoint *e = arg;
    char key[128] = "";
    int i, tries;

    if (!httpd_header(req, "Idempotency-Key", key, sizeof(key))) {
        httpd_respond(resp, 400, "text/plain", NULL, "no key", 6);
        return;
    }
    pthread_mutex_lock(&e->mu);
    i = key_slot(e, key);
    tries = ++e->tries[i];
    pthread_mutex_unlock(&e->mu);
#define FIRST(prefix) (strncmp(key, prefix, strlen(prefix)) == 0)
    if ((FIRST("E500-") && tries <= 2)) {
        httpd_respond(resp, 500, "text/plain", NULL, "oops", 4);
        return;
    }
    if (FIRST("E429-") && tries == 1) {
        httpd_respond(resp, 429, "text/plain", "Retry-After: 1\r\n", "slow down", 9);
        return;
    }
    if (FIRST("BAD-")) {
        httpd_respond(resp, 400, "application/json", NULL, "{\"error\":\"unknown sku\"}", 23);
        return;
    }
    if (FIRST("SLOW-") && tries == 1) {
        resp->action = HTTPD_HANG;
        return;
    }
    if (FIRST("RST-") && tries == 1) {
        resp->action = HTTPD_RESET;
        return;
    }
    if (FIRST("DOWN-")) {
        httpd_respond(resp, 503, "text/plain", NULL, "down", 4);
        return;
    }
    pthread_mutex_lock(&e->mu);
    if (e->processed[i]++ == 0)
        snprintf(e->order_of[e->norder++], sizeof(e->order_of[0]), "%s", key);
    pthread_mutex_unlock(&e->mu);
    httpd_respond(resp, 201, "application/json", NULL, "{\"ok\":true}", 11);
    if (FIRST("WAIT-"))
        resp->delay_ms = 100;
#undef FIRST
}

static int processed(struct endpoint *e, const char *key)
{
    int i, n;

    pthread_mutex_lock(&e->mu);
    i = key_slot(e, key);
    n = e->processed[i];
    pthread_mutex_unlock(&e->mu);
    return n;
}

static char *order_line(const char *id, const char *prio, const char *cur, const char *items)
{
    static char buf[1024];

    snprintf(buf, sizeof(buf),
             "{\"id\":\"%s\",\"customer\":\"C-1\",\"priority\":\"%s\",\"currency\":\"%s\","
             "\"items\":[%s],\"created_at\":\"2026-11-21T10:00:00Z\"}",
             id, prio, cur, items);
    return buf;
}

/* --- tests ------------------------------------------------------------------------------------ */

static void test_orders_prices_valid_orders_and_rejects_the_rest(void **state)
{
    struct proc p = {0};
    char in[160], out[160], rej[160], sum[160], *summary;
    struct file r, j;
    FILE *f;

    (void)state;
    proc_init(&p);
    proc_path(&p, "batch.jsonl", in, sizeof(in));
    proc_path(&p, "out.jsonl", out, sizeof(out));
    proc_path(&p, "out.jsonl.rejects.jsonl", rej, sizeof(rej));
    proc_path(&p, "summary.json", sum, sizeof(sum));
    f = fopen(in, "wb");
    fputs("\xEF\xBB\xBF", f); /* a BOM before line 1 */
    fprintf(f, "%s\r\n", order_line("A-1", "standard", "EUR",
                                     "{\"sku\":\"X\",\"qty\":2,\"unit_price\":\"12.50\"},"
                                     "{\"sku\":\"Y\",\"qty\":1,\"unit_price\":0.99}"));
    fprintf(f, "%s\n", order_line("A-2", "express", "JPY", "{\"sku\":\"X\",\"qty\":3,\"unit_price\":\"100\"}"));
    fprintf(f, "{\"id\": \"A-3\", oops}\n");                                     /* line 3 */
    fprintf(f, "%s\n", order_line("A-4", "bulk", "EUR", "{\"sku\":\"X\",\"qty\":0,\"unit_price\":\"1.00\"}"));
    fprintf(f, "%s\n", order_line("A-1", "standard", "EUR", "{\"sku\":\"X\",\"qty\":1,\"unit_price\":\"1.00\"}"));
    fprintf(f, "\n");                                                            /* line 6 */
    fprintf(f, "%s\n", order_line("A-7", "standard", "EUR", "{\"sku\":\"X\",\"qty\":1,\"unit_price\":\"1.005\"}"));
    fprintf(f, "%s\n", order_line("A-8", "standard", "EUR", "{\"sku\":\"X\",\"qty\":1,\"unit_price\":\"0.25\"}"));
    fprintf(f, "%s\n", order_line("A-9", "standard", "KWD", "{\"sku\":\"X\",\"qty\":1,\"unit_price\":\"1.234\"}"));
    fprintf(f, "caf\xE9 is not UTF-8\n");                                        /* line 10 */
    fprintf(f, "%s", order_line("A-11", "standard", "XYZ", "{\"sku\":\"X\",\"qty\":1,\"unit_price\":\"1\"}"));
    fclose(f);
    assert_int_equal(proc_run(&p, (const char *[]){"orders", "--tax-rate", "10", "-o", out,
                                                   "--summary", sum, in, NULL}, PROC_WATCHDOG_MS), 0);
    read_jsonl(out, &r);
    read_jsonl(rej, &j);
    assert_int_equal(r.n + j.n, 11); /* every input line exactly once */
    assert_int_equal(r.n, 4);
    /* 2 x 12.50 + 0.99 = 25.99; tax 10% = 2.599 -> 2.60; total 28.59 */
    assert_non_null(find_line(&r, "\"id\":\"A-1\",\"customer\":\"C-1\",\"priority\":\"standard\","
                                  "\"currency\":\"EUR\",\"items\":2,\"units\":3,\"subtotal\":\"25.99\","
                                  "\"tax\":\"2.60\",\"total\":\"28.59\",\"status\":\"priced\""));
    assert_non_null(find_line(&r, "\"id\":\"A-2\",\"customer\":\"C-1\",\"priority\":\"express\","
                                  "\"currency\":\"JPY\",\"items\":1,\"units\":3,\"subtotal\":\"300\","
                                  "\"tax\":\"30\",\"total\":\"330\""));
    /* 0.25 x 10% = 0.025: half to even -> 0.02 */
    assert_non_null(find_line(&r, "\"subtotal\":\"0.25\",\"tax\":\"0.02\",\"total\":\"0.27\""));
    assert_non_null(find_line(&r, "\"currency\":\"KWD\",\"items\":1,\"units\":1,\"subtotal\":\"1.234\""));
    assert_non_null(find_line(&j, "\"line\":3,\"class\":\"parse\""));
    assert_non_null(find_line(&j, "\"line\":4,\"class\":\"invalid\",\"error\":\"items[0].qty: "));
    assert_non_null(find_line(&j, "\"line\":5,\"class\":\"duplicate\""));
    assert_non_null(find_line(&j, "\"line\":6,\"class\":\"parse\""));
    assert_non_null(find_line(&j, "\"line\":7,\"class\":\"invalid\",\"error\":\"items[0].unit_price: "));
    assert_non_null(find_line(&j, "\"line\":10,\"class\":\"parse\""));
    assert_non_null(find_line(&j, "\"input\":\"caf\"")); /* the valid UTF-8 prefix, escaped */
    assert_non_null(find_line(&j, "\"line\":11,\"class\":\"invalid\",\"error\":\"currency: "));
    summary = proc_slurp(sum);
    assert_non_null(strstr(summary, "\"lines\":11,\"results\":4"));
    assert_non_null(strstr(summary, "\"reject_classes\":{\"parse\":3,\"invalid\":3,\"duplicate\":1,\"delivery\":0}"));
    assert_non_null(strstr(summary, "\"EUR\":\"28.86\"")); /* 28.59 + 0.27 */
    assert_non_null(strstr(summary, "\"JPY\":\"330\""));
    free(summary);
    file_free(&r);
    file_free(&j);
    proc_cleanup(&p);
}

static void test_orders_csv_batch_groups_rows_into_orders(void **state)
{
    struct proc p = {0};
    char in[160], out[160], rej[160];
    struct file r, j;

    (void)state;
    proc_init(&p);
    proc_path(&p, "batch.csv", in, sizeof(in));
    proc_path(&p, "out.csv", out, sizeof(out));
    proc_path(&p, "rejects.jsonl", rej, sizeof(rej));
    write_file(in,
               "id,customer,priority,currency,created_at,sku,qty,unit_price\r\n"
               "C-1,Acme,express,EUR,2026-11-21T10:00:00Z,A,2,1.50\r\n"
               "C-1,Acme,express,EUR,2026-11-21T10:00:00Z,\"B, big\",1,3.00\r\n"
               "C-2,Bob,bulk,USD,2026-11-21T10:00:00Z,A,x,1.00\r\n"
               "C-3,Cy,standard,EUR,2026-11-21T10:00:00Z,A,1,0.10\r\n");
    assert_int_equal(proc_run(&p, (const char *[]){"orders", "-q", "-o", out, "--rejects", rej,
                                                   in, NULL}, PROC_WATCHDOG_MS), 0);
    {
        char *csv = proc_slurp(out);

        assert_true(strncmp(csv, "id,customer,priority,currency,items,units,subtotal,tax,total,status", 67) == 0);
        assert_non_null(strstr(csv, "C-1,Acme,express,EUR,2,3,6.00,0.00,6.00,priced,0,,,"));
        assert_non_null(strstr(csv, "C-3,Cy,standard,EUR,1,1,0.10,0.00,0.10,priced"));
        free(csv);
    }
    read_jsonl(rej, &j);
    assert_int_equal(j.n, 1);
    assert_non_null(find_line(&j, "\"line\":4,\"class\":\"invalid\""));
    (void)r;
    file_free(&j);
    proc_cleanup(&p);
}

static void start_endpoint(struct endpoint **e, struct httpd **srv, char *url, size_t cap)
{
    *e = calloc(1, sizeof(**e));
    pthread_mutex_init(&(*e)->mu, NULL);
    assert_int_equal(httpd_start(0, endpoint, *e, srv), 0);
    httpd_url(*srv, "/orders", url, cap);
}

static void test_orders_delivery_retries_and_rejects(void **state)
{
    static const char *const ids[] = {"OK-1", "E500-1", "E429-1", "BAD-1", "SLOW-1", "RST-1", "DOWN-1"};
    struct endpoint *e;
    struct httpd *srv;
    struct proc p = {0};
    char in[160], out[160], rej[160], url[128];
    struct file r, j;
    const char *l;
    size_t i;
    FILE *f;

    (void)state;
    start_endpoint(&e, &srv, url, sizeof(url));
    proc_init(&p);
    proc_path(&p, "batch.jsonl", in, sizeof(in));
    proc_path(&p, "out.jsonl", out, sizeof(out));
    proc_path(&p, "out.jsonl.rejects.jsonl", rej, sizeof(rej));
    f = fopen(in, "w");
    for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
        fprintf(f, "%s\n", order_line(ids[i], "standard", "EUR",
                                      "{\"sku\":\"X\",\"qty\":1,\"unit_price\":\"5.00\"}"));
    fclose(f);
    /* SLOW-1's first attempt is never answered; every other delivery must end within the
     * timeout, however loaded the machine (OK-1 is checked to take one attempt): 5 s */
    assert_int_equal(proc_run(&p, (const char *[]){"orders", "-q", "--endpoint", url, "--timeout",
                                                   "5", "--retries", "3", "--max-retry-wait", "2",
                                                   "-o", out, in, NULL}, PROC_WATCHDOG_MS), 0);
    read_jsonl(out, &r);
    read_jsonl(rej, &j);
    assert_int_equal(r.n + j.n, 7);
    l = find_line(&r, "\"id\":\"OK-1\"");
    assert_non_null(strstr(l, "\"status\":\"delivered\",\"attempts\":1,\"http_status\":201"));
    l = find_line(&r, "\"id\":\"E500-1\"");
    assert_non_null(strstr(l, "\"status\":\"delivered\",\"attempts\":3,\"http_status\":201"));
    l = find_line(&r, "\"id\":\"E429-1\"");
    assert_non_null(strstr(l, "\"attempts\":2,\"http_status\":201"));
    l = find_line(&r, "\"id\":\"SLOW-1\"");
    assert_non_null(strstr(l, "\"attempts\":2"));
    l = find_line(&r, "\"id\":\"RST-1\"");
    assert_non_null(strstr(l, "\"attempts\":2"));
    l = find_line(&j, "BAD-1");
    assert_non_null(strstr(l, "\"class\":\"delivery\",\"error\":\"delivery: HTTP 400: {\\\"error\\\":\\\"unknown sku\\\"}\""));
    assert_non_null(strstr(l, "\"http_status\":400,\"attempts\":1"));
    l = find_line(&j, "DOWN-1");
    assert_non_null(strstr(l, "gave up after 4 attempts: HTTP 503"));
    for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
        char key[64];

        snprintf(key, sizeof(key), "%s", ids[i]);
        /* at most once per Idempotency-Key, as the server saw it */
        assert_true(processed(e, key) <= 1);
    }
    assert_int_equal(processed(e, "OK-1"), 1);
    file_free(&r);
    file_free(&j);
    proc_cleanup(&p);
    httpd_stop(srv);
    free(e);
}

/* Express orders overtake bulk ones that are still waiting: 300 bulk orders, then one express,
 * through one slow delivery slot. */
static void test_orders_express_overtakes_waiting_bulk(void **state)
{
    struct endpoint *e;
    struct httpd *srv;
    struct proc p = {0};
    char in[160], out[160], url[128], id[32];
    size_t i, pos = 0;
    FILE *f;

    (void)state;
    start_endpoint(&e, &srv, url, sizeof(url));
    proc_init(&p);
    proc_path(&p, "batch.jsonl", in, sizeof(in));
    proc_path(&p, "out.jsonl", out, sizeof(out));
    f = fopen(in, "w");
    for (i = 0; i < 1300; i++) {
        snprintf(id, sizeof(id), "OK-bulk-%zu", i);
        fprintf(f, "%s\n", order_line(id, "bulk", "EUR", "{\"sku\":\"X\",\"qty\":1,\"unit_price\":\"1\"}"));
    }
    fprintf(f, "%s\n", order_line("OK-express", "express", "EUR", "{\"sku\":\"X\",\"qty\":1,\"unit_price\":\"1\"}"));
    fclose(f);
    assert_int_equal(proc_run(&p, (const char *[]){"orders", "-q", "--endpoint", url,
                                                   "--concurrency", "1", "--workers", "deliver=1",
                                                   "-o", out, in, NULL}, PROC_WATCHDOG_MS), 0);
    pthread_mutex_lock(&e->mu);
    for (i = 0; i < e->norder; i++)
        if (strcmp(e->order_of[i], "OK-express") == 0)
            pos = i + 1;
    assert_int_equal(e->norder, 1301);
    pthread_mutex_unlock(&e->mu);
    /* queued behind at most the orders already past the priority queue, not all 1300 */
    assert_true(pos > 0 && pos < 1300);
    proc_cleanup(&p);
    httpd_stop(srv);
    free(e);
}

static void test_orders_sigint_leaves_valid_files_and_a_resume_point(void **state)
{
    struct endpoint *e;
    struct httpd *srv;
    struct proc p = {0};
    char in[160], out[160], rej[160], url[128], id[32], *err;
    struct file r, j;
    unsigned long long not_reached = 0, resume = 0;
    const char *s;
    size_t i;
    FILE *f;

    (void)state;
    start_endpoint(&e, &srv, url, sizeof(url));
    proc_init(&p);
    proc_path(&p, "batch.jsonl", in, sizeof(in));
    proc_path(&p, "out.jsonl", out, sizeof(out));
    proc_path(&p, "out.jsonl.rejects.jsonl", rej, sizeof(rej));
    f = fopen(in, "w");
    for (i = 0; i < 5000; i++) {
        snprintf(id, sizeof(id), "WAIT-%zu", i);
        fprintf(f, "%s\n", order_line(id, "standard", "EUR", "{\"sku\":\"X\",\"qty\":1,\"unit_price\":\"1\"}"));
    }
    fclose(f);
    proc_start(&p, (const char *[]){"orders", "--endpoint", url, "--concurrency", "4",
                                    "--grace", "0.3", "-o", out, in, NULL}, NULL);
    while (httpd_requests(srv) < 20)
        usleep(10000);
    kill(p.pid, SIGINT);
    assert_int_equal(proc_wait(&p, PROC_WATCHDOG_MS), 130);
    read_jsonl(out, &r);
    read_jsonl(rej, &j);
    err = proc_slurp(p.err);
    s = strstr(err, "input lines were not reached; resume from ");
    assert_non_null(s);
    assert_int_equal(sscanf(strstr(err, "interrupted: ") + 13, "%llu", &not_reached), 1);
    assert_non_null(strstr(s, in));
    assert_int_equal(sscanf(strstr(s, " line ") + 6, "%llu", &resume), 1);
    /* nothing lost or doubled: every line before the resume point is a result or a reject,
     * and the lines not reached make up the rest */
    assert_int_equal(r.n + j.n, resume - 1);
    assert_int_equal(r.n + j.n + not_reached, 5000);
    assert_true(r.n > 0);
    assert_true(j.n == 0 || count_with(&j, "\"class\":\"delivery\"") == j.n);
    assert_true(count_with(&j, "interrupted") == j.n);
    free(err);
    file_free(&r);
    file_free(&j);
    proc_cleanup(&p);
    httpd_stop(srv);
    free(e);
}

/* Control characters in a customer and a SKU, as a JSON line writes them (escaped, and a raw
 * DEL, which JSON allows as it is) and as the bytes they stand for. */
#define CTL_CUSTOMER "tab\\there\\nnext line\\r\\u0000nul\\u001f\\u007f\\b\\f\x7f"
#define CTL_SKU "A\\tB\\n\\u0001"
static const char ctl_customer[] = "tab\there\nnext line\r\0nul\x1f\x7f\b\f\x7f";
static const char ctl_sku[] = "A\tB\n\x01";

static void ctl_line(char *buf, size_t cap, const char *id, const char *qty, const char *price)
{
    snprintf(buf, cap,
             "{\"id\":\"%s\",\"customer\":\"" CTL_CUSTOMER "\",\"currency\":\"EUR\",\"items\":"
             "[{\"sku\":\"" CTL_SKU "\",\"qty\":%s,\"unit_price\":\"%s\"}],\"created_at\":"
             "\"2026-11-21T10:00:00Z\"}", id, qty, price);
}

/* A valid JSON string is valid data: an order whose customer and SKU hold control characters
 * (NUL included) is priced, and every output carries them exactly: the JSONL result, the CSV
 * result, the reject of such an order that fails on another field (its input line), and the
 * body delivered to the endpoint. Each is parsed back and compared byte for byte. */
static void test_orders_control_characters_come_out_escaped(void **state)
{
    static const char *const sku_path[] = {"items", "0", "sku"};
    struct endpoint *e;
    struct httpd *srv;
    struct proc p = {0};
    char in[160], out[160], rej[160], csv_out[160], url[128], priced[512], invalid[512];
    struct core_buf v, fields[16];
    struct file r, j;
    size_t i, len, pos = 0;
    char *csv, *body;
    FILE *f;

    (void)state;
    core_buf_init(&v, 1 << 20);
    for (i = 0; i < 16; i++)
        core_buf_init(&fields[i], 1 << 20);
    start_endpoint(&e, &srv, url, sizeof(url));
    proc_init(&p);
    proc_path(&p, "batch.jsonl", in, sizeof(in));
    proc_path(&p, "out.jsonl", out, sizeof(out));
    proc_path(&p, "rejects.jsonl", rej, sizeof(rej));
    proc_path(&p, "out.csv", csv_out, sizeof(csv_out));
    ctl_line(priced, sizeof(priced), "CTL-1", "2", "2.50");
    ctl_line(invalid, sizeof(invalid), "CTL-2", "0", "2.50");
    f = fopen(in, "wb");
    fprintf(f, "%s\n%s\n", priced, invalid);
    fclose(f);

    /* JSONL: the result and the reject */
    assert_int_equal(proc_run(&p, (const char *[]){"orders", "-q", "-o", out, "--rejects", rej,
                                                   in, NULL}, 30000), 0);
    read_jsonl(out, &r);
    read_jsonl(rej, &j);
    assert_int_equal(r.n, 1);
    assert_int_equal(j.n, 1);
    assert_non_null(strstr(r.lines[0].text, "\"subtotal\":\"5.00\""));
    assert_non_null(strstr(r.lines[0].text, "\"status\":\"priced\""));
    json_member(r.lines[0].text, "customer", &v);
    assert_buf_equal(&v, ctl_customer, sizeof(ctl_customer) - 1);
    json_member(j.lines[0].text, "error", &v);
    assert_buf_equal(&v, "items[0].qty: must be a positive integer", 40);
    json_member(j.lines[0].text, "input", &v);
    assert_buf_equal(&v, invalid, strlen(invalid));
    file_free(&r);
    file_free(&j);

    /* CSV: the customer field, quoted because it holds line breaks */
    assert_int_equal(proc_run(&p, (const char *[]){"orders", "-q", "-o", csv_out, "--rejects",
                                                   rej, in, NULL}, 30000), 0);
    csv = read_all(csv_out, &len);
    assert_true(csv_record(csv, len, &pos, fields, 16) >= 10);
    assert_buf_equal(&fields[1], "customer", 8);
    assert_true(csv_record(csv, len, &pos, fields, 16) >= 10);
    assert_buf_equal(&fields[0], "CTL-1", 5);
    assert_buf_equal(&fields[1], ctl_customer, sizeof(ctl_customer) - 1);
    assert_buf_equal(&fields[9], "priced", 6);
    assert_int_equal(pos, len);   /* one result, and nothing after it */
    free(csv);

    /* the delivered body carries the customer and the SKU too */
    assert_int_equal(proc_run(&p, (const char *[]){"orders", "-q", "--endpoint", url, "-o", out,
                                                   "--rejects", rej, in, NULL}, 30000), 0);
    assert_int_equal(httpd_requests(srv), 1);
    body = httpd_log_body(srv, 0, &len);
    assert_non_null(body);
    json_at(body, len, (const char *const[]){"customer"}, 1, &v);
    assert_buf_equal(&v, ctl_customer, sizeof(ctl_customer) - 1);
    json_at(body, len, sku_path, 3, &v);
    assert_buf_equal(&v, ctl_sku, sizeof(ctl_sku) - 1);
    free(body);

    for (i = 0; i < 16; i++)
        core_buf_free(&fields[i]);
    core_buf_free(&v);
    proc_cleanup(&p);
    httpd_stop(srv);
    free(e);
}

/* The reject for input line n. */
static const char *reject_for(const struct file *j, unsigned n)
{
    char needle[32];
    const char *l;

    snprintf(needle, sizeof(needle), "\"line\":%u,", n);
    l = find_line(j, needle);
    if (!l)
        fail_msg("no reject for line %u", n);
    return l;
}

/* The reject's class, error and input: input is the original line, whatever stage rejected it. */
static void expect_reject(const struct file *j, unsigned n, const char *cls, const char *error,
                          const char *line, struct core_buf *v)
{
    const char *rj = reject_for(j, n);

    json_member(rj, "class", v);
    assert_buf_equal(v, cls, strlen(cls));
    json_member(rj, "error", v);
    if (v->len < strlen(error) || memcmp(v->data, error, strlen(error)) != 0)
        fail_msg("line %u: error '%s', want it to start with '%s'", n, v->data, error);
    json_member(rj, "input", v);
    assert_buf_equal(v, line, strlen(line));
}

/* Every reject path keeps the line, so that it can be fed again: a parse error, a field
 * that fails validation, an order whose amounts overflow (rejected by a pricer, after the
 * batch it came in is gone), a duplicate id and, with an endpoint, a refused delivery. */
static void test_orders_every_reject_keeps_its_input_line(void **state)
{
    static const char parse[] = "{\"id\": \"R-1\", oops}";
    static const char overflow_items[] =
        "{\"sku\":\"X\",\"qty\":1000000000,\"unit_price\":\"10000000000000.00\"}";
    struct endpoint *e;
    struct httpd *srv;
    struct proc p = {0};
    char in[160], out[160], rej[160], url[128], lines[6][1024];
    struct core_buf v;
    struct file r, j;
    size_t i;
    FILE *f;

    (void)state;
    core_buf_init(&v, 1 << 20);
    start_endpoint(&e, &srv, url, sizeof(url));
    proc_init(&p);
    proc_path(&p, "batch.jsonl", in, sizeof(in));
    proc_path(&p, "out.jsonl", out, sizeof(out));
    proc_path(&p, "rejects.jsonl", rej, sizeof(rej));
    snprintf(lines[0], sizeof(lines[0]), "%s", parse);
    snprintf(lines[1], sizeof(lines[1]), "%s",
             order_line("R-2", "standard", "EUR", "{\"sku\":\"X\",\"qty\":0,\"unit_price\":\"1\"}"));
    snprintf(lines[2], sizeof(lines[2]), "%s", order_line("R-3", "bulk", "EUR", overflow_items));
    /* the same overflow with a control character to escape in the kept line */
    ctl_line(lines[3], sizeof(lines[3]), "R-4", "1000000000", "10000000000000.00");
    snprintf(lines[4], sizeof(lines[4]), "%s",
             order_line("R-5", "standard", "EUR", "{\"sku\":\"X\",\"qty\":1,\"unit_price\":\"1\"}"));
    snprintf(lines[5], sizeof(lines[5]), "%s",
             order_line("R-5", "express", "EUR", "{\"sku\":\"Y\",\"qty\":2,\"unit_price\":\"1\"}"));
    f = fopen(in, "wb");
    for (i = 0; i < 6; i++)
        fprintf(f, "%s\n", lines[i]);
    fclose(f);
    assert_int_equal(proc_run(&p, (const char *[]){"orders", "-q", "-o", out, "--rejects", rej,
                                                   in, NULL}, 30000), 0);
    read_jsonl(out, &r);
    read_jsonl(rej, &j);
    assert_int_equal(r.n, 1);
    assert_int_equal(j.n, 5);
    expect_reject(&j, 1, "parse", "line 1, column 15: ", lines[0], &v);
    expect_reject(&j, 2, "invalid", "items[0].qty: must be a positive integer", lines[1], &v);
    expect_reject(&j, 3, "invalid", "items: the total does not fit in 64-bit minor units",
                  lines[2], &v);
    expect_reject(&j, 4, "invalid", "items: the total does not fit in 64-bit minor units",
                  lines[3], &v);
    expect_reject(&j, 6, "duplicate", "id: duplicate id 'R-5'", lines[5], &v);
    file_free(&r);
    file_free(&j);

    /* with delivery: a refused order, and the overflow again (it never reaches the endpoint) */
    f = fopen(in, "wb");
    fprintf(f, "%s\n", order_line("BAD-1", "standard", "EUR",
                                  "{\"sku\":\"X\",\"qty\":1,\"unit_price\":\"5.00\"}"));
    fprintf(f, "%s\n", lines[2]);
    fprintf(f, "%s\n", order_line("OK-1", "standard", "EUR",
                                  "{\"sku\":\"X\",\"qty\":1,\"unit_price\":\"5.00\"}"));
    fclose(f);
    snprintf(lines[0], sizeof(lines[0]), "%s", order_line("BAD-1", "standard", "EUR",
             "{\"sku\":\"X\",\"qty\":1,\"unit_price\":\"5.00\"}"));
    assert_int_equal(proc_run(&p, (const char *[]){"orders", "-q", "--endpoint", url, "-o", out,
                                                   "--rejects", rej, in, NULL}, 30000), 0);
    read_jsonl(out, &r);
    read_jsonl(rej, &j);
    assert_int_equal(r.n, 1);
    assert_int_equal(j.n, 2);
    expect_reject(&j, 1, "delivery", "delivery: HTTP 400: ", lines[0], &v);
    expect_reject(&j, 2, "invalid", "items: the total does not fit in 64-bit minor units",
                  lines[2], &v);
    file_free(&r);
    file_free(&j);
    core_buf_free(&v);
    proc_cleanup(&p);
    httpd_stop(srv);
    free(e);
}

static void expect_exit(const char *const *argv, int code, const char *needle)
{
    struct proc p = {0};
    char *err;

    assert_int_equal(proc_run(&p, argv, PROC_WATCHDOG_MS), code);
    err = proc_slurp(p.err);
    if (!strstr(err, needle))
        fail_msg("stderr lacks '%s': %s", needle, err);
    free(err);
    proc_cleanup(&p);
}

static void test_orders_refuses_bad_setups_before_processing(void **state)
{
    struct proc p = {0};
    char in[160], out[160], empty[160];

    (void)state;
    proc_init(&p);
    proc_path(&p, "b.jsonl", in, sizeof(in));
    proc_path(&p, "out.jsonl", out, sizeof(out));
    proc_path(&p, "empty.jsonl", empty, sizeof(empty));
    write_file(in, "{}\n");
    write_file(empty, "");
    expect_exit((const char *[]){"orders", "-o", out, "/nonexistent/batch.jsonl", NULL}, 2,
                "cannot read '/nonexistent/batch.jsonl'");
    expect_exit((const char *[]){"orders", "-o", "/nonexistent/dir/out.jsonl", in, NULL}, 1,
                "cannot write '/nonexistent/dir/out.jsonl'");
    expect_exit((const char *[]){"orders", in, NULL}, 2, "-o FILE is required");
    expect_exit((const char *[]){"orders", "-o", out, NULL}, 2, "no batch file");
    expect_exit((const char *[]){"orders", "--workers", "validate=0", "-o", out, in, NULL}, 2,
                "--workers");
    expect_exit((const char *[]){"orders", "--tax-rate", "abc", "-o", out, in, NULL}, 2,
                "--tax-rate");
    /* an empty batch is fine: nothing in, nothing out */
    expect_exit((const char *[]){"orders", "-o", out, empty, NULL}, 0, "0 lines");
    proc_cleanup(&p);
}

/* A batch of n one-item EUR orders with distinct ids; with half_invalid every other one has
 * qty 0. */
static void write_orders(const char *path, int n, bool half_invalid)
{
    FILE *f = fopen(path, "wb");
    char id[32];
    int i;

    assert_non_null(f);
    for (i = 0; i < n; i++) {
        snprintf(id, sizeof(id), "OK-%d", i);
        fprintf(f, "%s\n", order_line(id, "standard", "EUR",
                                       half_invalid && i % 2 ?
                                       "{\"sku\":\"X\",\"qty\":0,\"unit_price\":\"1.00\"}" :
                                       "{\"sku\":\"X\",\"qty\":1,\"unit_price\":\"1.00\"}"));
    }
    fclose(f);
}

/* The pipeline holds a bounded number of orders whatever the input, rejects included: the
 * summary's max_in_flight stays under its bound (6 batches of 1024 + the price, record and
 * recorder buffers) and every item block goes back to the pool it came from (else the run
 * fails its own invariant check and exits 1). */
static void test_orders_in_flight_stays_bounded_with_many_rejects(void **state)
{
    struct proc p = {0};
    char in[160], out[160], sum[160], *summary, *at;
    unsigned long long in_flight;

    (void)state;
    proc_init(&p);
    proc_path(&p, "b.jsonl", in, sizeof(in));
    proc_path(&p, "out.jsonl", out, sizeof(out));
    proc_path(&p, "summary.json", sum, sizeof(sum));
    write_orders(in, 40000, true); /* every other line invalid (qty 0) */
    assert_int_equal(proc_run(&p, (const char *[]){"orders", "-q", "-o", out, "--summary", sum,
                                                   in, NULL}, PROC_WATCHDOG_MS), 0);
    summary = proc_slurp(sum);
    assert_non_null(strstr(summary, "\"results\":20000,"));
    at = strstr(summary, "\"max_in_flight\":");
    assert_non_null(at);
    in_flight = strtoull(at + strlen("\"max_in_flight\":"), NULL, 10);
    assert_true(in_flight > 0);
    assert_true(in_flight <= 6 * 1024 + 256 + 1024 + 2 * 512);
    free(summary);
    proc_cleanup(&p);
}

/* Records are written from pool threads; a failing write (a full disk) must still end the run
 * at once, with exit 1 and the reason, not hang or carry on silently. */
static void test_orders_write_failure_stops_the_run(void **state)
{
    struct proc p = {0};
    char in[160], rejects[160];

    (void)state;
    proc_init(&p);
    proc_path(&p, "b.jsonl", in, sizeof(in));
    proc_path(&p, "rejects.jsonl", rejects, sizeof(rejects));
    write_orders(in, 20000, false);
    expect_exit((const char *[]){"orders", "-q", "-o", "/dev/full", "--rejects", rejects, in,
                                 NULL},
                1, "writing '/dev/full' failed: no space left on device");
    proc_cleanup(&p);
}

static void test_orders_line_limit_and_hostile_bytes(void **state)
{
    struct proc p = {0};
    char in[160], out[160], rej[160], big[400];
    struct file r, j;
    FILE *f;

    (void)state;
    proc_init(&p);
    proc_path(&p, "b.jsonl", in, sizeof(in));
    proc_path(&p, "out.jsonl", out, sizeof(out));
    proc_path(&p, "out.jsonl.rejects.jsonl", rej, sizeof(rej));
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    f = fopen(in, "wb");
    fprintf(f, "%s\n", order_line("H-1", "standard", "EUR", "{\"sku\":\"X\",\"qty\":1,\"unit_price\":\"1\"}"));
    fprintf(f, "{\"id\":\"%s\"}\n", big);                 /* longer than --max-line-bytes 300 */
    fwrite("{\"id\":\"a\0b\"}\n", 1, 13, f);              /* a NUL byte */
    fprintf(f, "\x01\x02\xff\xfe garbage\n");
    fprintf(f, "%s\n", order_line("H-5", "standard", "EUR", "{\"sku\":\"X\",\"qty\":1,\"unit_price\":\"1\"}"));
    fclose(f);
    assert_int_equal(proc_run(&p, (const char *[]){"orders", "-q", "--max-line-bytes", "300",
                                                   "-o", out, in, NULL}, PROC_WATCHDOG_MS), 0);
    read_jsonl(out, &r);
    read_jsonl(rej, &j);
    assert_int_equal(r.n, 2);
    assert_int_equal(j.n, 3);
    assert_non_null(find_line(&j, "\"line\":2,\"class\":\"parse\",\"error\":\"line longer than --max-line-bytes (300)\""));
    assert_non_null(find_line(&j, "\"line\":3,\"class\":\"parse\""));
    assert_non_null(find_line(&j, "\"line\":4,\"class\":\"parse\""));
    file_free(&r);
    file_free(&j);
    proc_cleanup(&p);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_orders_prices_valid_orders_and_rejects_the_rest),
        cmocka_unit_test(test_orders_csv_batch_groups_rows_into_orders),
        cmocka_unit_test(test_orders_delivery_retries_and_rejects),
        cmocka_unit_test(test_orders_express_overtakes_waiting_bulk),
        cmocka_unit_test(test_orders_sigint_leaves_valid_files_and_a_resume_point),
        cmocka_unit_test(test_orders_refuses_bad_setups_before_processing),
        cmocka_unit_test(test_orders_line_limit_and_hostile_bytes),
        cmocka_unit_test(test_orders_write_failure_stops_the_run),
        cmocka_unit_test(test_orders_in_flight_stays_bounded_with_many_rejects),
        cmocka_unit_test(test_orders_control_characters_come_out_escaped),
        cmocka_unit_test(test_orders_every_reject_keeps_its_input_line),
    };

    signal(SIGPIPE, SIG_IGN);
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
