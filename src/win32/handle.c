/*
 * handle.c — the Win32 handle table, CloseHandle, DuplicateHandle and the
 * handle flags.
 *
 * The table is indexed by the descriptor number a handle owns (see w32.h)
 * and guarded by one mutex; lookups take a reference on the entry so that
 * a handle closed in one thread while another still uses it is freed only
 * after that use (Windows would let the second thread finish, too).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "w32.h"

static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
static struct w32_obj **slots;
static size_t nslots;

static HANDLE value_of(int fd) { return (HANDLE)(uintptr_t)(((uintptr_t)fd + 1) * 4); }

/* The descriptor number behind a handle value, or -1. */
static int fd_of(HANDLE h)
{
    uintptr_t v = (uintptr_t)h;
    if (v == 0 || v % 4 || v / 4 - 1 > INT_MAX)
        return -1;
    return (int)(v / 4 - 1);
}

/* Caller holds table_lock. */
static int slot_put(int fd, struct w32_obj *o)
{
    if ((size_t)fd >= nslots) {
        size_t n = nslots ? nslots : 64;
        while (n <= (size_t)fd)
            n *= 2;
        struct w32_obj **s = realloc(slots, n * sizeof *s);
        if (!s)
            return -ENOMEM;
        memset(s + nslots, 0, (n - nslots) * sizeof *s);
        slots = s;
        nslots = n;
    }
    if (slots[fd])
        return -EEXIST;
    slots[fd] = o;
    return 0;
}

static struct w32_obj *slot_get(int fd)
{
    return fd >= 0 && (size_t)fd < nslots ? slots[fd] : NULL;
}

/* A descriptor that reserves a handle number.  Nothing ever reads it, so
 * all of them are duplicates of one original made once: a dup and an fstat
 * cost a third of a new eventfd (which allocates a file).  The original is
 * a memfd because a memfd has an inode of its own (every eventfd, epoll,
 * timerfd... shares one), so the fstat proves it is still ours: closed
 * behind the library's back, its number may already be another descriptor
 * (the next one opened takes it), whose duplicate would keep that file
 * open.  Then a new original is made, and the number is left to whoever
 * has it now.  The generation tells threads that met the same dead
 * original apart from one that already replaced it. */
static pthread_mutex_t base_lock = PTHREAD_MUTEX_INITIALIZER;
static _Atomic unsigned base_gen;
static _Atomic int base_fd = -1;
static _Atomic unsigned long long base_dev, base_ino;

static int placeholder(void)
{
    for (;;) {
        unsigned gen = atomic_load_explicit(&base_gen, memory_order_acquire);
        int base = atomic_load_explicit(&base_fd, memory_order_acquire);
        if (base >= 0) {
            int fd = fcntl(base, F_DUPFD_CLOEXEC, 3); /* never a stdio number */
            if (fd < 0 && errno != EBADF)
                return -1;
            struct stat st;
            if (fd >= 0 && fstat(fd, &st) == 0 && st.st_dev == atomic_load(&base_dev) &&
                st.st_ino == atomic_load(&base_ino))
                return fd;
            if (fd >= 0)
                close(fd);
        }
        pthread_mutex_lock(&base_lock);
        if (atomic_load(&base_gen) == gen) {
            struct stat st;
            int m = memfd_create("mmf-handle-number", MFD_CLOEXEC);
            int e = m < 0 ? -1 : fcntl(m, F_DUPFD_CLOEXEC, 3);
            if (m >= 0)
                close(m);
            if (e >= 0 && fstat(e, &st) < 0) {
                close(e);
                e = -1;
            }
            if (e < 0) {
                pthread_mutex_unlock(&base_lock);
                return -1;
            }
            atomic_store(&base_dev, st.st_dev);
            atomic_store(&base_ino, st.st_ino);
            atomic_store(&base_fd, e);
            atomic_fetch_add_explicit(&base_gen, 1, memory_order_release);
        }
        pthread_mutex_unlock(&base_lock);
    }
}

static struct w32_obj *entry_new(int kind, void *obj, int fd, DWORD flags)
{
    struct w32_obj *o = calloc(1, sizeof *o);
    if (!o)
        return NULL;
    atomic_init(&o->refs, 1);
    o->kind = kind;
    o->fd = fd;
    o->flags = flags & (HANDLE_FLAG_INHERIT | HANDLE_FLAG_PROTECT_FROM_CLOSE);
    switch (kind) {
    case W32_MAPPING:   o->u.sec = obj; break;
    case W32_FILE:      o->u.file = obj; break;
    case W32_PROCESS:   o->u.proc = obj; break;
    case W32_THREAD:    o->u.thr = obj; break;
    default:            o->u.sync = obj; break;
    }
    return o;
}

HANDLE w32_handle_new(int kind, void *obj, int fd, DWORD flags)
{
    int own = fd < 0;
    if (own && (fd = placeholder()) < 0) {
        w32_fail(-errno);
        return NULL;
    }
    struct w32_obj *o = entry_new(kind, obj, fd, flags);
    int rc = o ? 0 : -ENOMEM;
    if (o) {
        pthread_mutex_lock(&table_lock);
        rc = slot_put(fd, o);
        pthread_mutex_unlock(&table_lock);
    }
    if (rc < 0) {
        free(o);
        if (own)
            close(fd);
        w32_fail(rc == -EEXIST ? -EBADF : rc);
        return NULL;
    }
    return value_of(fd);
}

/* ---- adopting inherited handles ---- */

static int is_pidfd(int fd)
{
    char link[64], target[64];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, target, sizeof target - 1);
    if (n <= 0)
        return 0;
    target[n] = 0;
    return strcmp(target, "anon_inode:[pidfd]") == 0;
}

/* The process a pidfd refers to ("Pid:" of its fdinfo), or -1. */
static pid_t pidfd_pid(int fd)
{
    char path[64], line[128];
    snprintf(path, sizeof path, "/proc/self/fdinfo/%d", fd);
    FILE *f = fopen(path, "re");
    long pid = -1;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "Pid: %ld", &pid) == 1)
            break;
    if (f)
        fclose(f);
    return (pid_t)pid;
}

/*
 * A child started by CreateProcess finds, at each inherited handle's
 * number, a descriptor without FD_CLOEXEC: a section or synchronization
 * token of the native API, a pidfd (a process handle), or a file.  mmf's own descriptors are all
 * close-on-exec, so a handle value that points at one of them is refused
 * rather than adopted.  The descriptor at the number becomes the handle's
 * own (close-on-exec from now on, as Windows' inherited handles are not
 * passed further unless inheritable — they are, so they keep that flag).
 * Caller holds table_lock.
 */
static struct w32_obj *adopt(int fd)
{
    int fl = fcntl(fd, F_GETFD);
    if (fl < 0 || (fl & FD_CLOEXEC) || fd < 3)
        return NULL;
    struct w32_obj *o = NULL;
    /* The token is consumed (closed) by the rebuild: give it a copy and
     * keep the original as the handle's placeholder. */
    int copy = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    if (copy < 0)
        return NULL;
    mmf_section *s;
    mmf_sync *y;
    int type;
    if (mmf_section_from_fd_handle(copy, &s) == 0) {
        if (!(o = entry_new(W32_MAPPING, s, fd, HANDLE_FLAG_INHERIT)))
            mmf_section_close(s);
    } else if (mmf_sync_from_fd_handle(copy, &type, &y) == 0) {
        int kind = type == MMF_SYNC_MUTEX ? W32_MUTEX : type == MMF_SYNC_SEMAPHORE ? W32_SEMAPHORE
                                                                                 : W32_EVENT;
        if (!(o = entry_new(kind, y, fd, HANDLE_FLAG_INHERIT)))
            mmf_sync_close(y);
    } else if (is_pidfd(fd)) {
        /* An inherited process handle: a pidfd of our own for it. */
        close(copy);
        struct w32_process *p = calloc(1, sizeof *p);
        if (p && (p->pidfd = fcntl(fd, F_DUPFD_CLOEXEC, 3)) >= 0) {
            p->pid = pidfd_pid(fd);
            p->exit_fd = -1;
            pthread_mutex_init(&p->lock, NULL);
            if (!(o = entry_new(W32_PROCESS, p, fd, HANDLE_FLAG_INHERIT))) {
                close(p->pidfd);
                pthread_mutex_destroy(&p->lock);
            }
        }
        if (!o)
            free(p);
    } else {
        close(copy);
        struct stat st;
        struct w32_file *f = calloc(1, sizeof *f);
        int acc = fcntl(fd, F_GETFL);
        if (f && acc >= 0 && fstat(fd, &st) == 0 && !S_ISDIR(st.st_mode)) {
            f->fd = fd;
            f->sharefd = -1; /* the parent's open keeps its share record */
            acc &= O_ACCMODE;
            f->access = acc == O_RDONLY ? W32_FILE_R : acc == O_WRONLY ? W32_FILE_W
                                                                       : W32_FILE_R | W32_FILE_W;
            o = entry_new(W32_FILE, f, fd, HANDLE_FLAG_INHERIT);
        }
        if (!o)
            free(f);
    }
    if (!o)
        return NULL;
    if (slot_put(fd, o) < 0) {
        free(o);
        return NULL;
    }
    fcntl(fd, F_SETFD, fl | FD_CLOEXEC);
    return o;
}

struct w32_obj *w32_get(HANDLE h, int kind)
{
    int fd = fd_of(h);
    pthread_mutex_lock(&table_lock);
    struct w32_obj *o = fd < 0 ? NULL : slot_get(fd);
    if (!o && fd >= 0)
        o = adopt(fd);
    if (o && kind && o->kind != kind)
        o = NULL;
    if (o)
        atomic_fetch_add(&o->refs, 1);
    pthread_mutex_unlock(&table_lock);
    if (!o)
        w32_set(ERROR_INVALID_HANDLE);
    return o;
}

static void destroy(struct w32_obj *o)
{
    switch (o->kind) {
    case W32_MAPPING:
        mmf_section_close(o->u.sec);
        break;
    case W32_MUTEX:
    case W32_SEMAPHORE:
    case W32_EVENT:
        mmf_sync_close(o->u.sync);
        break;
    case W32_FILE:
        w32_delete_put(o->u.file->del);
        if (o->u.file->sharefd >= 0)
            close(o->u.file->sharefd);
        free(o->u.file);
        break;
    case W32_PROCESS: {
        struct w32_process *p = o->u.proc;
        /* A process that has ended is reaped now; one still running is
         * left to run (Windows processes outlive their handles). */
        if (!p->reaped) {
            siginfo_t si;
            memset(&si, 0, sizeof si);
            waitid(P_PIDFD, (id_t)p->pidfd, &si, WEXITED | WNOHANG);
        }
        close(p->pidfd);
        if (p->exit_fd >= 0)
            close(p->exit_fd);
        pthread_mutex_destroy(&p->lock);
        free(p);
        break;
    }
    case W32_THREAD:
        w32_thread_unref(o->u.thr);
        break;
    }
    close(o->fd); /* the file, or the placeholder */
    free(o);
}

void w32_put(struct w32_obj *o)
{
    if (o && atomic_fetch_sub(&o->refs, 1) == 1)
        destroy(o);
}

void w32_handles_each(void (*cb)(struct w32_obj *, void *), void *arg)
{
    pthread_mutex_lock(&table_lock);
    for (size_t i = 0; i < nslots; i++)
        if (slots[i])
            cb(slots[i], arg);
    pthread_mutex_unlock(&table_lock);
}

int w32_is_self_process(HANDLE h)
{
    if (h == W32_PSEUDO_PROCESS)
        return 1;
    struct w32_obj *o = w32_get(h, W32_PROCESS);
    int self = o && o->u.proc->pid == getpid();
    w32_put(o);
    return self;
}

/* ---- the calls ---- */

BOOL WINAPI CloseHandle(HANDLE h)
{
    if (h == W32_PSEUDO_PROCESS || h == W32_PSEUDO_THREAD)
        return TRUE; /* Windows accepts and ignores the pseudo handles */
    int fd = fd_of(h);
    pthread_mutex_lock(&table_lock);
    struct w32_obj *o = fd < 0 ? NULL : slot_get(fd);
    if (!o && fd >= 0)
        o = adopt(fd); /* an inherited handle closed before any use */
    if (o && (o->flags & HANDLE_FLAG_PROTECT_FROM_CLOSE))
        o = NULL;
    if (o)
        slots[fd] = NULL;
    pthread_mutex_unlock(&table_lock);
    if (!o) {
        w32_set(ERROR_INVALID_HANDLE);
        return FALSE;
    }
    w32_put(o);
    return TRUE;
}

/* A second native object for the entry, with `access` (Win32 rights; used
 * only when !same). */
static int dup_object(struct w32_obj *o, DWORD access, int same, void **out)
{
    switch (o->kind) {
    case W32_MAPPING: {
        unsigned a = 0;
        if (!same && !(a = w32_map_access(access)))
            a = MMF_ACCESS_NONE; /* a handle that can only be closed */
        return mmf_section_dup(o->u.sec, a, (mmf_section **)out);
    }
    case W32_MUTEX:
    case W32_SEMAPHORE:
    case W32_EVENT: {
        unsigned a = 0;
        if (!same && !(a = w32_sync_access(o->kind, access)))
            a = MMF_ACCESS_NONE;
        return mmf_sync_dup(o->u.sync, a, (mmf_sync **)out);
    }
    case W32_FILE: {
        struct w32_file *f = calloc(1, sizeof *f);
        if (!f)
            return -ENOMEM;
        /* A duplicate shares the open file (and its file pointer), as on
         * Windows. */
        f->fd = fcntl(o->u.file->fd, F_DUPFD_CLOEXEC, 3);
        if (f->fd < 0) {
            int rc = -errno;
            free(f);
            return rc;
        }
        f->access = o->u.file->access;
        /* The same file object: its share record too (a copy of the same
         * description holds the same locks). */
        f->sharefd = o->u.file->sharefd < 0 ? -1 : fcntl(o->u.file->sharefd, F_DUPFD_CLOEXEC, 3);
        if (o->u.file->sharefd >= 0 && f->sharefd < 0) {
            int rc = -errno;
            close(f->fd);
            free(f);
            return rc;
        }
        f->del = w32_delete_ref(o->u.file->del);
        *out = f;
        return 0;
    }
    case W32_PROCESS: {
        struct w32_process *p = calloc(1, sizeof *p), *src = o->u.proc;
        if (!p)
            return -ENOMEM;
        p->pidfd = fcntl(src->pidfd, F_DUPFD_CLOEXEC, 3);
        if (p->pidfd < 0) {
            int rc = -errno;
            free(p);
            return rc;
        }
        p->pid = src->pid;
        p->exit_fd = src->exit_fd >= 0 ? fcntl(src->exit_fd, F_DUPFD_CLOEXEC, 3) : -1;
        pthread_mutex_lock(&src->lock);
        p->reaped = src->reaped;
        p->exit_code = src->exit_code;
        p->terminated = src->terminated;
        pthread_mutex_unlock(&src->lock);
        pthread_mutex_init(&p->lock, NULL);
        *out = p;
        return 0;
    }
    case W32_THREAD:
        atomic_fetch_add(&o->u.thr->refs, 1);
        *out = o->u.thr;
        return 0;
    }
    return -EBADF;
}

static void undo_object(int kind, void *obj)
{
    switch (kind) {
    case W32_MAPPING: mmf_section_close(obj); return;
    case W32_FILE:
        w32_delete_put(((struct w32_file *)obj)->del);
        if (((struct w32_file *)obj)->sharefd >= 0)
            close(((struct w32_file *)obj)->sharefd);
        close(((struct w32_file *)obj)->fd);
        free(obj);
        return;
    case W32_PROCESS: {
        struct w32_process *p = obj;
        close(p->pidfd);
        if (p->exit_fd >= 0)
            close(p->exit_fd);
        free(p);
        return;
    }
    case W32_THREAD: w32_thread_unref(obj); return;
    default: mmf_sync_close(obj); return;
    }
}

BOOL WINAPI DuplicateHandle(HANDLE hSourceProcess, HANDLE hSource, HANDLE hTargetProcess,
                            LPHANDLE lpTarget, DWORD dwDesiredAccess, BOOL bInheritHandle,
                            DWORD dwOptions)
{
    if (!w32_is_self_process(hSourceProcess) || !w32_is_self_process(hTargetProcess)) {
        /* A handle to another live process cannot receive our objects
         * without its cooperation (use mmf_section_send there). */
        struct w32_obj *p = w32_get(hSourceProcess, W32_PROCESS);
        struct w32_obj *q = p ? w32_get(hTargetProcess, W32_PROCESS) : NULL;
        w32_put(p);
        w32_put(q);
        w32_set(p && q ? ERROR_NOT_SUPPORTED : ERROR_INVALID_HANDLE);
        if (dwOptions & DUPLICATE_CLOSE_SOURCE)
            CloseHandle(hSource);
        return FALSE;
    }
    if (dwOptions & ~(DWORD)(DUPLICATE_CLOSE_SOURCE | DUPLICATE_SAME_ACCESS)) {
        w32_set(ERROR_INVALID_PARAMETER);
        return FALSE;
    }
    HANDLE pseudo = NULL;
    if (hSource == W32_PSEUDO_PROCESS || hSource == W32_PSEUDO_THREAD)
        pseudo = hSource;
    struct w32_obj *o = pseudo ? NULL : w32_get(hSource, 0);
    BOOL ok = FALSE;
    if (pseudo) {
        /* A real handle to this process or thread. */
        if (!lpTarget) {
            w32_set(ERROR_INVALID_PARAMETER);
        } else if (pseudo == W32_PSEUDO_PROCESS) {
            HANDLE h = OpenProcess(PROCESS_ALL_ACCESS, bInheritHandle, GetCurrentProcessId());
            if (h) {
                *lpTarget = h;
                ok = TRUE;
            }
        } else {
            struct w32_thread *t = w32_thread_self();
            HANDLE h = t ? w32_handle_new(W32_THREAD, t, -1, 0) : NULL;
            if (!t)
                w32_set(ERROR_NOT_ENOUGH_MEMORY);
            else if (!h)
                w32_thread_unref(t);
            if (h) {
                *lpTarget = h;
                ok = TRUE;
            }
        }
    } else if (o && !lpTarget) {
        w32_set(ERROR_INVALID_PARAMETER);
    } else if (o) {
        void *copy = NULL;
        int rc = dup_object(o, dwDesiredAccess, (dwOptions & DUPLICATE_SAME_ACCESS) != 0, &copy);
        if (rc < 0) {
            w32_fail(rc);
        } else {
            int kind = o->kind;
            int fd = kind == W32_FILE ? ((struct w32_file *)copy)->fd : -1;
            HANDLE h = w32_handle_new(kind, copy, fd, bInheritHandle ? HANDLE_FLAG_INHERIT : 0);
            if (!h) {
                undo_object(kind, copy);
            } else {
                *lpTarget = h;
                ok = TRUE;
            }
        }
    }
    w32_put(o);
    if (dwOptions & DUPLICATE_CLOSE_SOURCE) {
        DWORD e = GetLastError();
        CloseHandle(hSource);
        w32_set(e);
    }
    if (ok)
        w32_set(ERROR_SUCCESS);
    return ok;
}

BOOL WINAPI GetHandleInformation(HANDLE h, LPDWORD lpdwFlags)
{
    struct w32_obj *o = w32_get(h, 0);
    if (!o)
        return FALSE;
    if (!lpdwFlags) {
        w32_put(o);
        w32_set(ERROR_NOACCESS);
        return FALSE;
    }
    *lpdwFlags = o->flags;
    w32_put(o);
    return TRUE;
}

BOOL WINAPI SetHandleInformation(HANDLE h, DWORD dwMask, DWORD dwFlags)
{
    struct w32_obj *o = w32_get(h, 0);
    if (!o)
        return FALSE;
    DWORD m = dwMask & (HANDLE_FLAG_INHERIT | HANDLE_FLAG_PROTECT_FROM_CLOSE);
    pthread_mutex_lock(&table_lock);
    o->flags = (o->flags & ~m) | (dwFlags & m);
    pthread_mutex_unlock(&table_lock);
    w32_put(o);
    return TRUE;
}

HANDLE WINAPI GetCurrentProcess(void) { return W32_PSEUDO_PROCESS; }
HANDLE WINAPI GetCurrentThread(void) { return W32_PSEUDO_THREAD; }
DWORD WINAPI GetCurrentProcessId(void) { return (DWORD)getpid(); }
DWORD WINAPI GetCurrentThreadId(void) { return (DWORD)gettid(); }
