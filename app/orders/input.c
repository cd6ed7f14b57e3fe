/* app/orders/input.c: coroutine-friendly reads of files and of stdin (see input.h). */
#include "app/orders/input.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include "core/coro.h"
#include "core/loop.h"
#include "core/mem.h"
#include "core/offload.h"

struct input {
    int fd;
    bool is_stdin;
    bool is_file;
    bool eof;
    /* streams (pipes, terminals) */
    uv_stream_t *stream;        /* uv_pipe_t or uv_tty_t, or NULL */
    struct core_coro *waiter;
    char *buf;                  /* the waiting reader's buffer */
    size_t cap;
    size_t got;
    int err;
};

static void on_closed(uv_handle_t *h)
{
    core_free(h);
}

int input_open(struct core_loop *loop, const char *path, struct input **out)
{
    struct input *in = core_calloc(1, sizeof(*in));
    struct stat st;
    int rc;

    if (!in)
        return -ENOMEM;
    in->is_stdin = strcmp(path, "-") == 0;
    in->fd = in->is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
    if (in->fd < 0 || fstat(in->fd, &st) != 0) {
        rc = -errno;
        goto out_free;
    }
    if (S_ISDIR(st.st_mode)) {
        rc = -EISDIR;
        goto out_free;
    }
    in->is_file = S_ISREG(st.st_mode) || S_ISBLK(st.st_mode);
    if (!in->is_file) {
        uv_handle_type t = uv_guess_handle(in->fd);

        if (t == UV_TTY) {
            uv_tty_t *tty = core_malloc(sizeof(*tty));

            if (!tty || (rc = uv_tty_init(core_loop_uv(loop), tty, in->fd, 1)) < 0) {
                core_free(tty);
                rc = tty ? rc : -ENOMEM;
                goto out_free;
            }
            in->stream = (uv_stream_t *)tty;
        } else {
            uv_pipe_t *p = core_malloc(sizeof(*p));

            rc = p ? uv_pipe_init(core_loop_uv(loop), p, 0) : -ENOMEM;
            if (rc == 0)
                rc = uv_pipe_open(p, in->fd);
            if (rc < 0) {
                if (p && rc != -ENOMEM) {
                    /* an initialised handle must be closed, not just freed */
                    uv_close((uv_handle_t *)p, on_closed);
                } else {
                    core_free(p);
                }
                goto out_free;
            }
            in->stream = (uv_stream_t *)p;
        }
        in->stream->data = in;
    }
    *out = in;
    return 0;

out_free:
    if (in->fd >= 0 && !in->is_stdin)
        close(in->fd);
    core_free(in);
    return rc;
}

bool input_is_file(const struct input *in)
{
    return in->is_file;
}

/* --- regular files: read(2) on the pool ------------------------------------------------- */

struct pool_read {
    int fd;
    char *buf;
    size_t cap;
    ssize_t n;
    int err;
};

static int read_on_pool(void *arg)
{
    struct pool_read *r = arg;

    do
        r->n = read(r->fd, r->buf, r->cap);
    while (r->n < 0 && errno == EINTR);
    r->err = r->n < 0 ? -errno : 0;
    return r->err;
}

/* --- streams: uv_read_start, one buffer at a time --------------------------------------- */

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *b)
{
    struct input *in = h->data;

    (void)suggested;
    *b = uv_buf_init(in->buf, (unsigned)in->cap);
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
    struct input *in = s->data;

    (void)b;
    if (n == 0)
        return; /* EAGAIN: nothing this time */
    uv_read_stop(s);
    if (n == UV_EOF)
        in->eof = true;
    else if (n < 0)
        in->err = (int)n;
    else
        in->got = (size_t)n;
    if (in->waiter)
        core_coro_wake(in->waiter, 0);
}

static bool abort_read(void *arg, int reason)
{
    struct input *in = arg;

    (void)reason;
    uv_read_stop(in->stream);
    in->waiter = NULL;
    return true;
}

static int stream_read(struct core_coro *co, struct input *in, char *buf, size_t cap, size_t *n)
{
    int rc;

    if (in->eof) {
        *n = 0;
        return 0;
    }
    in->buf = buf;
    in->cap = cap;
    in->got = 0;
    in->err = 0;
    rc = uv_read_start(in->stream, on_alloc, on_read);
    if (rc < 0)
        return rc;
    in->waiter = co;
    rc = core_coro_park(co, -1, abort_read, in);
    in->waiter = NULL;
    if (rc < 0)
        return rc;
    if (in->err)
        return in->err;
    *n = in->got;
    return 0;
}

int input_read(struct core_coro *co, struct input *in, char *buf, size_t cap, size_t *n)
{
    struct pool_read r = {in->fd, buf, cap, 0, 0};
    int rc;

    if (in->stream)
        return stream_read(co, in, buf, cap, n);
    rc = core_offload(co, read_on_pool, &r, -1);
    if (rc < 0)
        return rc;
    *n = (size_t)r.n;
    return 0;
}

struct pool_count {
    int fd;
    unsigned long long lines;
    int err;
};

static int count_on_pool(void *arg)
{
    struct pool_count *c = arg;
    char buf[65536];
    char last = '\n';
    off_t off = 0;
    ssize_t n;

    while ((n = pread(c->fd, buf, sizeof(buf), off)) != 0) {
        const char *p = buf, *end;

        if (n < 0) {
            if (errno == EINTR)
                continue;
            return c->err = -errno;
        }
        off += n;
        end = buf + n;
        while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
            c->lines++;
            p++;
        }
        last = buf[n - 1];
    }
    if (last != '\n')
        c->lines++; /* a final line without its newline */
    return 0;
}

int input_count_lines(struct core_coro *co, struct input *in, unsigned long long *lines)
{
    struct pool_count c = {in->fd, 0, 0};
    int rc;

    if (!in->is_file)
        return -ESPIPE;
    rc = core_offload(co, count_on_pool, &c, -1);
    if (rc == 0)
        *lines = c.lines;
    return rc;
}

void input_close(struct input *in)
{
    uv_os_fd_t sfd = -1;

    if (!in)
        return;
    if (in->stream) {
        /* Closing a stream closes the descriptor it reads, unless that is 0-2: for a pipe it is
         * ours, for a terminal one that libuv opened again. Closing ours a second time could
         * close what another thread has just been given under the same number. */
        if (uv_fileno((uv_handle_t *)in->stream, &sfd) < 0)
            sfd = -1;
        uv_close((uv_handle_t *)in->stream, on_closed);
    }
    if (!in->is_stdin && !(sfd == in->fd && in->fd > STDERR_FILENO))
        close(in->fd);
    core_free(in);
}
