/* tests/test_app_linkstore.c: the on-disk store of fetched pages' links: round trips, unknown
 * pages, appending to the caller's buffer, 10,000 pages of varied sizes, empty and 1 MB link
 * lists, the temporary file being unlinked at once (in $TMPDIR, default /tmp), and errors (no
 * memory, a full disk, a buffer too small). Each test points $TMPDIR at a fresh directory and
 * removes it at the end: rmdir failing would mean a file was left behind. */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "app/crawl/linkstore.h"
#include "core/mem.h"
#include "tests/support/corotest.h"

struct fixture {
    char dir[64];
    char *old_tmpdir;   /* $TMPDIR before the test, or NULL */
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    const char *old = getenv("TMPDIR");

    if (!f)
        return -1;
    snprintf(f->dir, sizeof(f->dir), "/tmp/trawl-linkstore-test-XXXXXX");
    if (!mkdtemp(f->dir) || setenv("TMPDIR", f->dir, 1) < 0) {
        free(f);
        return -1;
    }
    f->old_tmpdir = old ? strdup(old) : NULL;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    int rc = rmdir(f->dir);   /* fails (ENOTEMPTY) if a file was left behind */

    if (f->old_tmpdir)
        setenv("TMPDIR", f->old_tmpdir, 1);
    else
        unsetenv("TMPDIR");
    free(f->old_tmpdir);
    free(f);
    return rc;
}

/* Number of entries in dir, "." and ".." aside. */
static int entries(const char *dir)
{
    DIR *d = opendir(dir);
    const struct dirent *e;
    int n = 0;

    assert_non_null(d);
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            n++;
    closedir(d);
    return n;
}

/* Number of this process's open files that are a deleted trawl-links-* file in dir. */
static int open_deleted_stores(const char *dir)
{
    DIR *d = opendir("/proc/self/fd");
    const struct dirent *e;
    char prefix[128], link[300], target[512];
    int n = 0;

    assert_non_null(d);
    snprintf(prefix, sizeof(prefix), "%s/trawl-links-", dir);
    while ((e = readdir(d)) != NULL) {
        ssize_t len;

        if (e->d_name[0] == '.')
            continue;
        snprintf(link, sizeof(link), "/proc/self/fd/%s", e->d_name);
        len = readlink(link, target, sizeof(target) - 1);
        if (len <= 0)
            continue;
        target[len] = '\0';
        if (strncmp(target, prefix, strlen(prefix)) == 0 &&
            len > 10 && strcmp(target + len - 10, " (deleted)") == 0)
            n++;
    }
    closedir(d);
    return n;
}

static struct linkstore *new_store(void)
{
    struct linkstore *ls = NULL;

    assert_int_equal(linkstore_create(&ls), 0);
    assert_non_null(ls);
    return ls;
}

static uint64_t mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15u;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9u;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebu;
    return x ^ (x >> 31);
}

/* The links of page i in the many-pages test: 0 to about 40 NUL-terminated URLs of varied
 * lengths, so blocks go from 0 bytes to a few KiB. */
static void links_of(uint64_t i, struct core_buf *b)
{
    const uint64_t h = mix(i);
    const unsigned n = (unsigned)(h % 41);
    unsigned k, j;

    core_buf_reset(b);
    assert_int_equal(core_buf_append(b, "", 0), 0);
    for (k = 0; k < n; k++) {
        const unsigned pad = (unsigned)(mix(h + k) % 120);

        assert_int_equal(core_buf_printf(b, "https://h%llu.example/p/%u/",
                                         (unsigned long long)i, k), 0);
        for (j = 0; j < pad; j++)
            assert_int_equal(core_buf_putc(b, (char)('a' + (j + k) % 26)), 0);
        assert_int_equal(core_buf_putc(b, '\0'), 0);
    }
}

/* get fp and check that exactly want[0..len) came back, NUL-terminated. */
static void expect(struct linkstore *ls, uint64_t fp, const char *want, size_t len)
{
    struct core_buf b;

    core_buf_init(&b, 64u << 20);
    assert_int_equal(linkstore_get(ls, fp, &b), 0);
    assert_int_equal(b.len, len);
    assert_non_null(b.data);
    if (len)
        assert_memory_equal(b.data, want, len);
    assert_int_equal(b.data[len], '\0');
    core_buf_free(&b);
}

#define L(s) s, sizeof(s) - 1   /* a string literal with its inner NULs, without the last */

static void test_linkstore_put_get_round_trip(void **state)
{
    static const char a[] = "https://a.example/1\0https://a.example/2\0";
    static const char b[] = "https://b.example/\0";
    static const char c[] = "http://c.example/x?y=1\0http://c.example/\0http://d.example/z\0";
    struct linkstore *ls = new_store();

    (void)state;
    assert_int_equal(linkstore_put(ls, 0x1111, L(a)), 0);
    assert_int_equal(linkstore_put(ls, 0x2222, L(b)), 0);
    assert_int_equal(linkstore_put(ls, 0xFFFFFFFFFFFFFFFFu, L(c)), 0);
    expect(ls, 0x2222, L(b));              /* any order, as often as wanted */
    expect(ls, 0x1111, L(a));
    expect(ls, 0xFFFFFFFFFFFFFFFFu, L(c));
    expect(ls, 0x1111, L(a));
    /* fingerprint 0 is a fingerprint like any other for the caller */
    assert_int_equal(linkstore_put(ls, 0, L(b)), 0);
    expect(ls, 0, L(b));
    /* a page put again keeps its latest links */
    assert_int_equal(linkstore_put(ls, 0x1111, L(c)), 0);
    expect(ls, 0x1111, L(c));
    expect(ls, 0x2222, L(b));
    linkstore_destroy(ls);
    linkstore_destroy(NULL);
}

struct kept {
    uint64_t fp[4], off[4], len[4];
    unsigned n;
};

static void keep(void *arg, uint64_t fp, uint64_t off, uint64_t len)
{
    struct kept *k = arg;

    assert_true(k->n < 4);
    k->fp[k->n] = fp;
    k->off[k->n] = off;
    k->len[k->n++] = len;
}

/* --state: a kept file, every put heard of; reopened at a committed length, what was put
 * before it comes back through linkstore_index, and what was put after it is cut off. */
static void test_linkstore_kept_file_reopened_at_its_committed_length(void **state)
{
    static const char a[] = "https://a.example/1\0https://a.example/2\0";
    static const char b[] = "https://b.example/\0";
    char dir[] = "/tmp/trawl-links-test-XXXXXX", path[64];
    struct linkstore *ls;
    struct kept k = {{0}, {0}, {0}, 0};
    struct core_buf out;
    uint64_t committed;

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/links", dir);
    assert_int_equal(linkstore_open(path, 0, &ls), 0);
    linkstore_keep(ls, keep, &k);
    assert_int_equal(linkstore_put(ls, 0x1111, L(a)), 0);
    committed = linkstore_end(ls);
    assert_int_equal(linkstore_put(ls, 0x2222, L(b)), 0); /* after the "commit" */
    assert_int_equal(k.n, 2);
    assert_int_equal(k.fp[0], 0x1111);
    assert_int_equal(k.off[0], 0);
    assert_int_equal(k.len[0], sizeof(a) - 1);
    assert_int_equal(k.off[1], committed);
    assert_true(linkstore_fd(ls) >= 0);
    linkstore_destroy(ls); /* a kill: the file stays */
    assert_int_equal(access(path, F_OK), 0);

    assert_int_equal(linkstore_open(path, committed, &ls), 0);
    assert_int_equal(linkstore_end(ls), committed);
    assert_int_equal(linkstore_index(ls, k.fp[0], k.off[0], k.len[0]), 0);
    /* the put after the commit was cut off with the file */
    assert_int_equal(linkstore_index(ls, k.fp[1], k.off[1], k.len[1]), -EINVAL);
    expect(ls, 0x1111, L(a));
    core_buf_init(&out, 1 << 20);
    assert_int_equal(linkstore_get(ls, 0x2222, &out), -ENOENT);
    core_buf_free(&out);
    /* puts go on after the committed bytes */
    assert_int_equal(linkstore_put(ls, 0x2222, L(b)), 0);
    expect(ls, 0x2222, L(b));
    expect(ls, 0x1111, L(a));
    linkstore_destroy(ls);
    /* a file shorter than what was committed cannot be resumed */
    assert_int_equal(linkstore_open(path, committed + sizeof(b) + 100, &ls), -EIO);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(rmdir(dir), 0);
}

static void test_linkstore_unknown_fingerprint_is_enoent(void **state)
{
    static const char a[] = "https://a.example/\0";
    struct linkstore *ls = new_store();
    struct core_buf b;

    (void)state;
    core_buf_init(&b, 1 << 20);
    assert_int_equal(linkstore_get(ls, 0x1234, &b), -ENOENT);    /* empty store */
    assert_int_equal(b.len, 0);
    assert_int_equal(linkstore_put(ls, 0x1234, L(a)), 0);
    assert_int_equal(core_buf_puts(&b, "kept"), 0);
    assert_int_equal(linkstore_get(ls, 0x1235, &b), -ENOENT);
    assert_int_equal(linkstore_get(ls, 0x1234 + (1u << 20), &b), -ENOENT);
    assert_int_equal(linkstore_get(ls, 0, &b), -ENOENT);
    assert_string_equal(b.data, "kept");                          /* out untouched */
    assert_int_equal(b.len, 4);
    core_buf_free(&b);
    linkstore_destroy(ls);
}

static void test_linkstore_get_appends(void **state)
{
    static const char a[] = "https://a.example/1\0https://a.example/2\0";
    static const char want[] = "prefix\0https://a.example/1\0https://a.example/2\0"
                               "https://a.example/1\0https://a.example/2\0";
    struct linkstore *ls = new_store();
    struct core_buf b;

    (void)state;
    core_buf_init(&b, 1 << 20);
    assert_int_equal(core_buf_append(&b, "prefix", 7), 0);          /* with its NUL */
    assert_int_equal(linkstore_put(ls, 42, L(a)), 0);
    assert_int_equal(linkstore_get(ls, 42, &b), 0);
    assert_int_equal(linkstore_get(ls, 42, &b), 0);
    assert_int_equal(b.len, sizeof(want) - 1);
    assert_memory_equal(b.data, want, sizeof(want) - 1);
    assert_int_equal(b.data[b.len], '\0');
    core_buf_free(&b);
    linkstore_destroy(ls);
}

static void test_linkstore_many_pages_read_back(void **state)
{
    enum { PAGES = 10000 };
    struct linkstore *ls = new_store();
    struct core_buf want, got;
    uint64_t i, empty = 0, total = 0;

    (void)state;
    core_buf_init(&want, 1 << 20);
    core_buf_init(&got, 1 << 20);
    /* half the fingerprints random, half sequential (neighbours in the table) */
    for (i = 0; i < PAGES; i++) {
        const uint64_t fp = i % 2 ? mix(i) : i + 1;

        links_of(i, &want);
        empty += want.len == 0;
        total += want.len;
        assert_int_equal(linkstore_put(ls, fp, want.data, want.len), 0);
    }
    assert_true(empty > 0 && total > 10u << 20);   /* the sizes did vary */
    for (i = PAGES; i-- > 0;) {                    /* read back in reverse order */
        const uint64_t fp = i % 2 ? mix(i) : i + 1;

        links_of(i, &want);
        core_buf_reset(&got);
        if (linkstore_get(ls, fp, &got) != 0)
            fail_msg("page %llu: not found", (unsigned long long)i);
        if (got.len != want.len || (want.len && memcmp(got.data, want.data, want.len) != 0))
            fail_msg("page %llu: %zu bytes back, want %zu", (unsigned long long)i, got.len,
                     want.len);
    }
    assert_int_equal(linkstore_get(ls, mix(PAGES + 1), &got), -ENOENT);
    core_buf_free(&want);
    core_buf_free(&got);
    linkstore_destroy(ls);
}

static void test_linkstore_empty_link_list(void **state)
{
    struct linkstore *ls = new_store();
    struct core_buf b;

    (void)state;
    core_buf_init(&b, 1 << 20);
    assert_int_equal(linkstore_put(ls, 7, "", 0), 0);
    assert_int_equal(linkstore_put(ls, 8, "x", 2), 0);    /* the one after it is unaffected */
    /* kept, and not the same as unknown: 0 with nothing appended, into an empty buffer... */
    assert_int_equal(linkstore_get(ls, 7, &b), 0);
    assert_int_equal(b.len, 0);
    assert_non_null(b.data);
    assert_string_equal(b.data, "");
    /* ...or after existing content */
    assert_int_equal(core_buf_puts(&b, "abc"), 0);
    assert_int_equal(linkstore_get(ls, 7, &b), 0);
    assert_string_equal(b.data, "abc");
    assert_int_equal(b.len, 3);
    expect(ls, 8, "x", 2);
    core_buf_free(&b);
    linkstore_destroy(ls);
}

static void test_linkstore_file_is_unlinked(void **state)
{
    static const char a[] = "https://a.example/\0";
    const struct fixture *f = *state;
    struct linkstore *ls, *ls2;

    assert_int_equal(open_deleted_stores(f->dir), 0);
    ls = new_store();
    /* the file was made in $TMPDIR, is open, and has no name left */
    assert_int_equal(entries(f->dir), 0);
    assert_int_equal(open_deleted_stores(f->dir), 1);
    assert_int_equal(linkstore_put(ls, 1, L(a)), 0);
    assert_int_equal(entries(f->dir), 0);
    ls2 = new_store();                       /* two stores, two files */
    assert_int_equal(open_deleted_stores(f->dir), 2);
    linkstore_destroy(ls2);
    expect(ls, 1, L(a));
    linkstore_destroy(ls);
    assert_int_equal(open_deleted_stores(f->dir), 0);   /* destroy closed them */
    assert_int_equal(entries(f->dir), 0);
}

static void test_linkstore_tmpdir_default_and_missing(void **state)
{
    const struct fixture *f = *state;
    struct linkstore *ls = (struct linkstore *)0x1;
    char missing[128];

    /* a $TMPDIR that does not exist: create fails and leaves *out alone */
    snprintf(missing, sizeof(missing), "%s/missing", f->dir);
    assert_int_equal(setenv("TMPDIR", missing, 1), 0);
    assert_int_equal(linkstore_create(&ls), -ENOENT);
    assert_ptr_equal(ls, (struct linkstore *)0x1);
    /* unset or empty: /tmp */
    assert_int_equal(unsetenv("TMPDIR"), 0);
    ls = new_store();
    assert_int_equal(open_deleted_stores("/tmp"), 1);
    linkstore_destroy(ls);
    assert_int_equal(setenv("TMPDIR", "", 1), 0);
    ls = new_store();
    assert_int_equal(open_deleted_stores("/tmp"), 1);
    linkstore_destroy(ls);
    assert_int_equal(open_deleted_stores("/tmp"), 0);
}

static void test_linkstore_large_links_block(void **state)
{
    enum { BIG = 1 << 20 };
    static const char small[] = "https://small.example/\0";
    struct linkstore *ls = new_store();
    struct core_buf big, b;
    size_t i;

    (void)state;
    core_buf_init(&big, BIG);
    for (i = 0; big.len + 64 < BIG; i++) {
        assert_int_equal(core_buf_printf(&big, "https://big.example/page/%zu", i), 0);
        assert_int_equal(core_buf_putc(&big, '\0'), 0);
    }
    while (big.len < BIG)                   /* exactly 1 MiB, the last URL a long one */
        assert_int_equal(core_buf_putc(&big, big.len + 1 < BIG ? 'z' : '\0'), 0);
    assert_int_equal(big.len, BIG);

    assert_int_equal(linkstore_put(ls, 10, L(small)), 0);
    assert_int_equal(linkstore_put(ls, 11, big.data, big.len), 0);
    assert_int_equal(linkstore_put(ls, 12, L(small)), 0);
    expect(ls, 11, big.data, big.len);
    expect(ls, 10, L(small));
    expect(ls, 12, L(small));

    /* a buffer whose cap is too small: -EMSGSIZE and the buffer unchanged */
    core_buf_init(&b, BIG - 1);
    assert_int_equal(core_buf_puts(&b, "x"), 0);
    assert_int_equal(linkstore_get(ls, 11, &b), -EMSGSIZE);
    assert_string_equal(b.data, "x");
    core_buf_free(&b);
    core_buf_free(&big);
    linkstore_destroy(ls);
}

static void test_linkstore_out_of_memory(void **state)
{
    static const char a[] = "https://a.example/\0";
    struct linkstore *ls = (struct linkstore *)0x1;
    struct core_buf b;
    unsigned long before;

    (void)state;
    core_mem_fail_after(0);
    assert_int_equal(linkstore_create(&ls), -ENOMEM);
    core_mem_fail_after(-1);
    assert_ptr_equal(ls, (struct linkstore *)0x1);

    ls = new_store();
    /* the first put needs the index: it fails whole, and the page is not kept */
    core_mem_fail_after(0);
    before = core_mem_allocs();
    assert_int_equal(linkstore_put(ls, 5, L(a)), -ENOMEM);
    core_mem_fail_after(-1);
    assert_true(core_mem_allocs() > before);
    core_buf_init(&b, 1 << 20);
    assert_int_equal(linkstore_get(ls, 5, &b), -ENOENT);
    assert_int_equal(linkstore_put(ls, 5, L(a)), 0);
    /* get into a buffer that cannot grow: -ENOMEM, nothing appended */
    core_mem_fail_after(0);
    assert_int_equal(linkstore_get(ls, 5, &b), -ENOMEM);
    core_mem_fail_after(-1);
    assert_int_equal(b.len, 0);
    expect(ls, 5, L(a));
    core_buf_free(&b);
    linkstore_destroy(ls);
}

static void set_fsize_limit(rlim_t bytes)
{
    struct rlimit lim;

    assert_int_equal(getrlimit(RLIMIT_FSIZE, &lim), 0);
    lim.rlim_cur = bytes;
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
}

/* A full disk (RLIMIT_FSIZE: writes past the limit fail with EFBIG, possibly after writing part
 * of the block): the put fails and keeps nothing, earlier pages are intact, and once there is
 * room again new pages go in and read back whole. */
static void test_linkstore_full_disk_fails_put_only(void **state)
{
    enum { BLOCK = 3000 };
    struct linkstore *ls = new_store();
    struct rlimit old;
    struct core_buf b;
    char block[BLOCK];
    void (*old_handler)(int);
    uint64_t fp;
    int rc = 0;

    (void)state;
    core_buf_init(&b, 1 << 20);
    memset(block, 'q', sizeof(block));
    block[BLOCK - 1] = '\0';
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    old_handler = signal(SIGXFSZ, SIG_IGN);   /* else the kernel kills us instead of EFBIG */
    assert_true(old_handler != SIG_ERR);
    set_fsize_limit(16 * 1024);
    for (fp = 1; fp < 100; fp++) {
        block[0] = (char)('A' + fp % 26);
        rc = linkstore_put(ls, fp, block, sizeof(block));
        if (rc != 0)
            break;
    }
    assert_int_equal(rc, -EFBIG);
    assert_int_equal(fp, 16 * 1024 / BLOCK + 1);    /* 5 blocks fit, the 6th is cut short */
    assert_int_equal(linkstore_get(ls, fp, &b), -ENOENT);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    signal(SIGXFSZ, old_handler);

    /* room again: the failed page goes in now, and every page reads back whole */
    block[0] = (char)('A' + fp % 26);
    assert_int_equal(linkstore_put(ls, fp, block, sizeof(block)), 0);
    for (; fp >= 1; fp--) {
        block[0] = (char)('A' + fp % 26);
        expect(ls, fp, block, sizeof(block));
    }
    core_buf_free(&b);
    linkstore_destroy(ls);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_linkstore_put_get_round_trip, setup, teardown),
cmocka_unit_test_setup_teardown(test_linkstore_kept_file_reopened_at_its_committed_length, setup, teardown),
        cmocka_unit_test_setup_teardown(test_linkstore_unknown_fingerprint_is_enoent, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_linkstore_get_appends, setup, teardown),
        cmocka_unit_test_setup_teardown(test_linkstore_many_pages_read_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_linkstore_empty_link_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_linkstore_file_is_unlinked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_linkstore_tmpdir_default_and_missing, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_linkstore_large_links_block, setup, teardown),
        cmocka_unit_test_setup_teardown(test_linkstore_out_of_memory, setup, teardown),
        cmocka_unit_test_setup_teardown(test_linkstore_full_disk_fails_put_only, setup,
                                        teardown),
    };

    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
