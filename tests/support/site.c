/* tests/support/site.c: see site.h. */
#include "tests/support/site.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Copy t into a new string with {BASE} and {OTHER} replaced. */
static char *expand(const struct site *s, const char *t, size_t *len)
{
    char other[64];
    size_t cap = strlen(t) * 2 + 256, n = 0;
    char *out = malloc(cap);

    snprintf(other, sizeof(other), "http://localhost:%u", (unsigned)httpd_port(s->srv));
    while (*t) {
        const char *rep = NULL;
        size_t skip = 0;

        if (strncmp(t, "{BASE}", 6) == 0) {
            rep = s->base;
            skip = 6;
        } else if (strncmp(t, "{OTHER}", 7) == 0) {
            rep = other;
            skip = 7;
        }
        if (rep) {
            size_t rl = strlen(rep);

            if (n + rl + 1 >= cap)
                out = realloc(out, cap = (n + rl) * 2 + 16);
            memcpy(out + n, rep, rl);
            n += rl;
            t += skip;
        } else {
            if (n + 2 >= cap)
                out = realloc(out, cap *= 2);
            out[n++] = *t++;
        }
    }
    out[n] = '\0';
    *len = n;
    return out;
}

static void handle(const struct httpd_request *req, struct httpd_response *resp, void *arg)
{
    const struct site *s = arg;
    size_t i, blen, hlen;

    for (i = 0; i < s->npages; i++) {
        const struct site_page *p = &s->pages[i];
        char *body, *hdrs;

        if (strcmp(p->path, req->target) != 0)
            continue;
        body = expand(s, p->body ? p->body : "", &blen);
        hdrs = p->headers ? expand(s, p->headers, &hlen) : NULL;
        httpd_respond(resp, p->status ? p->status : 200,
                      p->content_type ? p->content_type : "text/html; charset=utf-8", hdrs,
                      body, blen);
        resp->delay_ms = p->delay_ms;
        free(body);
        free(hdrs);
        return;
    }
    httpd_respond(resp, 404, "text/html", NULL, "<title>404</title>", 18);
}

int site_start(struct site *s, const struct site_page *pages, size_t npages)
{
    int rc;

    s->pages = pages;
    s->npages = npages;
    rc = httpd_start(0, handle, s, &s->srv);
    if (rc == 0)
        snprintf(s->base, sizeof(s->base), "http://127.0.0.1:%u", (unsigned)httpd_port(s->srv));
    return rc;
}

void site_stop(struct site *s)
{
    httpd_stop(s->srv);
    s->srv = NULL;
}

const char *site_url(const struct site *s, const char *path, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s%s", s->base, path);
    return buf;
}

uint64_t site_hits(struct site *s, const char *path)
{
    return httpd_hits(s->srv, path);
}

uint64_t site_foreign_hosts(struct site *s)
{
    uint64_t i, n = httpd_requests(s->srv), foreign = 0;
    const char *own = s->base + strlen("http://");

    for (i = 0; i < n; i++) {
        char *h = httpd_log_header(s->srv, i, "Host");

        foreign += !h || strcmp(h, own) != 0;
        free(h);
    }
    return foreign;
}
