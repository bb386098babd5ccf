/*
 * truncate.c — the truncation guard: a file cannot shrink below the end of
 * a section that maps it, in any mmf process (Windows refuses with
 * ERROR_USER_MAPPED_FILE); growing stays allowed.
 *
 * Linux lets anyone shrink a mapped file, and the views then fault with
 * SIGBUS past the new end.  So every file section announces its size in
 * the file itself, where every process can see it: for as long as the
 * section object lives (its handles and its views), it holds a shared OFD
 * lock on the bytes [MARK, MARK + size), far past any real data.  Setting
 * the size to n (mmf_file_set_size) asks for an exclusive lock on
 * [MARK + n, end), and is refused if and only if some section is larger
 * than n — which means the file is too, so the request is a shrink.
 *
 * The traps, and why each choice:
 *
 * - OFD locks, not POSIX (F_SETLK) ones.  A POSIX lock belongs to the
 *   process and is dropped when the process closes *any* descriptor of the
 *   file — the application closing its own copy would silently disarm the
 *   guard.  An OFD lock belongs to an open file description and lives until
 *   the last descriptor of that description closes.
 *
 * - Each section maps from, and locks on, a description of its own.  A
 *   dup() of the caller's descriptor would be the caller's description, and
 *   locks of one description never conflict with each other and merge: two
 *   sections made from one descriptor would share one lock (that only the
 *   caller's close could drop), and a shrink through that description
 *   would not see it.  Linux has no "reopen" call; opening /proc/self/fd/N
 *   gives a new description of the same file (deleted files included),
 *   checked to be the same inode.  The section's own descriptor is then
 *   the lock's owner: closing it when the section is freed unlocks, with
 *   nothing more to track.  Handles passed to other processes (inheritance,
 *   SCM_RIGHTS) pass that description, so the lock lives while any process
 *   holds the section — exactly the section's lifetime.
 *
 * - The resize holds its exclusive lock across the ftruncate, and a new
 *   section takes its shared lock with F_OFD_SETLKW (waiting out a resize
 *   in progress) and only then reads the file size again (section.c).  So
 *   between mmf processes a resize and a section creation cannot
 *   interleave: either the resize sees the section's lock, or the section
 *   sees the resized file.  Processes that do not use mmf_file_set_size()
 *   (a plain ftruncate, a shell's "> file") are not stopped by anything:
 *   advisory locks bind only those who ask.
 *
 * - Descriptors are close-on-exec: a child started with exec must not keep
 *   the parent's sections' locks alive.  After a plain fork the child does
 *   share them — correctly, as it also shares the views.
 *
 * - Best effort: a file system that refuses OFD locks (some FUSE and
 *   network file systems: EINVAL, ENOLCK, EOPNOTSUPP), a /proc that is not
 *   mounted, or a file whose mode no longer lets us open it again leaves
 *   the section unguarded rather than failing it (section.c then maps from
 *   a dup of the caller's descriptor, as before the guard existed).
 *
 * - A lock cannot reach past 2^63 - 1, so sizes from 2^62 up are all
 *   recorded as 2^62: a resize to 2^62 or more is never refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "lockbytes.h"

#define GUARD_MARK MMF_LOCK_GUARD /* where the recorded sizes start (lockbytes.h) */
#define GUARD_SPAN ((uint64_t)1 << 62) /* the largest size a lock records */

/* A second open file description of fd's file, opened with `flags`, or a
 * negative code. */
static int reopen_same(int fd, int flags)
{
    struct stat a, b;
    if (fstat(fd, &a) < 0)
        return -errno;
    char path[40];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    /* O_NONBLOCK: never wait here for a lease to be broken. */
    int n = open(path, flags | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (n < 0)
        return -errno;
    if (fstat(n, &b) < 0 || a.st_dev != b.st_dev || a.st_ino != b.st_ino) {
        close(n);
        return -ESTALE;
    }
    return n;
}

int mmf__file_reopen(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0)
        return -errno;
    int n = reopen_same(fd, fl & O_ACCMODE);
    if (n >= 0 && n < 3) {
        /* With stdin/out/err closed, open() hands out their numbers;
         * a library must not sit on them. */
        int m = fcntl(n, F_DUPFD_CLOEXEC, 3);
        close(n);
        n = m < 0 ? -errno : m;
    }
    if (n >= 0)
        fcntl(n, F_SETFL, fcntl(n, F_GETFL) & ~O_NONBLOCK);
    return n;
}

/* One OFD lock operation on [start, start + len) (len 0: to the end). */
static int ofd_lock(int fd, int cmd, short type, uint64_t start, uint64_t len)
{
    struct flock fl = { .l_type = type, .l_whence = SEEK_SET, .l_start = (off_t)start,
                        .l_len = (off_t)len, .l_pid = 0 /* required for OFD locks */ };
    int r;
    do
        r = fcntl(fd, cmd, &fl);
    while (r < 0 && errno == EINTR);
    return r < 0 ? -errno : 0;
}

/* Whether a lock error means "this file system does no OFD locks". */
static int locks_unsupported(int rc)
{
    return rc == -EINVAL || rc == -ENOLCK || rc == -EOPNOTSUPP || rc == -ENOSYS;
}

void mmf__guard_writer(int fd)
{
    (void)ofd_lock(fd, F_OFD_SETLK, F_RDLCK, MMF_LOCK_MAPPED_WRITER, 1); /* best effort */
}

int mmf__guard_lock(int fd, uint64_t size)
{
    uint64_t len = size < GUARD_SPAN ? size : GUARD_SPAN;
    if (len == 0)
        return 0; /* a zero length would mean "to the end" */
    int rc = ofd_lock(fd, F_OFD_SETLKW, F_RDLCK, GUARD_MARK, len);
    return rc < 0 && !locks_unsupported(rc) ? rc : 0;
}

static int do_truncate(int fd, uint64_t size)
{
    int r;
    do
        r = ftruncate(fd, (off_t)size);
    while (r < 0 && errno == EINTR);
    return r < 0 ? -errno : 0;
}

/* Sets fd's file to size unless a section of any mmf process is larger.
 * The exclusive lock is held across the ftruncate, so no section larger
 * than size can be made meanwhile.  Growing and shrinking go the same way:
 * a section larger than size means the file is at least that large (mmf
 * grows a file before its section is usable), so such a request is a
 * shrink — or races a create that is still growing the file, and then
 * refusing it is what the order "create first" gives on Windows. */
static int guarded_set_size(int fd, uint64_t size)
{
    if (size >= GUARD_SPAN)
        return do_truncate(fd, size);
    /* A description of our own for the exclusive lock, so that two threads
     * resizing through one descriptor do not share (and drop) one lock.
     * If the file cannot be opened again, the caller's descriptor (which
     * is writable, as ftruncate needs, and never a section's) does it. */
    int w = reopen_same(fd, O_WRONLY);
    int lk = w >= 0 ? w : fd;
    int rc = ofd_lock(lk, F_OFD_SETLK, F_WRLCK, GUARD_MARK + size, 0);
    if (rc == -EAGAIN || rc == -EACCES) {
        rc = MMF_EMAPPED;
    } else if (rc == 0 || locks_unsupported(rc)) {
        int locked = rc == 0;
        rc = do_truncate(fd, size);
        if (locked && lk == fd)
            ofd_lock(fd, F_OFD_SETLK, F_UNLCK, GUARD_MARK + size, 0);
    }
    if (w >= 0)
        close(w); /* drops the lock */
    return rc;
}

int mmf_file_set_size(int fd, uint64_t size)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0)
        return -errno;
    if ((fl & O_PATH) || (fl & O_ACCMODE) == O_RDONLY)
        return -EBADF; /* not open for writing, as write(2) says it */
    struct stat st;
    if (fstat(fd, &st) < 0)
        return -errno;
    if (!S_ISREG(st.st_mode))
        return -EINVAL;
    if (size > (uint64_t)INT64_MAX)
        return -EFBIG;
    return guarded_set_size(fd, size);
}
