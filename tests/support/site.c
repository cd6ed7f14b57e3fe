/* tests/support/site.c: see site.h. */
#include "tests/support/site.h"

#include <stdio.h>
#include <stdlib.h>
#include <stdbool.h>
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

/* The Host header without its port, into buf. */
static const char *host_of(const struct httpd_request *req, char *buf, size_t cap)
{
    char *colon;

    if (!httpd_header(req, "Host", buf, cap))
        buf[0] = '\0';
    colon = strrchr(buf, ':');
    if (colon && buf[0] != '[')
        *colon = '\0';
    return buf;
}

static void handle(const struct httpd_request *req, struct httpd_response *resp, void *arg)
{
    struct site *s = arg;
    char host[256];
    size_t i, blen, hlen;

    host_of(req, host, sizeof(host));
    for (i = 0; i < s->npages; i++) {
        const struct site_page *p = &s->pages[i];
        char *body, *hdrs;
        unsigned n;

        if (strcmp(p->path, req->target) != 0 || (p->host && strcmp(p->host, host) != 0))
            continue;
        n = i < SITE_MAX_PAGES ? s->hits[i]++ : 0;
        if (n < p->fail_first) {
            hdrs = p->fail_headers ? expand(s, p->fail_headers, &hlen) : NULL;
            httpd_respond(resp, p->fail_status ? p->fail_status : 500, "text/plain", hdrs,
                          "failing on purpose", 18);
            resp->action = p->fail_action;
            free(hdrs);
            return;
        }
        if (p->body_len) {
            body = malloc(p->body_len);
            memcpy(body, p->body, p->body_len);
            blen = p->body_len;
        } else {
            body = expand(s, p->body ? p->body : "", &blen);
        }
        hdrs = p->headers ? expand(s, p->headers, &hlen) : NULL;
        httpd_respond(resp, p->status ? p->status : 200,
                      p->content_type ? p->content_type : "text/html; charset=utf-8", hdrs,
                      body, blen);
        resp->delay_ms = p->delay_ms;
        resp->hold = p->hold > 0;
        /* both run after this request has been answered or held */
        if (p->releases || (p->hold > 0 && ++s->held >= p->hold))
            httpd_release(s->srv);
        free(body);
        free(hdrs);
        return;
    }
    httpd_respond(resp, 404, "text/html", NULL, "<title>404</title>", 18);
}

int site_start(struct site *s, const struct site_page *pages, size_t npages)
{
    int rc;

    memset(s, 0, sizeof(*s));
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

uint64_t site_host_hits(struct site *s, const char *host, const char *path)
{
    uint64_t i, n = httpd_requests(s->srv), hits = 0;
    size_t hl = strlen(host);

    for (i = 0; i < n; i++) {
        char *t = httpd_log_target(s->srv, i), *h = httpd_log_header(s->srv, i, "Host");

        hits += t && h && strcmp(t, path) == 0 && strncmp(h, host, hl) == 0 &&
                (h[hl] == '\0' || h[hl] == ':');
        free(t);
        free(h);
    }
    return hits;
}

static bool is_host(struct site *s, uint64_t i, const char *host)
{
    char *h;
    bool yes;
    size_t hl;

    if (!host)
        return true;
    h = httpd_log_header(s->srv, i, "Host");
    hl = strlen(host);
    yes = h && strncmp(h, host, hl) == 0 && (h[hl] == '\0' || h[hl] == ':');
    free(h);
    return yes;
}

unsigned site_max_overlap(struct site *s, const char *host)
{
    uint64_t i, j, n = httpd_requests(s->srv);
    unsigned best = 0;

    /* in the server's order of events: times in ms tie too often to tell */
    for (i = 0; i < n; i++) {
        uint64_t ri, di, rj, dj;
        unsigned k = 0;

        if (!is_host(s, i, host) || httpd_log_order(s->srv, i, &ri, &di) < 0)
            continue;
        /* how many requests of this host were in progress when request i arrived */
        for (j = 0; j < n; j++) {
            if (!is_host(s, j, host) || httpd_log_order(s->srv, j, &rj, &dj) < 0)
                continue;
            k += rj <= ri && (dj == 0 || dj > ri);
        }
        if (k > best)
            best = k;
    }
    return best;
}

int64_t site_min_gap(struct site *s, const char *host)
{
    uint64_t i, n = httpd_requests(s->srv);
    int64_t last = -1, best = -1, r, d;

    for (i = 0; i < n; i++) {
        if (!is_host(s, i, host) || httpd_log_times(s->srv, i, &r, &d) < 0)
            continue;
        if (last >= 0 && (best < 0 || r - last < best))
            best = r - last;
        last = r;
    }
    return best;
}

const char *site_connect_to(const struct site *s, char *buf, size_t cap)
{
    snprintf(buf, cap, "::127.0.0.1:%u", (unsigned)httpd_port(s->srv));
    return buf;
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
