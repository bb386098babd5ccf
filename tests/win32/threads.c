/*
 * threads.c - CreateThread, waiting on thread handles, GetExitCodeThread
 * (STILL_ACTIVE then the code; return value and ExitThread), thread ids,
 * per-thread last error, mutex ownership per thread (ReleaseMutex from
 * another thread 288, a mutex abandoned by an ending thread 128), and a
 * counter protected by a mutex and a semaphore across threads.
 * Spec: windows.h (CreateThread, Synchronization).
 */
#include "w32test.h"

static HANDLE g_go, g_mx, g_sem;
static volatile LONG g_counter;
static DWORD g_tid_seen;

static DWORD WINAPI ret_arg(LPVOID p)
{
    g_tid_seen = GetCurrentThreadId();
    return (DWORD)(ULONG_PTR)p;
}

static DWORD WINAPI wait_go(LPVOID p)
{
    (void)p;
    WaitForSingleObject(g_go, INFINITE);
    ExitThread(42);
    return 1;
}

static DWORD WINAPI last_error_thread(LPVOID p)
{
    (void)p;
    SetLastError(777);
    return GetLastError();
}

static DWORD WINAPI take_mutex_and_end(LPVOID p)
{
    (void)p;
    return WaitForSingleObject(g_mx, 5000);
}

static DWORD WINAPI release_foreign(LPVOID p)
{
    (void)p;
    if (ReleaseMutex(g_mx))
        return 0;
    return GetLastError();
}

static DWORD WINAPI count_mutex(LPVOID p)
{
    int i;
    (void)p;
    for (i = 0; i < 1000; i++) {
        if (WaitForSingleObject(g_mx, INFINITE) != WAIT_OBJECT_0)
            return 1;
        g_counter = g_counter + 1;
        ReleaseMutex(g_mx);
    }
    return 0;
}

static DWORD WINAPI count_sem(LPVOID p)
{
    int i;
    (void)p;
    for (i = 0; i < 1000; i++) {
        if (WaitForSingleObject(g_sem, INFINITE) != WAIT_OBJECT_0)
            return 1;
        g_counter = g_counter + 1;
        ReleaseSemaphore(g_sem, 1, NULL);
    }
    return 0;
}

int main(void)
{
    HANDLE t, ts[4];
    DWORD code, tid = 0, r;
    int i;

    t_init();

    /* 1. return value as exit code */
    t = CreateThread(NULL, 0, ret_arg, (LPVOID)(ULONG_PTR)1234, 0, &tid);
    res("create", t != NULL);
    printf("create tid_nonzero=%d tid_not_ours=%d\n", tid != 0, tid != GetCurrentThreadId());
    printf("wait_thread: %lu\n", UL(WaitForSingleObject(t, 5000)));
    printf("thread_saw_its_id=%d\n", g_tid_seen == tid);
    res("exit_code", GetExitCodeThread(t, &code));
    printf("exit_code=%lu\n", UL(code));
    printf("wait_again: %lu\n", UL(WaitForSingleObject(t, 0)));
    res("close", CloseHandle(t));

    /* 2. STILL_ACTIVE, then ExitThread's code */
    g_go = CreateEventA(NULL, TRUE, FALSE, NULL);
    t = CreateThread(NULL, 65536, wait_go, NULL, 0, NULL);
    res("create_stack_size_null_tid", t != NULL);
    printf("running wait0: %lu\n", UL(WaitForSingleObject(t, 0)));
    GetExitCodeThread(t, &code);
    printf("running exit_code=%lu\n", UL(code));
    SetEvent(g_go);
    printf("ended wait: %lu\n", UL(WaitForSingleObject(t, 5000)));
    GetExitCodeThread(t, &code);
    printf("exitthread code=%lu\n", UL(code));
    CloseHandle(t);
    SetLastError(BADLE);
    res_err("exit_code_closed_handle", GetExitCodeThread(t, &code));

    /* a duplicated thread handle is waitable too; GetCurrentThread duplicates to a real handle */
    ResetEvent(g_go);
    t = CreateThread(NULL, 0, wait_go, NULL, 0, NULL);
    {
        HANDLE d = NULL, self = NULL;
        res("dup_thread", DuplicateHandle(GetCurrentProcess(), t, GetCurrentProcess(), &d, 0, FALSE,
                                          DUPLICATE_SAME_ACCESS));
        printf("dup_thread running: %lu\n", UL(WaitForSingleObject(d, 0)));
        SetEvent(g_go);
        printf("dup_thread ended: %lu\n", UL(WaitForSingleObject(d, 5000)));
        GetExitCodeThread(d, &code);
        printf("dup_thread exit_code=%lu\n", UL(code));
        CloseHandle(d);
        res("dup_current_thread", DuplicateHandle(GetCurrentProcess(), GetCurrentThread(), GetCurrentProcess(),
                                                  &self, 0, FALSE, DUPLICATE_SAME_ACCESS));
        printf("dup_current_thread wait0: %lu\n", UL(WaitForSingleObject(self, 0)));
        GetExitCodeThread(self, &code);
        printf("dup_current_thread exit_code=%lu\n", UL(code));
        CloseHandle(self);
    }
    CloseHandle(t);

    /* 3. the last error is per thread */
    SetLastError(5);
    t = CreateThread(NULL, 0, last_error_thread, NULL, 0, NULL);
    WaitForSingleObject(t, 5000);
    GetExitCodeThread(t, &code);
    CloseHandle(t);
    SetLastError(5);
    printf("last_error thread=%lu ours=%lu\n", UL(code), ERR());

    /* 4. mutex ownership is per thread */
    g_mx = CreateMutexA(NULL, TRUE, NULL);
    t = CreateThread(NULL, 0, release_foreign, NULL, 0, NULL);
    WaitForSingleObject(t, 5000);
    GetExitCodeThread(t, &code);
    CloseHandle(t);
    printf("release_from_other_thread err=%lu\n", UL(code));
    t = CreateThread(NULL, 0, take_mutex_and_end, NULL, 0, NULL);
    printf("other_thread_blocked wait0: %lu\n", UL(WaitForSingleObject(t, 100)));
    res("release_owned", ReleaseMutex(g_mx));
    WaitForSingleObject(t, 5000);
    GetExitCodeThread(t, &code);
    CloseHandle(t);
    printf("other_thread_got_it code=%lu\n", UL(code));
    r = WaitForSingleObject(g_mx, 5000);
    printf("abandoned_by_thread: %lu\n", UL(r));
    res("abandoned_now_ours_release", ReleaseMutex(g_mx));
    printf("after_abandon: %lu\n", UL(WaitForSingleObject(g_mx, 0)));
    ReleaseMutex(g_mx);

    /* 5. counters */
    g_counter = 0;
    for (i = 0; i < 4; i++)
        ts[i] = CreateThread(NULL, 0, count_mutex, NULL, 0, NULL);
    printf("mutex_counter wait_all: %lu\n", UL(WaitForMultipleObjects(4, ts, TRUE, 20000)));
    for (i = 0; i < 4; i++) {
        GetExitCodeThread(ts[i], &code);
        if (code != 0)
            printf("mutex_counter thread %d failed\n", i);
        CloseHandle(ts[i]);
    }
    printf("mutex_counter=%ld\n", (long)g_counter);
    g_counter = 0;
    g_sem = CreateSemaphoreA(NULL, 1, 1, NULL);
    for (i = 0; i < 4; i++)
        ts[i] = CreateThread(NULL, 0, count_sem, NULL, 0, NULL);
    printf("sem_counter wait_all: %lu\n", UL(WaitForMultipleObjects(4, ts, TRUE, 20000)));
    for (i = 0; i < 4; i++)
        CloseHandle(ts[i]);
    printf("sem_counter=%ld\n", (long)g_counter);
    /* 6. wait-any on threads: the one that ended */
    ResetEvent(g_go);
    ts[0] = CreateThread(NULL, 0, wait_go, NULL, 0, NULL);
    ts[1] = CreateThread(NULL, 0, ret_arg, (LPVOID)(ULONG_PTR)7, 0, NULL);
    printf("any_thread: %lu\n", UL(WaitForMultipleObjects(2, ts, FALSE, 5000)));
    SetEvent(g_go);
    printf("all_threads: %lu\n", UL(WaitForMultipleObjects(2, ts, TRUE, 5000)));
    CloseHandle(ts[0]);
    CloseHandle(ts[1]);
    CloseHandle(g_go);
    CloseHandle(g_mx);
    CloseHandle(g_sem);
    return 0;
}
