/* tests/test_app_warcfile.c: .warc.gz files: naming (one file, numbered, going on numbered),
 * rotation at max_size, ".open" until finished, never overwriting, a warcinfo record first in
 * each file, the (file, offset, length) of every append, and a failed write cut back. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "app/export/warcfile.h"
#include "app/export/warcrec.h"
#include "core/buf.h"
#include "tests/support/corotest.h"

struct fixture {
    char dir[64];
    char name[128];   /* dir/crawl */
};

static int setup(void **state)
{
    static struct fixture fx;

    snprintf(fx.dir, sizeof(fx.dir), "/tmp/trawl-warcfile-XXXXXX");
    if (!mkdtemp(fx.dir))
        return -1;
    snprintf(fx.name, sizeof(fx.name), "%s/crawl", fx.dir);
    *state = &fx;
    return 0;
}

static int teardown(void **state)
{
    const struct fixture *fx = *state;
    char cmd[128];

    snprintf(cmd, sizeof(cmd), "rm -rf %s", fx->dir);
    return system(cmd) == 0 ? 0 : -1;
}

static bool exists(const char *dir, const char *base)
{
    char path[256];
    struct stat st;

    snprintf(path, sizeof(path), "%s/%s", dir, base);
    return stat(path, &st) == 0;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *p;
    long n;

    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    p = malloc((size_t)n + 1);
    assert_non_null(p);
    assert_int_equal(fread(p, 1, (size_t)n, f), (size_t)n);
    p[n] = '\0';
    fclose(f);
    *len = (size_t)n;
    return p;
}

/* Inflate the gzip member at the start of buf: its text into out; returns its length. */
static size_t inflate_one(const char *buf, size_t len, struct core_buf *out)
{
    unsigned char chunk[4096];
    z_stream z;
    int rc;

    memset(&z, 0, sizeof(z));
    assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK);
    z.next_in = (unsigned char *)(uintptr_t)buf;
    z.avail_in = (uInt)len;
    core_buf_reset(out);
    do {
        z.next_out = chunk;
        z.avail_out = sizeof(chunk);
        rc = inflate(&z, Z_NO_FLUSH);
        assert_true(rc == Z_OK || rc == Z_STREAM_END);
        assert_int_equal(core_buf_append(out, chunk, sizeof(chunk) - z.avail_out), 0);
    } while (rc != Z_STREAM_END);
    inflateEnd(&z);
    return len - z.avail_in;
}

/* A metadata record of about size compressed bytes (its fields are random hex). */
static void make_record(size_t size, unsigned seed, struct core_buf *out)
{
    struct core_buf fields;
    struct app_warc_id id;
    char value[8192];
    size_t i, n = size < sizeof(value) ? size : sizeof(value) - 1;

    core_buf_init(&fields, 1 << 20);
    for (i = 0; i < n; i++)
        value[i] = "0123456789abcdef"[rand_r(&seed) & 15];
    value[n] = '\0';
    assert_int_equal(app_warcrec_new_id(&id), 0);
    assert_int_equal(app_warcrec_field(&fields, "x", value), 0);
    core_buf_reset(out);
    assert_int_equal(app_warcrec_metadata(NULL, "https://example.org/", 0, &id, NULL,
                                          fields.data, fields.len, out),
                     0);
    core_buf_free(&fields);
}

static void test_warcfile_one_file_named_name_warc_gz(void **state)
{
    const struct fixture *fx = *state;
    struct app_warcfile_opts o;
    struct app_warcfile *f;
    struct app_warc_loc loc;
    struct core_buf rec, text;
    char path[256], *data;
    size_t len, info;

    core_buf_init(&rec, 1 << 20);
    core_buf_init(&text, 1 << 20);
    app_warcfile_opts_init(&o);
    o.name = fx->name;
    o.robots = "classic";
    o.user_agent = "trawl/0.1 (+https://example.org/bot)";
    o.options = "trawl crawl -d 3\nhttps://example.org/";
    assert_int_equal(app_warcfile_open(&o, &f), 0);
    assert_true(exists(fx->dir, "crawl.warc.gz.open"));
    assert_false(exists(fx->dir, "crawl.warc.gz"));
    make_record(100, 1, &rec);
    assert_int_equal(app_warcfile_append(f, rec.data, rec.len, &loc), 0);
    assert_string_equal(loc.filename, "crawl.warc.gz");
    assert_int_equal(loc.file, 0);
    assert_int_equal(loc.length, rec.len);
    assert_int_equal(app_warcfile_finish(f), 0);
    assert_int_equal(app_warcfile_append(f, rec.data, rec.len, &loc), -EBADF);
    assert_false(exists(fx->dir, "crawl.warc.gz.open"));
    assert_true(exists(fx->dir, "crawl.warc.gz"));
    assert_int_equal(app_warcfile_count(f), 1);
    snprintf(path, sizeof(path), "%s.warc.gz", fx->name);
    assert_string_equal(app_warcfile_path(f, 0), path);
    app_warcfile_destroy(f);

    data = slurp(path, &len);
    info = inflate_one(data, len, &text);
    assert_non_null(strstr(text.data, "WARC-Type: warcinfo\r\n"));
    assert_non_null(strstr(text.data, "WARC-Filename: crawl.warc.gz\r\n"));
    assert_non_null(strstr(text.data, "\r\nsoftware: trawl/" TRAWL_VERSION "\r\n"));
    assert_non_null(strstr(text.data, "\r\nformat: WARC File Format 1.1\r\n"));
    assert_non_null(strstr(text.data, "\r\nhostname: "));
    assert_non_null(strstr(text.data, "\r\nrobots: classic\r\n"));
    assert_non_null(strstr(text.data, "\r\nhttp-header-user-agent: trawl/0.1 (+https://"));
    assert_non_null(
        strstr(text.data, "\r\ncrawl-options: trawl crawl -d 3 https://example.org/\r\n"));
    assert_int_equal(loc.offset, info);   /* the record follows the warcinfo */
    assert_int_equal(len, info + rec.len);
    assert_memory_equal(data + loc.offset, rec.data, rec.len);
    free(data);
    core_buf_free(&rec);
    core_buf_free(&text);
}

/* Append records of about rec_size until files_wanted files exist; check every file. */
static void rotate(const struct fixture *fx, bool numbered, const char *const *names, size_t nfiles)
{
    struct app_warcfile_opts o;
    struct app_warcfile *f;
    struct app_warc_loc loc;
    struct core_buf rec, text;
    uint64_t max = 3000, last_end[16] = {0};
    unsigned seed = 7, i, records = 0;

    core_buf_init(&rec, 1 << 20);
    core_buf_init(&text, 1 << 20);
    app_warcfile_opts_init(&o);
    o.name = fx->name;
    o.numbered = numbered;
    o.max_size = max;
    assert_int_equal(app_warcfile_open(&o, &f), 0);
    while (app_warcfile_count(f) < nfiles || records < 3 * nfiles) {
        make_record(500 + rand_r(&seed) % 700, seed, &rec);
        assert_int_equal(app_warcfile_append(f, rec.data, rec.len, &loc), 0);
        assert_true(loc.file < nfiles + 1);
        assert_string_equal(loc.filename, names[loc.file]);
        /* appends follow each other within a file */
        if (last_end[loc.file])
            assert_int_equal(loc.offset, last_end[loc.file]);
        last_end[loc.file] = loc.offset + loc.length;
        assert_true(last_end[loc.file] <= max || loc.offset < 1000);
        records++;
        if (app_warcfile_count(f) > nfiles)
            break;
    }
    nfiles = app_warcfile_count(f);
    assert_int_equal(app_warcfile_finish(f), 0);
    app_warcfile_destroy(f);
    for (i = 0; i < nfiles; i++) {
        char path[256], open_name[128], *data;
        size_t len;

        assert_true(exists(fx->dir, names[i]));
        snprintf(open_name, sizeof(open_name), "%s.open", names[i]);
        assert_false(exists(fx->dir, open_name));
        snprintf(path, sizeof(path), "%s/%s", fx->dir, names[i]);
        data = slurp(path, &len);
        assert_int_equal(len, last_end[i]);
        inflate_one(data, len, &text);
        assert_non_null(strstr(text.data, "WARC-Type: warcinfo\r\n"));
        assert_non_null(strstr(text.data, names[i]));
        free(data);
    }
    core_buf_free(&rec);
    core_buf_free(&text);
}

static void test_warcfile_numbered_files_rotate_at_max_size(void **state)
{
    static const char *const names[] = {"crawl-00000.warc.gz", "crawl-00001.warc.gz",
                                        "crawl-00002.warc.gz", "crawl-00003.warc.gz",
                                        "crawl-00004.warc.gz"};

    rotate(*state, true, names, 4);
    assert_false(exists(((struct fixture *)*state)->dir, "crawl.warc.gz"));
}

static void test_warcfile_unnumbered_goes_on_from_00001(void **state)
{
    static const char *const names[] = {"crawl.warc.gz", "crawl-00001.warc.gz",
                                        "crawl-00002.warc.gz", "crawl-00003.warc.gz"};

    rotate(*state, false, names, 3);
    assert_false(exists(((struct fixture *)*state)->dir, "crawl-00000.warc.gz"));
}

static void test_warcfile_big_record_gets_a_file_of_its_own(void **state)
{
    const struct fixture *fx = *state;
    struct app_warcfile_opts o;
    struct app_warcfile *f;
    struct app_warc_loc loc;
    struct core_buf small, big;

    core_buf_init(&small, 1 << 20);
    core_buf_init(&big, 1 << 20);
    make_record(50, 1, &small);
    make_record(8000, 2, &big);
    app_warcfile_opts_init(&o);
    o.name = fx->name;
    o.numbered = true;
    o.max_size = 2000;
    assert_true(big.len > o.max_size);
    assert_int_equal(app_warcfile_open(&o, &f), 0);
    assert_int_equal(app_warcfile_append(f, big.data, big.len, &loc), 0);
    assert_int_equal(loc.file, 0);   /* a fresh file takes it, over max_size */
    assert_int_equal(app_warcfile_append(f, small.data, small.len, &loc), 0);
    assert_int_equal(loc.file, 1);
    assert_int_equal(app_warcfile_append(f, big.data, big.len, &loc), 0);
    assert_int_equal(loc.file, 2);
    assert_int_equal(app_warcfile_append(f, small.data, small.len, &loc), 0);
    assert_int_equal(loc.file, 3);
    assert_int_equal(app_warcfile_finish(f), 0);
    assert_int_equal(app_warcfile_count(f), 4);
    app_warcfile_destroy(f);
    core_buf_free(&small);
    core_buf_free(&big);
}

static void test_warcfile_never_overwrites_and_bad_names(void **state)
{
    const struct fixture *fx = *state;
    struct app_warcfile_opts o;
    struct app_warcfile *f;
    char path[256];
    int fd;

    app_warcfile_opts_init(&o);
    o.name = fx->name;
    snprintf(path, sizeof(path), "%s.warc.gz", fx->name);
    fd = open(path, O_WRONLY | O_CREAT, 0644);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(app_warcfile_open(&o, &f), -EEXIST);
    o.numbered = true;
    snprintf(path, sizeof(path), "%s-00000.warc.gz.open", fx->name);
    fd = open(path, O_WRONLY | O_CREAT, 0644);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(app_warcfile_open(&o, &f), -EEXIST);   /* another crawl's, perhaps */
    o.name = "/nonexistent-dir/crawl";
    assert_int_equal(app_warcfile_open(&o, &f), -ENOENT);
    o.name = "";
    assert_int_equal(app_warcfile_open(&o, &f), -EINVAL);
    o.name = "dir/";
    assert_int_equal(app_warcfile_open(&o, &f), -EINVAL);
}

static void test_warcfile_destroy_unfinished_leaves_the_open_file(void **state)
{
    const struct fixture *fx = *state;
    struct app_warcfile_opts o;
    struct app_warcfile *f;

    app_warcfile_opts_init(&o);
    o.name = fx->name;
    assert_int_equal(app_warcfile_open(&o, &f), 0);
    app_warcfile_destroy(f);
    assert_true(exists(fx->dir, "crawl.warc.gz.open"));
    assert_false(exists(fx->dir, "crawl.warc.gz"));
}

/* A write that fails part-way (here: the file size limit) is cut back to the last whole
 * record, and the error is sticky. In a child, since it changes a process limit. */
static void test_warcfile_failed_write_is_cut_back(void **state)
{
    const struct fixture *fx = *state;
    pid_t pid = fork();
    int status;

    assert_true(pid >= 0);
    if (pid == 0) {
        struct rlimit rl = {20000, 20000};
        struct app_warcfile_opts o;
        struct app_warcfile *f;
        struct app_warc_loc loc;
        struct core_buf rec;
        char path[256];
        struct stat st;
        uint64_t good = 0;
        int rc;

        signal(SIGXFSZ, SIG_IGN);
        if (setrlimit(RLIMIT_FSIZE, &rl) < 0)
            _exit(10);
        core_buf_init(&rec, 1 << 20);
        make_record(3000, 3, &rec);
        app_warcfile_opts_init(&o);
        o.name = fx->name;
        if (app_warcfile_open(&o, &f) < 0)
            _exit(11);
        while ((rc = app_warcfile_append(f, rec.data, rec.len, &loc)) == 0)
            good = loc.offset + loc.length;
        if (rc != -EFBIG || app_warcfile_append(f, rec.data, rec.len, &loc) != -EFBIG)
            _exit(12);
        snprintf(path, sizeof(path), "%s.warc.gz.open", fx->name);
        if (stat(path, &st) < 0 || (uint64_t)st.st_size != good)
            _exit(13);
        if (app_warcfile_finish(f) != -EFBIG)
            _exit(14);
        app_warcfile_destroy(f);
        core_buf_free(&rec);
        _exit(stat(path, &st) == 0 ? 0 : 15);   /* left as .open after the error */
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_warcfile_one_file_named_name_warc_gz, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_warcfile_numbered_files_rotate_at_max_size, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_warcfile_unnumbered_goes_on_from_00001, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_warcfile_big_record_gets_a_file_of_its_own, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_warcfile_never_overwrites_and_bad_names, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_warcfile_destroy_unfinished_leaves_the_open_file,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_warcfile_failed_write_is_cut_back, setup,
                                        teardown),
    };

    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
