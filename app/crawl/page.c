/* app/crawl/page.c: charset, HTML extraction and link normalisation for one page (see page.h). */
#include "app/crawl/page.h"

#include <errno.h>
#include <string.h>

#include "core/mem.h"
#include "parse/charset.h"
#include "parse/html.h"
#include "parse/url.h"

void page_output_init(struct page_output *o)
{
    memset(o, 0, sizeof(*o));
    core_buf_init(&o->links, PAGE_LINKS_MAX_BYTES);
    core_buf_init(&o->skipped, PAGE_LINKS_MAX_BYTES);
}

void page_output_free(struct page_output *o)
{
    core_free(o->title);
    o->title = NULL;
    core_buf_free(&o->links);
    core_buf_free(&o->skipped);
}

/* Add a skipped link, whole or not at all. 0, -ENOMEM or -EMSGSIZE (the buffer is full). */
static int skip(struct page_output *o, enum page_skip why, const char *url, size_t len)
{
    struct core_buf *b = &o->skipped;
    const size_t mark = b->len;
    int rc = core_buf_putc(b, (char)why);

    if (rc == 0)
        rc = core_buf_append(b, url, len);
    if (rc == 0)
        rc = core_buf_putc(b, '\0');
    if (rc < 0) {
        b->len = mark;
        if (b->data)
            b->data[mark] = '\0';
        return rc;
    }
    o->nskipped++;
    return 0;
}

/* The base URL for resolving links: <base href> resolved against the page URL, if valid. */
static int base_of(const struct page_input *in, const struct parse_html_result *h,
                   struct core_buf *base)
{
    size_t ulen = strlen(in->url);
    int rc;

    if (h->base_href) {
        rc = parse_url_resolve(in->url, ulen, h->base_href, strlen(h->base_href), base);
        /* out of memory is no reason to resolve the links against the wrong base */
        if (rc == 0 || rc == -ENOMEM)
            return rc;
    }
    core_buf_reset(base);
    return core_buf_append(base, in->url, ulen);
}

static int add_links(const struct page_input *in, const struct parse_html_result *h,
                     struct page_output *o)
{
    struct core_buf base, abs;
    size_t i;
    int rc;

    core_buf_init(&base, 1u << 16);
    core_buf_init(&abs, in->max_url_len);
    rc = base_of(in, h, &base);
    for (i = 0; rc == 0 && i < h->nlinks; i++) {
        const struct parse_html_link *l = &h->links[i];
        int r = parse_url_resolve(base.data, base.len, l->href, l->len, &abs);

        if (r == 0 && l->nofollow) {
            rc = skip(o, PAGE_SKIP_NOFOLLOW, abs.data, abs.len);
        } else if (r == 0) {
            rc = core_buf_append(&o->links, abs.data, abs.len + 1); /* with its NUL */
            if (rc == 0)
                o->nlinks++;
        } else if (r == CORE_ESCHEME) {
            rc = skip(o, PAGE_SKIP_SCHEME, l->href, l->len);
        } else if (r == -EMSGSIZE) {
            rc = skip(o, PAGE_SKIP_TOO_LONG, l->href, l->len > 256 ? 256 : l->len);
        } else if (r == -ENOMEM) {
            rc = r;
        } else {
            rc = skip(o, PAGE_SKIP_MALFORMED, l->href, l->len > 256 ? 256 : l->len);
        }
        if (rc == -EMSGSIZE) {
            /* PAGE_LINKS_MAX_BYTES: this link and the rest are dropped, as past max_links */
            o->links_dropped += h->nlinks - i;
            rc = 0;
            break;
        }
    }
    core_buf_free(&base);
    core_buf_free(&abs);
    return rc;
}

int page_analyze(const struct page_input *in, struct page_output *out)
{
    struct parse_html_opts ho;
    struct parse_html_result h;
    struct core_buf utf8;
    int rc;

    core_buf_init(&utf8, in->len * 4 + 64);
    rc = parse_charset_detect(in->body, in->len, in->content_type, strlen(in->content_type),
                              out->charset, sizeof(out->charset));
    if (rc == 0)
        rc = parse_charset_to_utf8(in->body, in->len, out->charset, &utf8);
    if (rc < 0)
        goto out;
    parse_html_opts_init(&ho);
    ho.follow_nofollow = in->follow_nofollow;
    ho.keep_nofollow = true; /* so that the links not followed can be listed */
    ho.title_only = in->title_only;
    ho.max_links = in->max_links;
    ho.parser = in->html_parser;
    rc = parse_html_extract(utf8.data ? utf8.data : "", utf8.len, &ho, &h);
    if (rc < 0)
        goto out;
    out->meta_nofollow = h.meta_nofollow;
    out->parser = h.parser;
    out->defer = h.defer;
    out->deep_fallback = h.deep_fallback;
    /* nofollow ones included (keep_nofollow returns them), and those past max_links */
    out->links_found = h.nlinks + h.links_dropped;
    out->links_dropped = h.links_dropped;
    if (h.title && !(out->title = core_strdup(h.title)))
        rc = -ENOMEM;
    if (rc == 0 && !in->title_only)
        rc = add_links(in, &h, out);
    parse_html_result_free(&h);
out:
    core_buf_free(&utf8);
    return out->err = rc;
}
