/* tools/httpd.c: scriptable HTTP/1.1 test server on its own thread (see httpd.h).
 *
 * One libuv loop on a private thread. Each connection parses requests one at a time (HTTP/1.1
 * responses go out in order), hands each to the handler, then carries out the response's
 * action; while a response is delayed or trickling, further requests wait in the buffer.
 *
 * A request's arrival time is the kernel's: the sockets have SO_TIMESTAMPNS, and before libuv
 * reads the first bytes of a request we peek at them for the time they were received. On
 * loopback that is the moment the client wrote them, however late this thread gets to run, so
 * gaps between arrivals are exactly what the client did (the server thread's own scheduling,
 * which a loaded machine delays at random, does not show). Without a stamp the time of reading
 * is used. */
#include "tools/httpd.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

struct logent {
    char *target;
    char *headers;
    char *body;
    size_t body_len;
    int64_t recv_ms;
    int64_t done_ms;
    uint64_t recv_seq;         /* the same two moments in the server's order of events */
    uint64_t done_seq;
};

struct conn;

struct httpd {
    uv_loop_t loop;
    uv_tcp_t listener;
    uv_async_t stop;
    uv_async_t release;
    bool released;             /* httpd_release was called (server thread) */
    uv_thread_t thread;
    uint16_t port;
    httpd_handler_fn *handler;
    void *arg;
    uv_mutex_t mu;             /* guards the log and events */
    uint64_t events;           /* requests read and responses done so far */
    struct logent *log;
    size_t nlog;
    size_t caplog;
    uint64_t nconns;
    struct conn *conns;        /* open connections, for stop */
};

struct conn {
    uv_tcp_t tcp;
    uv_timer_t timer;
    struct httpd *s;
    struct conn *next;
    struct conn *prev;
    uint64_t id;
    char *in;                  /* unparsed request bytes */
    size_t inlen;
    size_t incap;
    struct httpd_response out; /* response in progress */
    uint64_t out_log;          /* log entry of the request it answers */
    int64_t arrived_ms;        /* when the first byte of in arrived; -1: not known yet */
    size_t sent;
    bool busy;
    bool held;                 /* out waits for httpd_release */
    bool closing;
    int open_handles;
};

struct wreq {
    uv_write_t req;
    char *data;
};

/* --- helpers -------------------------------------------------------------------------------- */

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);

    if (!p)
        abort(); /* a test tool: running out of memory is fatal */
    return p;
}

static char *xstrndup(const char *s, size_t n)
{
    char *d = xmalloc(n + 1);

    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

void httpd_respond_raw(struct httpd_response *resp, const void *data, size_t len)
{
    free(resp->data);
    resp->data = xmalloc(len);
    memcpy(resp->data, data, len);
    resp->len = len;
}

static const char *reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 409: return "Conflict";
    case 422: return "Unprocessable Entity";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    default: return "Status";
    }
}

void httpd_respond(struct httpd_response *resp, int status, const char *content_type,
                   const char *extra_headers, const void *body, size_t len)
{
    char head[4096];
    int n = snprintf(head, sizeof(head), "HTTP/1.1 %d %s\r\n%s%s%s%sContent-Length: %zu\r\n\r\n",
                     status, reason(status), content_type ? "Content-Type: " : "",
                     content_type ? content_type : "", content_type ? "\r\n" : "",
                     extra_headers ? extra_headers : "", len);

    if (n < 0 || (size_t)n >= sizeof(head))
        abort();
    free(resp->data);
    resp->data = xmalloc((size_t)n + len);
    memcpy(resp->data, head, (size_t)n);
    if (len)
        memcpy(resp->data + n, body, len);
    resp->len = (size_t)n + len;
}

const char *httpd_header(const struct httpd_request *req, const char *name, char *buf,
                         size_t cap)
{
    size_t nl = strlen(name);
    const char *p = req->headers;

    while (p && *p) {
        const char *eol = strstr(p, "\r\n");

        if (!eol)
            break;
        if ((size_t)(eol - p) > nl && p[nl] == ':' && strncasecmp(p, name, nl) == 0) {
            const char *v = p + nl + 1;
            size_t vl;

            while (v < eol && (*v == ' ' || *v == '\t'))
                v++;
            vl = (size_t)(eol - v);
            if (vl >= cap)
                vl = cap - 1;
            memcpy(buf, v, vl);
            buf[vl] = '\0';
            return buf;
        }
        p = eol + 2;
    }
    return NULL;
}

/* --- connections ---------------------------------------------------------------------------- */

static void on_conn_closed(uv_handle_t *h)
{
    struct conn *c = h->data;

    if (--c->open_handles > 0)
        return;
    free(c->in);
    free(c->out.data);
    free(c);
}

static void conn_close(struct conn *c, bool reset)
{
    if (c->closing)
        return;
    c->closing = true;
    if (c->prev)
        c->prev->next = c->next;
    else
        c->s->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    uv_timer_stop(&c->timer);
    uv_close((uv_handle_t *)&c->timer, on_conn_closed);
    if (reset && uv_tcp_close_reset(&c->tcp, on_conn_closed) == 0)
        return;
    uv_close((uv_handle_t *)&c->tcp, on_conn_closed);
}

static void try_parse(struct conn *c);

static void on_written(uv_write_t *req, int status)
{
    struct wreq *w = (struct wreq *)req;

    (void)status;
    free(w->data);
    free(w);
}

static void send_bytes(struct conn *c, const char *data, size_t len)
{
    struct wreq *w;
    uv_buf_t b;

    if (c->closing || len == 0)
        return;
    w = xmalloc(sizeof(*w));
    w->data = xstrndup(data, len);
    b = uv_buf_init(w->data, (unsigned)len);
    if (uv_write(&w->req, (uv_stream_t *)&c->tcp, &b, 1, on_written) != 0) {
        free(w->data);
        free(w);
        conn_close(c, false);
    }
}

static int64_t now_ms(void)
{
    return (int64_t)(uv_hrtime() / 1000000u);
}

/* When the next unread byte on fd reached the kernel, in ms on uv_hrtime's clock; -1 when no
 * byte is waiting or it has no stamp. */
static int64_t arrival_of(int fd)
{
#ifdef SO_TIMESTAMPNS
    char byte, ctl[CMSG_SPACE(sizeof(struct timespec))];
    struct iovec iov = {&byte, 1};
    struct msghdr m;
    struct cmsghdr *h;
    struct timespec real, mono;

    memset(&m, 0, sizeof(m));
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = ctl;
    m.msg_controllen = sizeof(ctl);
    if (recvmsg(fd, &m, MSG_PEEK | MSG_DONTWAIT) <= 0)
        return -1;
    for (h = CMSG_FIRSTHDR(&m); h; h = CMSG_NXTHDR(&m, h)) {
        struct timespec ts;
        int64_t ns;

        if (h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_TIMESTAMPNS)
            continue;
        memcpy(&ts, CMSG_DATA(h), sizeof(ts));
        /* the stamp is on the real-time clock: move it to the monotonic one */
        clock_gettime(CLOCK_REALTIME, &real);
        clock_gettime(CLOCK_MONOTONIC, &mono);
        ns = ((int64_t)ts.tv_sec - real.tv_sec + mono.tv_sec) * 1000000000 +
             (ts.tv_nsec - real.tv_nsec + mono.tv_nsec);
        return ns / 1000000;
    }
#else
    (void)fd;
#endif
    return -1;
}

/* The response's last bytes go out now. Read before they are written, so that a request the
 * client sends once it has them never seems to arrive before this (arrivals are the kernel's
 * times, and this thread may be held up at any point). */
static void log_done(struct conn *c)
{
    uv_mutex_lock(&c->s->mu);
    if (c->out_log < c->s->nlog) {
        c->s->log[c->out_log].done_ms = now_ms();
        c->s->log[c->out_log].done_seq = ++c->s->events;
    }
    uv_mutex_unlock(&c->s->mu);
}

/* The response is fully handed to libuv: close or go on with the next request. */
static void response_done(struct conn *c)
{
    c->busy = false;
    free(c->out.data);
    c->out.data = NULL;
    if (c->out.close_after) {
        conn_close(c, false);
        return;
    }
    try_parse(c);
}

static void on_tick(uv_timer_t *t)
{
    struct conn *c = t->data;
    size_t n = c->out.len - c->sent;

    if (c->out.trickle_ms && n > c->out.trickle_bytes)
        n = c->out.trickle_bytes ? c->out.trickle_bytes : 1;
    if (c->out.action == HTTPD_RESET_MIDWAY) {
        send_bytes(c, c->out.data, c->out.len / 2);
        conn_close(c, true);
        return;
    }
    if (c->sent + n == c->out.len)
        log_done(c);
    send_bytes(c, c->out.data + c->sent, n);
    c->sent += n;
    if (c->sent < c->out.len) {
        uv_timer_start(&c->timer, on_tick, c->out.trickle_ms, 0);
        return;
    }
    response_done(c);
}

static void act(struct conn *c)
{
    if (c->out.hold && !c->s->released) {
        c->held = true;
        return;
    }
    switch (c->out.action) {
    case HTTPD_CLOSE:
        conn_close(c, false);
        return;
    case HTTPD_RESET:
        conn_close(c, true);
        return;
    case HTTPD_HANG:
        return; /* busy forever: nothing more is parsed or sent */
    case HTTPD_REPLY:
    case HTTPD_RESET_MIDWAY:
        break;
    }
    c->sent = 0;
    if (c->out.delay_ms || c->out.trickle_ms)
        uv_timer_start(&c->timer, on_tick, c->out.delay_ms, 0);
    else
        on_tick(&c->timer);
}

static int64_t now_ms(void);

static void log_request(struct httpd *s, const struct httpd_request *r, int64_t arrived_ms)
{
    struct logent *e;

    uv_mutex_lock(&s->mu);
    if (s->nlog == s->caplog) {
        s->caplog = s->caplog ? s->caplog * 2 : 64;
        s->log = realloc(s->log, s->caplog * sizeof(*s->log));
        if (!s->log)
            abort();
    }
    e = &s->log[s->nlog++];
    e->target = strdup(r->target);
    e->headers = strdup(r->headers);
    e->body = xstrndup(r->body, r->body_len);
    e->body_len = r->body_len;
    e->recv_ms = arrived_ms >= 0 ? arrived_ms : now_ms();
    e->done_ms = 0;
    e->recv_seq = ++s->events;
    e->done_seq = 0;
    uv_mutex_unlock(&s->mu);
}

/* Parse one complete request from c->in, if there is one, and answer it. */
static void try_parse(struct conn *c)
{
    char *end, *sp1, *sp2, *hdrs, cl[32];
    struct httpd_request r;
    size_t head_len, body_len = 0, total;

    if (c->busy || c->closing)
        return;
    end = c->inlen >= 4 ? memmem(c->in, c->inlen, "\r\n\r\n", 4) : NULL;
    if (!end)
        return;
    head_len = (size_t)(end - c->in) + 4;
    *end = '\0';
    sp1 = strchr(c->in, ' ');
    sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
    hdrs = strstr(c->in, "\r\n");
    if (!sp1 || !sp2 || !hdrs || sp2 > hdrs) {
        conn_close(c, false);
        return;
    }
    *sp1 = '\0';
    *sp2 = '\0';
    memset(&r, 0, sizeof(r));
    r.method = c->in;
    r.target = sp1 + 1;
    r.headers = hdrs + 2;
    *end = '\r'; /* headers keep their final \r\n */
    end[2] = '\0';
    if (httpd_header(&r, "Content-Length", cl, sizeof(cl)))
        body_len = (size_t)strtoul(cl, NULL, 10);
    total = head_len + body_len;
    if (c->inlen < total) {
        /* wait for the body: undo the in-place edits */
        *sp1 = ' ';
        *sp2 = ' ';
        end[2] = '\r';
        return;
    }
    r.body = c->in + head_len;
    r.body_len = body_len;
    r.conn = c->id;
    uv_mutex_lock(&c->s->mu);
    r.seq = c->s->nlog;
    uv_mutex_unlock(&c->s->mu);
    log_request(c->s, &r, c->arrived_ms);
    c->out_log = r.seq;
    memset(&c->out, 0, sizeof(c->out));
    c->s->handler(&r, &c->out, c->s->arg);
    memmove(c->in, c->in + total, c->inlen - total);
    c->inlen -= total;
    /* bytes left over (a pipelined request) arrived at a time we no longer know */
    c->arrived_ms = -1;
    c->busy = true;
    act(c);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    struct conn *c = h->data;
    uv_os_fd_t fd;

    /* libuv reads right after this: the bytes that start the next request are still there */
    if (c->inlen == 0 && c->arrived_ms < 0 && uv_fileno(h, &fd) == 0)
        c->arrived_ms = arrival_of(fd);

    if (c->incap - c->inlen < suggested) {
        c->incap = c->inlen + suggested;
        c->in = realloc(c->in, c->incap + 1);
        if (!c->in)
            abort();
    }
    *buf = uv_buf_init(c->in + c->inlen, (unsigned)(c->incap - c->inlen));
}

static void on_read(uv_stream_t *st, ssize_t n, const uv_buf_t *buf)
{
    struct conn *c = st->data;

    (void)buf;
    if (n < 0) {
        conn_close(c, false);
        return;
    }
    c->inlen += (size_t)n;
    try_parse(c);
}

static void on_connection(uv_stream_t *server, int status)
{
    struct httpd *s = server->data;
    struct conn *c;

    if (status < 0)
        return;
    c = calloc(1, sizeof(*c));
    if (!c)
        abort();
    c->s = s;
    c->id = s->nconns++;
    c->arrived_ms = -1;
    uv_tcp_init(&s->loop, &c->tcp);
    uv_timer_init(&s->loop, &c->timer);
    c->tcp.data = c;
    c->timer.data = c;
    c->open_handles = 2;
    c->next = s->conns;
    if (s->conns)
        s->conns->prev = c;
    s->conns = c;
    if (uv_accept(server, (uv_stream_t *)&c->tcp) != 0 ||
        uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) != 0)
        conn_close(c, false);
}

/* --- server --------------------------------------------------------------------------------- */

static void on_stop(uv_async_t *a)
{
    struct httpd *s = a->data;

    while (s->conns)
        conn_close(s->conns, false);
    uv_close((uv_handle_t *)&s->listener, NULL);
    uv_close((uv_handle_t *)&s->stop, NULL);
    uv_close((uv_handle_t *)&s->release, NULL);
}

static void on_release(uv_async_t *a)
{
    struct httpd *s = a->data;
    struct conn *c, *next;

    s->released = true;
    for (c = s->conns; c; c = next) {
        next = c->next; /* act may close c */
        if (c->held) {
            c->held = false;
            act(c);
        }
    }
}

static void run_thread(void *arg)
{
    struct httpd *s = arg;

    uv_run(&s->loop, UV_RUN_DEFAULT);
}

int httpd_start(uint16_t port, httpd_handler_fn *handler, void *arg, struct httpd **out)
{
    struct httpd *s = calloc(1, sizeof(*s));
    struct sockaddr_in addr;
    struct sockaddr_storage bound;
    int rc, len = sizeof(bound), on = 1;
    uv_os_fd_t fd;

    if (!s)
        return -ENOMEM;
    s->handler = handler;
    s->arg = arg;
    uv_mutex_init(&s->mu);
    uv_loop_init(&s->loop);
    uv_tcp_init(&s->loop, &s->listener);
    uv_async_init(&s->loop, &s->stop, on_stop);
    uv_async_init(&s->loop, &s->release, on_release);
    s->listener.data = s;
    s->stop.data = s;
    s->release.data = s;
    uv_ip4_addr("127.0.0.1", port, &addr);
    rc = uv_tcp_bind(&s->listener, (const struct sockaddr *)&addr, 0);
#ifdef SO_TIMESTAMPNS
    /* accepted sockets inherit it: arrival times are the kernel's (see the top) */
    if (rc == 0 && uv_fileno((uv_handle_t *)&s->listener, &fd) == 0)
        setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on));
#else
    (void)fd;
    (void)on;
#endif
    if (rc == 0)
        rc = uv_listen((uv_stream_t *)&s->listener, 512, on_connection);
    if (rc == 0)
        rc = uv_tcp_getsockname(&s->listener, (struct sockaddr *)&bound, &len);
    if (rc == 0) {
        s->port = ntohs(((struct sockaddr_in *)&bound)->sin_port);
        /* before the thread starts: its handlers may read *out (the caller's copy of s) */
        *out = s;
        rc = uv_thread_create(&s->thread, run_thread, s);
        if (rc != 0)
            *out = NULL;
    }
    if (rc != 0) {
        uv_close((uv_handle_t *)&s->listener, NULL);
        uv_close((uv_handle_t *)&s->stop, NULL);
        uv_close((uv_handle_t *)&s->release, NULL);
        uv_run(&s->loop, UV_RUN_DEFAULT);
        uv_loop_close(&s->loop);
        uv_mutex_destroy(&s->mu);
        free(s);
        return rc;
    }
    return 0;
}

void httpd_stop(struct httpd *s)
{
    size_t i;

    if (!s)
        return;
    uv_async_send(&s->stop);
    uv_thread_join(&s->thread);
    uv_loop_close(&s->loop);
    for (i = 0; i < s->nlog; i++) {
        free(s->log[i].target);
        free(s->log[i].headers);
        free(s->log[i].body);
    }
    free(s->log);
    uv_mutex_destroy(&s->mu);
    free(s);
}

void httpd_release(struct httpd *s)
{
    uv_async_send(&s->release);
}

uint16_t httpd_port(const struct httpd *s)
{
    return s->port;
}

char *httpd_url(const struct httpd *s, const char *path, char *buf, size_t cap)
{
    snprintf(buf, cap, "http://127.0.0.1:%u%s", (unsigned)s->port, path);
    return buf;
}

uint64_t httpd_requests(struct httpd *s)
{
    uint64_t n;

    uv_mutex_lock(&s->mu);
    n = s->nlog;
    uv_mutex_unlock(&s->mu);
    return n;
}

uint64_t httpd_hits(struct httpd *s, const char *target)
{
    uint64_t n = 0;
    size_t i;

    uv_mutex_lock(&s->mu);
    for (i = 0; i < s->nlog; i++)
        n += strcmp(s->log[i].target, target) == 0;
    uv_mutex_unlock(&s->mu);
    return n;
}

char *httpd_log_target(struct httpd *s, uint64_t i)
{
    char *t = NULL;

    uv_mutex_lock(&s->mu);
    if (i < s->nlog)
        t = strdup(s->log[i].target);
    uv_mutex_unlock(&s->mu);
    return t;
}

char *httpd_log_header(struct httpd *s, uint64_t i, const char *name)
{
    char buf[8192], *v = NULL;

    uv_mutex_lock(&s->mu);
    if (i < s->nlog) {
        struct httpd_request r;

        memset(&r, 0, sizeof(r));
        r.headers = s->log[i].headers;
        if (httpd_header(&r, name, buf, sizeof(buf)))
            v = strdup(buf);
    }
    uv_mutex_unlock(&s->mu);
    return v;
}

int httpd_log_order(struct httpd *s, uint64_t i, uint64_t *recv_seq, uint64_t *done_seq)
{
    int rc = -1;

    uv_mutex_lock(&s->mu);
    if (i < s->nlog) {
        *recv_seq = s->log[i].recv_seq;
        *done_seq = s->log[i].done_seq;
        rc = 0;
    }
    uv_mutex_unlock(&s->mu);
    return rc;
}

int httpd_log_times(struct httpd *s, uint64_t i, int64_t *recv_ms, int64_t *done_ms)
{
    int rc = -1;

    uv_mutex_lock(&s->mu);
    if (i < s->nlog) {
        *recv_ms = s->log[i].recv_ms;
        *done_ms = s->log[i].done_ms;
        rc = 0;
    }
    uv_mutex_unlock(&s->mu);
    return rc;
}

char *httpd_log_body(struct httpd *s, uint64_t i, size_t *len)
{
    char *b = NULL;

    uv_mutex_lock(&s->mu);
    if (i < s->nlog) {
        b = xstrndup(s->log[i].body, s->log[i].body_len);
        *len = s->log[i].body_len;
    }
    uv_mutex_unlock(&s->mu);
    return b;
}

/* --- static files --------------------------------------------------------------------------- */

static const char *mime(const char *path)
{
    const char *dot = strrchr(path, '.');

    if (!dot)
        return "application/octet-stream";
    if (strcmp(dot, ".html") == 0 || strcmp(dot, ".htm") == 0)
        return "text/html; charset=utf-8";
    if (strcmp(dot, ".txt") == 0)
        return "text/plain; charset=utf-8";
    if (strcmp(dot, ".css") == 0)
        return "text/css";
    if (strcmp(dot, ".xml") == 0)
        return "application/xml";
    if (strcmp(dot, ".png") == 0)
        return "image/png";
    return "application/octet-stream";
}

void httpd_serve_dir(const struct httpd_request *req, struct httpd_response *resp, void *arg)
{
    const char *root = arg;
    char path[4096], *q;
    struct stat st;
    char *body;
    int fd, n;

    if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
        httpd_respond(resp, 405, "text/plain", NULL, "method\n", 7);
        return;
    }
    n = snprintf(path, sizeof(path), "%s%s%s", root, req->target,
                 req->target[strlen(req->target) - 1] == '/' ? "index.html" : "");
    if ((q = strchr(path + strlen(root), '?')) != NULL)
        *q = '\0';
    if (n < 0 || (size_t)n >= sizeof(path) || strstr(req->target, "..") ||
        stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
        httpd_respond(resp, 404, "text/html", NULL, "<h1>not found</h1>", 18);
        return;
    }
    fd = open(path, O_RDONLY);
    body = xmalloc((size_t)st.st_size);
    if (fd < 0 || read(fd, body, (size_t)st.st_size) != st.st_size) {
        httpd_respond(resp, 500, "text/plain", NULL, "read\n", 5);
    } else {
        httpd_respond(resp, 200, mime(path), NULL, body, (size_t)st.st_size);
    }
    if (fd >= 0)
        close(fd);
    free(body);
}
