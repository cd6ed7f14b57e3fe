/* app/export/warcrec.c: WARC/1.1 records as gzip members (see warcrec.h). */
#include "app/export/warcrec.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "app/export/warchttp.h"

/* A WARC header is a few hundred bytes plus the target URI, which the crawler caps well below
 * this. */
#define HEADER_MAX ((size_t)1 << 20)

static const char REVISIT_PROFILE[] =
    "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest";

static void base32(const unsigned char *in, size_t n, char *out)
{
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    unsigned buf = 0;
    int bits = 0;
    size_t i;

    for (i = 0; i < n; i++) {
        buf = buf << 8 | in[i];
        bits += 8;
        while (bits >= 5) {
            *out++ = abc[(buf >> (bits - 5)) & 31];
            bits -= 5;
        }
    }
    if (bits > 0)
        *out++ = abc[(buf << (5 - bits)) & 31];
    *out = '\0';   /* 20 bytes are 32 characters exactly: no padding */
}

static void label(const unsigned char md[20], char *out)
{
    memcpy(out, "sha1:", 5);
    base32(md, 20, out + 5);
}

void app_warcrec_sha1(const void *p, size_t n, char *out)
{
    unsigned char md[20];
    unsigned int mdlen = 0;

    EVP_Digest(p, n, md, &mdlen, EVP_sha1(), NULL);
    label(md, out);
}

void app_warcrec_id_from_bytes(const unsigned char rnd[16], struct app_warc_id *out)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char u[16];
    char *p = out->s;
    size_t i;

    memcpy(u, rnd, 16);
    u[6] = (unsigned char)((u[6] & 0x0f) | 0x40);   /* version 4 */
    u[8] = (unsigned char)((u[8] & 0x3f) | 0x80);   /* RFC 4122 variant */
    /* by hand: snprintf's sixteen %02x were 2 us a fetch in a crawl's profile */
    memcpy(p, "<urn:uuid:", 10);
    p += 10;
    for (i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            *p++ = '-';
        *p++ = hex[u[i] >> 4];
        *p++ = hex[u[i] & 15];
    }
    *p++ = '>';
    *p = '\0';
}

int app_warcrec_new_id(struct app_warc_id *out)
{
    unsigned char rnd[16];
    size_t got = 0;
    ssize_t n;

    while (got < sizeof(rnd)) {
        n = getrandom(rnd + got, sizeof(rnd) - got, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        got += (size_t)n;
    }
    app_warcrec_id_from_bytes(rnd, out);
    return 0;
}

void app_warcrec_date(int64_t ms, char *out)
{
    time_t s = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
    int frac = (int)(ms - (int64_t)s * 1000);
    struct tm tm;

    gmtime_r(&s, &tm);
    /* every field is in range after gmtime_r; the year is kept to four digits */
    snprintf(out, APP_WARC_DATE_LEN + 1, "%04u-%02u-%02uT%02u:%02u:%02u.%03uZ",
             (unsigned)(tm.tm_year + 1900) % 10000u, (unsigned)(tm.tm_mon + 1) % 100u,
             (unsigned)tm.tm_mday % 100u, (unsigned)tm.tm_hour % 100u, (unsigned)tm.tm_min % 100u,
             (unsigned)tm.tm_sec % 100u, (unsigned)frac % 1000u);
}

static bool is_token(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if ((unsigned char)*s <= 32 || *s == 127 || strchr("()<>@,;:\\\"/[]?={}", *s))
            return false;
    return true;
}

int app_warcrec_field(struct core_buf *out, const char *name, const char *value)
{
    const size_t start = out->len;
    int rc;

    if (!is_token(name))
        return -EINVAL;
    rc = core_buf_printf(out, "%s: ", name);
    for (; rc == 0 && *value; value++) {
        const unsigned char c = (unsigned char)*value;

        rc = core_buf_putc(out, (c < 32 && c != '\t') || c == 127 ? ' ' : (char)c);
    }
    if (rc == 0)
        rc = core_buf_puts(out, "\r\n");
    if (rc < 0) {
        out->len = start;
        if (out->data)
            out->data[start] = '\0';
    }
    return rc;
}

/* A URI or an address for a header line: something, and no blanks or controls in it. */
static bool is_field_value(const char *s)
{
    if (!s || !*s)
        return false;
    for (; *s; s++)
        if ((unsigned char)*s <= 32 || *s == 127)
            return false;
    return true;
}

static bool is_http1(const char *msg, size_t len, bool response)
{
    const char *nl = memchr(msg, '\n', len);
    size_t n = nl ? (size_t)(nl - msg) : len;

    if (response)
        return n >= 8 && memcmp(msg, "HTTP/1.", 7) == 0;
    /* a request line ends in " HTTP/1.x" */
    if (n > 0 && msg[n - 1] == '\r')
        n--;
    return n >= 10 && memcmp(msg + n - 9, " HTTP/1.", 8) == 0;
}

struct sha1_sink {
    EVP_MD_CTX *ctx;
};

static void sha1_update(void *arg, const void *p, size_t n)
{
    struct sha1_sink *s = arg;

    EVP_DigestUpdate(s->ctx, p, n);
}

/* The labelled SHA-1 of two pieces, or of a payload through warchttp. */
static int digest_two(EVP_MD_CTX *ctx, const EVP_MD *sha1, const void *a, size_t an,
                      const void *b, size_t bn, char *out)
{
    unsigned char md[20];
    unsigned int mdlen = 0;

    if (!EVP_DigestInit_ex(ctx, sha1, NULL) || !EVP_DigestUpdate(ctx, a, an) ||
        !EVP_DigestUpdate(ctx, b, bn) || !EVP_DigestFinal_ex(ctx, md, &mdlen))
        return -ENOMEM;
    label(md, out);
    return 0;
}

static int digest_payload(EVP_MD_CTX *ctx, const EVP_MD *sha1, const char *head, size_t hlen,
                          const char *body, size_t blen, char *out)
{
    struct sha1_sink s = {ctx};
    unsigned char md[20];
    unsigned int mdlen = 0;

    if (!EVP_DigestInit_ex(ctx, sha1, NULL))
        return -ENOMEM;
    app_warchttp_payload(head, hlen, body, blen, sha1_update, &s);
    if (!EVP_DigestFinal_ex(ctx, md, &mdlen))
        return -ENOMEM;
    label(md, out);
    return 0;
}

int app_warcrec_digest(const struct app_warc_fetch *f, struct app_warc_digests *d)
{
    /* fetched once for the five digests: OpenSSL 3 looks EVP_sha1() up again at each init
     * (EVP_MD_fetch was 3 us a page, a tenth of the digests' cost, in a crawl's profile) */
    EVP_MD *sha1 = EVP_MD_fetch(NULL, "SHA1", NULL);
    EVP_MD_CTX *ctx = sha1 ? EVP_MD_CTX_new() : NULL;
    size_t rhead;
    int rc;

    if (!ctx) {
        EVP_MD_free(sha1);
        return -ENOMEM;
    }
    /* the request: its block, and its payload (a body after the header block, if any) */
    rhead = f->request_len ? app_warchttp_head_len(f->request, f->request_len) : 0;
    if (rhead == 0)
        rhead = f->request_len;
    rc = digest_two(ctx, sha1, f->request, f->request_len, "", 0, d->request_block);
    if (rc == 0)
        rc = digest_payload(ctx, sha1, f->request, rhead, f->request + rhead,
                            f->request_len - rhead, d->request_payload);
    if (rc == 0)
        rc = digest_two(ctx, sha1, f->head, f->head_len, f->body, f->body_len, d->block);
    if (rc == 0)
        rc = digest_payload(ctx, sha1, f->head, f->head_len, f->body, f->body_len, d->payload);
    if (rc == 0)
        rc = digest_two(ctx, sha1, f->head, f->head_len, "", 0, d->head);
    EVP_MD_CTX_free(ctx);
    EVP_MD_free(sha1);
    return rc;
}

/* The header fields every record of a fetch shares. */
struct common {
    const char *type;
    const struct app_warc_id *id;
    int64_t date_ms;
    const char *uri;                  /* NULL: no WARC-Target-URI */
    const char *ip;                   /* NULL: none */
    enum app_warc_proto proto;
    const struct app_warc_id *concurrent_to;
    const struct app_warc_id *refers_to;
};

static int put_common(struct core_buf *h, const struct common *c)
{
    static const char *const protos[] = {NULL, "h2", "h2c", "h3"};
    char date[APP_WARC_DATE_LEN + 1];
    int rc;

    app_warcrec_date(c->date_ms, date);
    rc = core_buf_printf(h, "WARC/1.1\r\nWARC-Type: %s\r\nWARC-Record-ID: %s\r\nWARC-Date: %s\r\n",
                         c->type, c->id->s, date);
    if (rc == 0 && c->uri)
        rc = core_buf_printf(h, "WARC-Target-URI: %s\r\n", c->uri);
    if (rc == 0 && c->ip)
        rc = core_buf_printf(h, "WARC-IP-Address: %s\r\n", c->ip);
    if (rc == 0 && c->proto > APP_WARC_PROTO_NONE && c->proto <= APP_WARC_PROTO_H3)
        rc = core_buf_printf(h, "WARC-Protocol: %s\r\n", protos[c->proto]);
    if (rc == 0 && c->concurrent_to)
        rc = core_buf_printf(h, "WARC-Concurrent-To: %s\r\n", c->concurrent_to->s);
    if (rc == 0 && c->refers_to)
        rc = core_buf_printf(h, "WARC-Refers-To: %s\r\n", c->refers_to->s);
    return rc;
}

static int put_tail(struct core_buf *h, const char *content_type, size_t block_len)
{
    return core_buf_printf(h, "Content-Type: %s\r\nContent-Length: %zu\r\n\r\n", content_type,
                           block_len);
}

/* Compress header + block (two pieces) + CRLF CRLF into one member appended to out. */
static int finish(struct app_warcgz *gz, const struct core_buf *h, const void *b1, size_t n1,
                  const void *b2, size_t n2, struct core_buf *out)
{
    const struct app_warcgz_part parts[] = {
        {h->data, h->len}, {b1, n1}, {b2, n2}, {"\r\n\r\n", 4},
    };
    struct app_warcgz *own = NULL;
    int rc;

    if (!gz) {
        rc = app_warcgz_create(0, &own);
        if (rc < 0)
            return rc;
        gz = own;
    }
    rc = app_warcgz_member(gz, parts, 4, out);
    app_warcgz_destroy(own);
    return rc;
}

static const char *trunc_reason(enum app_warc_trunc t)
{
    switch (t) {
    case APP_WARC_TRUNC_LENGTH:
        return "length";
    case APP_WARC_TRUNC_TIME:
        return "time";
    case APP_WARC_TRUNC_DISCONNECT:
        return "disconnect";
    default:
        return NULL;
    }
}

static bool fetch_ok(const struct app_warc_fetch *f)
{
    return is_field_value(f->uri) && (!f->ip || is_field_value(f->ip)) &&
           f->proto >= APP_WARC_PROTO_NONE && f->proto <= APP_WARC_PROTO_H3;
}

int app_warcrec_request(struct app_warcgz *gz, const struct app_warc_fetch *f,
                        const struct app_warc_digests *d, const struct app_warc_id *id,
                        const struct app_warc_id *response_id, struct core_buf *out)
{
    const struct common c = {"request", id, f->date_ms, f->uri, f->ip, f->proto, response_id,
                             NULL};
    struct core_buf h;
    int rc;

    if (!fetch_ok(f) || !is_http1(f->request, f->request_len, false))
        return -EINVAL;
    core_buf_init(&h, HEADER_MAX);
    rc = put_common(&h, &c);
    if (rc == 0)
        rc = core_buf_printf(&h, "WARC-Block-Digest: %s\r\nWARC-Payload-Digest: %s\r\n",
                             d->request_block, d->request_payload);
    if (rc == 0)
        rc = put_tail(&h, "application/http;msgtype=request", f->request_len);
    if (rc == 0)
        rc = finish(gz, &h, f->request, f->request_len, "", 0, out);
    core_buf_free(&h);
    return rc;
}

int app_warcrec_response(struct app_warcgz *gz, const struct app_warc_fetch *f,
                         const struct app_warc_digests *d, const struct app_warc_id *id,
                         const struct app_warc_id *request_id, struct core_buf *out)
{
    const struct common c = {"response", id, f->date_ms, f->uri, f->ip, f->proto, request_id,
                             NULL};
    const char *why = trunc_reason(f->truncated);
    struct core_buf h;
    int rc;

    if (!fetch_ok(f) || !is_http1(f->head, f->head_len, true) ||
        f->body_len > SIZE_MAX - f->head_len)
        return -EINVAL;
    core_buf_init(&h, HEADER_MAX);
    rc = put_common(&h, &c);
    if (rc == 0)
        rc = core_buf_printf(&h, "WARC-Block-Digest: %s\r\nWARC-Payload-Digest: %s\r\n",
                             d->block, d->payload);
    if (rc == 0 && why)
        rc = core_buf_printf(&h, "WARC-Truncated: %s\r\n", why);
    if (rc == 0)
        rc = put_tail(&h, "application/http;msgtype=response", f->head_len + f->body_len);
    if (rc == 0)
        rc = finish(gz, &h, f->head, f->head_len, f->body, f->body_len, out);
    core_buf_free(&h);
    return rc;
}

int app_warcrec_revisit(struct app_warcgz *gz, const struct app_warc_fetch *f,
                        const struct app_warc_digests *d, const struct app_warc_id *id,
                        const struct app_warc_id *request_id,
                        const struct app_warc_original *orig, struct core_buf *out)
{
    const struct common c = {"revisit", id, f->date_ms, f->uri, f->ip, f->proto, request_id,
                             orig->id};
    char date[APP_WARC_DATE_LEN + 1];
    struct core_buf h;
    int rc;

    if (!fetch_ok(f) || !is_http1(f->head, f->head_len, true) || !is_field_value(orig->uri))
        return -EINVAL;
    app_warcrec_date(orig->date_ms, date);
    core_buf_init(&h, HEADER_MAX);
    rc = put_common(&h, &c);
    if (rc == 0)
        rc = core_buf_printf(&h,
                             "WARC-Profile: %s\r\nWARC-Refers-To-Target-URI: %s\r\n"
                             "WARC-Refers-To-Date: %s\r\nWARC-Block-Digest: %s\r\n"
                             "WARC-Payload-Digest: %s\r\nWARC-Truncated: length\r\n",
                             REVISIT_PROFILE, orig->uri, date, d->head, d->payload);
    if (rc == 0)
        rc = put_tail(&h, "application/http;msgtype=response", f->head_len);
    if (rc == 0)
        rc = finish(gz, &h, f->head, f->head_len, "", 0, out);
    core_buf_free(&h);
    return rc;
}

/* A record whose block is a warc-fields text: metadata and warcinfo. */
static int fields_record(struct app_warcgz *gz, const struct common *c, const char *filename,
                         const char *fields, size_t fields_len, struct core_buf *out)
{
    char digest[APP_WARC_DIGEST_LEN + 1];
    struct core_buf h;
    int rc;

    app_warcrec_sha1(fields, fields_len, digest);
    core_buf_init(&h, HEADER_MAX);
    rc = put_common(&h, c);
    if (rc == 0 && filename)
        rc = core_buf_printf(&h, "WARC-Filename: %s\r\n", filename);
    if (rc == 0)
        rc = core_buf_printf(&h, "WARC-Block-Digest: %s\r\n", digest);
    if (rc == 0)
        rc = put_tail(&h, "application/warc-fields", fields_len);
    if (rc == 0)
        rc = finish(gz, &h, fields, fields_len, "", 0, out);
    core_buf_free(&h);
    return rc;
}

int app_warcrec_metadata(struct app_warcgz *gz, const char *uri, int64_t date_ms,
                         const struct app_warc_id *id, const struct app_warc_id *refers_to,
                         const char *fields, size_t fields_len, struct core_buf *out)
{
    const struct common c = {"metadata", id, date_ms, uri, NULL, APP_WARC_PROTO_NONE, NULL,
                             refers_to};

    if (!is_field_value(uri))
        return -EINVAL;
    return fields_record(gz, &c, NULL, fields, fields_len, out);
}

int app_warcrec_warcinfo(struct app_warcgz *gz, const char *filename, int64_t date_ms,
                         const struct app_warc_id *id, const char *fields, size_t fields_len,
                         struct core_buf *out)
{
    const struct common c = {"warcinfo", id, date_ms, NULL, NULL, APP_WARC_PROTO_NONE, NULL,
                             NULL};

    if (!is_field_value(filename))
        return -EINVAL;
    return fields_record(gz, &c, filename, fields, fields_len, out);
}
