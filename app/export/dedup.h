/* app/export/dedup.h: payloads already archived, by payload digest, for revisit records.
 *
 * When a fetch's payload digest (app_warcrec_digest) is in the table, the crawler writes a
 * 'revisit' record (app_warcrec_revisit) instead of a second copy of the body, referring to the
 * first capture: its target URI, WARC-Date and record id, which is what the table keeps. When
 * it is not, the crawler writes the response and adds the digest. The table only grows; past
 * max_entries it stops taking new digests (app_dedup_add returns CORE_EFULL) and the crawl
 * simply archives later payloads in full. Memory: a 112-byte slot per entry in a table kept at
 * most half full (224 to 448 bytes per entry), plus a copy of the URI.
 *
 * The table is keyed with SipHash under a random key, since page contents (hence digests, in
 * the low bits an attacker can grind) come from the network.
 *
 * Ownership: the caller (the crawler) owns the table; digests, URIs and ids are copied. Views
 * returned by app_dedup_find point into the table and live until the next app_dedup_add. Not
 * thread-safe: one thread (the loop) looks up and adds. */
#ifndef APP_DEDUP_H
#define APP_DEDUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app/export/warcrec.h"
#include "core/err.h"

struct app_dedup;

/* The first capture of a payload. */
struct app_dedup_hit {
    const char *uri;
    int64_t date_ms;
    const struct app_warc_id *id;   /* of its response record */
};

/* A table for at most max_entries digests (0: no limit). 0 and *out, or -ENOMEM. */
CORE_MUST_CHECK int app_dedup_create(size_t max_entries, struct app_dedup **out);
/* Whether digest ("sha1:...", as in struct app_warc_digests) was archived: true and *hit. */
bool app_dedup_find(const struct app_dedup *d, const char *digest, struct app_dedup_hit *hit);
/* Remember digest as first captured at uri, date_ms, in the record id. 0, -EEXIST when the
 * digest is there already (the first capture stays), CORE_EFULL past max_entries, -ENOMEM. */
CORE_MUST_CHECK int app_dedup_add(struct app_dedup *d, const char *digest, const char *uri,
                                  int64_t date_ms, const struct app_warc_id *id);
/* Number of digests held. */
size_t app_dedup_count(const struct app_dedup *d);
/* NULL is a no-op. */
void app_dedup_destroy(struct app_dedup *d);

#endif
