/*
 * sync.c - synchronization objects in one thread: CreateMutex / Semaphore /
 * Event A and W (last error 0 and 183), Open* (2, 6, 87, access rights 5),
 * ReleaseMutex not owner (288) and recursion, ReleaseSemaphore too many
 * posts (298, count unchanged) and bad counts (87), auto- and manual-reset
 * events, names shared with mappings (6), case-sensitive names, and waits
 * on handles that cannot be waited on.
 * Spec: windows.h (Synchronization); win32-file-mapping.md 6, 10.8.
 */
#include "w32test.h"

static void w(const char *what, HANDLE h)
{
    DWORD r;
    SetLastError(BADLE);
    r = WaitForSingleObject(h, 0);
    if (r == WAIT_FAILED)
        printf("%s: WAIT_FAILED err=%lu\n", what, ERR());
    else
        printf("%s: %lu\n", what, UL(r));
}

static void hres(const char *what, HANDLE h)
{
    unsigned long e = ERR();
    printf("%s: %s err=%lu\n", what, h ? "handle" : "NULL", e);
}

/* Open* calls leave the last error alone on success. */
static void hopen(const char *what, HANDLE h)
{
    unsigned long e = ERR();
    if (h)
        printf("%s: handle\n", what);
    else
        printf("%s: NULL err=%lu\n", what, e);
}

/* How many zero-timeout waits succeed (the semaphore's count). */
static int drain(HANDLE s)
{
    int n = 0;
    while (n < 100 && WaitForSingleObject(s, 0) == WAIT_OBJECT_0)
        n++;
    return n;
}

int main(void)
{
    char nm[200], nmup[200], ns[200], ne[200], nmap[200];
    WCHAR wm[200], ws[200], we[200];
    HANDLE a, b, c, m;
    LONG prev;

    t_init();
    t_name(nm, sizeof nm, "Local\\", "mutex");
    t_name(nmup, sizeof nmup, "Local\\", "MUTEX");
    t_name(ns, sizeof ns, "Local\\", "sem");
    t_name(ne, sizeof ne, "", "event");
    t_name(nmap, sizeof nmap, "Local\\", "map");
    t_wname(wm, 200, "Local\\", "wmutex");
    t_wname(ws, 200, "Local\\", "wsem");
    t_wname(we, 200, "Local\\", "wevent");

    /* 1. mutexes */
    SetLastError(BADLE);
    a = CreateMutexA(NULL, TRUE, NULL);
    hres("mutex_unnamed_owned", a);
    res("mutex_release", ReleaseMutex(a));
    SetLastError(BADLE);
    res_err("mutex_release_not_owner", ReleaseMutex(a));
    w("mutex_wait1", a);
    w("mutex_wait2_recursive", a);
    res("mutex_release_1", ReleaseMutex(a));
    res("mutex_release_2", ReleaseMutex(a));
    SetLastError(BADLE);
    res_err("mutex_release_3", ReleaseMutex(a));
    CloseHandle(a);
    SetLastError(BADLE);
    a = CreateMutexA(NULL, FALSE, nm);
    hres("mutex_named_create", a);
    SetLastError(BADLE);
    b = CreateMutexA(NULL, TRUE, nm);
    hres("mutex_named_existing", b);
    SetLastError(BADLE);
    res_err("mutex_existing_not_owned_by_initial_owner_flag", ReleaseMutex(b));
    CloseHandle(b);
    SetLastError(BADLE);
    b = OpenMutexA(SYNCHRONIZE | MUTEX_MODIFY_STATE, FALSE, nm);
    hopen("mutex_open", b);
    w("mutex_open wait", b);
    res("mutex_release_via_other_handle", ReleaseMutex(a));
    /* recursion counts per object, whichever handle is used */
    w("mutex_recursive_a", a);
    w("mutex_recursive_b", b);
    res("mutex_recursive release_b", ReleaseMutex(b));
    res("mutex_recursive release_a", ReleaseMutex(a));
    SetLastError(BADLE);
    res_err("mutex_recursive release_extra", ReleaseMutex(b));
    CloseHandle(b);
    SetLastError(BADLE);
    b = OpenMutexA(SYNCHRONIZE, FALSE, nmup);
    hopen("mutex_open_other_case", b);
    SetLastError(BADLE);
    b = OpenMutexA(SYNCHRONIZE, FALSE, NULL);
    hopen("mutex_open_null", b);
    b = OpenMutexA(SYNCHRONIZE, FALSE, nm);
    w("mutex_sync_only wait", b);
    SetLastError(BADLE);
    res_err("mutex_sync_only release", ReleaseMutex(b));
    res("mutex_release_owner_handle", ReleaseMutex(a));
    CloseHandle(b);
    b = OpenMutexA(MUTEX_MODIFY_STATE, FALSE, nm);
    w("mutex_modify_only wait", b);
    CloseHandle(b);
    SetLastError(BADLE);
    b = CreateMutexW(NULL, FALSE, wm);
    hres("mutex_w_create", b);
    SetLastError(BADLE);
    c = OpenMutexW(SYNCHRONIZE, FALSE, wm);
    hopen("mutex_w_open", c);
    CloseHandle(c);
    CloseHandle(b);
    CloseHandle(a);
    SetLastError(BADLE);
    b = OpenMutexA(SYNCHRONIZE, FALSE, nm);
    hopen("mutex_open_after_close", b);

    /* 2. semaphores */
    SetLastError(BADLE);
    a = CreateSemaphoreA(NULL, 1, 3, NULL);
    hres("sem_create", a);
    prev = -1;
    res("sem_release_2", ReleaseSemaphore(a, 2, &prev));
    printf("sem_release_2 prev=%ld\n", (long)prev);
    prev = -1;
    SetLastError(BADLE);
    res_err("sem_release_too_many", ReleaseSemaphore(a, 1, &prev));
    printf("sem_release_too_many prev_untouched=%d\n", prev == -1);
    printf("sem_count_unchanged=%d\n", drain(a));
    res("sem_release_3", ReleaseSemaphore(a, 3, NULL));
    SetLastError(BADLE);
    res_err("sem_release_4_over", ReleaseSemaphore(a, 4, NULL));
    printf("sem_count_after_over=%d\n", drain(a));
    CloseHandle(a);
    SetLastError(BADLE);
    hres("sem_initial_over_max", CreateSemaphoreA(NULL, 4, 3, NULL));
    SetLastError(BADLE);
    hres("sem_max_0", CreateSemaphoreA(NULL, 0, 0, NULL));
    SetLastError(BADLE);
    hres("sem_initial_negative", CreateSemaphoreA(NULL, -1, 3, NULL));
    SetLastError(BADLE);
    a = CreateSemaphoreA(NULL, 0, 10, ns);
    hres("sem_named_create", a);
    SetLastError(BADLE);
    b = CreateSemaphoreA(NULL, 5, 5, ns);
    hres("sem_named_existing", b);
    printf("sem_existing_keeps_count=%d\n", drain(b));
    CloseHandle(b);
    b = OpenSemaphoreA(SEMAPHORE_MODIFY_STATE, FALSE, ns);
    hopen("sem_open_modify", b);
    res("sem_open_modify release", ReleaseSemaphore(b, 1, &prev));
    w("sem_open_modify wait", b);
    CloseHandle(b);
    b = OpenSemaphoreA(SYNCHRONIZE, FALSE, ns);
    SetLastError(BADLE);
    res_err("sem_sync_only release", ReleaseSemaphore(b, 1, NULL));
    w("sem_sync_only wait", b);
    CloseHandle(b);
    SetLastError(BADLE);
    b = CreateSemaphoreW(NULL, 2, 2, ws);
    hres("sem_w_create", b);
    c = OpenSemaphoreW(SYNCHRONIZE | SEMAPHORE_MODIFY_STATE, FALSE, ws);
    hopen("sem_w_open", c);
    printf("sem_w_count=%d\n", drain(c));
    CloseHandle(c);
    CloseHandle(b);
    CloseHandle(a);

    /* 3. events */
    a = CreateEventA(NULL, FALSE, FALSE, NULL);
    w("auto_initial", a);
    res("auto_set", SetEvent(a));
    w("auto_after_set", a);
    w("auto_after_consumed", a);
    SetEvent(a);
    res("auto_reset", ResetEvent(a));
    w("auto_after_reset", a);
    CloseHandle(a);
    a = CreateEventA(NULL, TRUE, TRUE, NULL);
    w("manual_initial_set", a);
    w("manual_still_set", a);
    res("manual_reset", ResetEvent(a));
    w("manual_after_reset", a);
    SetEvent(a);
    SetEvent(a);
    w("manual_after_double_set", a);
    CloseHandle(a);
    SetLastError(BADLE);
    a = CreateEventA(NULL, TRUE, FALSE, ne);
    hres("event_named_create", a);
    SetLastError(BADLE);
    b = CreateEventA(NULL, FALSE, TRUE, ne);
    hres("event_named_existing", b);
    w("event_existing_keeps_state", b);
    CloseHandle(b);
    {
        char nloc[200];
        t_name(nloc, sizeof nloc, "Local\\", "event");
        b = OpenEventA(EVENT_MODIFY_STATE, FALSE, nloc);
        hopen("event_open_bare_as_local", b);
    }
    res("event_modify_only set", SetEvent(b));
    w("event_modify_only wait", b);
    CloseHandle(b);
    w("event_set_through_other_handle", a);
    b = OpenEventA(SYNCHRONIZE, FALSE, ne);
    SetLastError(BADLE);
    res_err("event_sync_only reset", ResetEvent(b));
    CloseHandle(b);
    SetLastError(BADLE);
    b = OpenEventA(EVENT_ALL_ACCESS, FALSE, "mmft_no_such_event_x");
    hopen("event_open_missing", b);
    SetLastError(BADLE);
    b = CreateEventW(NULL, TRUE, TRUE, we);
    hres("event_w_create", b);
    c = OpenEventW(SYNCHRONIZE, FALSE, we);
    w("event_w_open wait", c);
    CloseHandle(c);
    CloseHandle(b);
    SetLastError(BADLE);
    b = OpenEventW(SYNCHRONIZE, FALSE, NULL);
    hopen("event_w_open_null", b);

    /* 4. one namespace for every type */
    m = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 4096, nmap);
    SetLastError(BADLE);
    hres("mutex_over_mapping", CreateMutexA(NULL, FALSE, nmap));
    SetLastError(BADLE);
    hres("sem_over_mapping", CreateSemaphoreA(NULL, 0, 1, nmap));
    SetLastError(BADLE);
    hres("event_over_mapping", CreateEventA(NULL, TRUE, FALSE, nmap));
    SetLastError(BADLE);
    hres("event_over_named_event_ok", CreateEventA(NULL, TRUE, FALSE, ne));
    SetLastError(BADLE);
    hres("mutex_over_event", CreateMutexA(NULL, FALSE, ne));
    SetLastError(BADLE);
    hres("sem_over_event", CreateSemaphoreA(NULL, 0, 1, ne));
    SetLastError(BADLE);
    hopen("open_mutex_of_event", OpenMutexA(SYNCHRONIZE, FALSE, ne));
    SetLastError(BADLE);
    hopen("open_sem_of_event", OpenSemaphoreA(SYNCHRONIZE, FALSE, ne));
    SetLastError(BADLE);
    hopen("open_event_of_mapping", OpenEventA(SYNCHRONIZE, FALSE, nmap));

    /* 5. what cannot be waited on */
    w("wait_mapping", m);
    CloseHandle(m);
    w("wait_closed", m);
    w("wait_null", NULL);
    CloseHandle(a);
    SetLastError(BADLE);
    res_err("set_closed_event", SetEvent(a));
    SetLastError(BADLE);
    res_err("release_mutex_on_event", ReleaseMutex(CreateEventA(NULL, FALSE, FALSE, NULL)));
    return 0;
}
