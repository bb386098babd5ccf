/*
 * process_abandoned.c - a named mutex whose owner process ends without
 * releasing it (it returns from main, or is killed by TerminateProcess) is
 * reported WAIT_ABANDONED (128) to the next waiter, who then owns it; in a
 * wait-any the abandoned mutex is WAIT_ABANDONED_0 + index; and
 * cross-process events and semaphores.  Children print nothing.
 * Spec: windows.h (WaitForSingleObject); DESIGN.md 6.
 */
#include "w32test.h"

static int child(char **argv)
{
    const char *mode = argv[2];
    HANDLE mx, ready, sem;
    if (strcmp(mode, "take") == 0 || strcmp(mode, "take_hang") == 0) {
        /* argv: child take <mutex> <ready event> <go event> */
        mx = CreateMutexA(NULL, FALSE, argv[3]);
        ready = OpenEventA(EVENT_MODIFY_STATE, FALSE, argv[4]);
        HANDLE go = OpenEventA(SYNCHRONIZE, FALSE, argv[5]);
        if (!mx || !ready || !go)
            return 90;
        if (WaitForSingleObject(mx, 10000) != WAIT_OBJECT_0)
            return 91;
        SetEvent(ready);
        if (strcmp(mode, "take_hang") == 0)
            Sleep(30000);
        /* Ends owning the mutex, but only when the parent has looked at it
         * while we were alive: a dead owner's mutex is abandoned at once. */
        WaitForSingleObject(go, 10000);
        return 3;
    }
    if (strcmp(mode, "release") == 0) {
        /* argv: child release <mutex>: not the owner */
        mx = OpenMutexA(SYNCHRONIZE | MUTEX_MODIFY_STATE, FALSE, argv[3]);
        if (!mx)
            return 90;
        if (ReleaseMutex(mx))
            return 0;
        return (int)GetLastError();
    }
    if (strcmp(mode, "sem") == 0) {
        /* argv: child sem <semaphore>: post 2, then wait for one back */
        LONG prev = -1;
        sem = OpenSemaphoreA(SYNCHRONIZE | SEMAPHORE_MODIFY_STATE, FALSE, argv[3]);
        if (!sem)
            return 90;
        if (!ReleaseSemaphore(sem, 2, &prev))
            return 91;
        return (int)prev + 10;
    }
    if (strcmp(mode, "pingpong") == 0) {
        /* argv: child pingpong <ping> <pong>: 5 rounds */
        HANDLE ping = OpenEventA(SYNCHRONIZE, FALSE, argv[3]);
        HANDLE pong = OpenEventA(EVENT_MODIFY_STATE, FALSE, argv[4]);
        int i;
        if (!ping || !pong)
            return 90;
        for (i = 0; i < 5; i++) {
            if (WaitForSingleObject(ping, 10000) != WAIT_OBJECT_0)
                return 20 + i;
            SetEvent(pong);
        }
        return 0;
    }
    return 99;
}

int main(int argc, char **argv)
{
    char mname[200], rname[200], sname[200], pname[200], qname[200], gname[200], args[800];
    HANDLE mx, ready, sem, ping, pong, go, h[2];
    PROCESS_INFORMATION pi;
    DWORD code, r;
    int i, ok;

    if (argc >= 4 && strcmp(argv[1], "child") == 0)
        return child(argv);
    t_init();
    t_name(mname, sizeof mname, "Local\\", "abmx");
    t_name(rname, sizeof rname, "Local\\", "ready");
    t_name(sname, sizeof sname, "Local\\", "sem");
    t_name(pname, sizeof pname, "Local\\", "ping");
    t_name(qname, sizeof qname, "Local\\", "pong");
    t_name(gname, sizeof gname, "Local\\", "go");
    mx = CreateMutexA(NULL, FALSE, mname);
    ready = CreateEventA(NULL, FALSE, FALSE, rname);
    go = CreateEventA(NULL, TRUE, FALSE, gname); /* manual: set once, for all */

    /* 1. the owner returns from main */
    snprintf(args, sizeof args, "child take %s %s %s", mname, rname, gname);
    res("spawn_take", t_spawn(args, FALSE, &pi));
    printf("take ready: %lu\n", UL(WaitForSingleObject(ready, 10000)));
    printf("take owned_by_child wait0: %lu\n", UL(WaitForSingleObject(mx, 0)));
    SetEvent(go);
    printf("take child_exit=%lu\n", UL(t_join(&pi)));
    printf("take after_exit wait: %lu\n", UL(WaitForSingleObject(mx, 5000)));
    res("take release", ReleaseMutex(mx));
    printf("take next wait: %lu\n", UL(WaitForSingleObject(mx, 0)));
    res("take next release", ReleaseMutex(mx));
    SetLastError(BADLE);
    res_err("take release_not_owner", ReleaseMutex(mx));

    /* a process that does not own it cannot release it */
    WaitForSingleObject(mx, 0);
    snprintf(args, sizeof args, "child release %s", mname);
    t_spawn(args, FALSE, &pi);
    printf("foreign_release child_err=%lu\n", UL(t_join(&pi)));
    res("foreign_release still_ours", ReleaseMutex(mx));

    /* 2. the owner is killed */
    snprintf(args, sizeof args, "child take_hang %s %s %s", mname, rname, gname);
    res("spawn_take_hang", t_spawn(args, FALSE, &pi));
    printf("hang ready: %lu\n", UL(WaitForSingleObject(ready, 10000)));
    printf("hang owned_by_child wait0: %lu\n", UL(WaitForSingleObject(mx, 0)));
    res("hang terminate", TerminateProcess(pi.hProcess, 5));
    printf("hang child_exit=%lu\n", UL(t_join(&pi)));
    printf("hang after_kill wait: %lu\n", UL(WaitForSingleObject(mx, 5000)));
    ReleaseMutex(mx);

    /* 3. abandoned in a wait-any */
    snprintf(args, sizeof args, "child take %s %s %s", mname, rname, gname);
    t_spawn(args, FALSE, &pi);
    WaitForSingleObject(ready, 10000);
    t_join(&pi);
    h[0] = ready;        /* auto-reset, consumed */
    h[1] = mx;
    r = WaitForMultipleObjects(2, h, FALSE, 5000);
    printf("any abandoned_index1: %lu\n", UL(r));
    ReleaseMutex(mx);
    /* and in a wait-all */
    t_spawn(args, FALSE, &pi);
    WaitForSingleObject(ready, 10000);
    t_join(&pi);
    SetEvent(ready);
    r = WaitForMultipleObjects(2, h, TRUE, 5000);
    printf("all with_abandoned: %lu\n", UL(r));
    ReleaseMutex(mx);
    /* the same mutex, opened by another handle in this process, is fine now */
    r = WaitForSingleObject(mx, 0);
    printf("after_all wait0: %lu\n", UL(r));
    ReleaseMutex(mx);

    /* 4. semaphore across processes */
    sem = CreateSemaphoreA(NULL, 1, 10, sname);
    snprintf(args, sizeof args, "child sem %s", sname);
    t_spawn(args, FALSE, &pi);
    code = t_join(&pi);
    printf("sem child_saw_prev=%ld\n", (long)code - 10);
    ok = 0;
    while (ok < 20 && WaitForSingleObject(sem, 0) == WAIT_OBJECT_0)
        ok++;
    printf("sem count_after_child=%d\n", ok);
    CloseHandle(sem);

    /* 5. event ping-pong */
    ping = CreateEventA(NULL, FALSE, FALSE, pname);
    pong = CreateEventA(NULL, FALSE, FALSE, qname);
    snprintf(args, sizeof args, "child pingpong %s %s", pname, qname);
    t_spawn(args, FALSE, &pi);
    ok = 0;
    for (i = 0; i < 5; i++) {
        SetEvent(ping);
        if (WaitForSingleObject(pong, 10000) == WAIT_OBJECT_0)
            ok++;
    }
    printf("pingpong rounds=%d child_exit=%lu\n", ok, UL(t_join(&pi)));
    CloseHandle(ping);
    CloseHandle(pong);
    CloseHandle(mx);
    CloseHandle(ready);
    return 0;
}
