/* tests/test_app_wacz.c: the WACZ package read back with libzip: every entry stored, the
 * datapackage.json hashes and sizes recomputed with OpenSSL, datapackage-digest.json,
 * pages.jsonl, ".open" until complete, no overwriting. (tests/test_app_warc_interop.c reads a
 * real crawl's package with Info-ZIP.) */
#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zip.h>

#include "app/export/wacz.h"
#include "tests/support/corotest.h"

struct fixture {
    char dir[64];
    char path[128];   /* dir/crawl.wacz */
    char warc[2][128];
    char cdxj[128];
};

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");

    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static int setup(void **state)
{
    static struct fixture fx;

    snprintf(fx.dir, sizeof(fx.dir), "/tmp/trawl-wacz-XXXXXX");
    if (!mkdtemp(fx.dir))
        return -1;
    snprintf(fx.path, sizeof(fx.path), "%s/crawl.wacz", fx.dir);
    snprintf(fx.warc[0], sizeof(fx.warc[0]), "%s/Crawl-00000.warc.gz", fx.dir);
    snprintf(fx.warc[1], sizeof(fx.warc[1]), "%s/Crawl-00001.warc.gz", fx.dir);
    snprintf(fx.cdxj, sizeof(fx.cdxj), "%s/index.cdxj", fx.dir);
    write_file(fx.warc[0], "not really gzip, but bytes to store: 0");
    write_file(fx.warc[1], "and more bytes: 1");
    write_file(fx.cdxj, "com,example)/ 20261207050000 {\"url\":\"http://example.com/\"}\n");
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

/* The contents of entry name (malloc'ed, NUL-terminated), its size in *len. */
static char *entry(zip_t *za, const char *name, size_t *len)
{
    zip_stat_t st;
    zip_file_t *zf;
    char *p;

    assert_int_equal(zip_stat(za, name, 0, &st), 0);
    assert_int_equal(st.comp_method, ZIP_CM_STORE);
    assert_int_equal(st.comp_size, st.size);
    zf = zip_fopen(za, name, 0);
    assert_non_null(zf);
    p = malloc(st.size + 1);
    assert_non_null(p);
    assert_int_equal(zip_fread(zf, p, st.size), (zip_int64_t)st.size);
    p[st.size] = '\0';
    zip_fclose(zf);
    *len = st.size;
    return p;
}

static void sha256_hex(const char *p, size_t n, char *out)
{
    unsigned char md[32];
    unsigned mdlen = 0, i;

    EVP_Digest(p, n, md, &mdlen, EVP_sha256(), NULL);
    memcpy(out, "sha256:", 8);
    for (i = 0; i < mdlen; i++)
        snprintf(out + 7 + 2 * i, 3, "%02x", md[i]);
}

static void test_wacz_package_entries_hashes_and_pages(void **state)
{
    const struct fixture *fx = *state;
    const char *const warcs[] = {fx->warc[0], fx->warc[1]};
    const struct app_wacz_info info = {
        .title = "A crawl", .created_ms = 1796619600123LL, .main_url = "http://example.com/",
        .main_ts_ms = 1796619600000LL,
    };
    static const char *const names[] = {"archive/Crawl-00000.warc.gz",
                                        "archive/Crawl-00001.warc.gz", "indexes/index.cdxj",
                                        "pages/pages.jsonl"};
    struct app_wacz *w;
    zip_t *za;
    char *dp, *dg, *pages, *data, hash[80], want[200], open_path[160];
    size_t dplen, len, i;
    struct stat st;
    int err;

    assert_int_equal(app_wacz_create(fx->path, &w), 0);
    assert_int_equal(app_wacz_add_page(w, "http://example.com/", 1796619600000LL, "Home", true),
                     0);
    assert_int_equal(app_wacz_add_page(w, "http://example.com/a", 1796619601500LL, NULL, false),
                     0);
    assert_int_equal(app_wacz_finish(w, &info, warcs, 2, fx->cdxj), 0);
    assert_int_equal(app_wacz_finish(w, &info, warcs, 2, fx->cdxj), -EBADF);
    app_wacz_destroy(w);
    snprintf(open_path, sizeof(open_path), "%s.open", fx->path);
    assert_int_not_equal(stat(open_path, &st), 0);

    za = zip_open(fx->path, ZIP_RDONLY | ZIP_CHECKCONS, &err);
    assert_non_null(za);
    assert_int_equal(zip_get_num_entries(za, 0), 6);
    dp = entry(za, "datapackage.json", &dplen);
    assert_non_null(strstr(dp, "{\"profile\":\"data-package\",\"wacz_version\":\"1.1.1\","
                               "\"title\":\"A crawl\",\"created\":\"2026-12-07T05:00:00.123Z\","));
    assert_non_null(strstr(dp, "\"mainPageUrl\":\"http://example.com/\",\"mainPageDate\":"
                               "\"2026-12-07T05:00:00.000Z\",\"home\":{\"url\":\"http://example"
                               ".com/\",\"ts\":\"2026-12-07T05:00:00.000Z\"}"));
    for (i = 0; i < 4; i++) {
        const char *base = strrchr(names[i], '/') + 1;
        char lower[64];
        size_t k;

        data = entry(za, names[i], &len);
        sha256_hex(data, len, hash);
        for (k = 0; base[k]; k++)
            lower[k] = (char)(base[k] >= 'A' && base[k] <= 'Z' ? base[k] + 32 : base[k]);
        lower[k] = '\0';
        snprintf(want, sizeof(want),
                 "{\"name\":\"%s\",\"path\":\"%s\",\"hash\":\"%s\",\"bytes\":%zu}", lower,
                 names[i], hash, len);
        if (!strstr(dp, want))
            fail_msg("%s not in %s", want, dp);
        free(data);
    }
    dg = entry(za, "datapackage-digest.json", &len);
    sha256_hex(dp, dplen, hash);
    snprintf(want, sizeof(want), "{\"path\":\"datapackage.json\",\"hash\":\"%s\"}", hash);
    assert_string_equal(dg, want);
    pages = entry(za, "pages/pages.jsonl", &len);
    assert_string_equal(pages,
                        "{\"format\":\"json-pages-1.0\",\"id\":\"pages\",\"title\":\"All Pages\"}\n"
                        "{\"url\":\"http://example.com/\",\"ts\":\"2026-12-07T05:00:00.000Z\","
                        "\"title\":\"Home\",\"seed\":true}\n"
                        "{\"url\":\"http://example.com/a\",\"ts\":\"2026-12-07T05:00:01.500Z\"}\n");
    free(dp);
    free(dg);
    free(pages);
    zip_close(za);
}

static void test_wacz_never_overwrites_and_missing_inputs(void **state)
{
    const struct fixture *fx = *state;
    const char *const warcs[] = {fx->warc[0]};
    const char *const missing[] = {"/nonexistent/x.warc.gz"};
    const struct app_wacz_info info = {.created_ms = 0};
    struct app_wacz *w;
    char pages[160];
    struct stat st;

    assert_int_equal(app_wacz_create(fx->path, &w), 0);
    assert_int_equal(app_wacz_finish(w, &info, missing, 1, fx->cdxj), -ENOENT);
    app_wacz_destroy(w);
    assert_int_not_equal(stat(fx->path, &st), 0);
    snprintf(pages, sizeof(pages), "%s.pages", fx->path);
    assert_int_not_equal(stat(pages, &st), 0);   /* temporary files are gone */

    write_file(fx->path, "someone else's");
    assert_int_equal(app_wacz_create(fx->path, &w), 0);
    assert_int_equal(app_wacz_finish(w, &info, warcs, 1, fx->cdxj), -EEXIST);
    app_wacz_destroy(w);
    assert_int_equal(app_wacz_create("/nonexistent-dir/x.wacz", &w), -ENOENT);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_wacz_package_entries_hashes_and_pages, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_wacz_never_overwrites_and_missing_inputs, setup,
                                        teardown),
    };

    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
