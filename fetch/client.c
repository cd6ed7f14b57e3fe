/* fetch/client.c: libcurl multi driven by a core loop (see client.h).
 *
 * The wiring follows curl's multi_socket API: curl tells us which sockets to watch
 * (on_socket) and when to wake it (on_timer); we watch with uv_poll and a uv_timer, and when
 * either fires we call curl_multi_socket_action from the loop, then collect finished
 * transfers with curl_multi_info_read. We never call curl from inside its callbacks: on_timer
 * only arms a uv_timer (0 ms means the next loop iteration, not 1 ms), and on_socket only
 * starts or stops polls; on_debug, likewise, only notes that a request went out, and the
 * caller hears of it once curl has returned. Per-socket state is freed in the uv_close
 * callback. */
#include "fetch/client.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <uv.h>
#include <zlib.h>

#include "core/coro.h"
#include "core/list_int.h"
#include "core/loop.h"
#include "core/mem.h"

struct fetch_client {
    struct core_loop *loop;
    CURLM *multi;
    uv_timer_t timer;
    struct fetch_opts opts;
    char **headers;                  /* our copy of opts.headers */
    size_t nheaders;
    struct curl_slist *connect_to;   /* opts.connect_to as curl wants it */
    char *user_agent;
    char *ca_file;                   /* opts.ca_file copied, or NULL */
    size_t active;
    uint64_t connects;
    int open_handles;                /* timer + polls not yet closed */
    bool destroying;
    struct core__link xfers;         /* transfers in flight */
    struct core__link sent;          /* transfers whose on_sent is due */
};

struct sock {
    uv_poll_t poll;
    struct fetch_client *c;
    curl_socket_t fd;
};

struct xfer {
    struct core__link link;
    struct fetch_client *c;
    struct core_coro *co;
    CURL *easy;
    struct curl_slist *headers;
    struct fetch_result *res;
    fetch_sent_fn *on_sent;
    void *sent_arg;
    struct core__link sent_link;     /* in c->sent while on_sent is due */
    bool archive;                    /* req.archive: keep request, head and wire bytes */
    bool too_large;
    char errbuf[CURL_ERROR_SIZE];
};

void fetch_opts_init(struct fetch_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->max_body = 10u << 20;
    o->max_redirects = 5;
}

void fetch_result_init(struct fetch_result *r)
{
    memset(r, 0, sizeof(*r));
    r->content_length = -1;
    r->retry_after_s = -1;
    core_buf_init(&r->body, 0);
    core_buf_init(&r->request, 0);
    core_buf_init(&r->head, 0);
    core_buf_init(&r->wire, 0);
}

void fetch_result_free(struct fetch_result *r)
{
    core_free(r->final_url);
    core_free(r->location);
    core_buf_free(&r->body);
    core_buf_free(&r->request);
    core_buf_free(&r->head);
    core_buf_free(&r->wire);
    r->final_url = NULL;
    r->location = NULL;
}

/* --- curl -> loop wiring -------------------------------------------------------------------- */

static void collect(struct fetch_client *c);
static void tell_sent(struct fetch_client *c);

static void on_poll(uv_poll_t *h, int status, int events)
{
    struct sock *s = h->data;
    int flags = 0, running;

    if (status < 0)
        flags = CURL_CSELECT_ERR;
    if (events & UV_READABLE)
        flags |= CURL_CSELECT_IN;
    if (events & UV_WRITABLE)
        flags |= CURL_CSELECT_OUT;
    curl_multi_socket_action(s->c->multi, s->fd, flags, &running);
    tell_sent(s->c);
    collect(s->c);
}

static void on_sock_closed(uv_handle_t *h)
{
    struct sock *s = h->data;
    struct fetch_client *c = s->c;

    core_free(s);
    if (--c->open_handles == 0 && c->destroying)
        core_free(c);
}

static int on_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
    struct fetch_client *c = userp;
    struct sock *s = socketp;
    int events = 0;

    (void)easy;
    if (what == CURL_POLL_REMOVE) {
        if (s) {
            uv_poll_stop(&s->poll);
            uv_close((uv_handle_t *)&s->poll, on_sock_closed);
            curl_multi_assign(c->multi, fd, NULL);
        }
        return 0;
    }
    if (!s) {
        s = core_calloc(1, sizeof(*s));
        if (!s)
            return -1;
        if (uv_poll_init_socket(core_loop_uv(c->loop), &s->poll, fd) != 0) {
            core_free(s);
            return -1;
        }
        s->c = c;
        s->fd = fd;
        s->poll.data = s;
        c->open_handles++;
        curl_multi_assign(c->multi, fd, s);
    }
    if (what == CURL_POLL_IN || what == CURL_POLL_INOUT)
        events |= UV_READABLE;
    if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT)
        events |= UV_WRITABLE;
    uv_poll_start(&s->poll, events, on_poll);
    return 0;
}

static void on_uv_timer(uv_timer_t *t)
{
    struct fetch_client *c = t->data;
    int running;

    curl_multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    tell_sent(c);
    collect(c);
}

static int on_timer(CURLM *multi, long timeout_ms, void *userp)
{
    struct fetch_client *c = userp;

    (void)multi;
    if (timeout_ms < 0)
        uv_timer_stop(&c->timer);
    else /* 0 fires on the next loop iteration, without calling curl from here */
        uv_timer_start(&c->timer, on_uv_timer, (uint64_t)timeout_ms, 0);
    return 0;
}

/* --- results -------------------------------------------------------------------------------- */

static int classify(CURLcode rc, const struct xfer *x)
{
    switch (rc) {
    case CURLE_OK: return 0;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY: return CORE_EDNS;
    case CURLE_COULDNT_CONNECT: return CORE_ECONNECT;
    case CURLE_OPERATION_TIMEDOUT: return -ETIMEDOUT;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR: return CORE_ETLS;
    case CURLE_WRITE_ERROR:
    case CURLE_FILESIZE_EXCEEDED: return x->too_large ? CORE_ETOOLARGE : CORE_ECURL;
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR: return -ECONNRESET;
    case CURLE_UNSUPPORTED_PROTOCOL: return CORE_ESCHEME;
    case CURLE_OUT_OF_MEMORY: return -ENOMEM;
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_BAD_CONTENT_ENCODING:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_TOO_MANY_REDIRECTS: return CORE_EHTTP;
    default: return CORE_ECURL;
    }
}

static double ms(CURL *e, CURLINFO what)
{
    curl_off_t us = 0;

    curl_easy_getinfo(e, what, &us);
    return (double)us / 1000.0;
}

/* Whether a raw response header block says Transfer-Encoding: chunked (as its last coding;
 * several fields are read as one list). */
static bool head_is_chunked(const char *h, size_t len)
{
    static const char name[] = "transfer-encoding:";
    bool chunked = false;
    size_t i = 0;

    while (i < len) {
        size_t end = i, k;

        while (end < len && h[end] != '\n')
            end++;
        if (end - i > sizeof(name) - 1 && strncasecmp(h + i, name, sizeof(name) - 1) == 0) {
            /* the last non-blank token of the value */
            size_t a = i + sizeof(name) - 1, b = end;

            while (b > a && (h[b - 1] == '\r' || h[b - 1] == ' ' || h[b - 1] == '\t'))
                b--;
            k = b;
            while (k > a && h[k - 1] != ',' && h[k - 1] != ' ' && h[k - 1] != '\t')
                k--;
            chunked = b - k == 7 && strncasecmp(h + k, "chunked", 7) == 0;
        }
        i = end + 1;
    }
    return chunked;
}

/* Hex digit value, or -1. */
static int hexval(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

/* De-chunk in into out, best effort: a body cut short gives the data up to the cut; a size line
 * that does not parse makes the rest of the body data as it stands (servers that say chunked and
 * then do not chunk exist). Extensions and trailers are skipped. 0 or out's errors. */
static int dechunk(const char *in, size_t len, struct core_buf *out)
{
    size_t i = 0;

    while (i < len) {
        uint64_t n = 0;
        size_t j = i;
        int d;

        while (j < len && (d = hexval(in[j])) >= 0 && n < ((uint64_t)1 << 40)) {
            n = n * 16 + (uint64_t)d;
            j++;
        }
        if (j == i || j >= len)
            return j == i ? core_buf_append(out, in + i, len - i) : 0;
        while (j < len && in[j] != '\n')
            j++; /* extensions */
        if (j >= len)
            return 0;
        j++;
        if (n == 0)
            return 0; /* the last chunk; trailers follow */
        if (n > len - j)
            n = len - j;
        if (core_buf_append(out, in + j, (size_t)n) < 0)
            return -ENOMEM;
        j += (size_t)n;
        if (j < len && in[j] == '\r')
            j++;
        if (j < len && in[j] == '\n')
            j++;
        i = j;
    }
    return 0;
}

/* The content coding of a raw header block that we undo: 1 gzip or deflate (zlib's automatic
 * header detection takes both), 0 none, -1 one we cannot (br, zstd...). */
static int head_coding(const char *h, size_t len)
{
    static const char name[] = "content-encoding:";
    size_t i = 0;

    while (i < len) {
        size_t end = i;

        while (end < len && h[end] != '\n')
            end++;
        if (end - i > sizeof(name) - 1 && strncasecmp(h + i, name, sizeof(name) - 1) == 0) {
            size_t a = i + sizeof(name) - 1, b = end;

            while (a < b && (h[a] == ' ' || h[a] == '\t'))
                a++;
            while (b > a && (h[b - 1] == '\r' || h[b - 1] == ' ' || h[b - 1] == '\t'))
                b--;
            if (b == a || (b - a == 8 && strncasecmp(h + a, "identity", 8) == 0))
                return 0;
            if ((b - a == 4 && strncasecmp(h + a, "gzip", 4) == 0) ||
                (b - a == 6 && strncasecmp(h + a, "x-gzip", 6) == 0) ||
                (b - a == 7 && strncasecmp(h + a, "deflate", 7) == 0))
                return 1;
            return -1;
        }
        i = end + 1;
    }
    return 0;
}

/* Inflate n bytes at p (gzip or zlib) into out, up to out's cap: 0, CORE_ETOOLARGE past the
 * cap (out holds what fitted: a gzip bomb stops there), -ENOMEM, or CORE_EHTTP for bytes that
 * are not deflate data (out holds what came before). A body cut short gives what it had. */
static int inflate_into(const char *p, size_t n, struct core_buf *out)
{
    unsigned char tmp[16384];
    z_stream z;
    int zr = Z_OK, rc = 0;

    memset(&z, 0, sizeof(z));
    if (inflateInit2(&z, 32 + 15) != Z_OK)
        return -ENOMEM;
    z.next_in = (unsigned char *)(uintptr_t)p;
    z.avail_in = (uInt)n;
    while (rc == 0 && zr != Z_STREAM_END && (z.avail_in > 0 || zr == Z_OK)) {
        z.next_out = tmp;
        z.avail_out = sizeof(tmp);
        zr = inflate(&z, Z_NO_FLUSH);
        if (zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR)
            rc = CORE_EHTTP;
        else if (core_buf_append(out, tmp, sizeof(tmp) - z.avail_out) < 0)
            rc = out->len + (sizeof(tmp) - z.avail_out) > out->max ? CORE_ETOOLARGE : -ENOMEM;
        if (zr == Z_BUF_ERROR && z.avail_out > 0)
            break; /* no progress: the input ended early */
    }
    inflateEnd(&z);
    return rc;
}

/* An archived transfer: the peer, the version, and the body for the caller decoded. */
static void fill_archive(struct xfer *x)
{
    struct fetch_result *r = x->res;
    const int coding = head_coding(r->head.data, r->head.len);
    struct core_buf plain;
    char *s = NULL;
    long v = 0;
    int rc = 0;

    if (curl_easy_getinfo(x->easy, CURLINFO_PRIMARY_IP, &s) == CURLE_OK && s)
        snprintf(r->ip, sizeof(r->ip), "%s", s);
    if (curl_easy_getinfo(x->easy, CURLINFO_HTTP_VERSION, &v) == CURLE_OK)
        r->http_major = v == CURL_HTTP_VERSION_3 ? 3 : v == CURL_HTTP_VERSION_2_0 ? 2 : v ? 1 : 0;
    r->wire_cut = x->too_large;
    if (!head_is_chunked(r->head.data, r->head.len) && coding <= 0) {
        /* as received is as decoded (or a coding we cannot undo): no copy */
        struct core_buf t = r->body;

        r->body = r->wire;
        r->wire = t;
        return;
    }
    r->wire_kept = true;
    core_buf_init(&plain, r->body.max);
    if (head_is_chunked(r->head.data, r->head.len))
        rc = dechunk(r->wire.data, r->wire.len, coding > 0 ? &plain : &r->body);
    if (rc == 0 && coding > 0) {
        const struct core_buf *in = plain.data ? &plain : &r->wire;

        rc = inflate_into(in->data ? in->data : "", in->len, &r->body);
    }
    core_buf_free(&plain);
    if (rc < 0 && r->err == 0) {
        r->err = rc;
        snprintf(r->error, sizeof(r->error), "%s", core_strerror(rc));
    }
}

static void fill_result(struct xfer *x, CURLcode rc)
{
    struct fetch_result *r = x->res;
    char *s = NULL;
    curl_off_t off = -1;
    long n = 0;

    r->err = classify(rc, x);
    if (r->err != 0) {
        const char *why = x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc);

        snprintf(r->error, sizeof(r->error), "%s", why);
    }
    curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &r->status);
    if (curl_easy_getinfo(x->easy, CURLINFO_EFFECTIVE_URL, &s) == CURLE_OK && s)
        r->final_url = core_strdup(s);
    s = NULL;
    if (curl_easy_getinfo(x->easy, CURLINFO_REDIRECT_URL, &s) == CURLE_OK && s)
        r->location = core_strdup(s);
    s = NULL;
    if (curl_easy_getinfo(x->easy, CURLINFO_CONTENT_TYPE, &s) == CURLE_OK && s)
        snprintf(r->content_type, sizeof(r->content_type), "%s", s);
    if (curl_easy_getinfo(x->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &off) == CURLE_OK)
        r->content_length = off;
    off = -1;
    if (curl_easy_getinfo(x->easy, CURLINFO_RETRY_AFTER, &off) == CURLE_OK && off > 0)
        r->retry_after_s = off;
    else if (off == 0 && curl_easy_header(x->easy, "Retry-After", 0, CURLH_HEADER, -1, NULL) ==
                             CURLHE_OK)
        r->retry_after_s = 0; /* "Retry-After: 0" or a date in the past */
    curl_easy_getinfo(x->easy, CURLINFO_REDIRECT_COUNT, &r->redirects);
    if (curl_easy_getinfo(x->easy, CURLINFO_NUM_CONNECTS, &n) == CURLE_OK)
        x->c->connects += (uint64_t)n;
    r->ms_dns = ms(x->easy, CURLINFO_NAMELOOKUP_TIME_T);
    r->ms_connect = ms(x->easy, CURLINFO_CONNECT_TIME_T);
    r->ms_tls = ms(x->easy, CURLINFO_APPCONNECT_TIME_T);
    r->ms_first_byte = ms(x->easy, CURLINFO_STARTTRANSFER_TIME_T);
    r->ms_total = ms(x->easy, CURLINFO_TOTAL_TIME_T);
    if (x->archive)
        fill_archive(x);
}

/* Detach x from curl and the client. Safe outside curl's callbacks only. */
static void xfer_end(struct xfer *x)
{
    curl_multi_remove_handle(x->c->multi, x->easy);
    curl_easy_cleanup(x->easy);
    curl_slist_free_all(x->headers);
    x->easy = NULL;
    core__list_remove(&x->link);
    core__list_remove(&x->sent_link);
    x->c->active--;
}

static void collect(struct fetch_client *c)
{
    CURLMsg *m;
    int left;

    while ((m = curl_multi_info_read(c->multi, &left)) != NULL) {
        struct xfer *x = NULL;

        if (m->msg != CURLMSG_DONE)
            continue;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x);
        fill_result(x, m->data.result);
        xfer_end(x);
        core_coro_wake(x->co, x->res->err);
    }
}

/* --- transfers ------------------------------------------------------------------------------ */

/* libcurl reports each write of request headers as CURLINFO_HEADER_OUT, after the write (only
 * in verbose mode, which is why the request asked for it). Everything else it says is dropped. */
static int on_debug(CURL *e, curl_infotype type, char *data, size_t size, void *userp)
{
    struct xfer *x = userp;

    (void)e;
    if (type != CURLINFO_HEADER_OUT)
        return 0;
    if (x->archive) {
        struct core_buf *b = &x->res->request;

        /* a request sent again (a new connection) replaces the one before */
        if (b->len >= 4 && memcmp(b->data + b->len - 4, "\r\n\r\n", 4) == 0)
            b->len = 0;
        if (core_buf_append(b, data, size) < 0)
            b->len = 0;
    }
    if (x->on_sent && core__list_empty(&x->sent_link))
        core__list_push_back(&x->c->sent, &x->sent_link);
    return 0;
}

/* Run the on_sent callbacks that are due: outside curl, before collect ends any transfer. */
static void tell_sent(struct fetch_client *c)
{
    struct core__link *n;

    while ((n = core__list_pop_front(&c->sent)) != NULL) {
        struct xfer *x = core__container(n, struct xfer, sent_link);

        x->on_sent(x->sent_arg);
    }
}

/* Archived transfers keep the header block of the last response (a 1xx or a proxy's answer
 * before it is dropped when the next status line comes). */
static size_t on_header(char *data, size_t size, size_t n, void *userp)
{
    struct xfer *x = userp;
    struct core_buf *h = &x->res->head;
    size_t len = size * n;

    if (len >= 5 && memcmp(data, "HTTP/", 5) == 0)
        h->len = 0;
    if (core_buf_append(h, data, len) < 0)
        return 0; /* headers past the cap: the transfer fails */
    return len;
}

static size_t on_body(char *data, size_t size, size_t n, void *userp)
{
    struct xfer *x = userp;
    struct core_buf *b = x->archive ? &x->res->wire : &x->res->body;
    size_t len = size * n;

    if (core_buf_append(b, data, len) != 0) {
        x->too_large = b->len + len > b->max;
        return 0; /* makes curl stop with CURLE_WRITE_ERROR */
    }
    return len;
}

static bool abort_xfer(void *arg, int reason)
{
    struct xfer *x = arg;

    x->res->err = reason;
    snprintf(x->res->error, sizeof(x->res->error), "%s", core_strerror(reason));
    xfer_end(x);
    return true;
}

static struct curl_slist *add_headers(struct curl_slist *l, const char *const *h, size_t n,
                                      bool *ok)
{
    size_t i;

    for (i = 0; i < n; i++) {
        struct curl_slist *t = curl_slist_append(l, h[i]);

        if (!t) {
            *ok = false;
            return l;
        }
        l = t;
    }
    return l;
}

static int setup(struct xfer *x, const struct fetch_request *req)
{
    struct fetch_client *c = x->c;
    const struct fetch_opts *o = &c->opts;
    CURL *e = x->easy;
    bool ok = true;

    x->headers = add_headers(NULL, (const char *const *)c->headers, c->nheaders, &ok);
    x->headers = add_headers(x->headers, req->headers, req->nheaders, &ok);
    if (!ok)
        return -ENOMEM;
    curl_easy_setopt(e, CURLOPT_URL, req->url);
    curl_easy_setopt(e, CURLOPT_PRIVATE, (char *)x);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    if (req->archive) {
        /* the bytes as received, for the record; identity so there is no content coding to
         * undo for the parser (README, "Archiving") */
        x->archive = true;
        curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "identity");
        curl_easy_setopt(e, CURLOPT_HTTP_TRANSFER_DECODING, 0L);
        curl_easy_setopt(e, CURLOPT_HTTP_CONTENT_DECODING, 0L);
        curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
    } else {
        curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
    }
    curl_easy_setopt(e, CURLOPT_USERAGENT, c->user_agent);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, o->follow_redirects ? 1L : 0L);
    curl_easy_setopt(e, CURLOPT_MAXREDIRS, o->max_redirects);
    if (o->timeout_ms > 0)
        curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)o->timeout_ms);
    if (o->connect_timeout_ms > 0)
        curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)o->connect_timeout_ms);
    if (o->low_speed_ms > 0) {
        curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, (long)o->low_speed_bytes);
        curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, (long)((o->low_speed_ms + 999) / 1000));
    }
    if (x->headers)
        curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->headers);
    if (c->connect_to)
        curl_easy_setopt(e, CURLOPT_CONNECT_TO, c->connect_to);
    if (c->ca_file)
        curl_easy_setopt(e, CURLOPT_CAINFO, c->ca_file);
    if (req->method && strcmp(req->method, "GET") != 0)
        curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, req->method);
    if (req->body) {
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, req->body);
    }
    if (req->on_sent || req->archive) {
        x->on_sent = req->on_sent;
        x->sent_arg = req->sent_arg;
        curl_easy_setopt(e, CURLOPT_DEBUGFUNCTION, on_debug);
        curl_easy_setopt(e, CURLOPT_DEBUGDATA, x);
        curl_easy_setopt(e, CURLOPT_VERBOSE, 1L);
    }
    return 0;
}

int fetch_client_do(struct core_coro *co, struct fetch_client *c, const struct fetch_request *req,
                    struct fetch_result *res)
{
    struct xfer x;
    int rc;

    memset(&x, 0, sizeof(x));
    x.c = c;
    x.co = co;
    x.res = res;
    core__list_init(&x.sent_link);
    core_buf_init(&res->body, c->opts.max_body);
    if (req->archive) {
        core_buf_init(&res->wire, c->opts.max_body);
        core_buf_init(&res->head, 256u << 10);
        core_buf_init(&res->request, 256u << 10);
    }
    x.easy = curl_easy_init();
    if (!x.easy)
        return res->err = -ENOMEM;
    rc = setup(&x, req);
    if (rc == 0 && curl_multi_add_handle(c->multi, x.easy) != CURLM_OK)
        rc = CORE_ECURL;
    if (rc < 0) {
        curl_easy_cleanup(x.easy);
        curl_slist_free_all(x.headers);
        return res->err = rc;
    }
    core__list_push_back(&c->xfers, &x.link);
    c->active++;
    /* The request stays on this stack: the transfer ends (collect or abort_xfer) before park
     * returns, so nothing refers to x afterwards. */
    return core_coro_park(co, -1, abort_xfer, &x);
}

int fetch_client_get(struct core_coro *co, struct fetch_client *c, const char *url,
                     struct fetch_result *res)
{
    struct fetch_request req;

    memset(&req, 0, sizeof(req));
    req.url = url;
    return fetch_client_do(co, c, &req, res);
}

/* --- lifetime ------------------------------------------------------------------------------- */

static void free_headers(struct fetch_client *c)
{
    size_t i;

    for (i = 0; i < c->nheaders; i++)
        core_free(c->headers[i]);
    core_free(c->headers);
    c->headers = NULL;
    c->nheaders = 0;
}

int fetch_client_create(struct core_loop *loop, const struct fetch_opts *opts,
                        struct fetch_client **out)
{
    struct fetch_client *c;

    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return CORE_ECURL;
    c = core_calloc(1, sizeof(*c));
    if (!c)
        goto out_global;
    c->loop = loop;
    c->opts = *opts;
    c->opts.headers = NULL; /* only the copies below are kept */
    c->opts.nheaders = 0;
    c->opts.connect_to = NULL;
    c->opts.nconnect_to = 0;
    c->opts.ca_file = NULL;
    core__list_init(&c->xfers);
    core__list_init(&c->sent);
    c->user_agent = core_strdup(opts->user_agent ? opts->user_agent : FETCH_USER_AGENT);
    c->multi = curl_multi_init();
    if (!c->user_agent || !c->multi)
        goto out_free;
    if (opts->ca_file && !(c->ca_file = core_strdup(opts->ca_file)))
        goto out_free;
    if (opts->nheaders) {
        /* our own copy of the strings every request sends */
        c->headers = core_calloc(opts->nheaders, sizeof(*c->headers));
        if (!c->headers)
            goto out_free;
        for (c->nheaders = 0; c->nheaders < opts->nheaders; c->nheaders++)
            if (!(c->headers[c->nheaders] = core_strdup(opts->headers[c->nheaders])))
                goto out_free;
    }
    for (size_t i = 0; i < opts->nconnect_to; i++) {
        struct curl_slist *l = curl_slist_append(c->connect_to, opts->connect_to[i]);

        if (!l)
            goto out_free;
        c->connect_to = l;
    }
    curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
    curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c);
    curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, on_timer);
    curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c);
    if (opts->max_connections > 0)
        curl_multi_setopt(c->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, opts->max_connections);
    /* Every request adds and removes its own easy handle, and libcurl sizes its cache of idle
     * connections from the handles added at that moment (4 each): it kept shrinking and
     * closing connections, one new TCP connection per ~6 requests. Keep plenty. */
    curl_multi_setopt(c->multi, CURLMOPT_MAXCONNECTS,
                      opts->max_connections > 0 ? opts->max_connections : 1024L);
    if (opts->max_host_connections > 0)
        curl_multi_setopt(c->multi, CURLMOPT_MAX_HOST_CONNECTIONS, opts->max_host_connections);
    uv_timer_init(core_loop_uv(loop), &c->timer);
    c->timer.data = c;
    c->open_handles = 1;
    *out = c;
    return 0;

out_free:
    free_headers(c);
    curl_slist_free_all(c->connect_to);
    if (c->multi)
        curl_multi_cleanup(c->multi);
    core_free(c->user_agent);
    core_free(c->ca_file);
    core_free(c);
out_global:
    curl_global_cleanup();
    return -ENOMEM;
}

static void on_timer_closed(uv_handle_t *h)
{
    struct fetch_client *c = h->data;

    if (--c->open_handles == 0)
        core_free(c);
}

void fetch_client_destroy(struct fetch_client *c)
{
    struct core__link *n;

    if (!c)
        return;
    /* Each aborted transfer's coroutine sees -ECANCELED. */
    while ((n = c->xfers.next) != &c->xfers) {
        struct xfer *x = core__container(n, struct xfer, link);

        abort_xfer(x, -ECANCELED);
        core_coro_wake(x->co, -ECANCELED);
    }
    c->destroying = true;
    /* curl_multi_cleanup reports CURL_POLL_REMOVE for every socket: polls close then. */
    curl_multi_cleanup(c->multi);
    free_headers(c);
    curl_slist_free_all(c->connect_to);
    core_free(c->user_agent);
    core_free(c->ca_file);
    curl_global_cleanup();
    uv_timer_stop(&c->timer);
    uv_close((uv_handle_t *)&c->timer, on_timer_closed);
}

size_t fetch_client_active(const struct fetch_client *c)
{
    return c->active;
}

uint64_t fetch_client_connects(const struct fetch_client *c)
{
    return c->connects;
}
