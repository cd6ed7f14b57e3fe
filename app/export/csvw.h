/* app/export/csvw.h: an RFC 4180 CSV writer into a core_buf, one row at a time.
 *
 * Fields are separated by ',' and rows end with CRLF (RFC 4180 section 2). A field is quoted
 * when it contains ',', '"', CR or LF, or starts or ends with a space or tab (which many
 * readers would trim); quotes inside are doubled. A row of one empty field is written as ""
 * so that it is not a blank line. Invalid UTF-8 is replaced with U+FFFD (core_utf8_sanitize);
 * everything else, controls included, is kept as is.
 *
 * Formula injection: a field starting with '=', '+', '-', '@', tab or CR can run as a formula
 * when the file is opened in a spreadsheet (OWASP "CSV injection"). The writer does not alter
 * data to prevent it: a prefixed quote would corrupt values such as "-3" or "+44 20..." for
 * every other consumer, and the output is data for programs first. Whoever opens crawled
 * text in a spreadsheet should import it as text (see README.md).
 *
 * Errors are sticky within a row: the first one (-ENOMEM, -EMSGSIZE from the buffer's cap) is
 * kept and every later call returns it without writing; csvw_end_row returns it and cuts the
 * buffer back to where the row began, so a failed row leaves nothing behind.
 *
 * Ownership: struct csvw is a plain struct the caller embeds; it allocates nothing itself.
 * The core_buf is borrowed and must outlive the writer; fields are read during the call only.
 * Not thread-safe. */
#ifndef APP_CSVW_H
#define APP_CSVW_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

struct csvw {
    struct core_buf *out;  /* borrowed */
    size_t start;          /* out->len where the current row began */
    size_t fields;         /* fields written in the current row */
    int err;               /* first error of the row, 0 if none */
};

/* Write rows at the end of out. */
void csvw_init(struct csvw *w, struct core_buf *out);
/* Append a field (quoted if needed) to the current row: 0 or the row's first error. */
int csvw_field(struct csvw *w, const char *s, size_t len);
/* Append a decimal integer field: 0 or the row's first error. */
int csvw_field_int(struct csvw *w, int64_t v);
/* End the row with CRLF: 0, the row's first error, or -EINVAL for a row with no fields. On
 * error the row is removed from the buffer. Either way the writer is ready for the next row. */
CORE_MUST_CHECK int csvw_end_row(struct csvw *w);

#endif
