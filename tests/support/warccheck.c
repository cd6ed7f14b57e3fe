/* tests/support/warccheck.c: an archive read back by independent tools (see warccheck.h). */
#include "tests/support/warccheck.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/wait.h>

#include <cmocka.h>

int warccheck_run(const char *cmd)
{
    char line[1024];
    FILE *p = popen(cmd, "r");
    int st;

    assert_non_null(p);
    while (fgets(line, sizeof(line), p))
        print_message("  %s", line);
    st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

void warccheck_assert_archive(const char *dir, const char *cdx, const char *wacz)
{
    char cmd[4096];

    snprintf(cmd, sizeof(cmd), "cd %s && test -z \"$(ls | grep -E '\\.(open|unsorted|pages)$')\" && "
                               "for f in *.warc.gz; do gzip -t $f || exit 1; done", dir);
    assert_int_equal(warccheck_run(cmd), 0);
    snprintf(cmd, sizeof(cmd), "cd %s && node %s/tests/warcio/check.mjs cdx %s *.warc.gz 2>&1",
             dir, TRAWL_SOURCE_DIR, cdx);
    assert_int_equal(warccheck_run(cmd), 0);
    snprintf(cmd, sizeof(cmd), "cd %s && node %s/tests/warcio/check.mjs digests *.warc.gz 2>&1",
             dir, TRAWL_SOURCE_DIR);
    assert_int_equal(warccheck_run(cmd), 0);
    if (!wacz)
        return;
    snprintf(cmd, sizeof(cmd), "cd %s && node %s/tests/warcio/check.mjs wacz %s *.warc.gz 2>&1",
             dir, TRAWL_SOURCE_DIR, wacz);
    assert_int_equal(warccheck_run(cmd), 0);
}
