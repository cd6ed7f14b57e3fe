/* core/fdio.c: whole writes to a file descriptor (see fdio.h). */
#include "core/fdio.h"

#include <errno.h>
#include <unistd.h>

int core_write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    ssize_t n;

    while (len > 0) {
        n = write(fd, p, len);
        if (n > 0) {
            p += n;
            len -= (size_t)n;
        } else if (n == 0) {
            return -EIO;   /* no progress and no error: do not spin */
        } else if (errno != EINTR) {
            return -errno;
        }
    }
    return 0;
}
