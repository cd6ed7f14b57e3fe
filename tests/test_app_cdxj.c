/* tests/test_app_cdxj.c: CDXJ lines (response, revisit, metadata), the sorted index written
 * through .unsorted and .open, and the external merge sort against qsort with runs small
 * enough to need several merge passes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app/export/cdxj.h"
#include "core/buf.h"
#include "tests/support/corotest.h"

struct fixture {
    char dir[64];
    char path[128];
};

static int setup(void **state)
{
    static struct fixture fx;

    snprintf(fx.dir, sizeof(fx.dir), "/tmp/trawl-cdxj-XXXXXX");
    if (!mkdtemp(fx.dir))
        return -1;
    snprintf(fx.path, sizeof(fx.path), "%s/index.cdxj", fx.dir);
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

static char *slurp(const char *path)
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
    return p;
}

static bool exists(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0;
}

static void test_cdxj_lines(void **state)
{
    const struct app_cdxj_entry resp = {
        .url = "https://www.Example.com/A?b=2&a=1", .date_ms = 1796619600123LL,
        .mime = "text/html; charset=utf-8", .mime_len = 9, .status = 200,
        .digest = "sha1:3XIK3O7QI3U35FRU2TLIZIV2K4SLHLVI", .offset = 1234, .length = 567,
        .filename = "crawl-00000.warc.gz",
    };
    const struct app_cdxj_entry revisit = {
        .url = "http://example.com/b", .date_ms = 1796619601999LL, .mime = "warc/revisit",
        .mime_len = 12, .status = 200, .digest = "sha1:3XIK3O7QI3U35FRU2TLIZIV2K4SLHLVI",
        .offset = 2000, .length = 300, .filename = "crawl-00000.warc.gz",
    };
    const struct app_cdxj_entry meta = {
        .url = "http://example.com/\"q\"", .date_ms = 0, .mime = "application/warc-fields",
        .mime_len = 23, .offset = 0, .length = 1, .filename = "f.warc.gz",
    };
    struct core_buf b;

    (void)state;
    core_buf_init(&b, 1 << 20);
    assert_int_equal(app_cdxj_line(&resp, &b), 0);
    assert_string_equal(b.data,
                        "com,example)/a?a=1&b=2 20261207050000 {\"url\":\"https://www.Example.com/"
                        "A?b=2&a=1\",\"mime\":\"text/html\",\"status\":\"200\",\"digest\":\"sha1:"
                        "3XIK3O7QI3U35FRU2TLIZIV2K4SLHLVI\",\"length\":\"567\",\"offset\":\"1234\","
                        "\"filename\":\"crawl-00000.warc.gz\"}\n");
    core_buf_reset(&b);
    assert_int_equal(app_cdxj_line(&revisit, &b), 0);
    assert_string_equal(b.data,
                        "com,example)/b 20261207050001 {\"url\":\"http://example.com/b\","
                        "\"mime\":\"warc/revisit\",\"status\":\"200\",\"digest\":"
                        "\"sha1:3XIK3O7QI3U35FRU2TLIZIV2K4SLHLVI\",\"length\":\"300\","
                        "\"offset\":\"2000\",\"filename\":\"crawl-00000.warc.gz\"}\n");
    core_buf_reset(&b);
    assert_int_equal(app_cdxj_line(&meta, &b), 0);
    assert_string_equal(b.data,
                        "com,example)/\"q\" 19700101000000 {\"url\":"
                        "\"http://example.com/\\\"q\\\"\",\"mime\":\"application/warc-fields\","
                        "\"length\":\"1\",\"offset\":\"0\",\"filename\":\"f.warc.gz\"}\n");
    core_buf_free(&b);
}

static void test_cdxj_index_is_sorted_bytewise(void **state)
{
    const struct fixture *fx = *state;
    static const char *const urls[] = {
        "http://b.example.com/", "http://a.example.com/z", "http://a.example.com/",
        "http://example.com/?b=1", "http://www.example.com/", "http://a.example.com/Z",
    };
    struct app_cdxj *c;
    char unsorted[160], open_path[160], *text, *line, *prev = NULL, *save;
    size_t i;

    snprintf(unsorted, sizeof(unsorted), "%s.unsorted", fx->path);
    snprintf(open_path, sizeof(open_path), "%s.open", fx->path);
    assert_int_equal(app_cdxj_open(fx->path, &c), 0);
    for (i = 0; i < 60; i++) {
        const struct app_cdxj_entry e = {
            .url = urls[i % 6], .date_ms = 1796619600000LL - (int64_t)(i % 7) * 86400000,
            .status = 200, .offset = i * 100, .length = 100, .filename = "x.warc.gz",
        };

        assert_int_equal(app_cdxj_add(c, &e), 0);
    }
    assert_true(exists(unsorted));
    assert_false(exists(fx->path));
    assert_int_equal(app_cdxj_count(c), 60);
    assert_int_equal(app_cdxj_finish(c), 0);
    assert_int_equal(app_cdxj_finish(c), -EBADF);
    assert_true(exists(unsorted)); /* until destroy: a crash now can sort it again */
    assert_false(exists(open_path));
    app_cdxj_destroy(c);
    assert_false(exists(unsorted));
    text = slurp(fx->path);
    i = 0;
    for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save), i++) {
        if (prev)
            assert_true(strcmp(prev, line) <= 0);
        prev = line;
    }
    assert_int_equal(i, 60);
    free(text);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Random lines, runs of 300 bytes: hundreds of runs, so more than one pass of 64-way merges. */
static void test_cdxj_external_sort_matches_qsort(void **state)
{
    const struct fixture *fx = *state;
    enum { N = 6000 };
    char in[160], out[160], line[80], **want, *got, *p;
    unsigned seed = 5;
    FILE *f;
    size_t i, j, len;

    snprintf(in, sizeof(in), "%s/in", fx->dir);
    snprintf(out, sizeof(out), "%s/out", fx->dir);
    want = calloc(N, sizeof(*want));
    assert_non_null(want);
    f = fopen(in, "wb");
    assert_non_null(f);
    for (i = 0; i < N; i++) {
        len = 1 + (size_t)rand_r(&seed) % 60;
        for (j = 0; j < len; j++)
            line[j] = (char)(' ' + rand_r(&seed) % 3 * 30 + rand_r(&seed) % 5);   /* ties */
        line[len] = '\0';
        want[i] = strdup(line);
        fprintf(f, i + 1 < N ? "%s\n" : "%s", line);   /* the last line has no newline */
    }
    fclose(f);
    qsort(want, N, sizeof(*want), cmp_str);
    assert_int_equal(app_cdxj_sort_file(in, out, fx->dir, 300), 0);
    got = slurp(out);
    for (i = 0, p = got; i < N; i++) {
        char *nl = strchr(p, '\n');

        assert_non_null(nl);
        *nl = '\0';
        assert_string_equal(p, want[i]);
        p = nl + 1;
        free(want[i]);
    }
    assert_string_equal(p, "");
    free(got);
    free(want);
    /* no run files are left behind: only in and out */
    {
        char cmd[160];

        snprintf(cmd, sizeof(cmd), "test $(ls %s | wc -l) = 2", fx->dir);
        assert_int_equal(system(cmd), 0);
    }
    /* an empty input sorts to an empty file */
    f = fopen(in, "wb");
    fclose(f);
    assert_int_equal(app_cdxj_sort_file(in, out, fx->dir, 300), 0);
    got = slurp(out);
    assert_string_equal(got, "");
    free(got);
}

static void test_cdxj_bad_path_and_destroy_cleans_up(void **state)
{
    const struct fixture *fx = *state;
    struct app_cdxj *c;
    char unsorted[160];
    const struct app_cdxj_entry e = {.url = "http://x/", .filename = "f"};

    assert_int_equal(app_cdxj_open("/nonexistent-dir/index.cdxj", &c), -ENOENT);
    assert_int_equal(app_cdxj_open(fx->path, &c), 0);
    assert_int_equal(app_cdxj_add(c, &e), 0);
    snprintf(unsorted, sizeof(unsorted), "%s.unsorted", fx->path);
    assert_true(exists(unsorted));
    app_cdxj_destroy(c);   /* abandoned: nothing is left */
    assert_false(exists(unsorted));
    assert_false(exists(fx->path));
    app_cdxj_destroy(NULL);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cdxj_lines),
        cmocka_unit_test_setup_teardown(test_cdxj_index_is_sorted_bytewise, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cdxj_external_sort_matches_qsort, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cdxj_bad_path_and_destroy_cleans_up, setup,
                                        teardown),
    };

    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
