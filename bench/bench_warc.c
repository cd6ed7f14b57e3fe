/* bench/bench_warc.c: the compressor of WARC records, measured on real HTML.
 *
 * A WARC.gz file is one gzip member per record, so what matters is compressing many small
 * inputs (a few KB to a few hundred KB each), one member per input, not one long stream. This
 * reads every *.html file under a directory (default /usr/share/doc; at most 64 MiB), puts a
 * typical WARC and HTTP header (about 700 bytes) in front of each, and compresses each one as
 * its own gzip member with: zlib levels 1 and 6 (deflateInit2 with the gzip wrapper, one
 * stream per record, as app/export/warcrec.c does it), and libdeflate levels 1, 2, 3, 4, 6
 * and 9 (one compressor reused across records), and ISA-L's igzip levels 0-3 when the build
 * found it (libisal-dev; one stream, reset per record). It reports MB/s of input on one thread and the ratio
 * (compressed / input), then times the whole record path of app/export/warcrec.c (SHA-1
 * digests + the compressor it uses) on the same inputs.
 * Usage (Release build): cmake --build build/release --target bench_warc &&
 *   build/release/bench/bench_warc [DIR] */
#include <libdeflate.h>
#ifdef BENCH_WARC_ISAL
#include <isa-l/igzip_lib.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <ftw.h>
#include <zlib.h>

#include "app/export/warcrec.h"
#include "core/buf.h"
#include "core/mem.h"

#define MAX_TOTAL (64u << 20)
#define MAX_FILES 20000

struct input {
    char *data;
    size_t len;
};

static struct input inputs[MAX_FILES];
static size_t ninputs, total;

static const char header[] =
    "WARC/1.1\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:uuid:0b7c3e6c-8a4f-4f7e-9d2a-5f1e"
    "6c2b9a01>\r\nWARC-Date: 2026-12-07T05:00:00.123Z\r\nWARC-Target-URI: https://www.example"
    ".org/docs/index.html\r\nWARC-IP-Address: 192.0.2.10\r\nWARC-Concurrent-To: <urn:uuid:3f2"
    "a9d1e-7c6b-4a5f-8e3d-2b1c0a9f8e7d>\r\nWARC-Block-Digest: sha1:UZY6ND6CCHXETFVJD2MSS7ZENMWF"
    "7KQ2\r\nWARC-Payload-Digest: sha1:CCHXETFVJD2MSS7ZENMWF7KQ2UZY6ND6\r\nContent-Type: appli"
    "cation/http;msgtype=response\r\nContent-Length: 12345\r\n\r\nHTTP/1.1 200 OK\r\nDate: Mon"
    ", 07 Dec 2026 05:00:00 GMT\r\nServer: nginx/1.22.1\r\nContent-Type: text/html; charset=utf"
    "-8\r\nContent-Length: 12000\r\nLast-Modified: Sun, 06 Dec 2026 11:22:33 GMT\r\nConnection"
    ": keep-alive\r\nETag: \"6571a2b9-2ee0\"\r\nAccept-Ranges: bytes\r\n\r\n";

static double now(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int add_file(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    size_t n = strlen(path);
    FILE *f;
    char *p;

    (void)ftw;
    if (type != FTW_F || n < 5 || strcmp(path + n - 5, ".html") != 0 || st->st_size <= 0)
        return 0;
    if (ninputs == MAX_FILES || total + (size_t)st->st_size + sizeof(header) > MAX_TOTAL)
        return 1;
    f = fopen(path, "rb");
    if (!f)
        return 0;
    p = malloc(sizeof(header) - 1 + (size_t)st->st_size);
    if (!p)
        abort();
    memcpy(p, header, sizeof(header) - 1);
    if (fread(p + sizeof(header) - 1, 1, (size_t)st->st_size, f) != (size_t)st->st_size) {
        free(p);
        fclose(f);
        return 0;
    }
    fclose(f);
    inputs[ninputs].data = p;
    inputs[ninputs].len = sizeof(header) - 1 + (size_t)st->st_size;
    total += inputs[ninputs].len;
    ninputs++;
    return 0;
}

/* One gzip member per input with zlib at level; returns compressed bytes. */
static size_t run_zlib(int level, unsigned char *out, size_t cap)
{
    size_t sum = 0, i;

    for (i = 0; i < ninputs; i++) {
        z_stream z;

        memset(&z, 0, sizeof(z));
        if (deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
            abort();
        z.next_in = (unsigned char *)inputs[i].data;
        z.avail_in = (uInt)inputs[i].len;
        z.next_out = out;
        z.avail_out = (uInt)cap;
        if (deflate(&z, Z_FINISH) != Z_STREAM_END)
            abort();
        sum += z.total_out;
        deflateEnd(&z);
    }
    return sum;
}

static size_t run_libdeflate(int level, unsigned char *out, size_t cap)
{
    struct libdeflate_compressor *c = libdeflate_alloc_compressor(level);
    size_t sum = 0, i, n;

    if (!c)
        abort();
    for (i = 0; i < ninputs; i++) {
        n = libdeflate_gzip_compress(c, inputs[i].data, inputs[i].len, out, cap);
        if (n == 0)
            abort();
        sum += n;
    }
    libdeflate_free_compressor(c);
    return sum;
}

#ifdef BENCH_WARC_ISAL
/* One gzip member per input with igzip at level (0-3); returns compressed bytes. */
static size_t run_isal(int level, unsigned char *out, size_t cap)
{
    static const uint32_t bufs[] = {0, ISAL_DEF_LVL1_DEFAULT, ISAL_DEF_LVL2_DEFAULT,
                                    ISAL_DEF_LVL3_DEFAULT};
    unsigned char *level_buf = malloc(bufs[level] + 1);
    struct isal_zstream z;
    size_t sum = 0, i;

    if (!level_buf)
        abort();
    for (i = 0; i < ninputs; i++) {
        isal_deflate_init(&z);
        z.gzip_flag = IGZIP_GZIP;
        z.level = (uint32_t)level;
        z.level_buf = level_buf;
        z.level_buf_size = bufs[level];
        z.end_of_stream = 1;
        z.flush = NO_FLUSH;
        z.next_in = (uint8_t *)inputs[i].data;
        z.avail_in = (uint32_t)inputs[i].len;
        z.next_out = out;
        z.avail_out = (uint32_t)cap;
        if (isal_deflate(&z) != COMP_OK || z.internal_state.state != ZSTATE_END)
            abort();
        sum += z.total_out;
    }
    free(level_buf);
    return sum;
}
#endif

/* The module's whole record path: digests, WARC header, one gzip member. */
static size_t run_warcrec(struct app_warcgz *gz)
{
    struct core_buf out;
    size_t sum = 0, i, hlen = (size_t)(strstr(header, "\r\n\r\nHTTP/1.1") - header) + 4;
    struct app_warc_id id, req;

    core_buf_init(&out, 256u << 20);
    if (app_warcrec_new_id(&id) < 0 || app_warcrec_new_id(&req) < 0)
        abort();
    for (i = 0; i < ninputs; i++) {
        const char *http = inputs[i].data + hlen;
        const char *body = strstr(http, "\r\n\r\n") + 4;
        struct app_warc_fetch f = {
            .uri = "https://www.example.org/docs/index.html",
            .ip = "192.0.2.10",
            .date_ms = 1796619600123,
            .head = http,
            .head_len = (size_t)(body - http),
            .body = body,
            .body_len = inputs[i].len - (size_t)(body - inputs[i].data),
        };
        struct app_warc_digests d;

        core_buf_reset(&out);
        if (app_warcrec_digest(&f, &d) < 0 || app_warcrec_response(gz, &f, &d, &id, &req, &out) < 0)
            abort();
        sum += out.len;
    }
    core_buf_free(&out);
    return sum;
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "/usr/share/doc";
    size_t cap = 0, i, n;
    unsigned char *out;
    double t0, t;
    int rounds = 3, r;
    struct app_warcgz *gz;

    nftw(dir, add_file, 32, FTW_PHYS);
    if (ninputs == 0) {
        fprintf(stderr, "bench_warc: no .html files under %s\n", dir);
        return 1;
    }
    for (i = 0; i < ninputs; i++)
        if (inputs[i].len > cap)
            cap = inputs[i].len;
    cap = cap + cap / 8 + 1024;
    out = malloc(cap);
    if (!out)
        abort();
    printf("%zu HTML files under %s, %.1f MB with headers (mean %.1f KB per record)\n", ninputs,
           dir, (double)total / 1e6, (double)total / 1e3 / (double)ninputs);
    printf("%-28s %10s %8s\n", "compressor (one member/record)", "MB/s", "ratio");
#define TIME(name, call)                                                                   \
    do {                                                                                   \
        double best = 1e9;                                                                 \
        for (r = 0; r < rounds; r++) {                                                     \
            t0 = now();                                                                    \
            n = (call);                                                                    \
            t = now() - t0;                                                                \
            if (t < best)                                                                  \
                best = t;                                                                  \
        }                                                                                  \
        printf("%-28s %10.1f %8.3f\n", name, (double)total / 1e6 / best,                   \
               (double)n / (double)total);                                                 \
    } while (0)
    TIME("zlib level 1", run_zlib(1, out, cap));
    TIME("zlib level 6", run_zlib(6, out, cap));
    for (int level = 1; level <= 9; level += level < 4 ? 1 : level == 4 ? 2 : 3) {
        char name[32];

        snprintf(name, sizeof(name), "libdeflate level %d", level);
        TIME(name, run_libdeflate(level, out, cap));
    }
#ifdef BENCH_WARC_ISAL
    for (int level = 0; level <= 3; level++) {
        char name[32];

        snprintf(name, sizeof(name), "isa-l igzip level %d", level);
        TIME(name, run_isal(level, out, cap));
    }
#endif
    if (app_warcgz_create(0, &gz) < 0)
        abort();
    TIME("warcrec response (chosen)", run_warcrec(gz));
    app_warcgz_destroy(gz);
    free(out);
    for (i = 0; i < ninputs; i++)
        free(inputs[i].data);
    return 0;
}
