/* app/export/warcrec.h: WARC/1.1 records, each built as one finished gzip member.
 *
 * A fetch is archived as a 'request' record (the request exactly as sent) and a 'response'
 * record (status line, headers and body exactly as received: chunked framing and content
 * coding kept), which name each other in WARC-Concurrent-To; or, when its payload was archived
 * before, as the request and a 'revisit' record (profile identical-payload-digest) whose block
 * is the response's header block alone. 'metadata' records (application/warc-fields: outlinks,
 * hops from the seed...) refer to the record they describe; a 'warcinfo' record opens each file
 * (app/export/warcfile.c writes it). Every record carries WARC-Block-Digest, and request,
 * response and revisit records WARC-Payload-Digest: "sha1:" and the RFC 4648 Base32 of the
 * SHA-1, as every WARC tool writes it. The payload digest covers the entity body with the
 * transfer coding removed and the content coding kept (app/export/warchttp.h).
 *
 * Fields: WARC-Date has millisecond precision ("2026-12-07T05:00:00.123Z", which WARC 1.1
 * allows) and is the time the capture began, the same on the records of one fetch; record ids
 * are "<urn:uuid:...>" with a random (version 4) UUID; WARC-Target-URI is written bare, without
 * the angle brackets of WARC 1.0; WARC-Protocol names h2/h2c/h3 when the exchange was not HTTP/1
 * (the blocks are HTTP/1.1 text all the same: rewrite curl's HTTP/2 lines with
 * app_warchttp_*_to_http11 first; a block that does not start with an HTTP/1.x line is
 * refused); WARC-Truncated says why a body was cut (length, time, disconnect).
 *
 * For the crawler: everything here is a pure function of its arguments (plus getrandom for
 * ids), so digests and records are built on the thread pool, each record complete and
 * compressed, and the loop thread only appends the bytes (app_warcfile_append, one write(2)).
 * A fetch goes: ids for its records (app_warcrec_new_id), app_warcrec_digest, then either
 * app_warcrec_request + app_warcrec_response, or, when the dedup table (app/export/dedup.h) has
 * the payload digest, app_warcrec_request + app_warcrec_revisit; the members go into one buffer,
 * whose record lengths the caller notes to index them.
 *
 * Ownership: every input is borrowed for the call; records are appended to the caller's
 * core_buf, whose cap bounds them (-EMSGSIZE past it, the buffer left as it was). The optional
 * app_warcgz (NULL: one is made for the call) is the caller's. Thread-safe as far as the
 * buffers and the compressor are not shared. */
#ifndef APP_WARCREC_H
#define APP_WARCREC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app/export/warcgz.h"
#include "core/buf.h"
#include "core/err.h"

enum {
    APP_WARC_ID_LEN = 47,       /* "<urn:uuid:" 36 ">" */
    APP_WARC_DIGEST_LEN = 37,   /* "sha1:" and 32 Base32 characters */
    APP_WARC_DATE_LEN = 24,     /* "2026-12-07T05:00:00.123Z" */
};

/* Why a response body is incomplete (WARC-Truncated). */
enum app_warc_trunc {
    APP_WARC_TRUNC_NONE,
    APP_WARC_TRUNC_LENGTH,       /* cut at the maximum body size */
    APP_WARC_TRUNC_TIME,         /* the transfer ran out of time */
    APP_WARC_TRUNC_DISCONNECT,   /* the connection was reset or closed early */
};

/* The protocol of the exchange (WARC-Protocol); NONE writes no field (HTTP/1.x is told by the
 * block itself). */
enum app_warc_proto {
    APP_WARC_PROTO_NONE,
    APP_WARC_PROTO_H2,    /* HTTP/2 over TLS */
    APP_WARC_PROTO_H2C,   /* HTTP/2 over cleartext TCP */
    APP_WARC_PROTO_H3,
};

struct app_warc_id {
    char s[APP_WARC_ID_LEN + 1];   /* "<urn:uuid:xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx>" */
};

/* One fetch, as the caller saw it. Plain struct; every pointer is borrowed for the call. */
struct app_warc_fetch {
    const char *uri;            /* WARC-Target-URI: no blanks or controls */
    const char *ip;             /* WARC-IP-Address, or NULL */
    int64_t date_ms;            /* ms since the epoch, UTC: when the capture began */
    enum app_warc_proto proto;
    const char *request;        /* the request as sent (HTTP/1.x text), for the request record */
    size_t request_len;
    const char *head;           /* response status line and headers, through the blank line */
    size_t head_len;
    const char *body;           /* response body as received */
    size_t body_len;
    enum app_warc_trunc truncated;
};

/* The digests of a fetch's records, labelled ("sha1:..."). */
struct app_warc_digests {
    char request_block[APP_WARC_DIGEST_LEN + 1];
    char request_payload[APP_WARC_DIGEST_LEN + 1];
    char block[APP_WARC_DIGEST_LEN + 1];     /* the response record's block: head + body */
    char payload[APP_WARC_DIGEST_LEN + 1];   /* the response payload: the dedup key */
    char head[APP_WARC_DIGEST_LEN + 1];      /* head alone: a revisit record's block */
};

/* The record a revisit refers to. */
struct app_warc_original {
    const char *uri;                /* WARC-Refers-To-Target-URI */
    int64_t date_ms;                /* WARC-Refers-To-Date */
    const struct app_warc_id *id;   /* WARC-Refers-To, or NULL */
};

/* A new record id from getrandom(2). 0, or a negated errno when no randomness could be had. */
CORE_MUST_CHECK int app_warcrec_new_id(struct app_warc_id *out);
/* The record id of a version 4 UUID made of 16 random bytes (for callers with their own
 * randomness, and for tests). */
void app_warcrec_id_from_bytes(const unsigned char rnd[16], struct app_warc_id *out);
/* ms since the epoch as a WARC-Date ("2026-12-07T05:00:00.123Z"); out holds
 * APP_WARC_DATE_LEN + 1 bytes. */
void app_warcrec_date(int64_t ms, char *out);
/* "sha1:" + Base32 of the SHA-1 of n bytes at p, into out (APP_WARC_DIGEST_LEN + 1 bytes). */
void app_warcrec_sha1(const void *p, size_t n, char *out);

/* Append "name: value\r\n" to a warc-fields block (application/warc-fields). name must be a
 * token (-EINVAL otherwise); control characters in value (CR and LF included) become spaces, so
 * no value can start a field of its own. 0, -EINVAL, or out's -ENOMEM / -EMSGSIZE. */
CORE_MUST_CHECK int app_warcrec_field(struct core_buf *out, const char *name, const char *value);

/* All the digests of f. 0, or -ENOMEM. */
CORE_MUST_CHECK int app_warcrec_digest(const struct app_warc_fetch *f, struct app_warc_digests *d);
/* The request record of f. response_id (may be NULL) goes into WARC-Concurrent-To. */
CORE_MUST_CHECK int app_warcrec_request(struct app_warcgz *gz, const struct app_warc_fetch *f,
                                        const struct app_warc_digests *d,
                                        const struct app_warc_id *id,
                                        const struct app_warc_id *response_id,
                                        struct core_buf *out);
/* The response record of f, WARC-Concurrent-To request_id (may be NULL). */
CORE_MUST_CHECK int app_warcrec_response(struct app_warcgz *gz, const struct app_warc_fetch *f,
                                         const struct app_warc_digests *d,
                                         const struct app_warc_id *id,
                                         const struct app_warc_id *request_id,
                                         struct core_buf *out);
/* The revisit record of f (its body is left out; WARC-Truncated: length, as the profile asks),
 * referring to orig. */
CORE_MUST_CHECK int app_warcrec_revisit(struct app_warcgz *gz, const struct app_warc_fetch *f,
                                        const struct app_warc_digests *d,
                                        const struct app_warc_id *id,
                                        const struct app_warc_id *request_id,
                                        const struct app_warc_original *orig,
                                        struct core_buf *out);
/* A metadata record about uri, referring to the record refers_to (may be NULL), whose block is
 * the warc-fields text fields (built with app_warcrec_field). */
CORE_MUST_CHECK int app_warcrec_metadata(struct app_warcgz *gz, const char *uri, int64_t date_ms,
                                         const struct app_warc_id *id,
                                         const struct app_warc_id *refers_to,
                                         const char *fields, size_t fields_len,
                                         struct core_buf *out);
/* A warcinfo record for the file called filename (WARC-Filename), block fields. */
CORE_MUST_CHECK int app_warcrec_warcinfo(struct app_warcgz *gz, const char *filename,
                                         int64_t date_ms, const struct app_warc_id *id,
                                         const char *fields, size_t fields_len,
                                         struct core_buf *out);

#endif
