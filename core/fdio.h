/* core/fdio.h: whole writes to a file descriptor.
 * Ownership: the descriptor and the bytes are the caller's. Any thread. */
#ifndef CORE_FDIO_H
#define CORE_FDIO_H

#include <stddef.h>

#include "core/err.h"

/* write(2) all of buf[0..len), resuming partial writes and EINTR. 0, or the negated errno of
 * the failing write (-EIO for a write that made no progress and set no error). */
CORE_MUST_CHECK int core_write_all(int fd, const void *buf, size_t len);

#endif
