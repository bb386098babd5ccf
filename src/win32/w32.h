/*
 * w32.h — internals shared by the files of the Win32 layer.  Not installed.
 *
 * The layer translates only: arguments and codes in, native calls, codes
 * out.  Its one piece of state is the handle table.
 *
 * Handle values.  A Windows handle keeps its value in a child that inherits
 * it, so a handle's value is derived from a descriptor number that the
 * handle owns: HANDLE = (fd + 1) * 4 (Windows handle values are multiples
 * of 4, and 0 stays NULL).  A file handle owns its file descriptor; other
 * handles own a placeholder (a close-on-exec duplicate of /dev/null) whose
 * only job is to reserve the number.  CreateProcess puts, at that same
 * number in the child, the descriptor that lets the child rebuild the
 * object (the file itself, or the native API's inheritance token), and the
 * child adopts it the first time the program uses that handle value.
 */
#ifndef MMF_W32_H
#define MMF_W32_H

#include <pthread.h>
#include <stdatomic.h>

#include "mmf.h"
#include "windows.h"

#define W32_HIDDEN __attribute__((visibility("hidden")))

enum w32_kind {
    W32_NONE = 0,
    W32_MAPPING,
    W32_FILE,
    W32_MUTEX,
    W32_SEMAPHORE,
    W32_EVENT,
    W32_PROCESS,
    W32_THREAD,
};

struct w32_delete;

struct w32_file {
    int   fd;          /* the handle's own descriptor (the handle's number) */
    DWORD access;      /* GENERIC_* / FILE_* rights asked for, normalised to
                          W32_FILE_R / _W / _X bits */
    struct w32_delete *del; /* FILE_FLAG_DELETE_ON_CLOSE: shared with the
                          handle's duplicates (file.c) */
    int   sharefd;     /* the share record's description, or -1 (share.c);
                          duplicates hold a copy of the same description */
};

/* Share modes (share.c).  want and share are sets of SHARE_R, SHARE_W and
 * SHARE_D (the FILE_SHARE_* values): the data accesses a new open of fd
 * asks for (read or execute, write or append, delete) and those it shares.
 * Returns ERROR_SUCCESS, with *sharefd the description that records the
 * open (-1 when it takes no part: no data access, not a regular file, a
 * file we may not read), or ERROR_SHARING_VIOLATION. */
#define SHARE_R 1u
#define SHARE_W 2u
#define SHARE_D 4u
W32_HIDDEN DWORD w32_share_open(int fd, unsigned want, unsigned share, int *sharefd);
/* ERROR_SHARING_VIOLATION when an open of path does not share delete. */
W32_HIDDEN DWORD w32_share_may_delete(const char *path);

/* FILE_FLAG_DELETE_ON_CLOSE (file.c).  Windows deletes the file when the
 * last handle to its file object closes (the one CreateFile made and its
 * duplicates), or when the process ends with it open.  A record made from
 * an absolute path (taken over) and the open descriptor; NULL when out of
 * memory (the path is then freed). */
W32_HIDDEN struct w32_delete *w32_delete_new(char *path, int fd);
/* Another reference (a duplicate handle); NULL stays NULL. */
W32_HIDDEN struct w32_delete *w32_delete_ref(struct w32_delete *d);
/* Drops a reference: the last removes the file, if its path still names
 * the file that was opened. */
W32_HIDDEN void w32_delete_put(struct w32_delete *d);
#define W32_FILE_R 1u
#define W32_FILE_W 2u
#define W32_FILE_X 4u

struct w32_process {
    int   pidfd;
    pid_t pid;
    int   reaped;              /* exit status collected */
    DWORD exit_code;           /* valid once reaped */
    int   terminated;          /* TerminateProcess set exit_code */
    int   exit_fd;             /* the child's 32-bit exit code channel
                                  (process.c), or -1 */
    pthread_mutex_t lock;
};

struct w32_thread {
    pthread_t    tid;
    mmf_sync    *done;         /* manual-reset event: set when it ends */
    _Atomic DWORD exit_code;
    _Atomic int  finished;
    atomic_int   refs;         /* the handle and the running thread */
    DWORD        thread_id;
    LPTHREAD_START_ROUTINE fn;
    LPVOID       arg;
};

/* One open handle.  Entries are reference-counted so that a handle closed
 * by one thread while another uses it stays valid until the user is done. */
struct w32_obj {
    atomic_int refs;
    int        kind;
    int        fd;        /* the descriptor whose number is the handle */
    DWORD      flags;     /* HANDLE_FLAG_INHERIT | _PROTECT_FROM_CLOSE */
    union {
        mmf_section        *sec;
        mmf_sync           *sync;
        struct w32_file    *file;
        struct w32_process *proc;
        struct w32_thread  *thr;
    } u;
};

/* ---- handle table (handle.c) ---- */

/* Makes a handle for a new object.  fd: the descriptor the handle owns (a
 * file's), or -1 to get a placeholder.  On failure the object is left to
 * the caller and the last error is set; returns NULL. */
W32_HIDDEN HANDLE w32_handle_new(int kind, void *obj, int fd, DWORD flags);
/* The live entry behind h (adopting an inherited descriptor if need be),
 * with a reference the caller drops with w32_put(); NULL (and
 * ERROR_INVALID_HANDLE set) when h is not a handle of that kind (kind 0:
 * any kind). */
W32_HIDDEN struct w32_obj *w32_get(HANDLE h, int kind);
W32_HIDDEN void w32_put(struct w32_obj *o);
/* Calls cb on every live entry under the table lock (CreateProcess). */
W32_HIDDEN void w32_handles_each(void (*cb)(struct w32_obj *, void *), void *arg);
/* Whether h is this process's pseudo handle or a handle to this process. */
W32_HIDDEN int w32_is_self_process(HANDLE h);
#define W32_PSEUDO_PROCESS ((HANDLE)(LONG_PTR)-1)
#define W32_PSEUDO_THREAD  ((HANDLE)(LONG_PTR)-2)

/* ---- errors (error.c) ---- */

/* The Win32 code for a native error code (the usual meaning; call sites
 * override where Windows reports a condition differently). */
W32_HIDDEN DWORD w32_error(int rc);
/* Sets the last error from a native code. */
W32_HIDDEN void w32_fail(int rc);
W32_HIDDEN void w32_set(DWORD e);

/* ---- strings (string.c) ---- */

/* A malloc'ed UTF-8 copy of a UTF-16 string (NULL in, NULL out; *err set
 * to ERROR_NOT_ENOUGH_MEMORY or ERROR_INVALID_PARAMETER on failure). */
W32_HIDDEN char *w32_utf8(LPCWSTR w, DWORD *err);
/* UTF-8 to UTF-16 into buf of cap units (with the NUL); returns the units
 * written without the NUL, or the units needed (with the NUL) when cap is
 * too small, as the Windows *W getters report it. */
W32_HIDDEN size_t w32_to_utf16(const char *s, WCHAR *buf, size_t cap);
/* Copies s into buf of n (> 0) characters as Windows getters do: the
 * length without the NUL, or, when it does not fit, n with a truncated,
 * NUL-terminated copy (*truncated then 1).  The W form converts to UTF-16;
 * it returns (DWORD)-1 when out of memory. */
W32_HIDDEN DWORD w32_copy_a(const char *s, LPSTR buf, DWORD n, int *truncated);
W32_HIDDEN DWORD w32_copy_w(const char *s, LPWSTR buf, DWORD n, int *truncated);
/* A Windows path made Linux: '\\' becomes '/', a leading "X:" is dropped.
 * Malloc'ed. */
W32_HIDDEN char *w32_path(const char *p);

/* ---- security (security.c) ---- */

/* Fills the native options for a named object from SECURITY_ATTRIBUTES. */
W32_HIDDEN void w32_security(const SECURITY_ATTRIBUTES *sa, const char *name,
                             mmf_create_options *o);

/* ---- mapping.c ---- */
/* FILE_MAP_* / SECTION_* rights -> MMF_ACCESS_* (0 when none). */
W32_HIDDEN unsigned w32_map_access(DWORD access);

/* ---- sync.c ---- */
/* Win32 rights of a mutex, semaphore or event -> MMF_SYNC_ACCESS_*. */
W32_HIDDEN unsigned w32_sync_access(int kind, DWORD access);
W32_HIDDEN void w32_thread_unref(struct w32_thread *t);
/* The calling thread's object, with a reference for a new handle (NULL:
 * out of memory). */
W32_HIDDEN struct w32_thread *w32_thread_self(void);

#endif /* MMF_W32_H */
