/*
 * sync.c — mutexes, semaphores, events, the waits, and threads.
 *
 * The objects are the native ones.  What the native waits do not know
 * are processes and threads: a thread handle is a native manual-reset
 * event set when the thread ends (so it waits like any object); a process
 * handle is a pidfd, readable once the process has ended.  A wait that
 * mixes processes with other objects checks the pidfds between short
 * native waits (a process, once ended, stays signaled, so nothing is lost
 * by looking at it a little late).
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <semaphore.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "w32.h"

/* ---- create and open ---- */

static HANDLE finish_create(int rc, int kind, mmf_sync *y, const SECURITY_ATTRIBUTES *sa)
{
    if (rc < 0) {
        w32_fail(rc);
        return NULL;
    }
    HANDLE h = w32_handle_new(kind, y, -1, sa && sa->bInheritHandle ? HANDLE_FLAG_INHERIT : 0);
    if (!h) {
        mmf_sync_close(y);
        return NULL;
    }
    w32_set(rc == MMF_EXISTED ? ERROR_ALREADY_EXISTS : ERROR_SUCCESS);
    return h;
}

/* A W name as UTF-8: returns 0, or -1 with the last error set. */
static int wname(LPCWSTR w, char **out)
{
    DWORD e = 0;
    *out = w32_utf8(w, &e);
    if (w && !*out) {
        w32_set(e);
        return -1;
    }
    return 0;
}

HANDLE WINAPI CreateMutexA(LPSECURITY_ATTRIBUTES sa, BOOL owner, LPCSTR name)
{
    mmf_create_options o;
    mmf_sync *y = NULL;
    w32_security(sa, name, &o);
    int rc = mmf_mutex_create(owner != 0, &o, &y);
    return finish_create(rc, W32_MUTEX, y, sa);
}

HANDLE WINAPI CreateSemaphoreA(LPSECURITY_ATTRIBUTES sa, LONG initial, LONG max, LPCSTR name)
{
    if (initial < 0 || max <= 0 || initial > max) {
        w32_set(ERROR_INVALID_PARAMETER);
        return NULL;
    }
    mmf_create_options o;
    mmf_sync *y = NULL;
    w32_security(sa, name, &o);
    int rc = mmf_semaphore_create((uint32_t)initial, (uint32_t)max, &o, &y);
    return finish_create(rc, W32_SEMAPHORE, y, sa);
}

HANDLE WINAPI CreateEventA(LPSECURITY_ATTRIBUTES sa, BOOL manual, BOOL initial, LPCSTR name)
{
    mmf_create_options o;
    mmf_sync *y = NULL;
    w32_security(sa, name, &o);
    int rc = mmf_event_create(manual != 0, initial != 0, &o, &y);
    return finish_create(rc, W32_EVENT, y, sa);
}

HANDLE WINAPI CreateMutexW(LPSECURITY_ATTRIBUTES sa, BOOL owner, LPCWSTR name)
{
    char *n;
    if (wname(name, &n) < 0)
        return NULL;
    HANDLE h = CreateMutexA(sa, owner, n);
    free(n);
    return h;
}

HANDLE WINAPI CreateSemaphoreW(LPSECURITY_ATTRIBUTES sa, LONG initial, LONG max, LPCWSTR name)
{
    char *n;
    if (wname(name, &n) < 0)
        return NULL;
    HANDLE h = CreateSemaphoreA(sa, initial, max, n);
    free(n);
    return h;
}

HANDLE WINAPI CreateEventW(LPSECURITY_ATTRIBUTES sa, BOOL manual, BOOL initial, LPCWSTR name)
{
    char *n;
    if (wname(name, &n) < 0)
        return NULL;
    HANDLE h = CreateEventA(sa, manual, initial, n);
    free(n);
    return h;
}

/* Win32 rights of a synchronization object -> MMF_SYNC_ACCESS_*.
 * ReleaseMutex needs no right on Windows (MUTEX_MODIFY_STATE is "reserved";
 * only an owner can release, and owning takes a wait), so a mutex handle
 * always gets the native modify right. */
unsigned w32_sync_access(int kind, DWORD a)
{
    unsigned r = 0;
    if (a & (SYNCHRONIZE | GENERIC_ALL | GENERIC_READ | MAXIMUM_ALLOWED))
        r |= MMF_SYNC_ACCESS_WAIT;
    /* MUTEX_MODIFY_STATE is 1, SEMAPHORE_ and EVENT_MODIFY_STATE are 2. */
    if (kind == W32_MUTEX || (a & (0x3 | GENERIC_ALL | GENERIC_WRITE | MAXIMUM_ALLOWED)))
        r |= MMF_SYNC_ACCESS_MODIFY;
    return r;
}

static HANDLE open_sync(int type, int kind, DWORD access, BOOL inherit, const char *name)
{
    if (!name) {
        w32_set(ERROR_INVALID_PARAMETER);
        return NULL;
    }
    unsigned a = w32_sync_access(kind, access);
    mmf_sync *y;
    int rc = mmf_sync_open(name, type, a ? a : MMF_SYNC_ACCESS_WAIT, &y);
    if (rc == 0 && !a) {
        mmf_sync *n;
        rc = mmf_sync_dup(y, MMF_ACCESS_NONE, &n);
        mmf_sync_close(y);
        y = n;
    }
    if (rc < 0) {
        w32_fail(rc);
        return NULL;
    }
    HANDLE h = w32_handle_new(kind, y, -1, inherit ? HANDLE_FLAG_INHERIT : 0);
    if (!h)
        mmf_sync_close(y);
    else
        w32_set(ERROR_SUCCESS);
    return h;
}

HANDLE WINAPI OpenMutexA(DWORD a, BOOL inherit, LPCSTR name)
{
    return open_sync(MMF_SYNC_MUTEX, W32_MUTEX, a, inherit, name);
}

HANDLE WINAPI OpenSemaphoreA(DWORD a, BOOL inherit, LPCSTR name)
{
    return open_sync(MMF_SYNC_SEMAPHORE, W32_SEMAPHORE, a, inherit, name);
}

HANDLE WINAPI OpenEventA(DWORD a, BOOL inherit, LPCSTR name)
{
    return open_sync(MMF_SYNC_EVENT, W32_EVENT, a, inherit, name);
}

static HANDLE open_sync_w(int type, int kind, DWORD a, BOOL inherit, LPCWSTR name)
{
    char *n;
    if (wname(name, &n) < 0)
        return NULL;
    HANDLE h = open_sync(type, kind, a, inherit, n);
    free(n);
    return h;
}

HANDLE WINAPI OpenMutexW(DWORD a, BOOL inherit, LPCWSTR name)
{
    return open_sync_w(MMF_SYNC_MUTEX, W32_MUTEX, a, inherit, name);
}

HANDLE WINAPI OpenSemaphoreW(DWORD a, BOOL inherit, LPCWSTR name)
{
    return open_sync_w(MMF_SYNC_SEMAPHORE, W32_SEMAPHORE, a, inherit, name);
}

HANDLE WINAPI OpenEventW(DWORD a, BOOL inherit, LPCWSTR name)
{
    return open_sync_w(MMF_SYNC_EVENT, W32_EVENT, a, inherit, name);
}

/* ---- changing state ---- */

static BOOL result(int rc)
{
    if (rc < 0) {
        w32_fail(rc);
        return FALSE;
    }
    return TRUE;
}

BOOL WINAPI ReleaseMutex(HANDLE h)
{
    struct w32_obj *o = w32_get(h, W32_MUTEX);
    if (!o)
        return FALSE;
    int rc = mmf_mutex_release(o->u.sync);
    w32_put(o);
    return result(rc);
}

BOOL WINAPI ReleaseSemaphore(HANDLE h, LONG count, LPLONG prev)
{
    struct w32_obj *o = w32_get(h, W32_SEMAPHORE);
    if (!o)
        return FALSE;
    if (count <= 0) {
        w32_put(o);
        w32_set(ERROR_INVALID_PARAMETER);
        return FALSE;
    }
    uint32_t p = 0;
    int rc = mmf_semaphore_release(o->u.sync, (uint32_t)count, &p);
    w32_put(o);
    if (rc == 0 && prev)
        *prev = (LONG)p;
    return result(rc);
}

static BOOL event_op(HANDLE h, int set)
{
    struct w32_obj *o = w32_get(h, W32_EVENT);
    if (!o)
        return FALSE;
    int rc = set ? mmf_event_set(o->u.sync) : mmf_event_reset(o->u.sync);
    w32_put(o);
    return result(rc);
}

BOOL WINAPI SetEvent(HANDLE h) { return event_op(h, 1); }
BOOL WINAPI ResetEvent(HANDLE h) { return event_op(h, 0); }

/* ---- waits ---- */

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Whether a process has ended, waiting at most ms (INFINITE: forever). */
static int process_ended(struct w32_process *p, DWORD ms)
{
    if (p->reaped)
        return 1;
    uint64_t deadline = ms == INFINITE ? UINT64_MAX : now_ms() + ms;
    for (;;) {
        uint64_t now = now_ms();
        int t = deadline == UINT64_MAX ? -1 : now >= deadline ? 0
                : (int)(deadline - now > INT_MAX ? INT_MAX : deadline - now);
        struct pollfd pfd = { .fd = p->pidfd, .events = POLLIN };
        int r = poll(&pfd, 1, t);
        if (r > 0)
            return 1;
        if (r == 0)
            return 0;
        if (errno != EINTR)
            return 0;
    }
}

/* The native object a handle waits on, or NULL for a process (or a file,
 * which is always signaled); *ok 0 when the handle cannot be waited on. */
static mmf_sync *waitable(struct w32_obj *o, int *ok)
{
    *ok = 1;
    switch (o->kind) {
    case W32_MUTEX:
    case W32_SEMAPHORE:
    case W32_EVENT:
        return o->u.sync;
    case W32_THREAD:
        return o->u.thr->done;
    case W32_PROCESS:
    case W32_FILE:
        return NULL;
    }
    *ok = 0; /* a mapping: no SYNCHRONIZE right, as Wine reports it */
    return NULL;
}

static DWORD wait_result(int rc)
{
    if (rc < 0) {
        w32_fail(rc);
        return WAIT_FAILED;
    }
    return (DWORD)rc;
}

DWORD WINAPI WaitForSingleObject(HANDLE h, DWORD ms)
{
    if (h == W32_PSEUDO_PROCESS || h == W32_PSEUDO_THREAD) {
        /* Waiting for oneself to end never succeeds. */
        if (ms == INFINITE)
            for (;;)
                pause();
        Sleep(ms);
        return WAIT_TIMEOUT;
    }
    struct w32_obj *o = w32_get(h, 0);
    if (!o)
        return WAIT_FAILED;
    int ok;
    mmf_sync *y = waitable(o, &ok);
    DWORD r;
    if (!ok) {
        w32_set(ERROR_ACCESS_DENIED);
        r = WAIT_FAILED;
    } else if (y) {
        r = wait_result(mmf_wait(y, ms));
    } else if (o->kind == W32_PROCESS) {
        r = process_ended(o->u.proc, ms) ? WAIT_OBJECT_0 : WAIT_TIMEOUT;
    } else {
        r = WAIT_OBJECT_0;
    }
    w32_put(o);
    return r;
}

#define MIXED_SLICE_MS 5

/* A native wait result (index into y[]) as Windows reports it: the
 * handle's own index for wait-any; for wait-all, WAIT_ABANDONED_0 when
 * some mutex was abandoned (Wine and Windows do not say which). */
static DWORD all_result(DWORD r, BOOL all, const int *idx)
{
    if (all)
        return (r & WAIT_ABANDONED) ? WAIT_ABANDONED_0 : WAIT_OBJECT_0;
    return (r & WAIT_ABANDONED) ? WAIT_ABANDONED + (DWORD)idx[r & 0x7F]
                                : WAIT_OBJECT_0 + (DWORD)idx[r];
}

DWORD WINAPI WaitForMultipleObjects(DWORD n, const HANDLE *hs, BOOL all, DWORD ms)
{
    if (n == 0 || n > MAXIMUM_WAIT_OBJECTS || !hs) {
        w32_set(ERROR_INVALID_PARAMETER);
        return WAIT_FAILED;
    }
    struct w32_obj *o[MAXIMUM_WAIT_OBJECTS] = { 0 };
    mmf_sync *y[MAXIMUM_WAIT_OBJECTS];
    int idx[MAXIMUM_WAIT_OBJECTS]; /* position in hs of each y[] */
    uint32_t ny = 0;
    DWORD r = WAIT_FAILED;
    int others = 0; /* processes and files */
    for (DWORD i = 0; i < n; i++) {
        int ok;
        if (!(o[i] = w32_get(hs[i], 0)))
            goto out;
        mmf_sync *s = waitable(o[i], &ok);
        if (!ok) {
            w32_set(ERROR_ACCESS_DENIED);
            goto out;
        }
        if (s) {
            y[ny] = s;
            idx[ny++] = (int)i;
        } else {
            others++;
        }
    }
    if (!others) {
        r = wait_result(mmf_wait_multiple(y, ny, all != 0, ms));
        if (r != WAIT_FAILED && r != WAIT_TIMEOUT)
            r = all_result(r, all, idx);
        goto out;
    }
    uint64_t deadline = ms == INFINITE ? UINT64_MAX : now_ms() + ms;
    for (;;) {
        /* Processes and files first: they are signaled for good. */
        int first_other = -1, all_others = 1;
        for (DWORD i = 0; i < n; i++) {
            if (o[i]->kind != W32_PROCESS && o[i]->kind != W32_FILE)
                continue;
            int done = o[i]->kind == W32_FILE || process_ended(o[i]->u.proc, 0);
            if (done && first_other < 0)
                first_other = (int)i;
            all_others &= done;
        }
        uint64_t now = now_ms();
        DWORD slice = now >= deadline ? 0 : deadline - now < MIXED_SLICE_MS
                                                ? (DWORD)(deadline - now) : MIXED_SLICE_MS;
        if (all) {
            if (all_others) {
                /* What is left can be waited for as a set. */
                DWORD left = deadline == UINT64_MAX ? INFINITE
                             : now >= deadline      ? 0
                                                    : (DWORD)(deadline - now);
                r = ny ? wait_result(mmf_wait_multiple(y, ny, 1, left)) : WAIT_OBJECT_0;
                if (r != WAIT_FAILED && r != WAIT_TIMEOUT)
                    r = all_result(r, 1, idx);
                goto out;
            }
        } else {
            /* Objects before the first ended process win: try them. */
            uint32_t k = 0;
            while (k < ny && (first_other < 0 || idx[k] < first_other))
                k++;
            int rc = k ? mmf_wait_multiple(y, k, 0, first_other >= 0 ? 0 : slice) : MMF_WAIT_TIMEOUT;
            if (rc < 0) {
                r = wait_result(rc);
                goto out;
            }
            if (rc != MMF_WAIT_TIMEOUT) {
                r = (rc & MMF_WAIT_ABANDONED) ? WAIT_ABANDONED + (DWORD)idx[rc & 0x7F]
                                              : WAIT_OBJECT_0 + (DWORD)idx[rc];
                goto out;
            }
            if (first_other >= 0) {
                r = WAIT_OBJECT_0 + (DWORD)first_other;
                goto out;
            }
            if (k == 0 && slice)
                Sleep(slice);
        }
        if (now_ms() >= deadline) {
            r = WAIT_TIMEOUT;
            goto out;
        }
        if (all)
            Sleep(slice ? slice : 1);
    }
out:
    for (DWORD i = 0; i < n; i++)
        w32_put(o[i]);
    return r;
}

/* ---- threads ---- */

static _Thread_local struct w32_thread *self_thread;

void w32_thread_unref(struct w32_thread *t)
{
    if (atomic_fetch_sub(&t->refs, 1) == 1) {
        mmf_sync_close(t->done);
        free(t);
    }
}

static void thread_end(void *arg)
{
    struct w32_thread *t = arg;
    atomic_store(&t->finished, 1);
    mmf_event_set(t->done);
    w32_thread_unref(t);
}

/* A thread not made by CreateThread (the main one, say) gets its object
 * when a handle to it is first asked for; a thread-specific key's
 * destructor ends it when the thread exits. */
static pthread_key_t self_key;
static pthread_once_t self_key_once = PTHREAD_ONCE_INIT;
static int self_key_ok;

static void self_key_make(void) { self_key_ok = pthread_key_create(&self_key, thread_end) == 0; }

struct w32_thread *w32_thread_self(void)
{
    if (!self_thread) {
        pthread_once(&self_key_once, self_key_make);
        struct w32_thread *t = calloc(1, sizeof *t);
        if (!t || !self_key_ok || mmf_event_create(1, 0, NULL, &t->done) < 0) {
            free(t);
            return NULL;
        }
        atomic_init(&t->refs, 1); /* the running thread's */
        atomic_init(&t->exit_code, 0);
        t->tid = pthread_self();
        t->thread_id = GetCurrentThreadId();
        pthread_setspecific(self_key, t);
        self_thread = t;
    }
    atomic_fetch_add(&self_thread->refs, 1);
    return self_thread;
}

struct start {
    struct w32_thread *t;
    sem_t              ready;
};

static void *thread_main(void *arg)
{
    struct start *st = arg;
    struct w32_thread *t = st->t;
    t->thread_id = GetCurrentThreadId();
    self_thread = t;
    sem_post(&st->ready); /* st is gone after this */
    DWORD code = 0;
    pthread_cleanup_push(thread_end, t);
    code = t->fn(t->arg);
    atomic_store(&t->exit_code, code);
    pthread_cleanup_pop(1);
    return NULL;
}

HANDLE WINAPI CreateThread(LPSECURITY_ATTRIBUTES sa, SIZE_T stack, LPTHREAD_START_ROUTINE fn,
                           LPVOID arg, DWORD flags, LPDWORD tid)
{
    if (!fn) {
        w32_set(ERROR_INVALID_PARAMETER);
        return NULL;
    }
    if (flags & CREATE_SUSPENDED) {
        w32_set(ERROR_NOT_SUPPORTED);
        return NULL;
    }
    struct w32_thread *t = calloc(1, sizeof *t);
    if (!t) {
        w32_set(ERROR_NOT_ENOUGH_MEMORY);
        return NULL;
    }
    int rc = mmf_event_create(1, 0, NULL, &t->done);
    if (rc < 0) {
        free(t);
        w32_fail(rc);
        return NULL;
    }
    atomic_init(&t->refs, 2); /* the handle and the thread */
    atomic_init(&t->exit_code, STILL_ACTIVE);
    t->fn = fn;
    t->arg = arg;
    /* The handle exists before the thread does, so a failure to make it
     * leaves no thread running. */
    HANDLE h = w32_handle_new(W32_THREAD, t, -1, sa && sa->bInheritHandle ? HANDLE_FLAG_INHERIT : 0);
    if (!h) {
        mmf_sync_close(t->done);
        free(t);
        return NULL;
    }
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (stack) {
        size_t s = stack < (size_t)PTHREAD_STACK_MIN ? (size_t)PTHREAD_STACK_MIN : stack;
        s = (s + 65535) & ~(size_t)65535;
        pthread_attr_setstacksize(&attr, s);
    }
    struct start st = { .t = t };
    sem_init(&st.ready, 0, 0);
    rc = pthread_create(&t->tid, &attr, thread_main, &st);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        sem_destroy(&st.ready);
        atomic_fetch_sub(&t->refs, 1); /* the thread's reference */
        CloseHandle(h);
        w32_set(rc == EAGAIN ? ERROR_NOT_ENOUGH_MEMORY : w32_error(-rc));
        return NULL;
    }
    while (sem_wait(&st.ready) != 0)
        ;
    sem_destroy(&st.ready);
    if (tid)
        *tid = t->thread_id;
    return h;
}

BOOL WINAPI GetExitCodeThread(HANDLE h, LPDWORD code)
{
    struct w32_obj *o = w32_get(h, 0);
    if (!o)
        return FALSE;
    BOOL ok = TRUE;
    if (!code) {
        w32_set(ERROR_NOACCESS);
        ok = FALSE;
    } else if (o->kind == W32_THREAD) {
        *code = atomic_load(&o->u.thr->finished) ? atomic_load(&o->u.thr->exit_code)
                                                 : STILL_ACTIVE;
    } else if (o->kind == W32_PROCESS) {
        /* The thread handle of CreateProcess: the main thread's code is
         * the process's. */
        w32_put(o);
        return GetExitCodeProcess(h, code);
    } else {
        w32_set(ERROR_INVALID_HANDLE);
        ok = FALSE;
    }
    w32_put(o);
    return ok;
}

void WINAPI ExitThread(DWORD code)
{
    if (self_thread)
        atomic_store(&self_thread->exit_code, code);
    pthread_exit(NULL);
}
