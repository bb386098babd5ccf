/*
 * share.c — CreateFile share modes across processes, without a server.
 *
 * Windows refuses a new open of a file (ERROR_SHARING_VIOLATION) when it
 * asks for an access that an open already there does not share, or does
 * not share an access that one already has; opens without data access
 * (0, attributes only) take no part.  The accesses are read (or execute),
 * write (or append) and delete.
 *
 * Every open of a regular file that has a data access records itself in
 * OFD read locks that every process can see, on six bytes just below the
 * truncation guard's range (truncate.c): one per access it has, one per
 * access it does not share.  The locks are held on the handle's own open
 * file description, so that they live exactly as long as the file object
 * (its duplicates, and the copies a child inherits, share the description;
 * the kernel drops the locks when the last of them closes, or the process
 * dies).  A new open
 * places its own locks first and then asks (F_OFD_GETLK, which ignores the
 * asker's own locks) whether another open holds a byte it conflicts with.
 * Two opens that conflict and race would both see each other; each then
 * withdraws and tries again after a short pseudo-random nap, so the later
 * one fails, as on Windows, unless they keep racing (then both fail).
 *
 * The traps:
 *   - F_RDLCK needs a readable description: a write-only handle holds its
 *     locks on a read-only description of its own, opened through
 *     /proc/self/fd (one more descriptor, and its duplicates share it; a
 *     child it is inherited by does not get it).  A file we may not read
 *     (mode 0200) cannot take part: its write-only opens are not checked
 *     and not recorded.
 *   - A program's own whole-file fcntl lock (l_len 0) reaches these bytes
 *     too: a write lock cannot be taken while a Win32 handle of the file is
 *     open, as with the truncation guard; and any such lock hides the
 *     records under it, so share modes are not enforced while it is held.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../lockbytes.h"
#include "w32.h"

/* The bytes (lockbytes.h); MAPPED_WRITER is held by every description of a
 * writable file section (truncate.c, mmf__guard_writer). */
#define SHARE_BASE ((off_t)MMF_LOCK_SHARE)
#define DENIED MMF_LOCK_SHARE_DENIED
#define MAPPED_WRITER ((off_t)MMF_LOCK_MAPPED_WRITER)

/* 0: locked; -1: no OFD locks here, or another failure. */
static int lock_byte(int fd, off_t at)
{
    struct flock fl = { .l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = at, .l_len = 1 };
    return fcntl(fd, F_OFD_SETLK, &fl) == 0 ? 0 : -1;
}

/* Whether another open holds byte `at` as a record: an OFD lock within
 * the record bytes (the kernel merges one description's adjacent bytes
 * into one lock).  A lock of another kind over it (a program's own
 * whole-file fcntl lock, say) hides what is behind it: F_OFD_GETLK names
 * only one conflicting lock.  Such a byte counts as free — share modes are
 * then not enforced on that file — rather than refusing every open of it. */
static int held_by_another(int fd, off_t at)
{
    struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = at, .l_len = 1 };
    if (fcntl(fd, F_OFD_GETLK, &fl) < 0 || fl.l_type == F_UNLCK)
        return 0;
    return fl.l_pid == -1 && fl.l_start >= SHARE_BASE && fl.l_len > 0 &&
           fl.l_start + fl.l_len <= SHARE_BASE + MMF_LOCK_SHARE_BYTES;
}

static void nap(unsigned attempt)
{
    static _Thread_local unsigned seed;
    if (!seed)
        seed = (unsigned)getpid() * 2654435761u ^ (unsigned)(uintptr_t)&seed;
    seed = seed * 1103515245u + 12345u;
    long ns = 20000L * (long)(attempt + 1) + (long)(seed >> 8) % 100000L;
    struct timespec ts = { 0, ns };
    nanosleep(&ts, NULL);
}

/* Places the open's locks on l; 0, or -1 when the file system has none. */
static int place(int l, unsigned want, unsigned share)
{
    for (unsigned b = 0; b < 3; b++) {
        if ((want & (1u << b)) && lock_byte(l, SHARE_BASE + b) < 0)
            return -1;
        if (!(share & (1u << b)) && lock_byte(l, SHARE_BASE + DENIED + b) < 0)
            return -1;
    }
    return 0;
}

static void withdraw(int l)
{
    struct flock fl = { .l_type = F_UNLCK, .l_whence = SEEK_SET, .l_start = SHARE_BASE,
                        .l_len = 2 * DENIED };
    fcntl(l, F_OFD_SETLK, &fl);
}

static int conflicts(int l, unsigned want, unsigned share)
{
    for (unsigned b = 0; b < 3; b++) {
        if ((want & (1u << b)) && held_by_another(l, SHARE_BASE + DENIED + b) != 0)
            return 1;
        if (!(share & (1u << b)) && held_by_another(l, SHARE_BASE + b) != 0)
            return 1;
    }
    return 0;
}

DWORD w32_share_open(int fd, unsigned want, unsigned share, int *sharefd)
{
    *sharefd = -1;
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
        return ERROR_SUCCESS;
    /* A writable mapping of the file refuses every open that does not
     * share writing, even one with no access (Windows, Wine). */
    if (!(share & SHARE_W) && held_by_another(fd, MAPPED_WRITER))
        return ERROR_SHARING_VIOLATION;
    if (!want)
        return ERROR_SUCCESS;
    /* The handle's own description when it can hold read locks (its
     * duplicates and inherited copies are the same file object, and
     * share it); a read-only one of its own for a write-only handle. */
    int l = fd;
    if ((fcntl(fd, F_GETFL) & O_ACCMODE) == O_WRONLY) {
        char proc[40];
        snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
        l = open(proc, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (l < 0)
            return errno == EMFILE || errno == ENFILE ? ERROR_TOO_MANY_OPEN_FILES
                                                      : ERROR_SUCCESS; /* cannot take part */
        if (l < 3) { /* never a stdio number */
            int l3 = fcntl(l, F_DUPFD_CLOEXEC, 3);
            close(l);
            if ((l = l3) < 0)
                return ERROR_TOO_MANY_OPEN_FILES;
        }
    }
    for (unsigned attempt = 0; attempt < 4; attempt++) {
        if (place(l, want, share) < 0) { /* no OFD locks here: no share modes */
            withdraw(l);
            break;
        }
        if (!conflicts(l, want, share)) {
            if (l != fd)
                *sharefd = l;
            return ERROR_SUCCESS;
        }
        withdraw(l);
        if (attempt < 3)
            nap(attempt);
        else {
            if (l != fd)
                close(l);
            return ERROR_SHARING_VIOLATION;
        }
    }
    if (l != fd)
        close(l);
    return ERROR_SUCCESS;
}

DWORD w32_share_may_delete(const char *path)
{
    int l = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW);
    if (l < 0)
        return ERROR_SUCCESS; /* nothing to ask (or not ours to read) */
    struct stat st;
    int denied = fstat(l, &st) == 0 && S_ISREG(st.st_mode) &&
                 held_by_another(l, SHARE_BASE + DENIED + 2) == 1;
    close(l);
    return denied ? ERROR_SHARING_VIOLATION : ERROR_SUCCESS;
}
