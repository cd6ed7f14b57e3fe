/* app/common/format.c: file formats from names and options (see format.h). */
#include "app/common/format.h"

#include <errno.h>
#include <string.h>
#include <strings.h>

enum file_format file_format_for_path(const char *path)
{
    size_t n = strlen(path);

    return n >= 4 && strcasecmp(path + n - 4, ".csv") == 0 ? FILE_FORMAT_CSV : FILE_FORMAT_JSONL;
}

int file_format_parse(const char *name, enum file_format *out)
{
    if (strcmp(name, "jsonl") == 0)
        *out = FILE_FORMAT_JSONL;
    else if (strcmp(name, "csv") == 0)
        *out = FILE_FORMAT_CSV;
    else
        return -EINVAL;
    return 0;
}
