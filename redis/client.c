/* redis/client.c: a Redis client on the core loop (see client.h).
 *
 * One hiredis async context at a time, attached to the loop with an adapter of our own (below:
 * hiredis 0.14's libuv adapter ignores a poll error, so a refused connect or a reset connection
 * went unnoticed until some deadline). The
 * connection is a small state machine driven by one uv_timer: DOWN (the timer is the backoff
 * delay before the next attempt), CONNECTING (the timer is the connect-and-SELECT deadline)
 * and READY. Every command is a heap `struct req` handed to hiredis as its callback's
 * privdata; the waiting coroutine's batch (on its stack) points to its reqs and they back to
 * it, and a batch that stops waiting (deadline, cancel) detaches them, so a late reply only
 * frees its req. hiredis frees a context after its disconnect, and must not be freed from
 * inside its connect callback, so failures noticed inside hiredis callbacks are acted on from
 * the timer (armed for 0 ms). */
#include "redis/client.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include <hiredis/hiredis.h>
#include <hiredis/async.h>
#include <openssl/evp.h>

#include "core/coro.h"
#include "core/loop.h"
#include "core/mem.h"

enum { ST_DOWN, ST_CONNECTING, ST_READY, ST_CLOSED };

/* A coroutine waiting for the connection to come up. */
struct waiter {
    struct waiter *prev, *next;
    struct core_coro *co;
};

struct batch;

/* One command handed to hiredis; freed by its reply callback, which hiredis always calls. */
struct req {
    struct batch *b;            /* NULL once the caller stopped waiting */
    size_t i;                   /* index in the batch */
};

/* The commands of one call, on the calling coroutine's stack. */
struct batch {
    struct core_coro *co;
    struct redis_client *c;
    struct req **reqs;          /* [n]; an entry is NULLed when its reply arrives */
    struct redis_reply **replies; /* [n] */
    size_t n;
    size_t pending;
    int rc;                     /* first error */
    int64_t deadline;           /* ms, absolute */
};

struct redis_client {
    struct core_loop *loop;
    struct redis_url url;
    struct redis_opts opts;
    redisAsyncContext *ac;      /* the current context, or NULL */
    int state;                  /* ST_* */
    uv_timer_t timer;           /* backoff (DOWN) or connect deadline (CONNECTING) */
    int64_t down_since;         /* ms, absolute; -1 while READY */
    int64_t backoff;            /* ms, the next delay */
    uint64_t connects;
    struct waiter waiters;      /* list head */
    bool destroying;
    bool drop_now;              /* the timer is armed to drop a failed connection attempt */
    char last_error[256];       /* why the last connection failed or ended */
};

/* --- replies ---------------------------------------------------------------------------- */

void redis_reply_free(struct redis_reply *r)
{
    if (!r)
        return;
    redis_replies_free(r->element, r->elements);
    core_free(r->element);
    core_free(r->str);
    core_free(r);
}

void redis_replies_free(struct redis_reply **replies, size_t n)
{
    for (size_t i = 0; i < n; i++)
        redis_reply_free(replies[i]);
}

/* A copy of hiredis's reply in our memory (hiredis frees its own when the callback returns).
 * The depth is bounded by hiredis's reader (7 levels). NULL when out of memory. */
static struct redis_reply *copy_reply(const redisReply *src)
{
    struct redis_reply *r = core_calloc(1, sizeof(*r));

    if (!r)
        return NULL;
    r->type = src->type;
    r->integer = src->integer;
    if (src->type == REDIS_REPLY_STRING || src->type == REDIS_REPLY_STATUS ||
        src->type == REDIS_REPLY_ERROR) {
        r->str = core_strndup(src->str ? src->str : "", src->str ? src->len : 0);
        r->len = src->str ? src->len : 0;
        if (!r->str)
            goto out_free;
    }
    if (src->type == REDIS_REPLY_ARRAY && src->elements) {
        r->element = core_calloc(src->elements, sizeof(*r->element));
        if (!r->element)
            goto out_free;
        for (; r->elements < src->elements; r->elements++)
            if (!(r->element[r->elements] = copy_reply(src->element[r->elements])))
                goto out_free;
    }
    return r;

out_free:
    redis_reply_free(r);
    return NULL;
}

/* --- URL and options ---------------------------------------------------------------------- */

void redis_opts_init(struct redis_opts *o)
{
    o->cmd_timeout_ms = 10000;
    o->connect_timeout_ms = 5000;
    o->outage_timeout_ms = 60000;
    o->backoff_min_ms = 50;
    o->backoff_max_ms = 2000;
}

static bool is_digit(char ch)
{
    return ch >= '0' && ch <= '9';
}

/* Digits at *p as a number up to max; advances *p. false when none or too large. */
static bool parse_num(const char **p, long max, long *out)
{
    long v = 0;

    if (!is_digit(**p))
        return false;
    for (; is_digit(**p); (*p)++) {
        v = v * 10 + (**p - '0');
        if (v > max)
            return false;
    }
    *out = v;
    return true;
}

int redis_url_parse(const char *url, struct redis_url *out, const char **why)
{
    static const char scheme[] = "redis://";
    struct redis_url u;
    const char *p, *host, *end;
    const char *msg;
    long v;

    memset(&u, 0, sizeof(u));
    u.port = REDIS_DEFAULT_PORT;
    if (strncmp(url, scheme, sizeof(scheme) - 1) != 0) {
        msg = "the URL does not start with redis://";
        goto out_bad;
    }
    p = url + sizeof(scheme) - 1;
    if (strchr(p, '@')) {
        msg = "a user or password in the URL is not supported";
        goto out_bad;
    }
    if (*p == '[') {
        host = ++p;
        while (is_digit(*p) || (*p >= 'a' && *p <= 'f') || (*p >= 'A' && *p <= 'F') ||
               *p == ':' || *p == '.')
            p++;
        if (*p != ']') {
            msg = "an IPv6 address must be hex digits and colons inside [ ]";
            goto out_bad;
        }
        end = p++;
    } else {
        host = p;
        while (is_digit(*p) || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
               *p == '.' || *p == '-' || *p == '_')
            p++;
        end = p;
    }
    if (end == host) {
        msg = "the URL has no host";
        goto out_bad;
    }
    if ((size_t)(end - host) > REDIS_HOST_MAX) {
        msg = "the host name is too long";
        goto out_bad;
    }
    memcpy(u.host, host, (size_t)(end - host));
    if (*p == ':') {
        p++;
        if (!parse_num(&p, 65535, &v) || v == 0) {
            msg = "the port is not a number from 1 to 65535";
            goto out_bad;
        }
        u.port = (int)v;
    }
    if (*p == '/') {
        p++;
        if (*p) {
            if (!parse_num(&p, INT_MAX, &v)) {
                msg = "the database is not a number (redis://HOST:PORT/DB)";
                goto out_bad;
            }
            u.db = (int)v;
        }
    }
    if (*p) {
        msg = "unexpected characters after the host, port or database (redis://HOST:PORT/DB)";
        goto out_bad;
    }
    *out = u;
    return 0;

out_bad:
    if (why)
        *why = msg;
    return CORE_EPARSE;
}

/* --- the libuv adapter --------------------------------------------------------------------- */

/* One uv_poll for the context's socket. Freed in its close callback, after hiredis let go. */
struct uvev {
    redisAsyncContext *ac;      /* NULL once hiredis cleaned up */
    uv_poll_t poll;
    int events;                 /* UV_READABLE | UV_WRITABLE hiredis wants */
};

static void ev_poll(uv_poll_t *h, int status, int events)
{
    struct uvev *p = h->data;
    /* libuv reports POLLERR as an error status (and stops the poll): let hiredis read or write
     * as it wanted, so that it meets the socket's error and reports it (a refused connect, a
     * reset). hiredis 0.14's own adapter returned here, and the connection hung. */
    const int ev = status < 0 ? p->events : events;

    if (p->ac && (ev & UV_READABLE))
        redisAsyncHandleRead(p->ac);
    if (p->ac && (ev & UV_WRITABLE)) /* the read may have freed the context */
        redisAsyncHandleWrite(p->ac);
}

static void ev_update(struct uvev *p)
{
    if (p->events)
        uv_poll_start(&p->poll, p->events, ev_poll);
    else
        uv_poll_stop(&p->poll);
}

static void ev_add_read(void *arg)
{
    struct uvev *p = arg;

    p->events |= UV_READABLE;
    ev_update(p);
}

static void ev_del_read(void *arg)
{
    struct uvev *p = arg;

    p->events &= ~UV_READABLE;
    ev_update(p);
}

static void ev_add_write(void *arg)
{
    struct uvev *p = arg;

    p->events |= UV_WRITABLE;
    ev_update(p);
}

static void ev_del_write(void *arg)
{
    struct uvev *p = arg;

    p->events &= ~UV_WRITABLE;
    ev_update(p);
}

static void ev_closed(uv_handle_t *h)
{
    core_free(h->data);
}

/* hiredis frees the context: uv_close stops the poll at once (the fd is closed after this). */
static void ev_cleanup(void *arg)
{
    struct uvev *p = arg;

    p->ac = NULL;
    uv_close((uv_handle_t *)&p->poll, ev_closed);
}

static int ev_attach(redisAsyncContext *ac, uv_loop_t *loop)
{
    struct uvev *p = core_calloc(1, sizeof(*p));

    if (!p)
        return -ENOMEM;
    if (uv_poll_init_socket(loop, &p->poll, ac->c.fd) != 0) {
        core_free(p);
        return -EBADF;
    }
    p->poll.data = p;
    p->ac = ac;
    ac->ev.data = p;
    ac->ev.addRead = ev_add_read;
    ac->ev.delRead = ev_del_read;
    ac->ev.addWrite = ev_add_write;
    ac->ev.delWrite = ev_del_write;
    ac->ev.cleanup = ev_cleanup;
    return 0;
}

/* --- the connection ----------------------------------------------------------------------- */

static void on_timer(uv_timer_t *t);

static void waiters_wake(struct redis_client *c, int rc)
{
    while (c->waiters.next != &c->waiters) {
        struct waiter *w = c->waiters.next;

        w->prev->next = w->next;
        w->next->prev = w->prev;
        w->prev = w->next = w;
        core_coro_wake(w->co, rc);
    }
}

static void set_error(struct redis_client *c, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void set_error(struct redis_client *c, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(c->last_error, sizeof(c->last_error), fmt, ap);
    va_end(ap);
}

/* The context is gone (or never came up): wait, then try again. */
static void conn_lost(struct redis_client *c)
{
    int64_t delay = c->backoff;

    c->state = ST_DOWN;
    c->drop_now = false;
    if (c->down_since < 0)
        c->down_since = core_now_ms();
    if (c->destroying)
        return;
    c->backoff = c->backoff * 2 > c->opts.backoff_max_ms ? c->opts.backoff_max_ms : c->backoff * 2;
    uv_timer_start(&c->timer, on_timer, (uint64_t)(delay > 0 ? delay : 0), 0);
}

/* Drop a connection attempt from the timer, soon: a failure noticed inside a hiredis
 * callback, where the context must not be freed. */
static void drop_soon(struct redis_client *c)
{
    c->drop_now = true;
    uv_timer_start(&c->timer, on_timer, 0, 0);
}

/* Free the context (pending commands see a NULL reply) and go DOWN. Never from inside a
 * hiredis connect callback. */
static void drop(struct redis_client *c)
{
    redisAsyncContext *ac = c->ac;

    if (!ac)
        return;
    c->ac = NULL; /* the disconnect callback, run inside the free, sees a stale context */
    redisAsyncFree(ac);
    conn_lost(c);
}

static void on_select(redisAsyncContext *ac, void *reply, void *priv)
{
    struct redis_client *c = priv;
    const redisReply *r = reply;

    if (!r || ac != c->ac)
        return; /* the context is going away: its disconnect is handled elsewhere */
    if (r->type == REDIS_REPLY_ERROR) {
        set_error(c, "SELECT %d: %s", c->url.db, r->str);
        drop_soon(c);
        return;
    }
    uv_timer_stop(&c->timer);
    c->state = ST_READY;
    c->down_since = -1;
    c->backoff = c->opts.backoff_min_ms;
    c->connects++;
    waiters_wake(c, 0);
}

static void on_connect(const redisAsyncContext *ac, int status)
{
    struct redis_client *c = ac->data;

    if (ac != c->ac)
        return;
    if (status != REDIS_OK) {
        set_error(c, "connect: %s", ac->c.errstr);
        c->ac = NULL; /* hiredis frees it when this returns */
        conn_lost(c);
        return;
    }
    if (redisAsyncCommand(c->ac, on_select, c, "SELECT %d", c->url.db) != REDIS_OK) {
        set_error(c, "SELECT: out of memory");
        drop_soon(c);
    }
}

static void on_disconnect(const redisAsyncContext *ac, int status)
{
    struct redis_client *c = ac->data;

    if (ac != c->ac)
        return;
    if (status == REDIS_OK)
        set_error(c, "the connection was closed");
    else
        set_error(c, "the connection was lost: %s", ac->c.errstr);
    c->ac = NULL; /* hiredis frees it when this returns */
    conn_lost(c);
}

static void start_connect(struct redis_client *c)
{
    redisAsyncContext *ac = redisAsyncConnect(c->url.host, c->url.port);

    if (!ac) {
        set_error(c, "connect: out of memory");
        conn_lost(c);
        return;
    }
    if (ac->err) {
        set_error(c, "connect: %s", ac->c.errstr);
        redisAsyncFree(ac);
        conn_lost(c);
        return;
    }
    ac->data = c;
    if (ev_attach(ac, core_loop_uv(c->loop)) < 0) {
        set_error(c, "connect: cannot watch the socket");
        redisAsyncFree(ac);
        conn_lost(c);
        return;
    }
    redisAsyncSetConnectCallback(ac, on_connect);
    redisAsyncSetDisconnectCallback(ac, on_disconnect);
    c->ac = ac;
    c->state = ST_CONNECTING;
    if (c->opts.connect_timeout_ms >= 0)
        uv_timer_start(&c->timer, on_timer, (uint64_t)c->opts.connect_timeout_ms, 0);
}

static void on_timer(uv_timer_t *t)
{
    struct redis_client *c = t->data;

    if (c->state == ST_DOWN)
        start_connect(c);
    else if (c->state == ST_CONNECTING) {
        if (!c->drop_now)
            set_error(c, "connect and SELECT took longer than %lld ms",
                      (long long)c->opts.connect_timeout_ms);
        c->drop_now = false;
        drop(c);
    }
}

int redis_client_create(struct core_loop *loop, const char *url, const struct redis_opts *opts,
                        struct redis_client **out)
{
    struct redis_client *c;
    struct redis_url u;
    int rc;

    rc = redis_url_parse(url, &u, NULL);
    if (rc < 0)
        return rc;
    c = core_calloc(1, sizeof(*c));
    if (!c)
        return -ENOMEM;
    c->loop = loop;
    c->url = u;
    c->opts = *opts;
    if (c->opts.backoff_min_ms < 1)
        c->opts.backoff_min_ms = 1;
    if (c->opts.backoff_max_ms < c->opts.backoff_min_ms)
        c->opts.backoff_max_ms = c->opts.backoff_min_ms;
    c->backoff = c->opts.backoff_min_ms;
    c->down_since = core_now_ms();
    c->waiters.prev = c->waiters.next = &c->waiters;
    uv_timer_init(core_loop_uv(loop), &c->timer);
    c->timer.data = c;
    start_connect(c);
    *out = c;
    return 0;
}

static void on_timer_closed(uv_handle_t *h)
{
    core_free(h->data);
}

void redis_client_destroy(struct redis_client *c)
{
    redisAsyncContext *ac;

    if (!c)
        return;
    c->destroying = true;
    waiters_wake(c, -ECANCELED);
    ac = c->ac;
    c->ac = NULL;
    if (ac)
        redisAsyncFree(ac); /* waiting commands see -ECANCELED (on_reply) */
    c->state = ST_CLOSED;
    uv_timer_stop(&c->timer);
    uv_close((uv_handle_t *)&c->timer, on_timer_closed);
}

bool redis_client_is_connected(const struct redis_client *c)
{
    return c->state == ST_READY;
}

uint64_t redis_client_connects(const struct redis_client *c)
{
    return c->connects;
}

const char *redis_client_last_error(const struct redis_client *c)
{
    return c->last_error;
}

/* --- commands ----------------------------------------------------------------------------- */

static bool abort_wait(void *arg, int reason)
{
    struct waiter *w = arg;

    (void)reason;
    w->prev->next = w->next;
    w->next->prev = w->prev;
    w->prev = w->next = w;
    return true;
}

/* Wait until the connection is READY. 0, CORE_EOUTAGE, -ETIMEDOUT (an enclosing deadline)
 * or -ECANCELED. */
static int wait_ready(struct core_coro *co, struct redis_client *c)
{
    struct waiter w;
    int64_t deadline = -1;
    int rc;

    if (c->destroying)
        return -ECANCELED;
    if (c->opts.outage_timeout_ms >= 0) {
        deadline = c->down_since + c->opts.outage_timeout_ms;
        if (core_now_ms() >= deadline)
            return CORE_EOUTAGE;
    }
    w.co = co;
    w.prev = c->waiters.prev;
    w.next = &c->waiters;
    w.prev->next = &w;
    c->waiters.prev = &w;
    rc = core_coro_park(co, deadline, abort_wait, &w);
    if (rc == -ETIMEDOUT && deadline >= 0 && core_now_ms() >= deadline)
        rc = CORE_EOUTAGE;
    return rc;
}

static void batch_fail(struct batch *b, int rc)
{
    if (b->rc == 0)
        b->rc = rc;
}

static void on_reply(redisAsyncContext *ac, void *reply, void *priv)
{
    struct req *q = priv;
    struct batch *b = q->b;

    if (b) {
        const struct redis_client *c = ac->data;

        b->reqs[q->i] = NULL;
        if (!reply)
            batch_fail(b, c->destroying ? -ECANCELED : -ECONNRESET);
        else if (!(b->replies[q->i] = copy_reply(reply)))
            batch_fail(b, -ENOMEM);
        if (--b->pending == 0)
            core_coro_wake(b->co, 0);
    }
    core_free(q);
}

/* Stop waiting for b's replies: they will be thrown away as they come. */
static void batch_detach(struct batch *b)
{
    for (size_t i = 0; i < b->n; i++) {
        if (b->reqs[i]) {
            b->reqs[i]->b = NULL;
            b->reqs[i] = NULL;
        }
    }
}

static bool abort_batch(void *arg, int reason)
{
    struct batch *b = arg;

    batch_detach(b);
    /* Our own deadline passed: the server is too slow or gone, and the replies still due on
     * this connection could not be told apart from later ones. An enclosing deadline or a
     * cancel is the caller's business: the replies are just discarded. */
    if (reason == -ETIMEDOUT && core_now_ms() >= b->deadline) {
        set_error(b->c, "no reply within %lld ms", (long long)b->c->opts.cmd_timeout_ms);
        drop(b->c);
    }
    return true;
}

/* Send n formatted commands and wait for their replies (see redis_client_pipeline). */
static int run_batch(struct core_coro *co, struct redis_client *c, char *const *bufs,
                     const int *lens, size_t n, struct redis_reply **out)
{
    struct batch b;
    void *mem;
    int rc;

    if (n == 0)
        return 0;
    while (c->state != ST_READY) {
        rc = wait_ready(co, c);
        if (rc < 0)
            return rc;
    }
    memset(&b, 0, sizeof(b));
    mem = core_calloc(n, sizeof(*b.reqs) + sizeof(*b.replies));
    if (!mem)
        return -ENOMEM;
    b.reqs = mem;
    b.replies = (struct redis_reply **)(b.reqs + n);
    b.co = co;
    b.c = c;
    b.n = n;
    b.deadline = core_deadline_in(c->opts.cmd_timeout_ms);
    for (size_t i = 0; i < n; i++) {
        struct req *q = core_calloc(1, sizeof(*q));

        if (!q) {
            rc = -ENOMEM;
            goto out_detach;
        }
        q->b = &b;
        q->i = i;
        if (redisAsyncFormattedCommand(c->ac, on_reply, q, bufs[i], (size_t)lens[i]) != REDIS_OK) {
            core_free(q);
            rc = -ENOMEM;
            goto out_detach;
        }
        b.reqs[i] = q;
        b.pending++;
    }
    rc = core_coro_park(co, b.deadline, abort_batch, &b);
    if (rc == 0)
        rc = b.rc;
    if (rc < 0)
        goto out_free;
    memcpy(out, b.replies, n * sizeof(*out));
    core_free(mem);
    return 0;

out_detach:
    batch_detach(&b);
out_free:
    redis_replies_free(b.replies, n);
    core_free(mem);
    return rc;
}

int redis_client_pipeline(struct core_coro *co, struct redis_client *c,
                          const struct redis_cmd *cmds, size_t n, struct redis_reply **replies)
{
    char **bufs;
    int *lens;
    size_t i;
    int rc = 0;

    if (n == 0)
        return 0;
    bufs = core_calloc(n, sizeof(*bufs));
    lens = core_calloc(n, sizeof(*lens));
    if (!bufs || !lens) {
        rc = -ENOMEM;
        goto out_free;
    }
    for (i = 0; i < n; i++) {
        if (cmds[i].argc < 1) {
            rc = -EINVAL;
            goto out_free;
        }
        /* hiredis takes const char ** but only reads the strings */
        lens[i] = redisFormatCommandArgv(&bufs[i], cmds[i].argc,
                                         (const char **)(uintptr_t)cmds[i].argv, cmds[i].lens);
        if (lens[i] < 0) {
            bufs[i] = NULL;
            rc = -ENOMEM;
            goto out_free;
        }
    }
    rc = run_batch(co, c, bufs, lens, n, replies);

out_free:
    if (bufs)
        for (i = 0; i < n; i++)
            redisFreeCommand(bufs[i]);
    core_free(bufs);
    core_free(lens);
    return rc;
}

int redis_client_cmd(struct core_coro *co, struct redis_client *c, const struct redis_cmd *cmd,
                     struct redis_reply **out)
{
    return redis_client_pipeline(co, c, cmd, 1, out);
}

int redis_client_cmdf(struct core_coro *co, struct redis_client *c, struct redis_reply **out,
                      const char *fmt, ...)
{
    va_list ap;
    char *buf = NULL;
    int len, rc;

    va_start(ap, fmt);
    len = redisvFormatCommand(&buf, fmt, ap);
    va_end(ap);
    if (len < 0)
        return len == -1 ? -ENOMEM : -EINVAL;
    rc = run_batch(co, c, &buf, &len, 1, out);
    redisFreeCommand(buf);
    return rc;
}

/* --- Lua ---------------------------------------------------------------------------------- */

int redis_script_init(struct redis_script *s, const char *src)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;

    if (EVP_Digest(src, strlen(src), md, &len, EVP_sha1(), NULL) != 1 || len != 20)
        return -ENOMEM;
    s->src = src;
    for (unsigned int i = 0; i < len; i++) {
        s->sha[2 * i] = hex[md[i] >> 4];
        s->sha[2 * i + 1] = hex[md[i] & 15];
    }
    s->sha[40] = '\0';
    return 0;
}

int redis_client_eval(struct core_coro *co, struct redis_client *c, const struct redis_script *s,
                      int nkeys, const char *const *keys, int nargs, const char *const *args,
                      struct redis_reply **out)
{
    const char **argv;
    int rc;

    if (nkeys < 0 || nargs < 0)
        return -EINVAL;
    argv = core_calloc((size_t)nkeys + (size_t)nargs + 1, sizeof(*argv));
    if (!argv)
        return -ENOMEM;
    for (int i = 0; i < nkeys; i++)
        argv[i] = keys[i];
    for (int i = 0; i < nargs; i++)
        argv[nkeys + i] = args[i];
    rc = redis_client_evalv(co, c, s, nkeys, nargs, argv, NULL, out);
    core_free(argv);
    return rc;
}

int redis_client_evalv(struct core_coro *co, struct redis_client *c, const struct redis_script *s,
                       int nkeys, int nargs, const char *const *argv, const size_t *lens,
                       struct redis_reply **out)
{
    struct redis_cmd cmds[2];
    struct redis_reply *r, *rs[2];
    const char *load[3] = {"SCRIPT", "LOAD", s->src};
    const char **av;
    size_t *al = NULL;
    char num[16];
    int argc;
    int rc;

    if (nkeys < 0 || nargs < 0 || nkeys > INT_MAX - 3 - nargs)
        return -EINVAL;
    argc = 3 + nkeys + nargs;
    av = core_calloc((size_t)argc, sizeof(*av));
    if (!av)
        return -ENOMEM;
    if (lens) {
        al = core_calloc((size_t)argc, sizeof(*al));
        if (!al) {
            rc = -ENOMEM;
            goto out_free;
        }
    }
    snprintf(num, sizeof(num), "%d", nkeys);
    av[0] = "EVALSHA";
    av[1] = s->sha;
    av[2] = num;
    for (int i = 0; i < nkeys + nargs; i++)
        av[3 + i] = argv[i];
    if (al) {
        for (int i = 0; i < 3; i++)
            al[i] = strlen(av[i]);
        for (int i = 0; i < nkeys + nargs; i++)
            al[3 + i] = lens[i];
    }
    cmds[0] = (struct redis_cmd){3, load, NULL};
    cmds[1] = (struct redis_cmd){argc, av, al};
    rc = redis_client_cmd(co, c, &cmds[1], &r);
    if (rc < 0)
        goto out_free;
    if (r->type != REDIS_T_ERROR || strncmp(r->str, "NOSCRIPT", 8) != 0) {
        *out = r;
        goto out_free;
    }
    /* Not in the server's script cache (new, or the server restarted): load it and run it
     * in the same round trip. */
    redis_reply_free(r);
    rc = redis_client_pipeline(co, c, cmds, 2, rs);
    if (rc < 0)
        goto out_free;
    if (rs[0]->type == REDIS_T_ERROR) { /* the script does not compile: say why */
        *out = rs[0];
        redis_reply_free(rs[1]);
    } else {
        *out = rs[1];
        redis_reply_free(rs[0]);
    }

out_free:
    core_free(al);
    core_free(av);
    return rc;
}
