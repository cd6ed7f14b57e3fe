/* fuzz/fuzz_sitemap.c: libFuzzer target for parse/sitemap.c.
 *
 * The input is scanned as a sitemap (gzip'd when it starts with 1F 8B) with a 1 MiB cap, then
 * again with the cap at half its length. Checks: only documented results; every URL reported
 * is non-empty, at most PARSE_SITEMAP_LOC_MAX bytes, NUL-terminated and trimmed of XML
 * whitespace; no more than PARSE_SITEMAP_MAX_URLS; -EMSGSIZE only past the cap; the URLs
 * from the cut run are a prefix of the full run's (the scanner decides from what it has read,
 * never from what follows); and both runs set *is_index alike when they report URLs.
 *
 * Build (not wired into CMake yet), from the repository root:
 *   clang -g -O1 -std=c11 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined \
 *       -fno-sanitize-recover=all -I. fuzz/fuzz_sitemap.c parse/sitemap.c core/buf.c \
 *       core/mem.c -lz -o fuzz_sitemap
 *   ./fuzz_sitemap -max_total_time=120 -dict=fuzz/sitemap.dict fuzz/corpus/sitemap
 * Finds so far: none (two 120 s runs). A crash belongs in tests/test_parse_sitemap.c too. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse/sitemap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                           \
    do {                                                                                      \
        if (!(cond)) {                                                                        \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);          \
            abort();                                                                          \
        }                                                                                     \
    } while (0)

enum { FUZZ_MAX = 1 << 20 };

/* The URLs reported, each followed by '\n' (a URL may hold '\n' inside; the prefix check
 * compares bytes, so that does not matter). */
struct got {
    char *all;
    size_t len;
    size_t cap;
    size_t count;
};

static bool xml_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void on_loc(const char *loc, size_t len, void *arg)
{
    struct got *g = arg;

    CHECK(len > 0 && len <= PARSE_SITEMAP_LOC_MAX);
    CHECK(loc[len] == '\0');
    CHECK(!xml_space(loc[0]) && !xml_space(loc[len - 1]));
    CHECK(g->count < PARSE_SITEMAP_MAX_URLS);
    if (g->len + len + 1 > g->cap) {
        g->cap = (g->len + len + 1) * 2;
        g->all = realloc(g->all, g->cap);
        CHECK(g->all != NULL);
    }
    memcpy(g->all + g->len, loc, len);
    g->len += len;
    g->all[g->len++] = '\n';
    g->count++;
}

static int run(const char *in, size_t size, size_t max, struct got *g, bool *is_index)
{
    int rc = parse_sitemap(in, size, max, on_loc, g, is_index);

    CHECK(rc == 0 || rc == CORE_EPARSE || rc == -EMSGSIZE || rc == -E2BIG);
    CHECK(rc != -E2BIG || g->count == PARSE_SITEMAP_MAX_URLS);
    CHECK(rc != -EMSGSIZE || max < size ||
          (size >= 2 && in[0] == 0x1F && (unsigned char)in[1] == 0x8B));
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *in = (const char *)data;
    struct got full = {0}, cut = {0};
    bool full_index = false, cut_index = true;

    (void)run(in, size, FUZZ_MAX, &full, &full_index);
    (void)run(in, size, size / 2, &cut, &cut_index);
    CHECK(cut.count <= full.count);
    CHECK(cut.len <= full.len && memcmp(cut.all ? cut.all : "", full.all ? full.all : "",
                                        cut.len) == 0);
    /* the flags start different, so agreeing proves that both runs wrote them */
    if (cut.count > 0)
        CHECK(full_index == cut_index);
    free(full.all);
    free(cut.all);
    return 0;
}
