/* app/export/outfile.c: record-at-a-time output with write(2) and no user-space buffer (see outfile.h). */
#include "app/export/outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "core/mem.h"

/* A regular file's writeback is started every this many bytes (see app_outfile_write). */
#define WRITEBACK_EVERY (4u << 20)

struct app_outfile {
    int fd;
    bool is_stdout;   /* fd 1: flushed at close but left open */
    bool regular;     /* a regular file: fsync at close */
    bool owned;       /* a file we created or truncated: may be cut back after a failed write */
    int err;          /* first error, sticky */
    off_t good;       /* bytes of complete records written (when owned) */
    size_t unsynced;  /* bytes written since writeback was last started */
    off_t synced;     /* writeback has been started up to this offset */
    char path[];      /* copy of the path given to open */
};

int app_outfile_open(const char *path, struct app_outfile **out)
{
    const size_t n = strlen(path);
    struct app_outfile *f = core_malloc(sizeof(*f) + n + 1);
    struct stat st;
    int rc, flags;

    if (!f)
        return -ENOMEM;
    memset(f, 0, sizeof(*f));
    memcpy(f->path, path, n + 1);
    if (strcmp(path, "-") == 0) {
        f->fd = STDOUT_FILENO;
        f->is_stdout = true;
        /* a closed or read-only stdout is as bad a path as any: say so now */
        flags = fcntl(f->fd, F_GETFL);
        if (flags < 0) {
            rc = -errno;
            goto out_free;
        }
        if ((flags & O_ACCMODE) == O_RDONLY) {
            rc = -EBADF;
            goto out_free;
        }
    } else {
        do
            f->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY, 0666);
        while (f->fd < 0 && errno == EINTR);
        if (f->fd < 0) {
            rc = -errno;
            goto out_free;
        }
        f->owned = true;
    }
    if (fstat(f->fd, &st) < 0) {
        rc = -errno;
        goto out_close;
    }
    f->regular = S_ISREG(st.st_mode);
    f->owned = f->owned && f->regular;
    *out = f;
    return 0;

out_close:
    if (!f->is_stdout)
        close(f->fd);
out_free:
    core_free(f);
    return rc;
}

int app_outfile_reopen(const char *path, int64_t len, struct app_outfile **out)
{
    const size_t n = strlen(path);
    struct app_outfile *f;
    struct stat st;
    int rc;

    if (strcmp(path, "-") == 0 || len < 0)
        return -EINVAL;
    f = core_malloc(sizeof(*f) + n + 1);
    if (!f)
        return -ENOMEM;
    memset(f, 0, sizeof(*f));
    memcpy(f->path, path, n + 1);
    do
        f->fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY | (len == 0 ? O_CREAT : 0), 0666);
    while (f->fd < 0 && errno == EINTR);
    if (f->fd < 0) {
        rc = -errno;
        core_free(f);
        return rc;
    }
    rc = fstat(f->fd, &st) < 0 ? -errno : 0;
    if (rc == 0 && S_ISREG(st.st_mode) && st.st_size < len)
        rc = -EIO;
    if (rc == 0 && S_ISREG(st.st_mode) && ftruncate(f->fd, len) < 0)
        rc = -errno;
    if (rc == 0 && S_ISREG(st.st_mode) && lseek(f->fd, len, SEEK_SET) < 0)
        rc = -errno;
    if (rc < 0) {
        close(f->fd);
        core_free(f);
        return rc;
    }
    f->regular = S_ISREG(st.st_mode);
    f->owned = f->regular;
    f->good = f->regular ? len : 0;
    f->synced = f->good;
    *out = f;
    return 0;
}

int64_t app_outfile_length(const struct app_outfile *f)
{
    return (int64_t)f->good;
}

int app_outfile_fd(const struct app_outfile *f)
{
    return f->fd;
}

/* Wait until fd can take more (it is non-blocking and full). */
static int wait_writable(int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLOUT};

    while (poll(&p, 1, -1) < 0)
        if (errno != EINTR)
            return -errno;
    return 0;   /* POLLERR/POLLHUP too: the next write reports what went wrong */
}

/* Have the kernel start writing the file's dirty pages out now, without waiting for it. A large
 * output then never piles up gigabytes of dirty pages, and the fsync at close has only the last
 * few megabytes left to wait for (it was 0.11 s for a 290 MB file, now the tail). Best effort:
 * an error here changes nothing, the fsync at close still decides. */
static void start_writeback(struct app_outfile *f)
{
#if defined(__linux__) && defined(SYNC_FILE_RANGE_WRITE)
    /* only the range written since the last call: asking for the whole file would make the
     * kernel walk all of it every time, quadratic in the file's size */
    const off_t end = lseek(f->fd, 0, SEEK_CUR);

    if (end > f->synced) {
        (void)sync_file_range(f->fd, f->synced, end - f->synced, SYNC_FILE_RANGE_WRITE);
        f->synced = end;
    }
#endif
    f->unsynced = 0;
}

int app_outfile_write(struct app_outfile *f, const char *rec, size_t len)
{
    size_t done = 0;
    ssize_t n;
    int rc;

    if (f->err)
        return f->err;
    while (done < len) {
        n = write(f->fd, rec + done, len - done);
        if (n > 0) {
            done += (size_t)n;
            continue;
        }
        if (n == 0)
            rc = -EIO;      /* no progress and no error: do not spin */
        else if (errno == EINTR)
            continue;
        else if (errno == EAGAIN || errno == EWOULDBLOCK)
            rc = wait_writable(f->fd);
        else
            rc = -errno;
        if (rc == 0)
            continue;
        /* Keep the file whole: drop the part of this record that made it (best effort; the
         * error is what the caller must act on). */
        if (done > 0 && f->owned && ftruncate(f->fd, f->good) == 0)
            (void)lseek(f->fd, f->good, SEEK_SET);
        f->err = rc;
        return rc;
    }
    f->good += (off_t)len;
    if (f->regular && (f->unsynced += len) >= WRITEBACK_EVERY)
        start_writeback(f);
    return 0;
}

int app_outfile_close(struct app_outfile *f)
{
    int rc;

    if (!f)
        return 0;
    rc = f->err;
    if (f->regular && fsync(f->fd) < 0 && rc == 0)
        rc = -errno;
    /* after close(2) fails with EINTR the descriptor is gone on Linux: never retry it */
    if (!f->is_stdout && close(f->fd) < 0 && rc == 0 && errno != EINTR)
        rc = -errno;
    core_free(f);
    return rc;
}

const char *app_outfile_path(const struct app_outfile *f)
{
    return f->path;
}
