/* tests/test_core_fdio.c: whole writes: a pipe that takes the bytes in pieces gets them all, in
 * order; a full disk and a bad descriptor come back as their errno. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/fdio.h"
#include "tests/support/corotest.h"

enum { SIZE = 1 << 20 };   /* far more than a pipe holds: the writes come back partial */

struct reader {
    int fd;
    unsigned char *got;
    size_t n;
};

static void *read_all(void *arg)
{
    struct reader *r = arg;
    ssize_t n;

    while ((n = read(r->fd, r->got + r->n, SIZE - r->n)) > 0)
        r->n += (size_t)n;
    return NULL;
}

static void test_fdio_pipe_gets_every_byte_in_order(void **state)
{
    unsigned char *buf = malloc(SIZE);
    struct reader r = {0};
    pthread_t t;
    int fds[2];
    size_t i;

    (void)state;
    assert_non_null(buf);
    r.got = malloc(SIZE);
    assert_non_null(r.got);
    for (i = 0; i < SIZE; i++)
        buf[i] = (unsigned char)(i * 7 + i / 251);
    assert_int_equal(pipe(fds), 0);
    r.fd = fds[0];
    assert_int_equal(pthread_create(&t, NULL, read_all, &r), 0);
    assert_int_equal(core_write_all(fds[1], buf, SIZE), 0);
    close(fds[1]);
    assert_int_equal(pthread_join(t, NULL), 0);
    close(fds[0]);
    assert_int_equal(r.n, SIZE);
    assert_memory_equal(r.got, buf, SIZE);
    free(r.got);
    free(buf);
}

static void test_fdio_errors_come_back_as_errno(void **state)
{
    int fd = open("/dev/full", O_WRONLY);

    (void)state;
    assert_true(fd >= 0);
    assert_int_equal(core_write_all(fd, "abc", 3), -ENOSPC);
    close(fd);
    assert_int_equal(core_write_all(fd, "abc", 3), -EBADF);
    assert_int_equal(core_write_all(fd, "", 0), 0);   /* nothing to write: no call at all */
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fdio_pipe_gets_every_byte_in_order),
        cmocka_unit_test(test_fdio_errors_come_back_as_errno),
    };

    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
