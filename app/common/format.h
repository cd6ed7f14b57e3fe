/* app/common/format.h: the record formats of trawl's files (JSONL, CSV) and how a file's name or
 * a --format / --input-format option picks one, the same way for every file of both commands.
 * Ownership: pure functions; strings are borrowed for the call. Any thread. */
#ifndef APP_COMMON_FORMAT_H
#define APP_COMMON_FORMAT_H

enum file_format {
    FILE_FORMAT_JSONL,
    FILE_FORMAT_CSV
};

/* The format a file's name implies: CSV for a name ending in ".csv" (any case), else JSONL
 * (also for "-", stdin or stdout). */
enum file_format file_format_for_path(const char *path);
/* The format called name ("jsonl" or "csv"): 0 and *out, or -EINVAL. */
int file_format_parse(const char *name, enum file_format *out);

#endif
