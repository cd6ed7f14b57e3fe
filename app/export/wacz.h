/* app/export/wacz.h: a crawl packaged as one WACZ file (Web Archive Collection Zipped).
 *
 * The package is a ZIP with:
 *   archive/NAME-00000.warc.gz ...   the WARC files, as written
 *   indexes/index.cdxj               the sorted CDXJ index (app/export/cdxj.h)
 *   pages/pages.jsonl                {"format":"json-pages-1.0","id":"pages","title":"All Pages"}
 *                                    then one line per seed and page: url, ts, title (and
 *                                    "seed":true on seeds)
 *   datapackage.json                 every file above with its name, path, "sha256:<hex>" hash
 *                                    and size in bytes; created, software, title, the main page
 *   datapackage-digest.json          {"path":"datapackage.json","hash":"sha256:<hex>"}
 * Every entry is STORED, not deflated: the WARC members are gzip already, and replay tools read
 * a record by seeking to (zip entry offset + CDXJ offset), which needs the bytes as they are.
 * libzip writes ZIP64 records when a file passes 4 GiB.
 *
 * Version: datapackage.json says "profile": "data-package" and "wacz_version": "1.1.1", with
 * mainPageUrl and mainPageDate, which is WACZ 1.1.1, the version py-wacz and Browsertrix write.
 * The 1.2.0 draft changes the profile to "wacz" and drops wacz_version, but ReplayWeb.page
 * (wabac.js) refuses any profile other than data-package, wacz-package or none with "Unknown
 * package profile", so 1.2.0's profile would make the file unplayable there; the 1.2.0 "home"
 * object ({url, ts}) is added as well, which 1.1.1 readers ignore.
 *
 * The file is written as PATH.open and renamed to PATH once complete. Pages are appended to
 * PATH.pages as the crawl goes (app_wacz_add_page), so the list costs no memory.
 *
 * Ownership: app_wacz_create allocates and copies path; arguments are read during each call;
 * app_wacz_finish builds the package; app_wacz_destroy frees and removes temporary files. One
 * thread at a time; app_wacz_finish reads every WARC file twice (hash, then copy) and blocks
 * for that long, so the crawler calls it off the loop or after the loop has stopped. */
#ifndef APP_WACZ_H
#define APP_WACZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct app_wacz;

/* What datapackage.json says about the collection. Plain struct; pointers borrowed. */
struct app_wacz_info {
    const char *title;         /* NULL: left out */
    const char *description;   /* Markdown (plain text is); NULL: left out */
    const char *software;      /* e.g. "trawl 0.1.0"; NULL: "trawl " TRAWL_VERSION */
    int64_t created_ms;        /* ms since the epoch */
    const char *main_url;      /* the main page (the first seed); NULL: left out */
    int64_t main_ts_ms;        /* its capture time */
};

/* Start a package to be written to path. 0 and *out, or a negated errno. */
CORE_MUST_CHECK int app_wacz_create(const char *path, struct app_wacz **out);
/* Go on with a package begun by a crawl that is resumed: fd is PATH.pages, cut back to len
 * bytes of whole lines and positioned at its end (len 0: its header is written), the object's
 * from then on (also on failure). 0 and *out, or a negated errno. */
CORE_MUST_CHECK int app_wacz_resume(const char *path, int fd, uint64_t len,
                                    struct app_wacz **out);
/* PATH.pages (core_malloc'ed), or NULL. */
char *app_wacz_pages_path(const char *path);
/* Have destroy leave PATH.pages, for a crawl that will be resumed. */
void app_wacz_keep(struct app_wacz *w);
/* The pages file's descriptor and its bytes of whole lines. */
int app_wacz_fd(const struct app_wacz *w);
uint64_t app_wacz_bytes(const struct app_wacz *w);
/* Add a page to pages/pages.jsonl: its URL, capture time and title (NULL: none). 0 or a
 * negated errno (sticky). */
CORE_MUST_CHECK int app_wacz_add_page(struct app_wacz *w, const char *url, int64_t ts_ms,
                                      const char *title, bool seed);
/* Write the package: the n WARC files (paths; stored under archive/ by base name) and the
 * sorted CDXJ file cdxj. 0 or a negated errno (-EIO for a libzip failure with no errno,
 * -EEXIST when path exists). */
CORE_MUST_CHECK int app_wacz_finish(struct app_wacz *w, const struct app_wacz_info *info,
                                    const char *const *warcs, size_t n, const char *cdxj);
/* Free and remove the temporary files (and PATH.open after a failure). NULL is a no-op. */
void app_wacz_destroy(struct app_wacz *w);

#endif
