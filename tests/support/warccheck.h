/* tests/support/warccheck.h: a crawl's archive read back by independent tools: gzip -t, and
 * webrecorder's warcio.js with the digest checker of tests/warcio/check.mjs.
 *
 * Ownership: paths are read during the call. Test thread only; the calls block (they run node
 * and gzip through popen, printing their output as cmocka messages). */
#ifndef TRAWL_TESTS_WARCCHECK_H
#define TRAWL_TESTS_WARCCHECK_H

/* Run cmd with sh -c, printing its output; its exit status (128 when it did not exit). */
int warccheck_run(const char *cmd);
/* The archive in dir is whole and valid: no .open, .unsorted or .pages file left, every
 * *.warc.gz passes gzip -t, warcio's cdx-index agrees with the CDXJ file cdx, every record's
 * digests check, and (wacz not NULL) the WACZ package checks. Fails the calling test if not. */
void warccheck_assert_archive(const char *dir, const char *cdx, const char *wacz);

#endif
