/* parse/html.h: links, base, title and meta robots of an HTML page.
 *
 * The page is parsed with gumbo (an HTML5 tree builder) unless that would be too costly:
 * gumbo's tree builder takes time quadratic in the nesting depth and has no limit, so a
 * linear pre-scan first estimates (from above) how deep gumbo's stack of open elements could
 * get, and past max_depth, or when tags carry attribute floods, a linear scanner of our own
 * extracts the same things instead (deep_fallback). On ordinary pages both give the same
 * result. title_only pages never reach gumbo: the scanner reads to the end of the head, or
 * on until it finds a title, and a meta robots tag after that point is not seen.
 *
 * Links are a[href] (in SVG also a[xlink:href], as gumbo reads it), area[href],
 * iframe[src], frame[src] and link[href] whose rel has "next" or "prev". They come in
 * document order (the order of their tags in the input, even where gumbo's tree reorders
 * elements, and never twice for elements gumbo clones while repairing misnested markup). They are not resolved, deduplicated or filtered: an empty href is kept
 * (it refers to the page itself) and the caller decides. href is the attribute value with
 * character references decoded, surrounding ASCII whitespace removed, and invalid UTF-8
 * replaced by U+FFFD. The title is the text of the first <title> (HTML, not SVG), with runs
 * of ASCII whitespace collapsed to one space, trimmed, control characters replaced with
 * U+FFFD and cut to PARSE_HTML_TITLE_MAX bytes at a character boundary; "" for an empty
 * <title></title>, NULL when there is none.
 *
 * Ownership: body and options are borrowed for the call. A successful parse_html_extract
 * fills *out, which owns all its storage (hrefs point into it) until
 * parse_html_result_free; the caller may take title or base_href by setting the field to
 * NULL and freeing the string later with core_free. Pure: no I/O, no globals, no clock; any
 * thread, calls share nothing. Gumbo allocates through core/mem.h too, and everything it
 * allocated is freed when the call returns, even what gumbo itself would leak. */
#ifndef PARSE_HTML_H
#define PARSE_HTML_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

/* A defence against hostile pages, not a limit for real ones: the biggest real pages seen have
 * under 20,000 links (a contents page: 13,961), and a 10 MiB page (the crawler's default body
 * cap) holds about 200,000 at a realistic density; only a page of little else than <a href>
 * tags, 8 to 10 bytes each, gets past it. At the cap the links cost about 56 MB plus their
 * hrefs. */
#define PARSE_HTML_MAX_LINKS_DEFAULT 1000000
#define PARSE_HTML_MAX_DEPTH_DEFAULT 1000
#define PARSE_HTML_TITLE_MAX 2048 /* bytes of UTF-8 */

struct parse_html_opts {
    bool follow_nofollow; /* when true, rel=nofollow links and meta robots nofollow are
                             ignored (links kept) */
    bool keep_nofollow;   /* return the links nofollow would drop too, marked nofollow (so a
                             caller can say which links it did not follow); still counted in
                             nofollow_skipped */
    bool title_only;      /* only the title (and meta robots) is wanted: parse as little as
                             possible, with the scanner, up to the end of the head */
    size_t max_links;     /* stop collecting after this many, counting the rest in
                             links_dropped (0 = PARSE_HTML_MAX_LINKS_DEFAULT) */
    size_t max_depth;     /* estimated nesting above which gumbo is not used (0 = 1000) */
};

/* Defaults: nofollow honoured, whole page, 1000000 links, depth 1000. */
void parse_html_opts_init(struct parse_html_opts *o);

enum {
    PARSE_HTML_LINK_A,        /* <a href> (HTML or SVG) */
    PARSE_HTML_LINK_AREA,     /* <area href> */
    PARSE_HTML_LINK_IFRAME,   /* <iframe src> */
    PARSE_HTML_LINK_FRAME,    /* <frame src> */
    PARSE_HTML_LINK_LINK_NEXT, /* <link rel="next" href> */
    PARSE_HTML_LINK_LINK_PREV  /* <link rel="prev" href> */
};

struct parse_html_link {
    const char *href; /* NUL-terminated, owned by the result */
    size_t len;
    unsigned kind;    /* PARSE_HTML_LINK_* */
    bool nofollow;    /* not to be followed (only returned with opts.keep_nofollow) */
};

struct parse_html_result {
    char *title;             /* UTF-8, see above; NULL when none */
    char *base_href;         /* first <base href>, decoded and trimmed, or NULL */
    bool meta_nofollow;      /* <meta name="robots" content="...nofollow..."> (also "none") */
    bool meta_noindex;       /* ... "noindex" or "none" */
    struct parse_html_link *links;
    size_t nlinks;
    size_t nofollow_skipped; /* links with rel=nofollow skipped (0 when follow_nofollow) */
    bool deep_fallback;      /* gumbo was not used (too deep, too many attributes, or 2 GB
                                and more): links came from the linear scanner */
    bool truncated_links;    /* there were more than max_links links */
    size_t links_dropped;    /* how many more: counted, not returned (0 under meta robots
                                nofollow, where none are returned) */
    char *storage_;          /* private: the hrefs */
};

/* Extract from body, which must already be UTF-8 (see parse/charset.h; invalid bytes are
 * tolerated and repaired). o may be NULL for the defaults. Under meta robots nofollow (and
 * !follow_nofollow) no links are returned, but the title and flags are. Malformed HTML is
 * never an error. 0 or -ENOMEM; *out is written only on success. */
CORE_MUST_CHECK int parse_html_extract(const char *body, size_t len, const struct parse_html_opts *o,
                                       struct parse_html_result *out);

/* Free what a result owns and clear it. NULL is a no-op. */
void parse_html_result_free(struct parse_html_result *r);

#endif
