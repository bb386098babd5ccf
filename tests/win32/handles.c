/*
 * handles.c - CloseHandle (double close, NULL, pseudo handles),
 * DuplicateHandle (same access, reduced access then MapViewOfFile 5, access
 * 0, DUPLICATE_CLOSE_SOURCE, inheritable duplicates, bad handles),
 * Get/SetHandleInformation, GetCurrentProcess/Thread(Id), GetProcessId,
 * OpenProcess, SetLastError/GetLastError, and the security calls
 * (InitializeSecurityDescriptor, SetSecurityDescriptorDacl with a NULL DACL,
 * SECURITY_ATTRIBUTES with bInheritHandle).
 * Spec: win32-file-mapping.md 3.8, 10.6; wine-behaviours.md B.4 50-53.
 */
#include "w32test.h"

static void try_map(const char *what, HANDLE m, DWORD acc)
{
    void *p;
    SetLastError(BADLE);
    p = MapViewOfFile(m, acc, 0, 0, 0);
    if (p) {
        printf("%s: view prot=0x%lx\n", what, UL(t_prot(p)));
        UnmapViewOfFile(p);
    } else {
        printf("%s: NULL err=%lu\n", what, ERR());
    }
}

static void flags(const char *what, HANDLE h)
{
    DWORD fl = 0x55;
    SetLastError(BADLE);
    if (GetHandleInformation(h, &fl))
        printf("%s: flags=%lu\n", what, UL(fl));
    else
        printf("%s: FAIL err=%lu\n", what, ERR());
}

int main(void)
{
    HANDLE m, d, e, cur = GetCurrentProcess();
    SECURITY_ATTRIBUTES sa;
    SECURITY_DESCRIPTOR sd;
    char name[200];

    t_init();

    /* 1. last error */
    SetLastError(12345);
    printf("last_error roundtrip=%lu\n", ERR());
    SetLastError(0);
    printf("last_error zero=%lu\n", ERR());

    /* 2. pseudo handles and ids */
    printf("pseudo process=%d thread=%d\n", GetCurrentProcess() == (HANDLE)(LONG_PTR)-1,
           GetCurrentThread() == (HANDLE)(LONG_PTR)-2);
    printf("ids nonzero=%d getprocessid_self=%d\n", GetCurrentProcessId() != 0 && GetCurrentThreadId() != 0,
           GetProcessId(GetCurrentProcess()) == GetCurrentProcessId());
    d = OpenProcess(PROCESS_QUERY_INFORMATION | SYNCHRONIZE, FALSE, GetCurrentProcessId());
    res("open_process_self", d != NULL);
    printf("open_process_self id_ok=%d\n", GetProcessId(d) == GetCurrentProcessId());
    printf("open_process_self wait0=%lu\n", UL(WaitForSingleObject(d, 0)));
    res("close_process_handle", CloseHandle(d));
    res("close_pseudo_process", CloseHandle(GetCurrentProcess()));

    /* 3. CloseHandle errors */
    m = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 65536, NULL);
    res("close_mapping", CloseHandle(m));
    SetLastError(BADLE);
    res_err("close_twice", CloseHandle(m));
    SetLastError(BADLE);
    res_err("close_null", CloseHandle(NULL));
    res("close_invalid_handle_value_is_pseudo", CloseHandle(INVALID_HANDLE_VALUE));

    /* 4. DuplicateHandle of a mapping */
    m = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 65536, NULL);
    d = NULL;
    res("dup_same", DuplicateHandle(cur, m, cur, &d, 0, FALSE, DUPLICATE_SAME_ACCESS));
    printf("dup_same distinct=%d\n", d != m);
    try_map("dup_same map_write", d, FILE_MAP_WRITE);
    flags("dup_same flags", d);
    CloseHandle(d);
    res("dup_read", DuplicateHandle(cur, m, cur, &d, FILE_MAP_READ, FALSE, 0));
    try_map("dup_read map_write", d, FILE_MAP_WRITE);
    try_map("dup_read map_read", d, FILE_MAP_READ);
    try_map("dup_read map_0", d, 0);
    CloseHandle(d);
    res("dup_rw", DuplicateHandle(cur, m, cur, &d, FILE_MAP_READ | FILE_MAP_WRITE, FALSE, 0));
    try_map("dup_rw map_write", d, FILE_MAP_WRITE);
    CloseHandle(d);
    res("dup_write", DuplicateHandle(cur, m, cur, &d, FILE_MAP_WRITE, FALSE, 0));
    try_map("dup_write map_read", d, FILE_MAP_READ);
    try_map("dup_write map_write", d, FILE_MAP_WRITE);
    CloseHandle(d);
    res("dup_0", DuplicateHandle(cur, m, cur, &d, 0, FALSE, 0));
    try_map("dup_0 map_0", d, 0);
    try_map("dup_0 map_read", d, FILE_MAP_READ);
    CloseHandle(d);
    res("dup_inherit", DuplicateHandle(cur, m, cur, &d, 0, TRUE, DUPLICATE_SAME_ACCESS));
    flags("dup_inherit flags", d);
    CloseHandle(d);
    /* a reduced handle duplicated with the same access stays reduced */
    DuplicateHandle(cur, m, cur, &d, FILE_MAP_READ, FALSE, 0);
    res("dup_of_reduced", DuplicateHandle(cur, d, cur, &e, 0, FALSE, DUPLICATE_SAME_ACCESS));
    try_map("dup_of_reduced map_write", e, FILE_MAP_WRITE);
    CloseHandle(e);
    CloseHandle(d);
    /* DUPLICATE_CLOSE_SOURCE */
    DuplicateHandle(cur, m, cur, &d, 0, FALSE, DUPLICATE_SAME_ACCESS);
    res("dup_close_source", DuplicateHandle(cur, d, cur, &e, 0, FALSE,
                                            DUPLICATE_SAME_ACCESS | DUPLICATE_CLOSE_SOURCE));
    try_map("dup_close_source new map_write", e, FILE_MAP_WRITE);
    {
        /* the new handle may reuse the source's value */
        DWORD fl;
        printf("dup_close_source source_gone=%d\n", e == d || !GetHandleInformation(d, &fl));
    }
    CloseHandle(e);
    /* bad handles */
    SetLastError(BADLE);
    res_err("dup_closed_source", DuplicateHandle(cur, d, cur, &e, 0, FALSE, DUPLICATE_SAME_ACCESS));
    SetLastError(BADLE);
    res_err("dup_null_source", DuplicateHandle(cur, NULL, cur, &e, 0, FALSE, DUPLICATE_SAME_ACCESS));
    SetLastError(BADLE);
    res_err("dup_bad_process", DuplicateHandle(NULL, m, cur, &e, 0, FALSE, DUPLICATE_SAME_ACCESS));
    /* events and mutexes duplicate too */
    e = CreateEventA(NULL, TRUE, FALSE, NULL);
    res("dup_event", DuplicateHandle(cur, e, cur, &d, 0, FALSE, DUPLICATE_SAME_ACCESS));
    SetEvent(d);
    printf("dup_event shared_state wait=%lu\n", UL(WaitForSingleObject(e, 0)));
    CloseHandle(d);
    res("dup_event_sync_only", DuplicateHandle(cur, e, cur, &d, SYNCHRONIZE, FALSE, 0));
    SetLastError(BADLE);
    res_err("dup_event_sync_only set", SetEvent(d));
    printf("dup_event_sync_only wait=%lu\n", UL(WaitForSingleObject(d, 0)));
    CloseHandle(d);
    CloseHandle(e);

    /* 5. Get/SetHandleInformation */
    flags("info_new", m);
    res("set_inherit", SetHandleInformation(m, HANDLE_FLAG_INHERIT, HANDLE_FLAG_INHERIT));
    flags("info_after_set_inherit", m);
    res("set_protect", SetHandleInformation(m, HANDLE_FLAG_PROTECT_FROM_CLOSE, HANDLE_FLAG_PROTECT_FROM_CLOSE));
    flags("info_after_set_protect", m);
    SetLastError(BADLE);
    res_err("close_protected", CloseHandle(m));
    flags("info_after_close_protected", m);
    res("clear_inherit", SetHandleInformation(m, HANDLE_FLAG_INHERIT, 0));
    flags("info_after_clear_inherit", m);
    res("clear_protect", SetHandleInformation(m, HANDLE_FLAG_PROTECT_FROM_CLOSE, 0));
    flags("info_after_clear_all", m);
    res("set_mask_ignores_other_bits", SetHandleInformation(m, 0, HANDLE_FLAG_INHERIT));
    flags("info_after_mask0", m);
    CloseHandle(m);
    flags("info_closed", m);
    SetLastError(BADLE);
    res_err("set_info_closed", SetHandleInformation(m, HANDLE_FLAG_INHERIT, 0));

    /* 6. security attributes and descriptors */
    SetLastError(BADLE);
    res("init_sd", InitializeSecurityDescriptor(&sd, SECURITY_DESCRIPTOR_REVISION));
    res("set_dacl_null", SetSecurityDescriptorDacl(&sd, TRUE, NULL, FALSE));
    {
        SECURITY_DESCRIPTOR raw;
        memset(&raw, 0, sizeof raw);
        SetLastError(BADLE);
        res_err("set_dacl_uninitialised", SetSecurityDescriptorDacl(&raw, TRUE, NULL, FALSE));
    }
    sa.nLength = sizeof sa;
    sa.lpSecurityDescriptor = &sd;
    sa.bInheritHandle = FALSE;
    t_name(name, sizeof name, "Local\\", "nulldacl");
    SetLastError(BADLE);
    m = CreateFileMappingA(INVALID_HANDLE_VALUE, &sa, PAGE_READWRITE, 0, 4096, name);
    res_le("create_null_dacl", m != NULL);
    flags("create_null_dacl flags", m);
    d = OpenFileMappingA(FILE_MAP_ALL_ACCESS, FALSE, name);
    res("open_null_dacl", d != NULL);
    CloseHandle(d);
    CloseHandle(m);
    sa.bInheritHandle = TRUE;
    t_name(name, sizeof name, "Local\\", "nulldacl_ev");
    SetLastError(BADLE);
    e = CreateEventA(&sa, FALSE, FALSE, name);
    res_le("event_null_dacl_inherit", e != NULL);
    flags("event_null_dacl_inherit flags", e);
    CloseHandle(e);
    sa.lpSecurityDescriptor = NULL;
    SetLastError(BADLE);
    e = CreateMutexA(&sa, FALSE, NULL);
    res_le("mutex_sa_no_sd_inherit", e != NULL);
    flags("mutex_sa_no_sd_inherit flags", e);
    CloseHandle(e);
    sa.bInheritHandle = FALSE;
    e = CreateSemaphoreA(&sa, 0, 1, NULL);
    flags("semaphore_sa_no_inherit flags", e);
    CloseHandle(e);
    return 0;
}
