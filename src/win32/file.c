/*
 * file.c — CreateFile and the file calls programs use around mappings:
 * ReadFile, WriteFile, SetFilePointer(Ex), SetEndOfFile, GetFileSize(Ex),
 * FlushFileBuffers, DeleteFile, GetFileAttributes, GetTempPath,
 * GetTempFileName and OpenFile.
 *
 * A file handle owns its descriptor (the handle value is derived from its
 * number, see w32.h) and remembers the rights it was opened with
 * (W32_FILE_R/W/X): those, not the descriptor's mode, decide what ReadFile
 * and WriteFile allow, as the granted access does on Windows.  Wine is the
 * oracle for every last error below (the values were observed under Wine
 * 8.0 with small test programs); where Windows would crash on a bad
 * pointer, we return an error instead.
 *
 * The one Windows rule with teeth here — a file cannot be cut below the end
 * of a mapping of it (ERROR_USER_MAPPED_FILE) — is the native API's
 * (mmf_file_set_size, truncate.c); this file only routes SetEndOfFile and
 * the truncating dispositions through it.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "w32.h"

#define W32_STATUS_SUCCESS     0x00000000u
#define W32_STATUS_END_OF_FILE 0xC0000011u

/* ---- paths and errors ---- */

/* The Linux path for a Win32 file name, or NULL with the last error set:
 * a NULL or empty name is ERROR_PATH_NOT_FOUND (as Wine). */
static char *path_of(LPCSTR name)
{
    if (!name || !*name) {
        w32_set(ERROR_PATH_NOT_FOUND);
        return NULL;
    }
    char *p = w32_path(name);
    if (!p)
        w32_set(ERROR_NOT_ENOUGH_MEMORY);
    return p;
}

/* The UTF-8 form of a W argument (NULL stays NULL); *ok is 0, with the
 * last error set, when it could not be made. */
static char *from_w(LPCWSTR w, int *ok)
{
    DWORD e = ERROR_SUCCESS;
    char *s = w32_utf8(w, &e);
    *ok = !w || s;
    if (!*ok)
        w32_set(e);
    return s;
}

/* ENOENT says nothing of which part is missing; Windows does: the file
 * (ERROR_FILE_NOT_FOUND) or a directory on the way (ERROR_PATH_NOT_FOUND). */
static DWORD missing_error(const char *path)
{
    char *d = strdup(path);
    if (!d)
        return ERROR_NOT_ENOUGH_MEMORY;
    char *slash = strrchr(d, '/');
    int dir_ok = 1;
    if (slash) {
        slash[slash == d] = '\0'; /* "/x" keeps "/" */
        struct stat st;
        dir_ok = stat(d, &st) == 0 && S_ISDIR(st.st_mode);
    }
    free(d);
    return dir_ok ? ERROR_FILE_NOT_FOUND : ERROR_PATH_NOT_FOUND;
}

/* The Win32 code for errno e from an operation on path. */
static DWORD path_error(int e, const char *path)
{
    if (e == ENOENT)
        return missing_error(path);
    if (e == ENOTDIR)
        return ERROR_PATH_NOT_FOUND;
    return w32_error(-e);
}

/* open(2) that retries EINTR and never hands out 0-2: with stdin, stdout
 * or stderr closed, open() would reuse their numbers, and a program that
 * later opens its standard streams would write into our file. */
static int sys_open(const char *path, int flags, mode_t mode)
{
    int fd;
    do
        fd = open(path, flags | O_CLOEXEC | O_NOCTTY, mode);
    while (fd < 0 && errno == EINTR);
    if (fd < 0)
        return -errno;
    if (fd < 3) {
        int high = fcntl(fd, F_DUPFD_CLOEXEC, 3);
        int e = errno;
        close(fd);
        if (high < 0)
            return -e;
        fd = high;
    }
    return fd;
}

/* An absolute form of path (not resolving its last component), malloc'ed:
 * a relative name would name another file after a chdir(). */
static char *absolute(const char *path)
{
    if (path[0] == '/')
        return strdup(path);
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof cwd))
        return NULL;
    size_t n = strlen(cwd) + strlen(path) + 2;
    char *a = malloc(n);
    if (a)
        snprintf(a, n, "%s/%s", cwd, path);
    return a;
}

/* ---- CreateFile ---- */

/* GENERIC_* and FILE_* rights as W32_FILE_* bits.  Access 0 gives none:
 * a handle for attributes and the file pointer only. */
static DWORD access_bits(DWORD a)
{
    DWORD b = 0;
    if (a & (GENERIC_READ | GENERIC_ALL | FILE_READ_DATA))
        b |= W32_FILE_R;
    if (a & (GENERIC_WRITE | GENERIC_ALL | FILE_WRITE_DATA | FILE_APPEND_DATA))
        b |= W32_FILE_W;
    if (a & (GENERIC_EXECUTE | GENERIC_ALL | FILE_EXECUTE))
        b |= W32_FILE_X;
    return b;
}

/* The open(2) flags for the rights.  Execute needs a readable descriptor
 * (mmap with PROT_EXEC reads the file).  A handle without rights is
 * opened for reading, non-blocking (a FIFO would wait for a writer
 * otherwise) — nothing ever reads through it: ReadFile checks the rights.
 * FILE_APPEND_DATA without FILE_WRITE_DATA writes only at the end. */
static int open_flags(DWORD a, DWORD bits, DWORD fl)
{
    int f;
    if ((bits & W32_FILE_W) && (bits & (W32_FILE_R | W32_FILE_X)))
        f = O_RDWR;
    else if (bits & W32_FILE_W)
        f = O_WRONLY;
    else
        f = O_RDONLY;
    if (bits == 0)
        f |= O_NONBLOCK;
    if ((a & FILE_APPEND_DATA) && !(a & (FILE_WRITE_DATA | GENERIC_WRITE | GENERIC_ALL)))
        f |= O_APPEND;
    if (fl & FILE_FLAG_WRITE_THROUGH)
        f |= O_DSYNC;
    return f;
}

/*
 * Opens path for a disposition; *existed says whether the file was there.
 * Returns a descriptor or -errno.  Never O_TRUNC: the truncating
 * dispositions must first learn whether a section maps the file, and
 * Windows then leaves it untouched.  "Create or open" is two tries —
 * O_CREAT|O_EXCL, then a plain open — because that is the only way to know
 * whether we created the file (ERROR_ALREADY_EXISTS); a file removed or
 * made between the two sends us round again.
 */
static int open_disposition(const char *path, int flags, mode_t mode, DWORD disp, int *existed)
{
    *existed = 1;
    switch (disp) {
    case CREATE_NEW:
        *existed = 0;
        return sys_open(path, flags | O_CREAT | O_EXCL, mode);
    case OPEN_EXISTING:
    case TRUNCATE_EXISTING:
        return sys_open(path, flags, 0);
    case CREATE_ALWAYS:
    case OPEN_ALWAYS:
        for (int tries = 0; tries < 64; tries++) {
            int fd = sys_open(path, flags | O_CREAT | O_EXCL, mode);
            if (fd != -EEXIST) {
                *existed = 0;
                return fd;
            }
            fd = sys_open(path, flags, 0);
            if (fd != -ENOENT)
                return fd;
        }
        return -ENOENT; /* a dangling symbolic link, say */
    }
    return -EINVAL;
}

/* Empties a file CreateFile just opened, unless a section maps it (Windows
 * checks before truncating, and fails with ERROR_USER_MAPPED_FILE).  The
 * handle may be read-only: CREATE_ALWAYS and TRUNCATE_EXISTING truncate
 * anyway (Wine does, GENERIC_READ alone), through a second, writable
 * description of the same file.  Only regular files have a size to cut. */
static int empty_file(int fd)
{
    struct stat st;
    if (fstat(fd, &st) < 0)
        return -errno;
    if (!S_ISREG(st.st_mode))
        return 0;
    if ((fcntl(fd, F_GETFL) & O_ACCMODE) != O_RDONLY)
        return mmf_file_set_size(fd, 0);
    char proc[40];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    int w = sys_open(proc, O_WRONLY, 0);
    if (w < 0)
        return w;
    int rc = mmf_file_set_size(w, 0);
    close(w);
    return rc;
}

/* Directories open only with FILE_FLAG_BACKUP_SEMANTICS (else
 * ERROR_ACCESS_DENIED, as Windows), and then read-only whatever the rights
 * (Linux refuses to open one for writing). */
static int open_checked(const char *path, int flags, mode_t mode, DWORD disp, DWORD fl,
                        int *existed)
{
    int backup = (fl & FILE_FLAG_BACKUP_SEMANTICS) != 0;
    int fd = open_disposition(path, flags, mode, disp, existed);
    if (fd == -EISDIR && backup)
        fd = open_disposition(path, O_RDONLY | O_DIRECTORY, mode, disp, existed);
    if (fd < 0)
        return fd;
    struct stat st;
    if (fstat(fd, &st) < 0 || (S_ISDIR(st.st_mode) && !backup)) {
        int e = S_ISDIR(st.st_mode) ? -EACCES : -errno;
        close(fd);
        return e;
    }
    return fd;
}

/* ---- FILE_FLAG_DELETE_ON_CLOSE ---- */

/*
 * The record of a file to delete, shared by the handle CreateFile made and
 * its duplicates (Windows' file object).  Removing the name is done by
 * path, so the file must still be the one that was opened: a file renamed
 * away, or replaced by another under the same name, is left alone (Windows
 * would delete the original under its new name; Linux cannot find it).
 * Records still open when the process exits normally are removed then, as
 * Windows closes a process's handles when it ends; those of the process
 * that made them only (a fork child's exit must not remove the parent's
 * files).  _exit and signals remove nothing.
 */
struct w32_delete {
    atomic_int refs;
    char *path;
    dev_t dev;
    ino_t ino;
    pid_t pid;
    struct w32_delete *prev, *next; /* the live records (del_lock) */
};

static pthread_mutex_t del_lock = PTHREAD_MUTEX_INITIALIZER;
static struct w32_delete del_live = { .prev = &del_live, .next = &del_live };

static void delete_file(const struct w32_delete *d)
{
    struct stat st;
    if (lstat(d->path, &st) == 0 && st.st_dev == d->dev && st.st_ino == d->ino)
        unlink(d->path);
}

__attribute__((destructor)) static void delete_at_exit(void)
{
    pthread_mutex_lock(&del_lock);
    pid_t me = getpid();
    for (struct w32_delete *d = del_live.next; d != &del_live; d = d->next)
        if (d->pid == me)
            delete_file(d);
    pthread_mutex_unlock(&del_lock);
}

struct w32_delete *w32_delete_new(char *path, int fd)
{
    struct w32_delete *d = calloc(1, sizeof *d);
    struct stat st;
    if (!d || fstat(fd, &st) < 0) {
        free(d);
        free(path);
        return NULL;
    }
    atomic_init(&d->refs, 1);
    /* The file opened, not a symbolic link that led to it. */
    char *real = realpath(path, NULL);
    if (real) {
        free(path);
        path = real;
    }
    d->path = path;
    d->dev = st.st_dev;
    d->ino = st.st_ino;
    d->pid = getpid();
    pthread_mutex_lock(&del_lock);
    d->next = &del_live;
    d->prev = del_live.prev;
    del_live.prev->next = d;
    del_live.prev = d;
    pthread_mutex_unlock(&del_lock);
    return d;
}

struct w32_delete *w32_delete_ref(struct w32_delete *d)
{
    if (d)
        atomic_fetch_add(&d->refs, 1);
    return d;
}

/* Takes the record off the live list and frees it, removing its file
 * first when asked. */
static void delete_release(struct w32_delete *d, int remove)
{
    pthread_mutex_lock(&del_lock);
    d->prev->next = d->next;
    d->next->prev = d->prev;
    pthread_mutex_unlock(&del_lock);
    if (remove)
        delete_file(d);
    free(d->path);
    free(d);
}

void w32_delete_put(struct w32_delete *d)
{
    if (d && atomic_fetch_sub(&d->refs, 1) == 1)
        delete_release(d, 1);
}

/* Wraps a descriptor in a handle; on failure everything is released and
 * the last error is set. */
static HANDLE file_handle(int fd, DWORD bits, char *delete_path, int sharefd, DWORD hflags)
{
    struct w32_file *f = calloc(1, sizeof *f);
    struct w32_delete *del = NULL;
    HANDLE h = NULL;
    if (f && delete_path && !(del = w32_delete_new(delete_path, fd))) {
        free(f); /* and the path, freed by w32_delete_new */
        f = NULL;
        delete_path = NULL;
    }
    if (f) {
        *f = (struct w32_file){ .fd = fd, .access = bits, .del = del, .sharefd = sharefd };
        h = w32_handle_new(W32_FILE, f, fd, hflags);
    } else {
        w32_set(ERROR_NOT_ENOUGH_MEMORY);
    }
    if (!h) {
        /* No handle was made: nothing is deleted (CreateFile removes a
         * file it created itself). */
        close(fd);
        if (sharefd >= 0)
            close(sharefd);
        if (del)
            delete_release(del, 0); /* the only reference: no handle was made */
        else
            free(delete_path);
        free(f);
        return INVALID_HANDLE_VALUE;
    }
    return h;
}

/* CreateFileA once the name is a Linux path. */
static HANDLE create_file(const char *path, DWORD access, DWORD share,
                          LPSECURITY_ATTRIBUTES sa, DWORD disp, DWORD fl)
{
    if (disp < CREATE_NEW || disp > TRUNCATE_EXISTING) {
        w32_set(ERROR_INVALID_PARAMETER);
        return INVALID_HANDLE_VALUE;
    }
    DWORD bits = access_bits(access);
    mode_t mode = (fl & FILE_ATTRIBUTE_READONLY) ? 0444 : 0666; /* less the umask */
    int existed;
    int fd = open_checked(path, open_flags(access, bits, fl), mode, disp, fl, &existed);
    if (fd < 0) {
        w32_set(path_error(-fd, path));
        return INVALID_HANDLE_VALUE;
    }
    /* Sharing is checked before anything changes (a truncating
     * disposition must not cut a file it then fails to open).
     * FILE_FLAG_DELETE_ON_CLOSE asks for delete access (Windows adds
     * DELETE to the rights). */
    unsigned want = ((bits & (W32_FILE_R | W32_FILE_X)) ? SHARE_R : 0) |
                    ((bits & W32_FILE_W) ? SHARE_W : 0) |
                    ((access & (DELETE | GENERIC_ALL)) || (fl & FILE_FLAG_DELETE_ON_CLOSE)
                         ? SHARE_D : 0);
    int sharefd = -1;
    DWORD se = w32_share_open(fd, want, share & (SHARE_R | SHARE_W | SHARE_D), &sharefd);
    if (se != ERROR_SUCCESS) {
        /* Never removed here even if this call made it: a violation
         * means another open holds this very file (it came between our
         * create and our check), and the file is its now. */
        close(fd);
        w32_set(se);
        return INVALID_HANDLE_VALUE;
    }
    int rc = 0;
    if (existed && (disp == CREATE_ALWAYS || disp == TRUNCATE_EXISTING))
        rc = empty_file(fd);
    char *del = NULL;
    if (rc == 0 && (fl & FILE_FLAG_DELETE_ON_CLOSE) && !(del = absolute(path)))
        rc = -ENOMEM;
    if (rc < 0) {
        close(fd);
        if (sharefd >= 0)
            close(sharefd);
        if (!existed)
            unlink(path);
        w32_fail(rc);
        return INVALID_HANDLE_VALUE;
    }
    HANDLE h = file_handle(fd, bits, del, sharefd,
                           sa && sa->bInheritHandle ? HANDLE_FLAG_INHERIT : 0);
    if (h == INVALID_HANDLE_VALUE) {
        if (!existed)
            unlink(path);
        return h;
    }
    /* Windows reports an existing file on the "create or ..." dispositions
     * even on success; every other success clears the last error. */
    w32_set(existed && (disp == CREATE_ALWAYS || disp == OPEN_ALWAYS) ? ERROR_ALREADY_EXISTS
                                                                      : ERROR_SUCCESS);
    return h;
}

HANDLE WINAPI CreateFileA(LPCSTR lpFileName, DWORD dwDesiredAccess, DWORD dwShareMode,
                          LPSECURITY_ATTRIBUTES lpSecurityAttributes,
                          DWORD dwCreationDisposition, DWORD dwFlagsAndAttributes,
                          HANDLE hTemplateFile)
{
    (void)hTemplateFile; /* its attributes would only matter on create */
    char *path = path_of(lpFileName);
    if (!path)
        return INVALID_HANDLE_VALUE;
    HANDLE h = create_file(path, dwDesiredAccess, dwShareMode, lpSecurityAttributes,
                           dwCreationDisposition, dwFlagsAndAttributes);
    free(path);
    return h;
}

HANDLE WINAPI CreateFileW(LPCWSTR lpFileName, DWORD dwDesiredAccess, DWORD dwShareMode,
                          LPSECURITY_ATTRIBUTES lpSecurityAttributes,
                          DWORD dwCreationDisposition, DWORD dwFlagsAndAttributes,
                          HANDLE hTemplateFile)
{
    int ok;
    char *name = from_w(lpFileName, &ok);
    if (!ok)
        return INVALID_HANDLE_VALUE;
    HANDLE h = CreateFileA(name, dwDesiredAccess, dwShareMode, lpSecurityAttributes,
                           dwCreationDisposition, dwFlagsAndAttributes, hTemplateFile);
    free(name);
    return h;
}

/* ---- ReadFile / WriteFile ---- */

/* The file handle behind h with the right `need`, or NULL with the last
 * error set: ERROR_INVALID_HANDLE for anything but a live file handle (a
 * mapping handle included), else `denied`. */
static struct w32_obj *file_with(HANDLE h, DWORD need, DWORD denied)
{
    struct w32_obj *o = w32_get(h, W32_FILE);
    if (o && (o->u.file->access & need) != need) {
        w32_put(o);
        w32_set(denied);
        return NULL;
    }
    return o;
}

/* The offset an OVERLAPPED names: -1 for none (and for
 * 0xFFFFFFFF:0xFFFFFFFF, WriteFile's "at the end"), below -1 for offsets
 * past 2^63 that no file has. */
static int64_t ov_offset(const OVERLAPPED *ov)
{
    if (!ov)
        return -1;
    return (int64_t)((uint64_t)ov->OffsetHigh << 32 | ov->Offset);
}

/* Reports a synchronous completion in the OVERLAPPED as Windows does
 * (status, bytes, the event set); the event's low bit only tells Windows
 * not to queue a completion packet. */
static void ov_complete(OVERLAPPED *ov, DWORD status, DWORD n)
{
    if (!ov)
        return;
    ov->Internal = status;
    ov->InternalHigh = n;
    if (ov->hEvent) {
        DWORD e = GetLastError();
        SetEvent((HANDLE)((uintptr_t)ov->hEvent & ~(uintptr_t)1));
        w32_set(e);
    }
}

/* One chunk of I/O: at the pointer (off < 0) or at off.  A descriptor that
 * cannot seek (a pipe, say) ignores the offset, as Windows does. */
static ssize_t io_once(int fd, int wr, void *buf, size_t n, int64_t off)
{
    ssize_t r;
    do {
        if (off >= 0)
            r = wr ? pwrite(fd, buf, n, (off_t)off) : pread(fd, buf, n, (off_t)off);
        else
            r = wr ? write(fd, buf, n) : read(fd, buf, n);
        if (r < 0 && errno == ESPIPE && off >= 0)
            off = -1, r = -1, errno = EINTR;
    } while (r < 0 && errno == EINTR);
    return r;
}

/* Moves all n bytes, in chunks the kernel accepts (a read or write moves
 * at most 2 GiB - 4 KiB at once; a DWORD asks up to 4 GiB - 1).  A short
 * read ends it (end of file, or what a pipe had); a short write goes on.
 * Returns 0 or -errno (with *done the bytes moved before the error). */
static int io_all(int fd, int wr, char *buf, DWORD n, int64_t off, DWORD *done)
{
    *done = 0;
    while (*done < n) {
        size_t want = n - *done < (1u << 30) ? n - *done : (1u << 30);
        ssize_t r = io_once(fd, wr, buf + *done, want, off < 0 ? -1 : off + *done);
        if (r < 0)
            return -errno;
        *done += (DWORD)r;
        if (r == 0 || (!wr && (size_t)r < want))
            break;
    }
    return 0;
}

/* After I/O at an OVERLAPPED offset on a synchronous handle Windows leaves
 * the file pointer just past the bytes moved (Wine 8 does too). */
static void pointer_after(int fd, int64_t off, DWORD n)
{
    if (off >= 0)
        lseek(fd, (off_t)(off + n), SEEK_SET);
}

BOOL WINAPI ReadFile(HANDLE hFile, LPVOID lpBuffer, DWORD nNumberOfBytesToRead,
                     LPDWORD lpNumberOfBytesRead, LPOVERLAPPED lpOverlapped)
{
    /* A NULL count without an OVERLAPPED would fault on Windows; Wine
     * accepts it, and so do we. */
    if (lpNumberOfBytesRead)
        *lpNumberOfBytesRead = 0;
    struct w32_obj *o = file_with(hFile, W32_FILE_R, ERROR_ACCESS_DENIED);
    if (!o)
        return FALSE;
    if (!lpBuffer && nNumberOfBytesToRead) {
        w32_put(o);
        w32_set(ERROR_NOACCESS);
        return FALSE;
    }
    int fd = o->u.file->fd;
    int64_t off = ov_offset(lpOverlapped);
    if (off < -1) {
        w32_put(o);
        w32_set(ERROR_INVALID_PARAMETER);
        return FALSE;
    }
    DWORD got;
    int rc = io_all(fd, 0, lpBuffer, nNumberOfBytesToRead, off, &got);
    if (rc == 0)
        pointer_after(fd, off, got);
    w32_put(o);
    if (lpNumberOfBytesRead)
        *lpNumberOfBytesRead = got;
    if (rc < 0) {
        w32_set(rc == -EISDIR ? ERROR_INVALID_FUNCTION : w32_error(rc));
        return FALSE;
    }
    /* At the end of the file: TRUE with 0 bytes at the pointer, but
     * ERROR_HANDLE_EOF at an OVERLAPPED offset. */
    if (lpOverlapped && got == 0 && nNumberOfBytesToRead) {
        ov_complete(lpOverlapped, W32_STATUS_END_OF_FILE, 0);
        w32_set(ERROR_HANDLE_EOF);
        return FALSE;
    }
    ov_complete(lpOverlapped, W32_STATUS_SUCCESS, got);
    return TRUE;
}

BOOL WINAPI WriteFile(HANDLE hFile, LPCVOID lpBuffer, DWORD nNumberOfBytesToWrite,
                      LPDWORD lpNumberOfBytesWritten, LPOVERLAPPED lpOverlapped)
{
    if (lpNumberOfBytesWritten)
        *lpNumberOfBytesWritten = 0;
    struct w32_obj *o = file_with(hFile, W32_FILE_W, ERROR_ACCESS_DENIED);
    if (!o)
        return FALSE;
    if (!lpBuffer && nNumberOfBytesToWrite) {
        w32_put(o);
        w32_set(ERROR_INVALID_USER_BUFFER); /* Wine's code for it (ReadFile: 998) */
        return FALSE;
    }
    int fd = o->u.file->fd;
    int64_t off = ov_offset(lpOverlapped);
    if (off < -1) {
        w32_put(o);
        w32_set(ERROR_INVALID_PARAMETER);
        return FALSE;
    }
    /* Offset 0xFFFFFFFF:0xFFFFFFFF means "at the end" (as FILE_APPEND_DATA
     * would), and leaves the pointer there. */
    if (off == -1 && lpOverlapped)
        lseek(fd, 0, SEEK_END); /* then a write at the pointer */
    DWORD done = 0;
    int rc = 0;
    if (nNumberOfBytesToWrite) /* a zero-byte write changes nothing */
        rc = io_all(fd, 1, (char *)(uintptr_t)lpBuffer, nNumberOfBytesToWrite, off, &done);
    if (rc == 0)
        pointer_after(fd, off, done);
    w32_put(o);
    if (lpNumberOfBytesWritten)
        *lpNumberOfBytesWritten = done;
    if (rc < 0) {
        w32_fail(rc);
        return FALSE;
    }
    ov_complete(lpOverlapped, W32_STATUS_SUCCESS, done);
    return TRUE;
}

/* ---- the file pointer and the size ---- */

/* Moves the pointer; returns 0 or the Win32 error.  Windows computes the
 * new position itself and refuses a negative one (ERROR_NEGATIVE_SEEK),
 * where lseek would say EINVAL for that and for much else. */
static DWORD seek(int fd, int64_t dist, DWORD method, int64_t *out)
{
    int64_t base = 0, pos;
    struct stat st;
    switch (method) {
    case FILE_BEGIN:
        break;
    case FILE_CURRENT:
        base = lseek(fd, 0, SEEK_CUR);
        break;
    case FILE_END:
        base = fstat(fd, &st) < 0 ? -1 : S_ISDIR(st.st_mode) ? 0 : st.st_size;
        break;
    default:
        return ERROR_INVALID_PARAMETER;
    }
    if (base < 0)
        return w32_error(-errno);
    if (__builtin_add_overflow(base, dist, &pos))
        return ERROR_INVALID_PARAMETER;
    if (pos < 0)
        return ERROR_NEGATIVE_SEEK;
    if (lseek(fd, (off_t)pos, SEEK_SET) < 0)
        return errno == EINVAL ? ERROR_INVALID_PARAMETER : w32_error(-errno);
    *out = pos;
    return ERROR_SUCCESS;
}

/* Any file handle may move its pointer, even one opened without rights. */
static DWORD seek_handle(HANDLE h, int64_t dist, DWORD method, int64_t *out)
{
    struct w32_obj *o = w32_get(h, W32_FILE);
    if (!o)
        return ERROR_INVALID_HANDLE;
    DWORD e = seek(o->u.file->fd, dist, method, out);
    w32_put(o);
    return e;
}

DWORD WINAPI SetFilePointer(HANDLE hFile, LONG lDistanceToMove, PLONG lpDistanceToMoveHigh,
                            DWORD dwMoveMethod)
{
    /* Without the high part the distance is a signed 32-bit number. */
    int64_t dist = lpDistanceToMoveHigh
                       ? (int64_t)((uint64_t)(uint32_t)*lpDistanceToMoveHigh << 32 |
                                   (uint32_t)lDistanceToMove)
                       : (int64_t)lDistanceToMove;
    int64_t pos;
    DWORD e = seek_handle(hFile, dist, dwMoveMethod, &pos);
    if (e != ERROR_SUCCESS) {
        w32_set(e);
        return INVALID_SET_FILE_POINTER;
    }
    if (lpDistanceToMoveHigh)
        *lpDistanceToMoveHigh = (LONG)(pos >> 32);
    /* A position whose low part is 0xFFFFFFFF looks like the failure
     * value: the caller tells them apart by a last error of 0. */
    if ((DWORD)pos == INVALID_SET_FILE_POINTER)
        w32_set(ERROR_SUCCESS);
    return (DWORD)pos;
}

BOOL WINAPI SetFilePointerEx(HANDLE hFile, LARGE_INTEGER liDistanceToMove,
                             PLARGE_INTEGER lpNewFilePointer, DWORD dwMoveMethod)
{
    int64_t pos;
    DWORD e = seek_handle(hFile, liDistanceToMove.QuadPart, dwMoveMethod, &pos);
    if (e != ERROR_SUCCESS) {
        w32_set(e);
        return FALSE;
    }
    if (lpNewFilePointer)
        lpNewFilePointer->QuadPart = pos;
    return TRUE;
}

/* The size Windows reports: a directory has none. */
static int file_size(HANDLE h, uint64_t *size)
{
    struct w32_obj *o = w32_get(h, W32_FILE);
    if (!o)
        return 0;
    struct stat st;
    int ok = fstat(o->u.file->fd, &st) == 0;
    if (!ok)
        w32_fail(-errno);
    else
        *size = S_ISDIR(st.st_mode) ? 0 : (uint64_t)st.st_size;
    w32_put(o);
    return ok;
}

DWORD WINAPI GetFileSize(HANDLE hFile, LPDWORD lpFileSizeHigh)
{
    uint64_t size;
    if (!file_size(hFile, &size))
        return INVALID_FILE_SIZE;
    if (lpFileSizeHigh)
        *lpFileSizeHigh = (DWORD)(size >> 32);
    /* As SetFilePointer: a real low part of 0xFFFFFFFF comes with 0. */
    if ((DWORD)size == INVALID_FILE_SIZE)
        w32_set(ERROR_SUCCESS);
    return (DWORD)size;
}

BOOL WINAPI GetFileSizeEx(HANDLE hFile, PLARGE_INTEGER lpFileSize)
{
    uint64_t size;
    if (!file_size(hFile, &size))
        return FALSE;
    if (!lpFileSize) {
        w32_set(ERROR_NOACCESS);
        return FALSE;
    }
    lpFileSize->QuadPart = (LONGLONG)size;
    return TRUE;
}

BOOL WINAPI SetEndOfFile(HANDLE hFile)
{
    /* Without write access Wine says ERROR_INVALID_PARAMETER here (where
     * FlushFileBuffers says ERROR_ACCESS_DENIED). */
    struct w32_obj *o = file_with(hFile, W32_FILE_W, ERROR_INVALID_PARAMETER);
    if (!o)
        return FALSE;
    off_t pos = lseek(o->u.file->fd, 0, SEEK_CUR);
    int rc = pos < 0 ? -errno : mmf_file_set_size(o->u.file->fd, (uint64_t)pos);
    w32_put(o);
    if (rc < 0) {
        w32_fail(rc); /* MMF_EMAPPED: ERROR_USER_MAPPED_FILE */
        return FALSE;
    }
    return TRUE;
}

BOOL WINAPI FlushFileBuffers(HANDLE hFile)
{
    struct w32_obj *o = file_with(hFile, W32_FILE_W, ERROR_ACCESS_DENIED);
    if (!o)
        return FALSE;
    int r;
    do
        r = fsync(o->u.file->fd);
    while (r < 0 && errno == EINTR);
    int e = r < 0 ? errno : 0;
    w32_put(o);
    /* EINVAL: a pipe or a special file has nothing to flush. */
    if (e && e != EINVAL) {
        w32_fail(-e);
        return FALSE;
    }
    return TRUE;
}

/* ---- names: delete, attributes ---- */

/* Windows keeps a read-only file (no write permission for anyone) from
 * being deleted, and deletes no directory; unlink(2) would do both. */
static DWORD delete_path(const char *path)
{
    struct stat st;
    if (lstat(path, &st) < 0)
        return path_error(errno, path);
    if (S_ISDIR(st.st_mode) || (S_ISREG(st.st_mode) && !(st.st_mode & 0222)))
        return ERROR_ACCESS_DENIED;
    DWORD e = w32_share_may_delete(path); /* an open that does not share delete */
    if (e != ERROR_SUCCESS)
        return e;
    if (unlink(path) < 0)
        return path_error(errno, path);
    return ERROR_SUCCESS;
}

BOOL WINAPI DeleteFileA(LPCSTR lpFileName)
{
    char *path = path_of(lpFileName);
    if (!path)
        return FALSE;
    DWORD e = delete_path(path);
    free(path);
    if (e != ERROR_SUCCESS) {
        w32_set(e);
        return FALSE;
    }
    return TRUE;
}

BOOL WINAPI DeleteFileW(LPCWSTR lpFileName)
{
    int ok;
    char *name = from_w(lpFileName, &ok);
    BOOL r = ok && DeleteFileA(name);
    free(name);
    return r;
}

/* Attributes as Wine derives them from stat: a directory, or an archive
 * (every regular file); read-only without write permission; hidden for a
 * dot name. */
static DWORD attributes(const char *path, const struct stat *st)
{
    DWORD a = S_ISDIR(st->st_mode) ? FILE_ATTRIBUTE_DIRECTORY : FILE_ATTRIBUTE_ARCHIVE;
    if (!(st->st_mode & 0222))
        a |= FILE_ATTRIBUTE_READONLY;
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    if (base[0] == '.' && strcmp(base, ".") != 0 && strcmp(base, "..") != 0)
        a |= FILE_ATTRIBUTE_HIDDEN;
    return a;
}

DWORD WINAPI GetFileAttributesA(LPCSTR lpFileName)
{
    char *path = path_of(lpFileName);
    if (!path)
        return INVALID_FILE_ATTRIBUTES;
    struct stat st;
    DWORD a = INVALID_FILE_ATTRIBUTES;
    if (stat(path, &st) == 0)
        a = attributes(path, &st);
    else
        w32_set(path_error(errno, path));
    free(path);
    return a;
}

DWORD WINAPI GetFileAttributesW(LPCWSTR lpFileName)
{
    int ok;
    char *name = from_w(lpFileName, &ok);
    DWORD a = ok ? GetFileAttributesA(name) : INVALID_FILE_ATTRIBUTES;
    free(name);
    return a;
}

/* ---- temporary names ---- */

/* $TMPDIR, else /tmp, with a trailing '/', malloc'ed. */
static char *temp_dir(void)
{
    const char *t = getenv("TMPDIR");
    if (!t || !*t)
        t = "/tmp";
    size_t n = strlen(t);
    char *d = malloc(n + 2);
    if (d)
        snprintf(d, n + 2, "%s%s", t, t[n - 1] == '/' ? "" : "/");
    return d;
}

DWORD WINAPI GetTempPathA(DWORD nBufferLength, LPSTR lpBuffer)
{
    char *d = temp_dir();
    if (!d) {
        w32_set(ERROR_NOT_ENOUGH_MEMORY);
        return 0;
    }
    DWORD n = (DWORD)strlen(d);
    DWORD r = n + 1; /* too small: the size needed, with the NUL */
    if (nBufferLength > n && !lpBuffer) {
        w32_set(ERROR_INVALID_PARAMETER);
        r = 0;
    } else if (nBufferLength > n) {
        memcpy(lpBuffer, d, n + 1);
        r = n;
    }
    free(d);
    return r;
}

DWORD WINAPI GetTempPathW(DWORD nBufferLength, LPWSTR lpBuffer)
{
    char *d = temp_dir();
    if (!d) {
        w32_set(ERROR_NOT_ENOUGH_MEMORY);
        return 0;
    }
    DWORD r;
    if (nBufferLength && !lpBuffer) {
        w32_set(ERROR_INVALID_PARAMETER);
        r = 0;
    } else {
        r = (DWORD)w32_to_utf16(d, lpBuffer, nBufferLength);
    }
    free(d);
    return r;
}

/* "<dir>/<up to 3 chars of prefix><hex unique>.tmp" into out (cap bytes);
 * 0, or ERROR_BUFFER_OVERFLOW when the directory is too long for a
 * MAX_PATH result (Wine's limit: MAX_PATH - 14). */
static DWORD temp_name(const char *dir, const char *prefix, unsigned unique, char *out,
                       size_t cap)
{
    size_t n = strlen(dir);
    if (n > MAX_PATH - 14)
        return ERROR_BUFFER_OVERFLOW;
    int w = snprintf(out, cap, "%s%s%.3s%x.tmp", dir, n && dir[n - 1] != '/' ? "/" : "",
                     prefix ? prefix : "", unique);
    return w < 0 || (size_t)w >= cap ? ERROR_BUFFER_OVERFLOW : ERROR_SUCCESS;
}

/* Picks a free unique number by creating the file (O_EXCL, so two
 * processes never get the same name); starts from the clock, as Wine
 * starts from the tick count. */
static UINT temp_create(const char *dir, const char *prefix, char *out, size_t cap)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    unsigned u = (unsigned)(ts.tv_nsec ^ getpid()) & 0xFFFF;
    for (unsigned tries = 0; tries < 0xFFFF; tries++, u = (u + 1) & 0xFFFF) {
        if (u == 0)
            u = 1;
        DWORD e = temp_name(dir, prefix, u, out, cap);
        if (e != ERROR_SUCCESS) {
            w32_set(e);
            return 0;
        }
        int fd = sys_open(out, O_WRONLY | O_CREAT | O_EXCL, 0666);
        if (fd >= 0) {
            close(fd);
            w32_set(ERROR_SUCCESS);
            return u;
        }
        if (fd != -EEXIST) {
            /* A directory that is not there is ERROR_DIRECTORY (Wine). */
            w32_set(fd == -ENOENT || fd == -ENOTDIR ? ERROR_DIRECTORY : w32_error(fd));
            return 0;
        }
    }
    w32_set(ERROR_FILE_EXISTS);
    return 0;
}

/* GetTempFileNameA with Linux arguments; out holds cap bytes. */
static UINT temp_file_name(const char *path, const char *prefix, UINT uUnique, char *out,
                           size_t cap)
{
    if (!path) {
        w32_set(ERROR_DIRECTORY);
        return 0;
    }
    if (!out) { /* Windows (and Wine) would crash */
        w32_set(ERROR_INVALID_PARAMETER);
        return 0;
    }
    char *dir = w32_path(path);
    if (!dir) {
        w32_set(ERROR_NOT_ENOUGH_MEMORY);
        return 0;
    }
    UINT r = uUnique & 0xFFFF; /* only the low 16 bits count */
    if (r) {
        /* A given number only names the file; nothing is created. */
        DWORD e = temp_name(dir, prefix, r, out, cap);
        if (e != ERROR_SUCCESS) {
            w32_set(e);
            r = 0;
        }
    } else {
        r = temp_create(dir, prefix, out, cap);
    }
    free(dir);
    return r;
}

UINT WINAPI GetTempFileNameA(LPCSTR lpPathName, LPCSTR lpPrefixString, UINT uUnique,
                             LPSTR lpTempFileName)
{
    return temp_file_name(lpPathName, lpPrefixString, uUnique, lpTempFileName, MAX_PATH);
}

UINT WINAPI GetTempFileNameW(LPCWSTR lpPathName, LPCWSTR lpPrefixString, UINT uUnique,
                             LPWSTR lpTempFileName)
{
    int ok1, ok2;
    char *path = from_w(lpPathName, &ok1);
    char *prefix = ok1 ? from_w(lpPrefixString, &ok2) : NULL;
    char out[MAX_PATH * 3];
    UINT r = 0;
    if (ok1 && ok2 && !lpTempFileName)
        w32_set(ERROR_INVALID_PARAMETER);
    else if (ok1 && ok2)
        r = temp_file_name(path, prefix, uUnique, out, sizeof out);
    /* The UTF-16 form must fit the caller's MAX_PATH units too. */
    if (r && w32_to_utf16(out, lpTempFileName, MAX_PATH) >= MAX_PATH) {
        if (!(uUnique & 0xFFFF))
            unlink(out);
        w32_set(ERROR_BUFFER_OVERFLOW);
        r = 0;
    }
    free(path);
    free(prefix);
    return r;
}

/* ---- OpenFile ---- */

/* Fails an OpenFile: the code goes to nErrCode and the last error.  A
 * missing directory is "file not found" there (Wine: OpenFile searches). */
static HFILE of_fail(LPOFSTRUCT of, DWORD e)
{
    if (e == ERROR_PATH_NOT_FOUND)
        e = ERROR_FILE_NOT_FOUND;
    of->nErrCode = (WORD)e;
    w32_set(e);
    return HFILE_ERROR;
}

/* szPathName: the full path, cut to the field's size. */
static void of_path(LPOFSTRUCT of, const char *name)
{
    char *path = w32_path(name);
    char *full = path ? realpath(path, NULL) : NULL;
    if (!full && path)
        full = absolute(path);
    snprintf(of->szPathName, sizeof of->szPathName, "%s", full ? full : name);
    free(full);
    free(path);
}

HFILE WINAPI OpenFile(LPCSTR lpFileName, LPOFSTRUCT lpReOpenBuff, UINT uStyle)
{
    if (!lpReOpenBuff) {
        w32_set(ERROR_INVALID_PARAMETER);
        return HFILE_ERROR;
    }
    char name[OFS_MAXPATHNAME];
    if (uStyle & OF_REOPEN) { /* the name a previous call stored */
        memcpy(name, lpReOpenBuff->szPathName, sizeof name);
        name[sizeof name - 1] = '\0';
        lpFileName = name;
    }
    lpReOpenBuff->cBytes = sizeof *lpReOpenBuff;
    lpReOpenBuff->fFixedDisk = 1;
    lpReOpenBuff->nErrCode = 0;
    if (!lpFileName)
        return of_fail(lpReOpenBuff, ERROR_INVALID_PARAMETER);
    if (!*lpFileName)
        return of_fail(lpReOpenBuff, ERROR_FILE_NOT_FOUND);
    of_path(lpReOpenBuff, lpFileName);
    if (uStyle & OF_PARSE) {
        w32_set(ERROR_SUCCESS);
        return 0;
    }
    if (uStyle & OF_DELETE)
        return DeleteFileA(lpFileName) ? 1 : of_fail(lpReOpenBuff, GetLastError());

    /* OF_CREATE opens for reading and writing whatever the mode asks
     * (Wine); the others open an existing file. */
    DWORD acc = GENERIC_READ | GENERIC_WRITE, disp = CREATE_ALWAYS;
    if (!(uStyle & OF_CREATE)) {
        disp = OPEN_EXISTING;
        acc = (uStyle & 3) == OF_WRITE       ? GENERIC_WRITE
              : (uStyle & 3) == OF_READWRITE ? GENERIC_READ | GENERIC_WRITE
                                             : GENERIC_READ;
    }
    /* The OF_SHARE_* modes as CreateFile share modes (as Wine maps them). */
    DWORD share = FILE_SHARE_READ | FILE_SHARE_WRITE;
    switch (uStyle & 0x70) {
    case OF_SHARE_EXCLUSIVE:  share = 0; break;
    case OF_SHARE_DENY_WRITE: share = FILE_SHARE_READ; break;
    case OF_SHARE_DENY_READ:  share = FILE_SHARE_WRITE; break;
    }
    HANDLE h = CreateFileA(lpFileName, acc, share, NULL, disp, FILE_ATTRIBUTE_NORMAL, NULL);
    if (h == INVALID_HANDLE_VALUE)
        return of_fail(lpReOpenBuff, GetLastError());
    if (uStyle & OF_EXIST) /* only asked whether it opens */
        CloseHandle(h);
    w32_set(ERROR_SUCCESS);
    return (HFILE)(INT_PTR)h;
}
