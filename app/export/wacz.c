/* app/export/wacz.c: the WACZ package, built with libzip from files on disk (see wacz.h). */
#include "app/export/wacz.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

#include "app/export/jsonw.h"
#include "app/export/warcrec.h"
#include "core/buf.h"
#include "core/fdio.h"
#include "core/mem.h"

#define HASH_CHUNK ((size_t)1 << 20)
#define JSON_MAX ((size_t)64 << 20)

static const char PAGES_HEADER[] = "{\"format\":\"json-pages-1.0\",\"id\":\"pages\","
                                   "\"title\":\"All Pages\"}\n";

struct app_wacz {
    char *path, *pages;
    int fd;        /* pages file, -1 once closed */
    int err;       /* first error, sticky */
    uint64_t bytes;  /* of whole lines in the pages file */
    bool keep;       /* destroy leaves the pages file (a crawl to be resumed) */
    struct core_buf line;
};

/* One file of the package: where it comes from and what it is. */
struct member {
    const char *src;       /* file on disk, or NULL for a buffer */
    const char *data;      /* the buffer */
    size_t len;
    char *zip_path;        /* "archive/x.warc.gz" */
    const char *name;      /* resource name: the base name */
    char hash[72];         /* "sha256:" + 64 hex */
    uint64_t bytes;
};

static char *concat(const char *a, const char *b, const char *c)
{
    const size_t na = strlen(a), nb = strlen(b), nc = strlen(c);
    char *s = core_malloc(na + nb + nc + 1);

    if (s) {
        memcpy(s, a, na);
        memcpy(s + na, b, nb);
        memcpy(s + na + nb, c, nc + 1);
    }
    return s;
}

/* fd < 0: create PATH.pages with its header; else go on with it (len bytes). */
static int start(const char *path, int fd, uint64_t len, struct app_wacz **out)
{
    struct app_wacz *w = core_calloc(1, sizeof(*w));
    int rc;

    if (!w)
        return -ENOMEM;
    w->fd = -1;
    core_buf_init(&w->line, 1u << 24);
    w->path = core_strdup(path);
    w->pages = concat(path, ".pages", "");
    if (!w->path || !w->pages) {
        rc = -ENOMEM;
        goto out_free;
    }
    if (fd >= 0) {
        w->fd = fd;
        w->bytes = len;
        fd = -1;
    } else {
        do
            w->fd = open(w->pages, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY, 0666);
        while (w->fd < 0 && errno == EINTR);
        if (w->fd < 0) {
            rc = -errno;
            goto out_free;
        }
    }
    if (w->bytes == 0) {
        rc = core_write_all(w->fd, PAGES_HEADER, sizeof(PAGES_HEADER) - 1);
        if (rc < 0)
            goto out_close;
        w->bytes = sizeof(PAGES_HEADER) - 1;
    }
    *out = w;
    return 0;

out_close:
    close(w->fd);
    unlink(w->pages);
out_free:
    if (fd >= 0)
        close(fd);
    core_free(w->path);
    core_free(w->pages);
    core_free(w);
    return rc;
}

int app_wacz_create(const char *path, struct app_wacz **out)
{
    return start(path, -1, 0, out);
}

int app_wacz_resume(const char *path, int fd, uint64_t len, struct app_wacz **out)
{
    return start(path, fd, len, out);
}

char *app_wacz_pages_path(const char *path)
{
    return concat(path, ".pages", "");
}

void app_wacz_keep(struct app_wacz *w)
{
    w->keep = true;
}

int app_wacz_fd(const struct app_wacz *w)
{
    return w->fd;
}

uint64_t app_wacz_bytes(const struct app_wacz *w)
{
    return w->bytes;
}

int app_wacz_add_page(struct app_wacz *w, const char *url, int64_t ts_ms, const char *title,
                      bool seed)
{
    char ts[APP_WARC_DATE_LEN + 1];
    struct jsonw j;
    int rc;

    if (w->err)
        return w->err;
    if (w->fd < 0)
        return -EBADF;
    app_warcrec_date(ts_ms, ts);
    core_buf_reset(&w->line);
    jsonw_init(&j, &w->line);
    jsonw_begin_object(&j);
    jsonw_key(&j, "url");
    jsonw_string(&j, url, strlen(url));
    jsonw_key(&j, "ts");
    jsonw_string(&j, ts, strlen(ts));
    if (title) {
        jsonw_key(&j, "title");
        jsonw_string(&j, title, strlen(title));
    }
    if (seed) {
        jsonw_key(&j, "seed");
        jsonw_bool(&j, true);
    }
    jsonw_end_object(&j);
    rc = jsonw_finish(&j);
    if (rc == 0)
        rc = core_buf_putc(&w->line, '\n');
    if (rc == 0)
        rc = core_write_all(w->fd, w->line.data, w->line.len);
    if (rc == 0)
        w->bytes += w->line.len;
    if (rc < 0)
        w->err = rc;
    return rc;
}

static void hex_hash(const unsigned char *md, unsigned n, char *out)
{
    static const char hex[] = "0123456789abcdef";
    unsigned i;

    memcpy(out, "sha256:", 7);
    out += 7;
    for (i = 0; i < n; i++) {
        *out++ = hex[md[i] >> 4];
        *out++ = hex[md[i] & 15];
    }
    *out = '\0';
}

/* The SHA-256 and size of a file, or of a buffer. */
static int hash_member(struct member *m, unsigned char *buf)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned mdlen = 0;
    int rc = 0, fd = -1;
    ssize_t n;

    if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)) {
        EVP_MD_CTX_free(ctx);
        return -ENOMEM;
    }
    m->bytes = 0;
    if (m->src) {
        do
            fd = open(m->src, O_RDONLY | O_CLOEXEC);
        while (fd < 0 && errno == EINTR);
        if (fd < 0)
            rc = -errno;
        while (rc == 0) {
            n = read(fd, buf, HASH_CHUNK);
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0)
                rc = -errno;
            if (n <= 0)
                break;
            EVP_DigestUpdate(ctx, buf, (size_t)n);
            m->bytes += (uint64_t)n;
        }
        if (fd >= 0)
            close(fd);
    } else {
        EVP_DigestUpdate(ctx, m->data, m->len);
        m->bytes = m->len;
    }
    if (rc == 0 && !EVP_DigestFinal_ex(ctx, md, &mdlen))
        rc = -ENOMEM;
    if (rc == 0)
        hex_hash(md, mdlen, m->hash);
    EVP_MD_CTX_free(ctx);
    return rc;
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');

    return slash ? slash + 1 : path;
}

static void put_key_string(struct jsonw *j, const char *key, const char *value)
{
    jsonw_key(j, key);
    jsonw_string(j, value, strlen(value));
}

/* datapackage.json for the members (all but the two JSON files themselves). */
static int datapackage(const struct app_wacz_info *info, const struct member *m, size_t n,
                       struct core_buf *out)
{
    char date[APP_WARC_DATE_LEN + 1], lower[256];
    struct jsonw j;
    size_t i, k;

    jsonw_init(&j, out);
    jsonw_begin_object(&j);
    put_key_string(&j, "profile", "data-package");
    put_key_string(&j, "wacz_version", "1.1.1");
    if (info->title)
        put_key_string(&j, "title", info->title);
    if (info->description)
        put_key_string(&j, "description", info->description);
    app_warcrec_date(info->created_ms, date);
    put_key_string(&j, "created", date);
    put_key_string(&j, "software", info->software ? info->software : "trawl " TRAWL_VERSION);
    if (info->main_url) {
        app_warcrec_date(info->main_ts_ms, date);
        put_key_string(&j, "mainPageUrl", info->main_url);
        put_key_string(&j, "mainPageDate", date);
        jsonw_key(&j, "home");
        jsonw_begin_object(&j);
        put_key_string(&j, "url", info->main_url);
        put_key_string(&j, "ts", date);
        jsonw_end_object(&j);
    }
    jsonw_key(&j, "resources");
    jsonw_begin_array(&j);
    for (i = 0; i < n; i++) {
        /* Frictionless resource names are lower case */
        for (k = 0; m[i].name[k] && k + 1 < sizeof(lower); k++)
            lower[k] = (char)(m[i].name[k] >= 'A' && m[i].name[k] <= 'Z'
                                  ? m[i].name[k] - 'A' + 'a'
                                  : m[i].name[k]);
        lower[k] = '\0';
        jsonw_begin_object(&j);
        put_key_string(&j, "name", lower);
        put_key_string(&j, "path", m[i].zip_path);
        put_key_string(&j, "hash", m[i].hash);
        jsonw_key(&j, "bytes");
        jsonw_uint(&j, m[i].bytes);
        jsonw_end_object(&j);
    }
    jsonw_end_array(&j);
    jsonw_end_object(&j);
    return jsonw_finish(&j);
}

/* libzip's error as a negated errno. */
static int zip_rc(zip_error_t *e)
{
    const int sys = zip_error_code_system(e);

    if (zip_error_system_type(e) == ZIP_ET_SYS && sys > 0)
        return -sys;
    return zip_error_code_zip(e) == ZIP_ER_MEMORY ? -ENOMEM : -EIO;
}

/* Add one member, stored. */
static int add_member(zip_t *za, const struct member *m)
{
    zip_source_t *src = m->src ? zip_source_file(za, m->src, 0, -1)
                               : zip_source_buffer(za, m->data, m->len, 0);
    zip_int64_t idx;

    if (!src)
        return zip_rc(zip_get_error(za));
    idx = zip_file_add(za, m->zip_path, src, ZIP_FL_ENC_UTF_8);
    if (idx < 0) {
        zip_source_free(src);
        return zip_rc(zip_get_error(za));
    }
    if (zip_set_file_compression(za, (zip_uint64_t)idx, ZIP_CM_STORE, 0) < 0)
        return zip_rc(zip_get_error(za));
    return 0;
}

int app_wacz_finish(struct app_wacz *w, const struct app_wacz_info *info,
                    const char *const *warcs, size_t n, const char *cdxj)
{
    const size_t total = n + 4;   /* WARCs, index, pages, datapackage, digest */
    struct member *m = NULL;
    struct core_buf dp, digest;
    unsigned char *buf = NULL;
    char *open_path = NULL;
    zip_t *za = NULL;
    struct stat st;
    size_t i;
    int rc = w->err, zerr = 0;

    core_buf_init(&dp, JSON_MAX);
    core_buf_init(&digest, JSON_MAX);
    if (w->fd >= 0) {
        if (close(w->fd) < 0 && rc == 0 && errno != EINTR)
            rc = -errno;
        w->fd = -1;
    } else if (rc == 0) {
        rc = -EBADF;   /* finished already */
    }
    if (rc == 0 && stat(w->path, &st) == 0)
        rc = -EEXIST;
    if (rc == 0) {
        m = core_calloc(total, sizeof(*m));
        buf = core_malloc(HASH_CHUNK);
        open_path = concat(w->path, ".open", "");
        if (!m || !buf || !open_path)
            rc = -ENOMEM;
    }
    for (i = 0; rc == 0 && i < n; i++) {
        m[i].src = warcs[i];
        m[i].name = base_name(warcs[i]);
        m[i].zip_path = concat("archive/", m[i].name, "");
        if (!m[i].zip_path)
            rc = -ENOMEM;
    }
    if (rc == 0) {
        m[n] = (struct member){.src = cdxj, .name = "index.cdxj"};
        m[n].zip_path = concat("indexes/index.cdxj", "", "");
        m[n + 1] = (struct member){.src = w->pages, .name = "pages.jsonl"};
        m[n + 1].zip_path = concat("pages/pages.jsonl", "", "");
        if (!m[n].zip_path || !m[n + 1].zip_path)
            rc = -ENOMEM;
    }
    for (i = 0; rc == 0 && i < n + 2; i++)
        rc = hash_member(&m[i], buf);
    if (rc == 0)
        rc = datapackage(info, m, n + 2, &dp);
    if (rc == 0) {
        m[n + 2] = (struct member){.data = dp.data, .len = dp.len, .name = "datapackage.json"};
        m[n + 2].zip_path = concat("datapackage.json", "", "");
        rc = m[n + 2].zip_path ? hash_member(&m[n + 2], buf) : -ENOMEM;
    }
    if (rc == 0)
        rc = core_buf_printf(&digest, "{\"path\":\"datapackage.json\",\"hash\":\"%s\"}",
                             m[n + 2].hash);
    if (rc == 0) {
        m[n + 3] = (struct member){.data = digest.data, .len = digest.len,
                                   .name = "datapackage-digest.json"};
        m[n + 3].zip_path = concat("datapackage-digest.json", "", "");
        if (!m[n + 3].zip_path)
            rc = -ENOMEM;
    }
    if (rc == 0) {
        za = zip_open(open_path, ZIP_CREATE | ZIP_TRUNCATE, &zerr);
        if (!za) {
            zip_error_t e;

            zip_error_init_with_code(&e, zerr);
            rc = zip_rc(&e);
            zip_error_fini(&e);
        }
    }
    for (i = 0; rc == 0 && i < total; i++)
        rc = add_member(za, &m[i]);
    if (za) {
        if (rc == 0 && zip_close(za) < 0)
            rc = zip_rc(zip_get_error(za));
        if (rc < 0)
            zip_discard(za);   /* also after a failed zip_close: nothing was renamed in */
    }
    if (rc == 0 && rename(open_path, w->path) < 0)
        rc = -errno;
    if (rc == 0)
        unlink(w->pages);   /* in the package now */
    if (rc < 0 && open_path)
        unlink(open_path);
    if (m)
        for (i = 0; i < total; i++)
            core_free(m[i].zip_path);
    core_free(m);
    core_free(buf);
    core_free(open_path);
    core_buf_free(&dp);
    core_buf_free(&digest);
    if (w->err == 0)
        w->err = rc ? rc : -EBADF;
    return rc;
}

void app_wacz_destroy(struct app_wacz *w)
{
    if (!w)
        return;
    if (w->fd >= 0)
        close(w->fd);
    if (!w->keep)
        unlink(w->pages);
    core_buf_free(&w->line);
    core_free(w->path);
    core_free(w->pages);
    core_free(w);
}
