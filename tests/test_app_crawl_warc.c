/* tests/test_app_crawl_warc.c: `trawl crawl --warc --cdx --wacz` on a small site, and the archive
 * read back by independent tools (tests/warcio/check.mjs on webrecorder's warcio.js, gzip -t,
 * Python's zlib), after a whole crawl, after SIGINT and after kill -9.
 *
 * The site serves a page with Content-Length, a chunked one, a gzip-encoded one (sent although
 * trawl asks for identity, as some servers do), two pages with the same body (the second is a
 * revisit), a redirect, a 404, a body past --max-bytes (WARC-Truncated: length), a reset
 * halfway through a body (WARC-Truncated: disconnect) and robots.txt. Another site stalls in
 * the middle of a body past --timeout (WARC-Truncated: time) or closes the connection there
 * (disconnect), and the records keep exactly the bytes received. A crawl of nginx over
 * TLS and HTTP/2 (skipped without nginx and openssl) checks that h2 exchanges are written as
 * HTTP/1.1 text with WARC-Protocol: h2.
 * Needs node, gzip, unzip and python3, which scripts/install-deps installs. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "tests/support/corotest.h"
#include "tests/support/proc.h"
#include "tests/support/site.h"
#include "tests/support/warccheck.h"
#include "tools/httpd.h"

static const char home[] =
    "<title>Home</title><a href=\"/chunked\">c</a><a href=\"/gz\">g</a><a href=\"/dup1\">1</a>"
    "<a href=\"/dup2\">2</a><a href=\"/old\">o</a><a href=\"/missing\">m</a>"
    "<a href=\"/big\">b</a><a href=\"/reset\">r</a>";
static const char dup_body[] = "<title>Same</title><p>the same body under two URLs</p>";
static const char gz_page[] = "<title>Gzip page</title><p>inflated by trawl</p>";

static void append_raw(struct httpd_response *resp, const char *head, const void *body,
                       size_t len)
{
    size_t hl = strlen(head);
    char *buf = malloc(hl + len);

    assert_non_null(buf);
    memcpy(buf, head, hl);
    memcpy(buf + hl, body, len);
    httpd_respond_raw(resp, buf, hl + len);
    free(buf);
}

static void handler(const struct httpd_request *req, struct httpd_response *resp, void *arg)
{
    const char *t = req->target;

    (void)arg;
    if (strcmp(t, "/") == 0) {
        httpd_respond(resp, 200, "text/html", NULL, home, strlen(home));
    } else if (strcmp(t, "/robots.txt") == 0) {
        httpd_respond(resp, 200, "text/plain", NULL, "User-agent: *\nDisallow: /x\n", 27);
    } else if (strcmp(t, "/chunked") == 0) {
        static const char r[] = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
                                "Transfer-Encoding: chunked\r\n\r\n"
                                "8;ext=1\r\n<title>C\r\n"
                                "e\r\nhunked</title>\r\n"
                                "0\r\n\r\n";

        httpd_respond_raw(resp, r, sizeof(r) - 1);
    } else if (strcmp(t, "/gz") == 0) {
        unsigned char out[256];
        uLongf n = sizeof(out);
        z_stream z;
        char head[256];

        memset(&z, 0, sizeof(z));
        assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY), Z_OK);
        z.next_in = (unsigned char *)(uintptr_t)gz_page;
        z.avail_in = sizeof(gz_page) - 1;
        z.next_out = out;
        z.avail_out = sizeof(out);
        assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
        n = z.total_out;
        deflateEnd(&z);
        snprintf(head, sizeof(head), "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
                                     "Content-Encoding: gzip\r\nContent-Length: %lu\r\n\r\n",
                 (unsigned long)n);
        append_raw(resp, head, out, n);
    } else if (strcmp(t, "/dup1") == 0 || strcmp(t, "/dup2") == 0) {
        httpd_respond(resp, 200, "text/html", NULL, dup_body, strlen(dup_body));
    } else if (strcmp(t, "/old") == 0) {
        httpd_respond(resp, 301, NULL, "Location: /new\r\n", "", 0);
    } else if (strcmp(t, "/new") == 0) {
        httpd_respond(resp, 200, "text/html", NULL, "<title>New</title>", 18);
    } else if (strcmp(t, "/big") == 0) {
        static char big[300000];

        memset(big, 'x', sizeof(big));
        httpd_respond(resp, 200, "text/html", NULL, big, sizeof(big));
    } else if (strcmp(t, "/reset") == 0) {
        static char half[200000];

        memset(half, 'y', sizeof(half));
        httpd_respond(resp, 200, "text/plain", NULL, half, sizeof(half));
        resp->action = HTTPD_RESET_MIDWAY;
    } else {
        httpd_respond(resp, 404, "text/plain", NULL, "not found", 9);
    }
}

/* The WARC files of dir (final names), space-separated, into b. */
static void warcs_of(const char *dir, char *b, size_t cap)
{
    char cmd[256];
    FILE *p;
    size_t n;

    snprintf(cmd, sizeof(cmd), "ls %s/*.warc.gz | tr '\\n' ' '", dir);
    p = popen(cmd, "r");
    assert_non_null(p);
    n = fread(b, 1, cap - 1, p);
    b[n] = '\0';
    pclose(p);
    assert_true(n > 0);
}

static int check(const char *mode, const char *first, const char *files)
{
    char cmd[8192];

    snprintf(cmd, sizeof(cmd), "node %s/tests/warcio/check.mjs %s %s %s 2>&1", TRAWL_SOURCE_DIR,
             mode, first ? first : "", files);
    return warccheck_run(cmd);
}

/* The WARC record of the gzip member at offset in path, inflated (malloc'ed). */
static char *member_at(const char *path, long offset)
{
    FILE *f = fopen(path, "rb");
    static unsigned char in[1 << 20];
    char *out = calloc(1, 1 << 20);
    size_t n;
    z_stream z;

    assert_non_null(f);
    assert_non_null(out);
    assert_int_equal(fseek(f, offset, SEEK_SET), 0);
    n = fread(in, 1, sizeof(in), f);
    fclose(f);
    memset(&z, 0, sizeof(z));
    assert_int_equal(inflateInit2(&z, 16 + 15), Z_OK);
    z.next_in = in;
    z.avail_in = (uInt)n;
    z.next_out = (unsigned char *)out;
    z.avail_out = (1 << 20) - 1;
    assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
    inflateEnd(&z);
    return out;
}

/* A string value of key in a JSONL line (copied into buf), or NULL when null or absent. */
static const char *json_str(const char *line, const char *key, char *buf, size_t cap)
{
    char pat[64];
    const char *p, *e;

    snprintf(pat, sizeof(pat), "\"%s\":\"", key);
    p = strstr(line, pat);
    if (!p)
        return NULL;
    p += strlen(pat);
    e = strchr(p, '"');
    assert_non_null(e);
    snprintf(buf, cap, "%.*s", (int)(e - p), p);
    return buf;
}

static void test_warc_crawl_archives_every_fetch(void **state)
{
    struct httpd *srv;
    struct proc p = {0};
    char u[128], name[160], out[160], cdx[160], wacz[160], sum[160], files[4096], cmd[8192];
    char *jsonl, *line, *idx;
    int records = 0;

    (void)state;
    assert_int_equal(httpd_start(0, handler, NULL, &srv), 0);
    proc_init(&p);
    proc_path(&p, "crawl", name, sizeof(name));
    proc_path(&p, "out.jsonl", out, sizeof(out));
    proc_path(&p, "index.cdxj", cdx, sizeof(cdx));
    proc_path(&p, "crawl.wacz", wacz, sizeof(wacz));
    proc_path(&p, "summary.json", sum, sizeof(sum));
    assert_int_equal(proc_run(&p, (const char *[]){"crawl", "-q", "--warc", name,
                                                   "--warc-max-size", "4000", "--cdx", cdx,
                                                   "--wacz", wacz, "--max-bytes", "100000",
                                                   "--summary", sum, "--retries", "0",
                                                   "-o", out, httpd_url(srv, "/", u, sizeof(u)),
                                                   NULL},
                              PROC_WATCHDOG_MS),
                     0);
    /* rotated, nothing left open or temporary */
    snprintf(cmd, sizeof(cmd), "test -f %s-00001.warc.gz && test -z \"$(ls %s | "
                               "grep -E '\\.(open|unsorted|pages)$')\"", name, p.dir);
    assert_int_equal(warccheck_run(cmd), 0);
    warcs_of(p.dir, files, sizeof(files));
    assert_int_equal(check("cdx", cdx, files), 0);
    assert_int_equal(check("digests", NULL, files), 0);
    assert_int_equal(check("wacz", wacz, files), 0);
    assert_int_equal(check("summary", sum, files), 0); /* files, records, bytes as they are */
    snprintf(cmd, sizeof(cmd), "gzip -t %s", files);
    assert_int_equal(warccheck_run(cmd), 0);
    /* the main page is the seed, at the time it was fetched; pages.jsonl lists the HTML pages */
    snprintf(cmd, sizeof(cmd), "unzip -p %s datapackage.json | grep -q '\"mainPageUrl\":\"%s\",'"
             "'\"mainPageDate\":\"20[2-9]' && test \"$(unzip -p %s pages/pages.jsonl | wc -l)\" "
             "= 7", wacz, u, wacz);
    assert_int_equal(warccheck_run(cmd), 0);
    idx = proc_slurp(cdx);
    assert_non_null(strstr(idx, "/robots.txt "));                 /* robots.txt archived */
    assert_non_null(strstr(idx, "\"mime\":\"warc/revisit\""));   /* /dup2 (or /dup1) */
    assert_non_null(strstr(idx, "\"status\":\"301\""));           /* the redirect hop */
    assert_null(strstr(idx, "warc-fields"));                     /* no metadata records */
    free(idx);
    /* every record points at a response (or revisit) record of its final URL */
    jsonl = proc_slurp(out);
    for (line = jsonl; *line; records++) {
        char *nl = strchr(line, '\n'), file[128], url[256], path[320], want[300], *rec;
        const char *off;

        assert_non_null(nl);
        *nl = '\0';
        assert_non_null(json_str(line, "final_url", url, sizeof(url)));
        if (json_str(line, "warc_file", file, sizeof(file))) {
            off = strstr(line, "\"warc_offset\":");
            assert_non_null(off);
            snprintf(path, sizeof(path), "%s/%s", p.dir, file);
            rec = member_at(path, atol(off + 14));
            assert_true(strncmp(rec, "WARC/1.1\r\nWARC-Type: response\r\n", 31) == 0 ||
                        strncmp(rec, "WARC/1.1\r\nWARC-Type: revisit\r\n", 30) == 0);
            snprintf(want, sizeof(want), "\r\nWARC-Target-URI: %s\r\n", url);
            assert_non_null(strstr(rec, want));
            if (strstr(url, "/big"))
                assert_non_null(strstr(rec, "\r\nWARC-Truncated: length\r\n"));
            if (strstr(url, "/chunked"))
                assert_non_null(strstr(rec, "\r\n8;ext=1\r\n<title>C\r\n")); /* as received */
            if (strstr(url, "/reset"))
                assert_non_null(strstr(rec, "\r\nWARC-Truncated: disconnect\r\n"));
            free(rec);
        } else {
            assert_non_null(strstr(line, "\"warc_offset\":null"));
        }
        if (strstr(url, "/chunked"))
            assert_non_null(strstr(line, "\"title\":\"Chunked\""));  /* de-chunked to parse */
        if (strstr(url, "/gz"))
            assert_non_null(strstr(line, "\"title\":\"Gzip page\"")); /* inflated to parse */
        line = nl + 1;
    }
    assert_int_equal(records, 9); /* / chunked gz dup1 dup2 old(->new) missing big reset */
    free(jsonl);
    proc_cleanup(&p);
    httpd_stop(srv);
}

/* --- interrupted crawls --------------------------------------------------------------------- */

static struct site_page slow[201];
static char slow_paths[200][16];
static char slow_index[8192];

static void make_slow_site(unsigned delay_ms)
{
    size_t i, n = 0;

    n += (size_t)snprintf(slow_index, sizeof(slow_index), "<title>slow</title>");
    for (i = 0; i < 200; i++) {
        snprintf(slow_paths[i], sizeof(slow_paths[i]), "/s%zu", i);
        n += (size_t)snprintf(slow_index + n, sizeof(slow_index) - n, "<a href=\"/s%zu\">x</a>", i);
        slow[i + 1] = (struct site_page){slow_paths[i], 0, NULL, NULL, "<title>s</title>",
                                         delay_ms};
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
    int lines;
};

static bool progressed(void *arg)
{
    const struct progress *g = arg;

    return count_lines(g->path) >= g->lines;
}

/* --warc-level 0: records stored in their gzip members, not compressed: whole files that
 * warcio.js indexes as trawl did, digests that check, and a WARC larger than the bodies in it
 * (the 300 KB of /big alone deflate to about 1 KB). */
static void test_warc_level_0_stores_whole_members(void **state)
{
    struct httpd *srv;
    struct proc p = {0};
    char u[128], name[160], out[160], cdx[160], files[4096], cmd[8192];
    struct stat st;

    (void)state;
    assert_int_equal(httpd_start(0, handler, NULL, &srv), 0);
    proc_init(&p);
    proc_path(&p, "crawl", name, sizeof(name));
    proc_path(&p, "out.jsonl", out, sizeof(out));
    proc_path(&p, "index.cdxj", cdx, sizeof(cdx));
    assert_int_equal(proc_run(&p, (const char *[]){"crawl", "-q", "--warc", name, "--warc-level",
                                                   "0", "--cdx", cdx, "--retries", "0", "-o", out,
                                                   httpd_url(srv, "/", u, sizeof(u)), NULL},
                              PROC_WATCHDOG_MS),
                     0);
    warcs_of(p.dir, files, sizeof(files));
    assert_int_equal(check("cdx", cdx, files), 0);
    assert_int_equal(check("digests", NULL, files), 0);
    snprintf(cmd, sizeof(cmd), "gzip -t %s", files);
    assert_int_equal(warccheck_run(cmd), 0);
    snprintf(cmd, sizeof(cmd), "%s.warc.gz", name);
    assert_int_equal(stat(cmd, &st), 0);
    assert_true(st.st_size > 300000); /* /big alone, 300,000 bytes of "x" */
    assert_int_equal(proc_run(&p, (const char *[]){"crawl", "--warc", name, "--warc-level", "13",
                                                   httpd_url(srv, "/", u, sizeof(u)), NULL},
                              PROC_WATCHDOG_MS),
                     2);
    proc_cleanup(&p);
    httpd_stop(srv);
}

static void test_warc_sigint_finishes_the_archive(void **state)
{
    struct site s;
    struct proc p = {0};
    char u[128], name[160], out[160], cdx[160], wacz[160], sum[160], files[4096], cmd[8192];

    (void)state;
    make_slow_site(300);
    assert_int_equal(site_start(&s, slow, 201), 0);
    proc_init(&p);
    proc_path(&p, "crawl", name, sizeof(name));
    proc_path(&p, "out.jsonl", out, sizeof(out));
    proc_path(&p, "index.cdxj", cdx, sizeof(cdx));
    proc_path(&p, "crawl.wacz", wacz, sizeof(wacz));
    proc_path(&p, "summary.json", sum, sizeof(sum));
    proc_start(&p, (const char *[]){"crawl", "-q", "-w", "4", "--grace", "60", "--warc", name,
                                    "--cdx", cdx, "--wacz", wacz, "--summary", sum, "-o", out,
                                    site_url(&s, "/", u, sizeof(u)), NULL},
               NULL);
    {
        struct progress g = {out, 3};

        proc_wait_until(progressed, &g);
    }
    proc_signal(&p, SIGINT);
    assert_int_equal(proc_wait(&p, PROC_WATCHDOG_MS), 130);
    snprintf(cmd, sizeof(cmd), "test -f %s.warc.gz && test -z \"$(ls %s | "
                               "grep -E '\\.(open|unsorted|pages)$')\"", name, p.dir);
    assert_int_equal(warccheck_run(cmd), 0);
    warcs_of(p.dir, files, sizeof(files));
    assert_int_equal(check("cdx", cdx, files), 0);
    assert_int_equal(check("digests", NULL, files), 0);
    assert_int_equal(check("wacz", wacz, files), 0);
    assert_int_equal(check("summary", sum, files), 0);
    proc_cleanup(&p);
    site_stop(&s);
}

static void test_warc_kill_9_leaves_whole_members(void **state)
{
    struct site s;
    struct proc p = {0};
    char u[128], name[160], out[160], cmd[1024];

    (void)state;
    make_slow_site(300);
    assert_int_equal(site_start(&s, slow, 201), 0);
    proc_init(&p);
    proc_path(&p, "crawl", name, sizeof(name));
    proc_path(&p, "out.jsonl", out, sizeof(out));
    proc_start(&p, (const char *[]){"crawl", "-q", "-w", "4", "--warc", name, "-o", out,
                                    site_url(&s, "/", u, sizeof(u)), NULL},
               NULL);
    {
        struct progress g = {out, 3};

        proc_wait_until(progressed, &g);
    }
    assert_int_equal(kill(p.pid, SIGKILL), 0);
    assert_int_equal(proc_wait(&p, PROC_WATCHDOG_MS), 128 + SIGKILL);
    /* every complete gzip member is a whole WARC record; a torn last one is allowed */
    snprintf(cmd, sizeof(cmd),
             "python3 -c '\n"
             "import sys, zlib\n"
             "d = open(sys.argv[1], \"rb\").read(); o = n = 0\n"
             "while o < len(d):\n"
             "    z = zlib.decompressobj(31); r = z.decompress(d[o:])\n"
             "    if not z.eof: break\n"
             "    assert r.startswith(b\"WARC/1.1\\r\\n\") and r.endswith(b\"\\r\\n\\r\\n\")\n"
             "    o = len(d) - len(z.unused_data); n += 1\n"
             "print(n, \"whole records\"); sys.exit(0 if n >= 5 else 1)\n"
             "' %s.warc.gz.open 2>&1",
             name);
    assert_int_equal(warccheck_run(cmd), 0);
    proc_cleanup(&p);
    site_stop(&s);
}

/* --- bodies cut short ----------------------------------------------------------------------- */

/* Each page promises 5000 bytes of body and sends 1000: /stall then stalls past --timeout (the
 * server trickles the rest a piece per 10 minutes), /cut closes the connection (a FIN, where
 * /reset above sends a RST). */
static const char cut_head[] = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
                               "Content-Length: 5000\r\n\r\n";
static char cut_body[5000];

static void truncating_handler(const struct httpd_request *req, struct httpd_response *resp,
                               void *arg)
{
    const char *t = req->target;

    (void)arg;
    if (strcmp(t, "/") == 0) {
        static const char home_cut[] = "<title>Cut</title><a href=\"/stall\">s</a>"
                                       "<a href=\"/cut\">c</a>";

        httpd_respond(resp, 200, "text/html", NULL, home_cut, sizeof(home_cut) - 1);
    } else if (strcmp(t, "/stall") == 0) {
        append_raw(resp, cut_head, cut_body, sizeof(cut_body));
        resp->trickle_bytes = sizeof(cut_head) - 1 + 1000; /* the head and 1000 bytes now ... */
        resp->trickle_ms = 600000;                          /* ... the rest never, in effect */
    } else if (strcmp(t, "/cut") == 0) {
        append_raw(resp, cut_head, cut_body, 1000);
        resp->close_after = true;
    } else {
        httpd_respond(resp, 404, "text/plain", NULL, "not found", 9);
    }
}

static void test_warc_truncated_time_and_disconnect(void **state)
{
    struct httpd *srv;
    struct proc p = {0};
    char u[128], name[160], out[160], cdx[160], files[4096], *jsonl, *line, *nl;
    int seen = 0;

    (void)state;
    memset(cut_body, 'q', sizeof(cut_body));
    memcpy(cut_body, "<title>Cut short</title>", 24);
    assert_int_equal(httpd_start(0, truncating_handler, NULL, &srv), 0);
    proc_init(&p);
    proc_path(&p, "crawl", name, sizeof(name));
    proc_path(&p, "out.jsonl", out, sizeof(out));
    proc_path(&p, "index.cdxj", cdx, sizeof(cdx));
    assert_int_equal(proc_run(&p, (const char *[]){"crawl", "-q", "--warc", name, "--cdx", cdx,
                                                   "--timeout", "1", "--retries", "0", "-o", out,
                                                   httpd_url(srv, "/", u, sizeof(u)), NULL},
                              PROC_WATCHDOG_MS),
                     0);
    warcs_of(p.dir, files, sizeof(files));
    assert_int_equal(check("cdx", cdx, files), 0);
    assert_int_equal(check("digests", NULL, files), 0); /* digests of what was received */
    jsonl = proc_slurp(out);
    for (line = jsonl; (nl = strchr(line, '\n')) != NULL; line = nl + 1) {
        char url[256], file[128], path[320], want[256], *rec, *block;
        const char *off, *why;

        *nl = '\0';
        assert_non_null(json_str(line, "url", url, sizeof(url)));
        if (strstr(url, "/stall"))
            why = "time";
        else if (strstr(url, "/cut"))
            why = "disconnect";
        else
            continue;
        print_message("  %s\n", line);
        assert_null(strstr(line, "\"error\":null")); /* a failure in the record ... */
        assert_non_null(json_str(line, "warc_file", file, sizeof(file))); /* ... archived */
        off = strstr(line, "\"warc_offset\":");
        assert_non_null(off);
        snprintf(path, sizeof(path), "%s/%s", p.dir, file);
        rec = member_at(path, atol(off + 14));
        assert_true(strncmp(rec, "WARC/1.1\r\nWARC-Type: response\r\n", 31) == 0);
        snprintf(want, sizeof(want), "\r\nWARC-Truncated: %s\r\n", why);
        assert_non_null(strstr(rec, want));
        /* the block is what came: the head and the 1000 bytes, no more, no less */
        block = strstr(rec, "\r\n\r\n");
        assert_non_null(block);
        block += 4;
        assert_true(strncmp(block, "HTTP/1.1 200 OK\r\n", 17) == 0);
        block = strstr(block, "\r\n\r\n");
        assert_non_null(block);
        block += 4;
        assert_int_equal(strlen(block), 1000 + 4); /* the record ends in \r\n\r\n */
        assert_memory_equal(block, cut_body, 1000);
        if (strcmp(why, "time") == 0)
            assert_non_null(strstr(line, "\"error\":\"timeout\""));
        free(rec);
        seen++;
    }
    assert_int_equal(seen, 2);
    free(jsonl);
    proc_cleanup(&p);
    httpd_stop(srv);
}

/* --- HTTP/2 --------------------------------------------------------------------------------- */

/* nginx serving dir/www over TLS with HTTP/2 on 127.0.0.1 (a self-signed certificate for
 * 127.0.0.1 made by openssl at test time, dir/cert.pem, which the crawl trusts with --cacert).
 * nginx takes no port 0, so a free port is found by binding one and letting it go; if nginx
 * loses the race for it, another is tried. */
struct nginx {
    pid_t pid;
    unsigned port;
};

static unsigned free_port(void)
{
    struct sockaddr_in a = {.sin_family = AF_INET};
    socklen_t len = sizeof(a);
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    assert_true(fd >= 0);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    close(fd);
    return ntohs(a.sin_port);
}

static bool port_open(unsigned port)
{
    struct sockaddr_in a = {.sin_family = AF_INET};
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    bool ok;

    assert_true(fd >= 0);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons((uint16_t)port);
    ok = connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
    close(fd);
    return ok;
}

static int nginx_start(struct nginx *n, const char *dir)
{
    static const char conf[] =
        "daemon off;\nmaster_process off;\nworker_processes 1;\npid %s/nginx.pid;\n"
        "error_log %s/nginx-error.log;\nevents { worker_connections 64; }\n"
        "http {\n  access_log off;\n  client_body_temp_path %s/tmp;\n  proxy_temp_path %s/tmp;\n"
        "  types { text/html html; }\n"
        "  server {\n    listen 127.0.0.1:%u ssl http2;\n    ssl_certificate %s/cert.pem;\n"
        "    ssl_certificate_key %s/key.pem;\n    root %s/www;\n  }\n}\n";
    char path[256], cmd[1024];

    for (int attempt = 0; attempt < 5; attempt++) {
        FILE *f;
        struct timespec pause = {0, 20 * 1000 * 1000};
        int waited = 0, st;

        n->port = free_port();
        snprintf(path, sizeof(path), "%s/nginx.conf", dir);
        f = fopen(path, "w");
        assert_non_null(f);
        fprintf(f, conf, dir, dir, dir, dir, n->port, dir, dir, dir);
        fclose(f);
        snprintf(cmd, sizeof(cmd),
                 "PATH=$PATH:/usr/sbin exec nginx -c %s -p %s -e %s/nginx-error.log "
                 ">%s/nginx.out 2>&1", path, dir, dir, dir);
        n->pid = fork();
        assert_true(n->pid >= 0);
        if (n->pid == 0) {
            execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
            _exit(127);
        }
        while (waited < PROC_WATCHDOG_MS / 4) {
            if (port_open(n->port))
                return 0;
            if (waitpid(n->pid, &st, WNOHANG) == n->pid)
                break; /* it could not listen: another port */
            nanosleep(&pause, NULL);
            waited += 20;
        }
        if (waited >= PROC_WATCHDOG_MS / 4) {
            kill(n->pid, SIGKILL);
            waitpid(n->pid, &st, 0);
        }
    }
    snprintf(cmd, sizeof(cmd), "cat %s/nginx.out %s/nginx-error.log >&2", dir, dir);
    (void)!system(cmd);
    return -1;
}

static void nginx_stop(struct nginx *n)
{
    int st;

    kill(n->pid, SIGTERM);
    assert_int_equal(waitpid(n->pid, &st, 0), n->pid);
}

static void test_warc_h2_written_as_http11_text(void **state)
{
    struct proc p = {0};
    struct nginx ngx;
    char name[160], out[160], cdx[160], wacz[160], cert[160], files[4096], cmd[8192], u[64];
    char url[128], file[128], path[320], *jsonl, *rec, *nl;
    const char *off;

    (void)state;
    if (warccheck_run("PATH=$PATH:/usr/sbin command -v nginx >/dev/null && command -v openssl >/dev/null")
        != 0) {
        print_message("  nginx or openssl is missing: skipped (scripts/install-deps --bench)\n");
        skip();
    }
    proc_init(&p);
    /* a self-signed certificate for 127.0.0.1, and a site with a body of many DATA frames */
    snprintf(cmd, sizeof(cmd),
             "cd %s && mkdir www tmp && openssl req -x509 -newkey ec "
             "-pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -keyout key.pem "
             "-out cert.pem -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 "
             ">/dev/null 2>&1 && "
             "printf '<title>Over h2</title><a href=\"/big.html\">big</a>' >www/index.html && "
             "{ printf '<title>Big</title>'; head -c 200000 /dev/zero | tr '\\0' 'z'; } "
             ">www/big.html",
             p.dir);
    assert_int_equal(warccheck_run(cmd), 0);
    assert_int_equal(nginx_start(&ngx, p.dir), 0);
    proc_path(&p, "crawl", name, sizeof(name));
    proc_path(&p, "out.jsonl", out, sizeof(out));
    proc_path(&p, "index.cdxj", cdx, sizeof(cdx));
    proc_path(&p, "crawl.wacz", wacz, sizeof(wacz));
    proc_path(&p, "cert.pem", cert, sizeof(cert));
    snprintf(u, sizeof(u), "https://127.0.0.1:%u/", ngx.port);
    assert_int_equal(proc_run(&p, (const char *[]){"crawl", "-q", "--cacert", cert, "--warc", name,
                                                   "--cdx", cdx, "--wacz", wacz, "--retries", "0",
                                                   "-o", out, u, NULL},
                              PROC_WATCHDOG_MS),
                     0);
    nginx_stop(&ngx);
    /* read back independently: digests recomputed, HTTP/1.x status lines only (check.mjs) */
    warcs_of(p.dir, files, sizeof(files));
    assert_int_equal(check("cdx", cdx, files), 0);
    assert_int_equal(check("digests", NULL, files), 0);
    assert_int_equal(check("wacz", wacz, files), 0);
    /* curl's "HTTP/2 200" is never written, anywhere in the files */
    snprintf(cmd, sizeof(cmd), "! zcat %s | grep -a 'HTTP/2'", files);
    assert_int_equal(warccheck_run(cmd), 0);
    /* both pages came over h2, and their response records say so */
    jsonl = proc_slurp(out);
    nl = strchr(jsonl, '\n');
    assert_non_null(nl);
    assert_non_null(strchr(nl + 1, '\n'));
    for (char *line = jsonl; (nl = strchr(line, '\n')) != NULL; line = nl + 1) {
        *nl = '\0';
        assert_non_null(strstr(line, "\"status\":200"));
        assert_non_null(json_str(line, "url", url, sizeof(url)));
        assert_non_null(json_str(line, "warc_file", file, sizeof(file)));
        off = strstr(line, "\"warc_offset\":");
        assert_non_null(off);
        snprintf(path, sizeof(path), "%s/%s", p.dir, file);
        rec = member_at(path, atol(off + 14));
        assert_true(strncmp(rec, "WARC/1.1\r\nWARC-Type: response\r\n", 31) == 0);
        assert_non_null(strstr(rec, "\r\nWARC-Protocol: h2\r\n"));
        assert_non_null(strstr(rec, "\r\n\r\nHTTP/1.1 200 \r\n"));
        print_message("  %s: response record over h2, written as HTTP/1.1 200\n", url);
        free(rec);
    }
    free(jsonl);
    proc_cleanup(&p);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_warc_crawl_archives_every_fetch),
        cmocka_unit_test(test_warc_level_0_stores_whole_members),
        cmocka_unit_test(test_warc_sigint_finishes_the_archive),
        cmocka_unit_test(test_warc_kill_9_leaves_whole_members),
        cmocka_unit_test(test_warc_truncated_time_and_disconnect),
        cmocka_unit_test(test_warc_h2_written_as_http11_text),
    };

    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
