/* app/export/crawl_output.c: JSONL and CSV crawl records (see crawl_output.h). */
#include "app/export/crawl_output.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "app/export/csvw.h"
#include "app/export/jsonw.h"
#include "app/export/outfile.h"
#include "core/buf.h"
#include "core/mem.h"

struct crawl_output {
    struct app_outfile *file;
    enum file_format fmt;
    struct core_buf line;
    int err;
};

static const char *const fields[] = {"url", "final_url", "depth", "parent", "status",
                                     "content_type", "bytes", "title", "links_found",
                                     "links_new", "fetch_ms", "error", "fetched_at",
                                     "attempts", "warc_file", "warc_offset"};
#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

void crawl_format_time(int64_t unix_ms, char *buf, size_t cap)
{
    time_t s = (time_t)(unix_ms / 1000);
    struct tm tm;

    gmtime_r(&s, &tm);
    snprintf(buf, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(unix_ms % 1000));
}

static int write_line(struct crawl_output *o)
{
    int rc = app_outfile_write(o->file, o->line.data, o->line.len);

    if (rc < 0 && o->err == 0)
        o->err = rc;
    return rc;
}

/* resume_len < 0: a new file; else go on after that many bytes (the header is there). */
static int open_output(const char *path, enum file_format fmt, int64_t resume_len,
                       struct crawl_output **out)
{
    struct crawl_output *o = core_calloc(1, sizeof(*o));
    struct csvw w;
    size_t i;
    int rc;

    if (!o)
        return -ENOMEM;
    o->fmt = fmt;
    core_buf_init(&o->line, 64u << 20);
    rc = resume_len < 0 ? app_outfile_open(path, &o->file)
                        : app_outfile_reopen(path, resume_len, &o->file);
    if (rc < 0) {
        core_free(o);
        return rc;
    }
    if (fmt == FILE_FORMAT_CSV && resume_len <= 0) {
        csvw_init(&w, &o->line);
        for (i = 0; i < NFIELDS; i++)
            csvw_field(&w, fields[i], strlen(fields[i]));
        rc = csvw_end_row(&w);
        if (rc == 0)
            rc = write_line(o);
        if (rc < 0) {
            crawl_output_destroy(o);
            return rc;
        }
    }
    *out = o;
    return 0;
}

int crawl_output_create(const char *path, enum file_format fmt, struct crawl_output **out)
{
    return open_output(path, fmt, -1, out);
}

int crawl_output_reopen(const char *path, enum file_format fmt, int64_t len,
                        struct crawl_output **out)
{
    return open_output(path, fmt, len, out);
}

struct app_outfile *crawl_output_file(struct crawl_output *o)
{
    return o->file;
}

static void json_str(struct jsonw *w, const char *key, const char *s)
{
    jsonw_key(w, key);
    if (s && *s)
        jsonw_string(w, s, strlen(s));
    else
        jsonw_null(w);
}

static void json_opt_int(struct jsonw *w, const char *key, long v)
{
    jsonw_key(w, key);
    if (v < 0)
        jsonw_null(w);
    else
        jsonw_int(w, v);
}

static int format_json(const struct crawl_record *r, const char *when, const char *ms,
                       struct core_buf *line)
{
    struct jsonw w;
    int rc;

    jsonw_init(&w, line);
    jsonw_begin_object(&w);
    json_str(&w, "url", r->url);
    json_str(&w, "final_url", r->final_url);
    jsonw_key(&w, "depth");
    jsonw_int(&w, r->depth);
    json_str(&w, "parent", r->parent);
    json_opt_int(&w, "status", r->status > 0 ? r->status : -1);
    json_str(&w, "content_type", r->content_type);
    jsonw_key(&w, "bytes");
    jsonw_int(&w, r->bytes);
    json_str(&w, "title", r->title);
    json_opt_int(&w, "links_found", r->links_found);
    json_opt_int(&w, "links_new", r->links_new);
    jsonw_key(&w, "fetch_ms");
    jsonw_raw(&w, ms);
    json_str(&w, "error", r->error);
    json_str(&w, "fetched_at", when);
    jsonw_key(&w, "attempts");
    jsonw_int(&w, r->attempts);
    /* where the archive has it: null without --warc or without an answer */
    json_str(&w, "warc_file", r->warc_file);
    jsonw_key(&w, "warc_offset");
    if (r->warc_file)
        jsonw_int(&w, r->warc_offset);
    else
        jsonw_null(&w);
    jsonw_end_object(&w);
    rc = jsonw_finish(&w);
    return rc < 0 ? rc : core_buf_putc(line, '\n');
}

static void csv_str(struct csvw *w, const char *s)
{
    csvw_field(w, s ? s : "", s ? strlen(s) : 0);
}

static void csv_opt_int(struct csvw *w, long v)
{
    if (v < 0)
        csvw_field(w, "", 0);
    else
        csvw_field_int(w, v);
}

static int format_csv(const struct crawl_record *r, const char *when, const char *ms,
                      struct core_buf *line)
{
    struct csvw w;

    csvw_init(&w, line);
    csv_str(&w, r->url);
    csv_str(&w, r->final_url);
    csvw_field_int(&w, r->depth);
    csv_str(&w, r->parent);
    csv_opt_int(&w, r->status > 0 ? r->status : -1);
    csv_str(&w, r->content_type);
    csvw_field_int(&w, r->bytes);
    csv_str(&w, r->title);
    csv_opt_int(&w, r->links_found);
    csv_opt_int(&w, r->links_new);
    csv_str(&w, ms);
    csv_str(&w, r->error);
    csv_str(&w, when);
    csvw_field_int(&w, r->attempts);
    csv_str(&w, r->warc_file);
    if (r->warc_file)
        csvw_field_int(&w, r->warc_offset);
    else
        csvw_field(&w, "", 0);
    return csvw_end_row(&w);
}

int crawl_output_write(struct crawl_output *o, const struct crawl_record *r)
{
    char when[40], ms[32];
    int rc;

    crawl_format_time(r->fetched_at_ms, when, sizeof(when));
    snprintf(ms, sizeof(ms), "%.2f", r->fetch_ms);
    core_buf_reset(&o->line);
    rc = o->fmt == FILE_FORMAT_CSV ? format_csv(r, when, ms, &o->line)
                                    : format_json(r, when, ms, &o->line);
    if (rc < 0) {
        if (o->err == 0)
            o->err = rc;
        return rc;
    }
    return write_line(o);
}

int crawl_output_skip(struct crawl_output *o, const char *url, const char *parent,
                      const char *reason)
{
    struct jsonw w;
    int rc;

    core_buf_reset(&o->line);
    jsonw_init(&w, &o->line);
    jsonw_begin_object(&w);
    json_str(&w, "url", url);
    json_str(&w, "parent", parent);
    json_str(&w, "reason", reason);
    jsonw_end_object(&w);
    rc = jsonw_finish(&w);
    if (rc == 0)
        rc = core_buf_putc(&o->line, '\n');
    if (rc < 0) {
        if (o->err == 0)
            o->err = rc;
        return rc;
    }
    return write_line(o);
}

int crawl_output_destroy(struct crawl_output *o)
{
    int rc;

    if (!o)
        return 0;
    rc = app_outfile_close(o->file);
    if (o->err)
        rc = o->err;
    core_buf_free(&o->line);
    core_free(o);
    return rc;
}
