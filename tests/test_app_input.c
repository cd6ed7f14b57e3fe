/* tests/test_app_input.c: coroutine reads of input files (see app/orders/input.h): a regular file read
 * in chunks to its end, byte for byte; line counting with and without a final newline, which
 * leaves the read position alone; open errors; pipes (as stdin through "-" and by path) and
 * terminals (a pseudo-terminal) read as data arrives; a read waiting on an idle pipe ended by a
 * cancel or a deadline (on a terminal, by a cancel); and input_close closing each descriptor
 * once.
 *
 * The stdin tests point fd 0 at a pipe for the test's duration and restore it. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include "app/orders/input.h"
#include "core/coro.h"
#include "core/group.h"
#include "core/loop.h"
#include "tests/support/corotest.h"

#define BIG (3u * 65536u + 1234u)   /* spans several reads and line-count chunks */

/* --- helpers ----------------------------------------------------------------------------- */

/* Write len bytes to a new temporary file; its path goes to path (at least 64 bytes). */
static void write_temp(char *path, const char *data, size_t len)
{
    int fd;

    snprintf(path, 64, "/tmp/trawl-test-input-XXXXXX");
    fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, len), (ssize_t)len);
    assert_int_equal(close(fd), 0);
}

/* Deterministic bytes that include NULs, newlines and every other byte value. */
static char *pattern(size_t len)
{
    char *p = malloc(len ? len : 1);
    size_t i;

    assert_non_null(p);
    for (i = 0; i < len; i++)
        p[i] = (char)((i * 131u + i / 251u) & 0xff);
    return p;
}

/* Read in to its end in reads of at most cap bytes, appending to out (which has room for
 * max bytes). Returns the first error, or 0 with *total set; *reads counts the calls. */
static int read_to_end(struct core_coro *co, struct input *in, size_t cap, char *out,
                       size_t max, size_t *total, size_t *reads)
{
    size_t n;
    int rc;

    *total = 0;
    *reads = 0;
    for (;;) {
        if (*total + cap > max)
            return -EMSGSIZE;     /* more bytes than were written: a test failure */
        n = (size_t)-1;
        rc = input_read(co, in, out + *total, cap, &n);
        (*reads)++;
        if (rc < 0)
            return rc;
        if (n > cap)
            return -ERANGE;
        if (n == 0)
            return 0;
        *total += n;
    }
}

/* --- regular files ----------------------------------------------------------------------- */

struct file_read {
    const char *path;
    size_t len;          /* the file's size */
    size_t cap;          /* bytes per read */
    char *got;           /* len + cap bytes */
    size_t total;
    size_t reads;
    int rc;
    int rc_again;        /* one more read after the end */
    size_t n_again;
    bool is_file;
};

static int file_read_body(struct core_coro *co, void *arg)
{
    struct file_read *f = arg;
    struct input *in;
    int rc = input_open(core_coro_loop(co), f->path, &in);

    if (rc < 0)
        return rc;
    f->is_file = input_is_file(in);
    f->rc = read_to_end(co, in, f->cap, f->got, f->len + f->cap, &f->total, &f->reads);
    f->n_again = (size_t)-1;
    f->rc_again = input_read(co, in, f->got, f->cap, &f->n_again);
    input_close(in);
    return 0;
}

static void test_input_reads_file_in_chunks_to_end(void **state)
{
    static const struct {
        size_t len, cap;
    } cases[] = {
        {BIG, 4096},
        {BIG, 65536},
        {BIG, 7},          /* an odd size that never lines up */
        {BIG, BIG},        /* all at once */
        {BIG, BIG + 100},
        {10, 1},           /* a byte at a time */
        {1, 1},
        {0, 16},           /* empty: the first read is the end */
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct file_read f = {0};
        char path[64];
        char *data = pattern(cases[i].len);

        write_temp(path, data, cases[i].len);
        f.path = path;
        f.len = cases[i].len;
        f.cap = cases[i].cap;
        f.got = malloc(f.len + f.cap);
        assert_non_null(f.got);
        assert_int_equal(corotest_run(file_read_body, &f, COROTEST_WATCHDOG_MS), 0);
        unlink(path);
        assert_true(f.is_file);
        assert_int_equal(f.rc, 0);
        assert_int_equal(f.total, f.len);
        assert_memory_equal(f.got, data, f.len);
        /* at least ceil(len / cap) reads plus the one that saw the end */
        assert_true(f.reads >= (f.len + f.cap - 1) / f.cap + 1);
        assert_int_equal(f.rc_again, 0);                      /* the end stays the end */
        assert_int_equal(f.n_again, 0);
        free(f.got);
        free(data);
    }
}

/* --- line counts ------------------------------------------------------------------------- */

struct count {
    const char *path;
    size_t skip;          /* bytes to read before counting */
    unsigned long long lines;
    int rc;
    char first[16];       /* the bytes read after counting */
    size_t first_n;
    size_t rest;          /* and how many more to the end */
    int rest_rc;
};

static int count_body(struct core_coro *co, void *arg)
{
    struct count *c = arg;
    struct input *in;
    char buf[4096];
    size_t n, got = 0;
    int rc = input_open(core_coro_loop(co), c->path, &in);

    if (rc < 0)
        return rc;
    while (got < c->skip) {
        rc = input_read(co, in, buf, c->skip - got < sizeof(buf) ? c->skip - got : sizeof(buf),
                        &n);
        if (rc < 0 || n == 0)
            goto out;
        got += n;
    }
    c->lines = 12345;
    c->rc = input_count_lines(co, in, &c->lines);
    rc = input_read(co, in, c->first, sizeof(c->first), &c->first_n);
    if (rc < 0)
        goto out;
    c->rest = 0;
    do {
        c->rest_rc = input_read(co, in, buf, sizeof(buf), &n);
        c->rest += n;
    } while (c->rest_rc == 0 && n > 0);
out:
    input_close(in);
    return rc;
}

static unsigned long long count_lines_of(const char *data, size_t len)
{
    struct count c = {0};
    char path[64];

    write_temp(path, data, len);
    c.path = path;
    assert_int_equal(corotest_run(count_body, &c, COROTEST_WATCHDOG_MS), 0);
    unlink(path);
    assert_int_equal(c.rc, 0);
    return c.lines;
}

static void test_input_count_lines_with_and_without_final_newline(void **state)
{
    static const struct {
        const char *data;
        unsigned long long lines;
    } cases[] = {
        {"", 0},
        {"a", 1},               /* a final line without its newline counts */
        {"a\n", 1},
        {"a\nb", 2},
        {"a\nb\n", 2},
        {"\n", 1},
        {"\n\n\n", 3},          /* empty lines are lines */
        {"a\n\nb", 3},
        {"a\r\nb\r\n", 2},
        {"no newline at all but long enough to be more than a word", 1},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        unsigned long long got = count_lines_of(cases[i].data, strlen(cases[i].data));

        if (got != cases[i].lines)
            fail_msg("'%s': %llu lines, want %llu", cases[i].data, got, cases[i].lines);
    }
}

static void test_input_count_lines_across_chunks(void **state)
{
    /* 65536 is the counter's chunk: lines and the final newline land on either side of it */
    static const size_t sizes[] = {65535, 65536, 65537, 131072, BIG};
    size_t i, j;

    (void)state;
    for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        const size_t len = sizes[i];
        char *data = malloc(len);
        unsigned long long want = 0;

        assert_non_null(data);
        for (j = 0; j < len; j++) {
            data[j] = j % 10 == 9 ? '\n' : 'x';
            want += data[j] == '\n';
        }
        /* ending with a newline, then without one */
        data[len - 1] = '\n';
        want += len % 10 != 0;   /* the last byte was 'x' before */
        assert_int_equal(count_lines_of(data, len), want);
        data[len - 1] = 'x';
        assert_int_equal(count_lines_of(data, len), want);   /* one more unterminated line */
        free(data);
    }
}

static void test_input_count_lines_keeps_read_position(void **state)
{
    static const size_t skips[] = {0, 1, 10, 65536, BIG - 16};
    char *data = pattern(BIG);
    char path[64];
    unsigned long long want = 0;
    size_t i, j;

    (void)state;
    for (j = 0; j < BIG; j++)
        want += data[j] == '\n';
    if (data[BIG - 1] != '\n')
        want++;
    write_temp(path, data, BIG);
    for (i = 0; i < sizeof(skips) / sizeof(skips[0]); i++) {
        struct count c = {0};

        c.path = path;
        c.skip = skips[i];
        assert_int_equal(corotest_run(count_body, &c, COROTEST_WATCHDOG_MS), 0);
        assert_int_equal(c.rc, 0);
        assert_int_equal(c.lines, want);     /* the whole file, whatever was read already */
        /* reading goes on where it stopped */
        assert_int_equal(c.first_n, 16);
        assert_memory_equal(c.first, data + skips[i], 16);
        assert_int_equal(c.rest_rc, 0);
        assert_int_equal(skips[i] + c.first_n + c.rest, BIG);
    }
    unlink(path);
    free(data);
}

/* --- open errors ------------------------------------------------------------------------- */

struct open_case {
    const char *path;
    int rc;
    struct input *in;
};

static int open_body(struct core_coro *co, void *arg)
{
    struct open_case *o = arg;

    o->in = (struct input *)0x1;   /* written only on success */
    o->rc = input_open(core_coro_loop(co), o->path, &o->in);
    if (o->rc == 0)
        input_close(o->in);
    return 0;
}

static void test_input_open_errors(void **state)
{
    static const struct {
        const char *path;
        int rc;
    } cases[] = {
        {"/nonexistent/trawl/input.csv", -ENOENT},
        {"/tmp", -EISDIR},
        {"/", -EISDIR},
        {"", -ENOENT},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct open_case o = {cases[i].path, 0, NULL};

        assert_int_equal(corotest_run(open_body, &o, COROTEST_WATCHDOG_MS), 0);
        if (o.rc != cases[i].rc)
            fail_msg("'%s': %s, want %s", cases[i].path, core_strerror(o.rc),
                     core_strerror(cases[i].rc));
        assert_ptr_equal(o.in, (struct input *)0x1);
    }
}

/* --- pipes ------------------------------------------------------------------------------- */

/* A pipe whose write end the loop feeds from a timer, one chunk per tick, then closes, so
 * the reader waits for data that arrives while it is parked. */
struct feeder {
    int wfd;
    const char *data;
    size_t len;
    size_t off;
    size_t chunk;
    uv_timer_t timer;
    int err;
};

static void on_feeder_closed(uv_handle_t *h)
{
    (void)h;
}

static void on_feed(uv_timer_t *t)
{
    struct feeder *f = t->data;
    size_t n = f->len - f->off < f->chunk ? f->len - f->off : f->chunk;

    if (n > 0) {
        ssize_t w = write(f->wfd, f->data + f->off, n);

        if (w != (ssize_t)n)
            f->err = -EIO;
        f->off += n;
    }
    if (f->off == f->len || f->err) {
        close(f->wfd);
        f->wfd = -1;
        uv_timer_stop(t);
        uv_close((uv_handle_t *)t, on_feeder_closed);
    }
}

static int feeder_start(struct core_loop *loop, struct feeder *f)
{
    int rc = uv_timer_init(core_loop_uv(loop), &f->timer);

    if (rc < 0)
        return rc;
    f->timer.data = f;
    return uv_timer_start(&f->timer, on_feed, 1, 1);
}

struct pipe_read {
    const char *path;       /* "-" or a /dev/fd/N path */
    struct feeder feed;
    char got[8192];
    size_t total;
    size_t reads;
    int open_rc;
    int rc;
    bool is_file;
    int count_rc;
};

static int pipe_read_body(struct core_coro *co, void *arg)
{
    struct pipe_read *p = arg;
    struct input *in;
    unsigned long long lines = 99;

    p->open_rc = input_open(core_coro_loop(co), p->path, &in);
    if (p->open_rc < 0) {
        close(p->feed.wfd);
        return 0;
    }
    p->is_file = input_is_file(in);
    p->count_rc = input_count_lines(co, in, &lines);
    p->rc = feeder_start(core_coro_loop(co), &p->feed);
    if (p->rc == 0)
        p->rc = read_to_end(co, in, 100, p->got, sizeof(p->got), &p->total, &p->reads);
    input_close(in);
    return 0;
}

static void check_pipe_read(const struct pipe_read *p, const char *data, size_t len)
{
    assert_int_equal(p->open_rc, 0);
    assert_false(p->is_file);
    assert_int_equal(p->count_rc, -ESPIPE);   /* a pipe's lines cannot be counted ahead */
    assert_int_equal(p->feed.err, 0);
    assert_int_equal(p->rc, 0);
    assert_int_equal(p->total, len);
    assert_memory_equal(p->got, data, len);
}

/* Point stdin at the read end of a new pipe; returns the saved stdin and the write end. */
static void stdin_from_pipe(int *saved, int *wfd)
{
    int fds[2];

    assert_int_equal(pipe(fds), 0);
    *saved = dup(STDIN_FILENO);
    assert_true(*saved >= 0);
    assert_int_equal(dup2(fds[0], STDIN_FILENO), STDIN_FILENO);
    close(fds[0]);
    *wfd = fds[1];
}

static void stdin_restore(int saved)
{
    assert_int_equal(dup2(saved, STDIN_FILENO), STDIN_FILENO);
    close(saved);
}

static void test_input_reads_stdin_pipe_as_data_arrives(void **state)
{
    char *data = pattern(5000);
    struct pipe_read p = {0};
    int saved;

    (void)state;
    stdin_from_pipe(&saved, &p.feed.wfd);
    p.path = "-";
    p.feed.data = data;
    p.feed.len = 5000;
    p.feed.chunk = 333;    /* several chunks, each smaller than some reads, larger than others */
    assert_int_equal(corotest_run(pipe_read_body, &p, COROTEST_WATCHDOG_MS), 0);
    /* stdin is borrowed: still open after input_close */
    assert_true(fcntl(STDIN_FILENO, F_GETFD) >= 0);
    stdin_restore(saved);
    check_pipe_read(&p, data, 5000);
    assert_true(p.reads >= 5000 / 100 + 1);
    free(data);
}

static void test_input_reads_pipe_by_path(void **state)
{
    char *data = pattern(4000);
    struct pipe_read p = {0};
    char path[64];
    int fds[2];

    (void)state;
    assert_int_equal(pipe(fds), 0);
    snprintf(path, sizeof(path), "/dev/fd/%d", fds[0]);   /* opens the pipe again */
    p.path = path;
    p.feed.wfd = fds[1];
    p.feed.data = data;
    p.feed.len = 4000;
    p.feed.chunk = 4000;   /* all at once, then the end */
    assert_int_equal(corotest_run(pipe_read_body, &p, COROTEST_WATCHDOG_MS), 0);
    close(fds[0]);
    check_pipe_read(&p, data, 4000);
    free(data);
}

static void test_input_reads_empty_pipe(void **state)
{
    struct pipe_read p = {0};
    int saved;

    (void)state;
    stdin_from_pipe(&saved, &p.feed.wfd);
    p.path = "-";
    p.feed.data = "";
    p.feed.chunk = 1;      /* the feeder closes the write end at its first tick */
    assert_int_equal(corotest_run(pipe_read_body, &p, COROTEST_WATCHDOG_MS), 0);
    stdin_restore(saved);
    check_pipe_read(&p, "", 0);
    assert_int_equal(p.reads, 1);
}

/* A reader parked on an idle pipe (the write end open, nothing written), stopped from outside,
 * then a second read on the same input once data has come. */
struct idle {
    struct input *in;
    int wfd;
    int rc;
    bool done;
    size_t n;
    char buf[64];
};

static int wait_body(struct core_coro *co, void *arg)
{
    struct idle *w = arg;

    w->rc = input_read(co, w->in, w->buf, sizeof(w->buf), &w->n);
    w->done = true;
    return w->rc;
}

static int idle_cancel_body(struct core_coro *co, void *arg)
{
    struct idle *w = arg;
    struct core_group *g;
    struct core_coro *reader;
    int i, rc, result = 1;

    rc = input_open(core_coro_loop(co), "-", &w->in);
    if (rc < 0)
        return rc;
    rc = core_group_create(core_coro_loop(co), 0, &g);
    if (rc < 0)
        goto out_close;
    rc = core_group_spawn(g, wait_body, w, &reader);
    if (rc < 0)
        goto out_group;
    for (i = 0; i < 20 && rc == 0; i++)   /* let the reader start and park */
        rc = core_coro_yield(co);
    if (rc < 0 || w->done) {
        rc = -EPROTO;                   /* the read returned before the cancel: a failure */
        goto out_group;
    }
    core_coro_cancel(reader);
    /* a hang here becomes -ETIMEDOUT, well before the watchdog */
    rc = core_coro_join(co, reader, core_deadline_in(60000), &result);
    if (rc < 0)
        goto out_group;
    rc = result;
    /* the input still works: data written now is read by the next read */
    if (write(w->wfd, "after", 5) != 5) {
        rc = -EIO;
        goto out_group;
    }
    w->n = 0;
    w->rc = input_read(co, w->in, w->buf, sizeof(w->buf), &w->n);
out_group:
    core_group_destroy(g);
out_close:
    input_close(w->in);
    return rc;
}

static void test_input_cancel_read_on_idle_pipe(void **state)
{
    struct idle w = {0};
    int saved;

    (void)state;
    stdin_from_pipe(&saved, &w.wfd);
    assert_int_equal(corotest_run(idle_cancel_body, &w, COROTEST_WATCHDOG_MS), -ECANCELED);
    close(w.wfd);
    stdin_restore(saved);
    assert_true(w.done);
    assert_int_equal(w.rc, 0);
    assert_int_equal(w.n, 5);
    assert_memory_equal(w.buf, "after", 5);
}

static int idle_deadline_body(struct core_coro *co, void *arg)
{
    struct idle *w = arg;
    int rc = input_open(core_coro_loop(co), "-", &w->in);

    if (rc < 0)
        return rc;
    rc = core_wait_for(co, core_deadline_in(20), wait_body, w);
    if (rc == -ETIMEDOUT && write(w->wfd, "later", 5) == 5) {
        w->n = 0;
        w->rc = input_read(co, w->in, w->buf, sizeof(w->buf), &w->n);
    }
    input_close(w->in);
    return rc;
}

static void test_input_deadline_on_idle_pipe(void **state)
{
    struct idle w = {0};
    int saved;

    (void)state;
    stdin_from_pipe(&saved, &w.wfd);
    assert_int_equal(corotest_run(idle_deadline_body, &w, COROTEST_WATCHDOG_MS), -ETIMEDOUT);
    close(w.wfd);
    stdin_restore(saved);
    assert_int_equal(w.rc, 0);
    assert_int_equal(w.n, 5);
    assert_memory_equal(w.buf, "later", 5);
}

/* A terminal (here the slave side of a pseudo-terminal, which the test drives through the
 * master) is read through a uv_tty: a line typed arrives whole, and a read waiting for the
 * next line can be cancelled. */
struct term {
    const char *path;
    int master;
    int open_rc;
    bool is_file;
    int count_rc;
    int rc;
    size_t n;
    char buf[64];
    struct idle w;
    int cancel_rc;
    int result;
};

static int term_body(struct core_coro *co, void *arg)
{
    struct term *t = arg;
    struct core_group *g = NULL;
    struct core_coro *reader;
    unsigned long long lines;
    int i, rc;

    t->open_rc = input_open(core_coro_loop(co), t->path, &t->w.in);
    if (t->open_rc < 0)
        return 0;
    t->is_file = input_is_file(t->w.in);
    t->count_rc = input_count_lines(co, t->w.in, &lines);
    if (write(t->master, "hello tty\n", 10) != 10) {
        t->rc = -EIO;
        goto out_close;
    }
    t->rc = input_read(co, t->w.in, t->buf, sizeof(t->buf), &t->n);
    if (t->rc < 0)
        goto out_close;
    /* now nothing more is typed: a reader waits until cancelled */
    rc = core_group_create(core_coro_loop(co), 0, &g);
    if (rc == 0)
        rc = core_group_spawn(g, wait_body, &t->w, &reader);
    for (i = 0; i < 20 && rc == 0; i++)
        rc = core_coro_yield(co);
    if (rc == 0 && !t->w.done) {
        core_coro_cancel(reader);
        rc = core_coro_join(co, reader, core_deadline_in(10000), &t->result);
    }
    t->cancel_rc = rc;
    core_group_destroy(g);
out_close:
    input_close(t->w.in);
    return 0;
}

static void test_input_reads_terminal_and_cancels(void **state)
{
    struct term t = {0};
    const char *name;

    (void)state;
    t.master = posix_openpt(O_RDWR | O_NOCTTY);
    if (t.master < 0) {
        print_message("no pseudo-terminals here: %s\n", strerror(errno));
        skip();
    }
    assert_int_equal(grantpt(t.master), 0);
    assert_int_equal(unlockpt(t.master), 0);
    name = ptsname(t.master);
    assert_non_null(name);
    t.path = name;
    t.result = 1;
    assert_int_equal(corotest_run(term_body, &t, COROTEST_WATCHDOG_MS), 0);
    close(t.master);
    assert_int_equal(t.open_rc, 0);
    assert_false(t.is_file);
    assert_int_equal(t.count_rc, -ESPIPE);
    assert_int_equal(t.rc, 0);
    assert_int_equal(t.n, 10);
    assert_memory_equal(t.buf, "hello tty\n", 10);
    assert_int_equal(t.cancel_rc, 0);
    assert_true(t.w.done);                    /* the idle reader got no data, */
    assert_int_equal(t.w.rc, -ECANCELED);     /* only the cancel */
    assert_int_equal(t.result, -ECANCELED);
}

/* input_open on a pipe's or a terminal's path opens a descriptor of its own, which input_close
 * must close exactly once: a second close(2) of the same number would close whatever another
 * thread (the pool, curl's resolver) had been given under that number meanwhile. A close of a
 * number already closed fails with EBADF, which is what this test looks for in errno. */
struct close_once {
    const char *path;
    int ref;              /* the test's own descriptor of the same pipe or terminal */
    int fd;               /* the number input_open is given */
    bool same_file;
    int errno_after;
    int fcntl_after;
    int rc;
};

static int close_once_body(struct core_coro *co, void *arg)
{
    struct close_once *c = arg;
    struct input *in;
    struct stat a, b;

    /* the lowest free number, which the open in input_open will get */
    c->fd = dup(c->ref);
    if (c->fd < 0)
        return -errno;
    close(c->fd);
    c->rc = input_open(core_coro_loop(co), c->path, &in);
    if (c->rc < 0)
        return 0;
    c->same_file = fstat(c->fd, &a) == 0 && fstat(c->ref, &b) == 0 && a.st_ino == b.st_ino &&
                   a.st_dev == b.st_dev;
    errno = 0;
    input_close(in);
    c->errno_after = errno;
    c->fcntl_after = fcntl(c->fd, F_GETFD);
    return 0;
}

static void check_closed_once(const char *what, const char *path, int ref)
{
    struct close_once c = {0};

    c.path = path;
    c.ref = ref;
    assert_int_equal(corotest_run(close_once_body, &c, COROTEST_WATCHDOG_MS), 0);
    if (c.rc != 0)
        fail_msg("%s: open: %s", what, core_strerror(c.rc));
    if (!c.same_file)
        fail_msg("%s: input_open did not get descriptor %d", what, c.fd);
    if (c.fcntl_after != -1)
        fail_msg("%s: descriptor %d left open", what, c.fd);
    if (c.errno_after == EBADF)
        fail_msg("%s: descriptor %d closed twice", what, c.fd);
}

static void test_input_close_closes_descriptor_once(void **state)
{
    char path[64];
    int fds[2], master, slave;

    (void)state;
    assert_int_equal(pipe(fds), 0);
    snprintf(path, sizeof(path), "/dev/fd/%d", fds[0]);
    check_closed_once("pipe", path, fds[0]);
    close(fds[0]);
    close(fds[1]);

    master = posix_openpt(O_RDWR | O_NOCTTY);
    if (master < 0)
        return;   /* no pseudo-terminals here: the pipe was checked */
    assert_int_equal(grantpt(master), 0);
    assert_int_equal(unlockpt(master), 0);
    assert_non_null(ptsname(master));
    snprintf(path, sizeof(path), "%s", ptsname(master));
    slave = open(path, O_RDWR | O_NOCTTY);
    assert_true(slave >= 0);
    check_closed_once("terminal", path, slave);
    close(slave);
    close(master);
}

static void test_input_close_null_is_noop(void **state)
{
    (void)state;
    input_close(NULL);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_input_reads_file_in_chunks_to_end),
        cmocka_unit_test(test_input_count_lines_with_and_without_final_newline),
        cmocka_unit_test(test_input_count_lines_across_chunks),
        cmocka_unit_test(test_input_count_lines_keeps_read_position),
        cmocka_unit_test(test_input_open_errors),
        cmocka_unit_test(test_input_reads_stdin_pipe_as_data_arrives),
        cmocka_unit_test(test_input_reads_pipe_by_path),
        cmocka_unit_test(test_input_reads_empty_pipe),
        cmocka_unit_test(test_input_cancel_read_on_idle_pipe),
        cmocka_unit_test(test_input_deadline_on_idle_pipe),
        cmocka_unit_test(test_input_reads_terminal_and_cancels),
        cmocka_unit_test(test_input_close_closes_descriptor_once),
        cmocka_unit_test(test_input_close_null_is_noop),
    };

    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
