/* tests/test_app_outfile.c: output files: read-back, errors at open, pipes (EPIPE, partial
 * writes, EINTR), a failed write cut back to whole records, and kill -9 mid-stream. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "app/export/outfile.h"
#include "core/buf.h"
#include "tests/support/corotest.h"

struct fixture {
    char dir[64];    /* a fresh directory under /tmp, removed at teardown */
    char path[128];  /* scratch path inside it */
};

static int setup(void **state)
{
    static struct fixture fx;

    snprintf(fx.dir, sizeof(fx.dir), "/tmp/trawl-outfile-XXXXXX");
    if (!mkdtemp(fx.dir) || chmod(fx.dir, 0755) < 0)
        return -1;
    *state = &fx;
    return 0;
}

static int teardown(void **state)
{
    const struct fixture *fx = *state;
    char cmd[128];

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->dir);
    return system(cmd) == 0 ? 0 : -1;
}

static const char *in_dir(struct fixture *fx, const char *name)
{
    snprintf(fx->path, sizeof(fx->path), "%s/%s", fx->dir, name);
    return fx->path;
}

/* The whole content of path. */
static void slurp(const char *path, struct core_buf *b)
{
    char chunk[4096];
    ssize_t n;
    int fd = open(path, O_RDONLY);

    assert_true(fd >= 0);
    core_buf_reset(b);
    assert_int_equal(core_buf_append(b, "", 0), 0);
    while ((n = read(fd, chunk, sizeof(chunk))) > 0)
        assert_int_equal(core_buf_append(b, chunk, (size_t)n), 0);
    assert_int_equal(n, 0);
    close(fd);
}

static void test_outfile_write_close_read_back(void **state)
{
    struct fixture *fx = *state;
    const char *path = in_dir(fx, "out.jsonl");
    struct app_outfile *f = NULL;
    struct core_buf b;
    FILE *old;

    core_buf_init(&b, 1 << 20);
    old = fopen(path, "w");   /* an older, longer file is truncated at open */
    assert_non_null(old);
    fputs("stale stale stale stale stale stale stale stale\n", old);
    fclose(old);
    assert_int_equal(app_outfile_open(path, &f), 0);
    assert_string_equal(app_outfile_path(f), path);
    slurp(path, &b);
    assert_int_equal(b.len, 0);
    assert_int_equal(app_outfile_write(f, "{\"a\":1}\n", 8), 0);
    slurp(path, &b);                                      /* in the file at once */
    assert_string_equal(b.data, "{\"a\":1}\n");
    assert_int_equal(app_outfile_write(f, "", 0), 0);
    assert_int_equal(app_outfile_write(f, "{\"b\":2}\n", 8), 0);
    assert_int_equal(app_outfile_close(f), 0);
    slurp(path, &b);
    assert_string_equal(b.data, "{\"a\":1}\n{\"b\":2}\n");
    assert_int_equal(app_outfile_close(NULL), 0);
    core_buf_free(&b);
}

static void test_outfile_unwritable_path_fails_at_open(void **state)
{
    struct fixture *fx = *state;
    struct app_outfile *f = (struct app_outfile *)0x1;
    char ro[128];
    pid_t pid;
    int status, fd;

    assert_int_equal(app_outfile_open(in_dir(fx, "missing/out.csv"), &f), -ENOENT);
    assert_ptr_equal(f, (struct app_outfile *)0x1);      /* *out untouched on failure */
    assert_true(strlen(core_strerror(-ENOENT)) > 0);
    fd = open(in_dir(fx, "plain"), O_WRONLY | O_CREAT, 0644);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(app_outfile_open(in_dir(fx, "plain/out.csv"), &f), -ENOTDIR);

    /* a directory we may not write to: -EACCES, and no file appears. Root may write anywhere,
     * so the attempt runs in a child that drops to nobody first. */
    snprintf(ro, sizeof(ro), "%s/ro", fx->dir);
    assert_int_equal(mkdir(ro, 0555), 0);
    assert_int_equal(chmod(ro, 0555), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct app_outfile *g;
        int rc;

        if (geteuid() == 0 && (setgid(65534) < 0 || setuid(65534) < 0))
            _exit(2);
        rc = app_outfile_open(in_dir(fx, "ro/out.csv"), &g);
        _exit(rc == -EACCES ? 0 : 1);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_int_equal(access(in_dir(fx, "ro/out.csv"), F_OK), -1);
    assert_int_equal(errno, ENOENT);
}

static void test_outfile_directory_is_eisdir(void **state)
{
    struct fixture *fx = *state;
    struct app_outfile *f;
    char slash[80];

    assert_int_equal(app_outfile_open(fx->dir, &f), -EISDIR);
    snprintf(slash, sizeof(slash), "%s/", fx->dir);
    assert_int_equal(app_outfile_open(slash, &f), -EISDIR);
}

static void test_outfile_dev_full_is_enospc_and_sticky(void **state)
{
    struct app_outfile *f;

    (void)state;
    assert_int_equal(app_outfile_open("/dev/full", &f), 0);
    assert_int_equal(app_outfile_write(f, "x\n", 2), -ENOSPC);
    assert_int_equal(app_outfile_write(f, "y\n", 2), -ENOSPC);
    assert_int_equal(app_outfile_close(f), -ENOSPC);
}

/* Ignore SIGPIPE for the test, as trawl's main does; returns the previous action. */
static struct sigaction ignore_sigpipe(void)
{
    struct sigaction ign, old;

    memset(&ign, 0, sizeof(ign));
    ign.sa_handler = SIG_IGN;
    sigemptyset(&ign.sa_mask);
    sigaction(SIGPIPE, &ign, &old);
    return old;
}

static void test_outfile_pipe_reader_gone_is_epipe(void **state)
{
    struct sigaction old = ignore_sigpipe();
    struct app_outfile *f;
    char path[32], got[8];
    int p[2];

    (void)state;
    assert_int_equal(pipe(p), 0);
    snprintf(path, sizeof(path), "/dev/fd/%d", p[1]);
    assert_int_equal(app_outfile_open(path, &f), 0);
    close(p[1]);                                          /* the outfile has its own */
    assert_int_equal(app_outfile_write(f, "ok\n", 3), 0);
    assert_int_equal(read(p[0], got, sizeof(got)), 3);
    close(p[0]);
    assert_int_equal(app_outfile_write(f, "lost\n", 5), -EPIPE);
    assert_int_equal(app_outfile_write(f, "lost\n", 5), -EPIPE);
    assert_int_equal(app_outfile_close(f), -EPIPE);
    sigaction(SIGPIPE, &old, NULL);
}

/* Run fn with fd 1 replaced by fd, then put stdout back. */
static void with_stdout(int fd, void (*fn)(void *), void *arg)
{
    int saved;

    fflush(stdout);
    saved = dup(STDOUT_FILENO);
    assert_true(saved >= 0);
    assert_int_equal(dup2(fd, STDOUT_FILENO), STDOUT_FILENO);
    fn(arg);
    assert_int_equal(dup2(saved, STDOUT_FILENO), STDOUT_FILENO);
    close(saved);
}

static void stdout_pipe_body(void *arg)
{
    const int *rd = arg;
    struct app_outfile *f;
    char got[8];

    assert_int_equal(app_outfile_open("-", &f), 0);
    assert_string_equal(app_outfile_path(f), "-");
    assert_int_equal(app_outfile_write(f, "rec\n", 4), 0);
    assert_int_equal(read(*rd, got, sizeof(got)), 4);
    assert_memory_equal(got, "rec\n", 4);
    close(*rd);
    assert_int_equal(app_outfile_write(f, "rec\n", 4), -EPIPE);
    assert_int_equal(app_outfile_close(f), -EPIPE);
    assert_true(fcntl(STDOUT_FILENO, F_GETFD) >= 0);      /* stdout itself stays open */
}

static void bad_stdout_body(void *arg)
{
    struct app_outfile *f;

    (void)arg;
    assert_int_equal(app_outfile_open("-", &f), -EBADF);
}

static void test_outfile_stdout_pipe_and_bad_stdout(void **state)
{
    struct sigaction old = ignore_sigpipe();
    int p[2], rdonly;

    (void)state;
    assert_int_equal(pipe(p), 0);
    with_stdout(p[1], stdout_pipe_body, &p[0]);
    close(p[1]);
    rdonly = open("/dev/null", O_RDONLY);                 /* a stdout we cannot write to */
    assert_true(rdonly >= 0);
    with_stdout(rdonly, bad_stdout_body, NULL);
    close(rdonly);
    sigaction(SIGPIPE, &old, NULL);
}

/* ---- partial writes ------------------------------------------------------------------------ */

enum { BIG = 1 << 20 };

struct slow_reader {
    int fd;
    size_t chunk;           /* bytes per read */
    pthread_t poke;         /* thread to send SIGUSR1 after each read, if poke_it */
    bool poke_it;
    struct core_buf got;
};

static void *slow_reader_main(void *arg)
{
    struct slow_reader *r = arg;
    const struct timespec pause = {0, 20000};            /* 20 us */
    char buf[4096];
    ssize_t n;

    while (r->got.len < BIG) {
        n = read(r->fd, buf, r->chunk);
        if (n <= 0)
            break;
        if (core_buf_append(&r->got, buf, (size_t)n) < 0)
            break;
        if (r->poke_it && r->got.len < BIG)
            pthread_kill(r->poke, SIGUSR1);
        nanosleep(&pause, NULL);
    }
    return NULL;
}

static char *big_record(void)
{
    static char rec[BIG];
    size_t i;

    for (i = 0; i < BIG; i++)
        rec[i] = (char)('a' + (i * 7 + i / 4099) % 26);
    rec[BIG - 1] = '\n';
    return rec;
}

static void nonblocking_body(void *arg)
{
    struct app_outfile *f;

    (void)arg;
    assert_int_equal(app_outfile_open("-", &f), 0);
    assert_int_equal(app_outfile_write(f, big_record(), BIG), 0);
    assert_int_equal(app_outfile_close(f), 0);
}

static void test_outfile_partial_writes_on_nonblocking_stdout(void **state)
{
    struct slow_reader r = {.chunk = 1000};
    pthread_t th;
    int p[2];

    (void)state;
    assert_int_equal(pipe(p), 0);
    fcntl(p[1], F_SETPIPE_SZ, 4096);
    /* a non-blocking stdout (a parent may hand one down): writes return short counts and
     * EAGAIN, and app_outfile_write must wait and carry on */
    assert_int_equal(fcntl(p[1], F_SETFL, fcntl(p[1], F_GETFL) | O_NONBLOCK), 0);
    r.fd = p[0];
    core_buf_init(&r.got, 2 * BIG);
    assert_int_equal(pthread_create(&th, NULL, slow_reader_main, &r), 0);
    with_stdout(p[1], nonblocking_body, NULL);
    close(p[1]);
    assert_int_equal(pthread_join(th, NULL), 0);
    close(p[0]);
    assert_int_equal(r.got.len, BIG);
    assert_memory_equal(r.got.data, big_record(), BIG);
    core_buf_free(&r.got);
}

static atomic_int pokes;

static void on_sigusr1(int sig)
{
    (void)sig;
    atomic_fetch_add(&pokes, 1);
}

static void test_outfile_partial_writes_and_eintr_on_a_pipe(void **state)
{
    struct slow_reader r = {.chunk = 512, .poke_it = true};
    struct sigaction sa, old;
    struct app_outfile *f;
    char path[32];
    pthread_t th;
    int p[2];

    (void)state;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_sigusr1;    /* no SA_RESTART: a blocked write returns short or EINTR */
    sigemptyset(&sa.sa_mask);
    assert_int_equal(sigaction(SIGUSR1, &sa, &old), 0);
    atomic_store(&pokes, 0);
    assert_int_equal(pipe(p), 0);
    fcntl(p[1], F_SETPIPE_SZ, 4096);
    snprintf(path, sizeof(path), "/dev/fd/%d", p[1]);
    assert_int_equal(app_outfile_open(path, &f), 0);
    close(p[1]);
    r.fd = p[0];
    r.poke = pthread_self();
    core_buf_init(&r.got, 2 * BIG);
    assert_int_equal(pthread_create(&th, NULL, slow_reader_main, &r), 0);
    assert_int_equal(app_outfile_write(f, big_record(), BIG), 0);
    assert_int_equal(app_outfile_close(f), 0);
    assert_int_equal(pthread_join(th, NULL), 0);
    close(p[0]);
    assert_int_equal(r.got.len, BIG);
    assert_memory_equal(r.got.data, big_record(), BIG);
    assert_true(atomic_load(&pokes) > 10);               /* the write really was interrupted */
    sigaction(SIGUSR1, &old, NULL);
    core_buf_free(&r.got);
}

/* ---- whole records on failure and on kill -9 --------------------------------------------- */

static void test_outfile_failed_write_is_cut_back_to_whole_records(void **state)
{
    struct fixture *fx = *state;
    const char *path = in_dir(fx, "limited.jsonl");
    char rec1[61], rec2[61];
    struct core_buf b;
    pid_t pid;
    int status;

    memset(rec1, '1', 59);
    rec1[59] = '\n';
    memset(rec2, '2', 59);
    rec2[59] = '\n';
    /* RLIMIT_FSIZE of 100 bytes: the second record gets 40 bytes in, then EFBIG */
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct rlimit rl;
        struct app_outfile *f;

        signal(SIGXFSZ, SIG_IGN);
        getrlimit(RLIMIT_FSIZE, &rl);
        rl.rlim_cur = 100;
        if (setrlimit(RLIMIT_FSIZE, &rl) < 0 || app_outfile_open(path, &f) < 0)
            _exit(2);
        if (app_outfile_write(f, rec1, 60) != 0)
            _exit(3);
        if (app_outfile_write(f, rec2, 60) != -EFBIG || app_outfile_write(f, rec1, 60) != -EFBIG)
            _exit(4);
        _exit(app_outfile_close(f) == -EFBIG ? 0 : 5);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    core_buf_init(&b, 1 << 20);
    slurp(path, &b);
    assert_int_equal(b.len, 60);
    assert_memory_equal(b.data, rec1, 60);
    core_buf_free(&b);
}

/* An output a run resumes (app_outfile_reopen): cut back to its committed length, written after
 * it, and a write that fails part-way is cut back to the last whole record, never into what was
 * there; a file shorter than the length is -EIO, a missing one -ENOENT. */
static void test_outfile_reopen_goes_on_after_committed_length(void **state)
{
    struct fixture *fx = *state;
    const char *path = in_dir(fx, "resumed.jsonl");
    struct app_outfile *g = NULL;
    char rec2[60];
    struct core_buf b;
    int status;
    pid_t pid;

    memset(rec2, '2', 59);
    rec2[59] = '\n';
    {
        FILE *old = fopen(path, "w");

        assert_non_null(old);
        fputs("{\"a\":1}\n{\"b\":2}\n{\"torn", old);   /* 16 committed bytes, then a torn one */
        fclose(old);
    }
    assert_int_equal(app_outfile_reopen(path, 100, &g), -EIO);
    assert_null(g);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct app_outfile *f;
        struct rlimit rl;

        if (app_outfile_reopen(path, 16, &f) < 0 || app_outfile_length(f) != 16 ||
            app_outfile_fd(f) < 0)
            _exit(2);
        if (app_outfile_write(f, "{\"c\":3}\n", 8) != 0 || app_outfile_length(f) != 24)
            _exit(4);
        /* 40 more bytes fit: the next record fails part-way and is cut back to 24 */
        signal(SIGXFSZ, SIG_IGN);
        getrlimit(RLIMIT_FSIZE, &rl);
        rl.rlim_cur = 64;
        if (setrlimit(RLIMIT_FSIZE, &rl) < 0 || app_outfile_write(f, rec2, 60) != -EFBIG)
            _exit(5);
        _exit(app_outfile_close(f) == -EFBIG ? 0 : 6);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    core_buf_init(&b, 1 << 20);
    slurp(path, &b);
    assert_int_equal(b.len, 24);
    assert_memory_equal(b.data, "{\"a\":1}\n{\"b\":2}\n{\"c\":3}\n", 24);
    core_buf_free(&b);
    assert_int_equal(app_outfile_reopen(in_dir(fx, "gone.jsonl"), 10, &g), -ENOENT);
}

static int make_record(char *buf, size_t size, unsigned long seq)
{
    return snprintf(buf, size, "{\"seq\":%lu,\"pad\":\"%0*lu\"}\n", seq, (int)(seq % 200), seq);
}

static void test_outfile_kill_leaves_whole_records(void **state)
{
    struct fixture *fx = *state;
    const char *path = in_dir(fx, "killed.jsonl");
    struct app_outfile *f;
    struct core_buf b;
    struct stat st;
    unsigned long seq = 0;
    char want[512];
    size_t pos = 0;
    pid_t pid;
    int status, i, n;

    /* the file is opened before the fork, as work starts only after a successful open */
    assert_int_equal(app_outfile_open(path, &f), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        char rec[512];

        for (;;) {
            n = make_record(rec, sizeof(rec), seq++);
            if (app_outfile_write(f, rec, (size_t)n) != 0)
                _exit(1);
        }
    }
    for (i = 0; i < 60000; i++) {    /* until ~1 MB is out (60 s at least: only a hang) */
        const struct timespec ms = {0, 1000000};

        assert_int_equal(stat(path, &st), 0);
        if (st.st_size > (1 << 20))
            break;
        nanosleep(&ms, NULL);
    }
    kill(pid, SIGKILL);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status));
    app_outfile_close(f);

    /* every line is the next record; only the very end may be a record's prefix */
    core_buf_init(&b, 64 << 20);
    slurp(path, &b);
    assert_true(b.len > (1 << 20));
    while (pos < b.len) {
        n = make_record(want, sizeof(want), seq++);
        if (b.len - pos < (size_t)n) {
            assert_memory_equal(b.data + pos, want, b.len - pos);
            break;
        }
        assert_memory_equal(b.data + pos, want, (size_t)n);
        pos += (size_t)n;
    }
    assert_true(seq > 1000);
    core_buf_free(&b);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_outfile_write_close_read_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_outfile_unwritable_path_fails_at_open, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_outfile_directory_is_eisdir, setup, teardown),
        cmocka_unit_test(test_outfile_dev_full_is_enospc_and_sticky),
        cmocka_unit_test(test_outfile_pipe_reader_gone_is_epipe),
        cmocka_unit_test(test_outfile_stdout_pipe_and_bad_stdout),
        cmocka_unit_test(test_outfile_partial_writes_on_nonblocking_stdout),
        cmocka_unit_test(test_outfile_partial_writes_and_eintr_on_a_pipe),
        cmocka_unit_test_setup_teardown(test_outfile_failed_write_is_cut_back_to_whole_records,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_outfile_kill_leaves_whole_records, setup, teardown),
        cmocka_unit_test_setup_teardown(test_outfile_reopen_goes_on_after_committed_length, setup,
                                        teardown),
    };

    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
