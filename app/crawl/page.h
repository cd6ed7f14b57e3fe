/* app/crawl/page.h: everything the crawler does to a fetched HTML page that needs no loop: find
 * the charset, convert to UTF-8, extract title and links, resolve each link against the page's
 * base and normalise it. Pure and thread-safe, so the crawler runs it on the thread pool
 * (core_offload) and the loop keeps fetching while pages are parsed.
 *
 * A hostile page can hold a million links, so they are capped twice: by count (max_links) and
 * by the bytes they resolve to (PAGE_LINKS_MAX_BYTES each for the links kept and for those
 * skipped: a bare <a href>, 8 bytes, resolves to the page's own URL, up to max_url_len bytes,
 * so the count alone does not bound memory). The links past either cap are counted in
 * links_dropped, and links_found still counts every link on the page.
 *
 * Ownership: the input is borrowed for the call; the output's storage is the caller's to
 * release with page_output_free. Any thread. */
#ifndef APP_PAGE_H
#define APP_PAGE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"

/* Far above a real page's resolved links (20,000 links of 100 bytes: 2 MB) and above what the
 * default 10 MiB body cap lets one hold at a realistic density. */
#define PAGE_LINKS_MAX_BYTES (64u << 20)

struct page_input {
    const char *body;
    size_t len;
    const char *content_type;   /* the Content-Type header value, "" when none */
    const char *url;            /* the page's (final, normalised) URL */
    bool title_only;            /* links are not wanted (the page is at the depth limit) */
    bool follow_nofollow;
    size_t max_url_len;         /* longer links are dropped as too_long */
    size_t max_links;           /* links kept or skipped, the rest dropped (0 = parse/html.h's
                                   PARSE_HTML_MAX_LINKS_DEFAULT) */
    unsigned html_parser;       /* enum parse_html_parser (parse/html.h): who reads the page */
};

/* Why a link on the page will not be followed, as written to --skipped. */
enum page_skip {
    PAGE_SKIP_SCHEME,           /* mailto:, javascript:, ftp:, ... */
    PAGE_SKIP_MALFORMED,        /* not a URL we can resolve */
    PAGE_SKIP_TOO_LONG,
    PAGE_SKIP_NOFOLLOW          /* rel=nofollow, or the page's meta robots nofollow */
};

struct page_output {
    char *title;                /* UTF-8, or NULL */
    struct core_buf links;      /* normalised absolute URLs, each NUL-terminated, in order */
    size_t nlinks;
    size_t links_found;         /* every link on the page: nlinks + nskipped + links_dropped */
    size_t links_dropped;       /* past max_links or PAGE_LINKS_MAX_BYTES: not looked at */
    struct core_buf skipped;    /* per skipped link: one byte enum page_skip, then URL, NUL */
    size_t nskipped;
    bool meta_nofollow;
    unsigned parser;            /* enum parse_html_parser: which one read the page */
    unsigned defer;             /* enum parse_html_defer: why gumbo did (or would have) */
    bool deep_fallback;         /* gumbo was wanted but the page is too deep for it: the
                                   scanner read it best effort */
    char charset[32];
    int err;                    /* 0 or -ENOMEM */
};

void page_output_init(struct page_output *o);
void page_output_free(struct page_output *o);
/* Analyse a page. Returns out->err. */
int page_analyze(const struct page_input *in, struct page_output *out);

#endif
