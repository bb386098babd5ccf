/*
 * process_inherit.c - handle inheritance: with bInheritHandles TRUE every
 * inheritable handle (mapping from SECURITY_ATTRIBUTES, from
 * OpenFileMapping(bInheritHandle), from DuplicateHandle(bInheritHandle) and
 * SetHandleInformation; an event; a file) reaches the child with the same
 * value, the same rights and its inherit flag, while non-inheritable ones do
 * not; with bInheritHandles FALSE nothing is inherited.  The child reports
 * through its exit code (one bit per check) and the shared memory itself.
 * Spec: win32-file-mapping.md 3.8; DESIGN.md 5.
 */
#include "w32test.h"

enum {
    C_INH_MAP = 1,        /* inheritable mapping: view works, data seen */
    C_INH_WRITE = 2,      /* ... and the child's write reaches the parent */
    C_NONINH_FAILS = 4,   /* non-inheritable mapping value is not a mapping there */
    C_EVENT = 8,          /* inheritable event: SetEvent works */
    C_FLAGS = 16,         /* inherited handle still has HANDLE_FLAG_INHERIT */
    C_OPENED = 32,        /* OpenFileMapping(bInheritHandle TRUE) handle works */
    C_READONLY = 64,      /* read-only duplicate stays read-only (write view 5) */
    C_SETINFO = 128,      /* made inheritable by SetHandleInformation */
    C_FILE = 256,         /* inheritable file handle: WriteFile works */
};

static const char *bits[] = { "inh_map", "inh_write", "noninh_fails", "event", "flags",
                              "opened", "readonly_dup", "setinfo", "file" };

static int child(char **argv)
{
    HANDLE inh = t_unhex(argv[2]), non = t_unhex(argv[3]), ev = t_unhex(argv[4]);
    HANDLE op = t_unhex(argv[5]), ro = t_unhex(argv[6]), si = t_unhex(argv[7]);
    HANDLE f = t_unhex(argv[8]);
    int code = 0;
    char *p;
    DWORD fl = 0, got;

    p = (char *)MapViewOfFile(inh, FILE_MAP_WRITE, 0, 0, 0);
    if (p && strcmp(p, "from parent") == 0) {
        code |= C_INH_MAP;
        strcpy(p + 100, "from child");
        code |= C_INH_WRITE;
    }
    if (GetHandleInformation(inh, &fl) && (fl & HANDLE_FLAG_INHERIT))
        code |= C_FLAGS;
    if (MapViewOfFile(non, FILE_MAP_READ, 0, 0, 0) == NULL)
        code |= C_NONINH_FAILS;
    p = (char *)MapViewOfFile(op, FILE_MAP_READ, 0, 0, 0);
    if (p && strcmp(p, "from parent") == 0)
        code |= C_OPENED;
    p = (char *)MapViewOfFile(ro, FILE_MAP_READ, 0, 0, 0);
    if (p && MapViewOfFile(ro, FILE_MAP_WRITE, 0, 0, 0) == NULL && GetLastError() == ERROR_ACCESS_DENIED)
        code |= C_READONLY;
    if (MapViewOfFile(si, FILE_MAP_READ, 0, 0, 0) != NULL)
        code |= C_SETINFO;
    if (WriteFile(f, "child", 5, &got, NULL) && got == 5)
        code |= C_FILE;
    if (SetEvent(ev))
        code |= C_EVENT;
    return code;
}

/* child sync <mutex> <semaphore> <event> <parent process> <mapping> <opened parent>:
 * inherited synchronization objects and a process handle; then hands the
 * mapping on to a grandchild. */
static int child_sync(char **argv)
{
    HANDLE mx = t_unhex(argv[2]), sem = t_unhex(argv[3]), ev = t_unhex(argv[4]);
    HANDLE parent = t_unhex(argv[5]), map = t_unhex(argv[6]), opened = t_unhex(argv[7]);
    PROCESS_INFORMATION pi;
    char args[200], hm[32];
    int code = 0;
    if (WaitForSingleObject(parent, 0) == WAIT_TIMEOUT)
        code |= 1;                                  /* parent still running */
    if (WaitForSingleObject(opened, 0) == WAIT_TIMEOUT)
        code |= 32;                                 /* OpenProcess(bInheritHandle) */
    if (WaitForSingleObject(ev, 5000) == WAIT_OBJECT_0)
        code |= 2;                                  /* parent's SetEvent arrived */
    if (ReleaseSemaphore(sem, 2, NULL))
        code |= 4;
    if (WaitForSingleObject(mx, 5000) == WAIT_OBJECT_0)
        code |= 8;                                  /* taken, never released */
    t_hex(hm, sizeof hm, map);
    snprintf(args, sizeof args, "child grand %s", hm);
    if (t_spawn(args, TRUE, &pi) && t_join(&pi) == 0)
        code |= 16;                                 /* grandchild used it */
    return code;
}

static int child_grand(char **argv)
{
    char *p = (char *)MapViewOfFile(t_unhex(argv[2]), FILE_MAP_WRITE, 0, 0, 0);
    if (!p)
        return 1;
    strcpy(p + 200, "from grandchild");
    return 0;
}

static void report(const char *tag, DWORD code)
{
    size_t i;
    printf("%s code_valid=%d\n", tag, code < 512);
    for (i = 0; i < sizeof bits / sizeof bits[0]; i++)
        printf("%s %s=%d\n", tag, bits[i], (code >> i) & 1 ? 1 : 0);
}

int main(int argc, char **argv)
{
    SECURITY_ATTRIBUTES sa;
    HANDLE inh, non, ev, op, ro, si, f;
    char name[200], path[MAX_PATH], args[600], h1[32], h2[32], h3[32], h4[32], h5[32], h6[32], h7[32];
    char *p;
    PROCESS_INFORMATION pi;
    DWORD code, fl;

    if (argc >= 9 && strcmp(argv[1], "child") == 0 && strcmp(argv[2], "sync") == 0)
        return child_sync(argv + 1);
    if (argc >= 4 && strcmp(argv[1], "child") == 0 && strcmp(argv[2], "grand") == 0)
        return child_grand(argv + 1);
    if (argc >= 9 && strcmp(argv[1], "child") == 0)
        return child(argv);
    t_init();
    sa.nLength = sizeof sa;
    sa.lpSecurityDescriptor = NULL;
    sa.bInheritHandle = TRUE;
    t_name(name, sizeof name, "Local\\", "inh");
    t_path(path, sizeof path, "inh");

    inh = CreateFileMappingA(INVALID_HANDLE_VALUE, &sa, PAGE_READWRITE, 0, 65536, name);
    res("create_inheritable", inh != NULL);
    p = (char *)MapViewOfFile(inh, FILE_MAP_WRITE, 0, 0, 0);
    strcpy(p, "from parent");
    non = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 65536, NULL);
    ev = CreateEventA(&sa, TRUE, FALSE, NULL);
    op = OpenFileMappingA(FILE_MAP_READ, TRUE, name);
    res("open_inheritable", op != NULL);
    res("dup_readonly_inheritable", DuplicateHandle(GetCurrentProcess(), inh, GetCurrentProcess(), &ro,
                                                    FILE_MAP_READ, TRUE, 0));
    si = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 4096, NULL);
    res("setinfo_inherit", SetHandleInformation(si, HANDLE_FLAG_INHERIT, HANDLE_FLAG_INHERIT));
    f = CreateFileA(path, GENERIC_READ | GENERIC_WRITE, T_SHARE_ALL, &sa, CREATE_ALWAYS, 0, NULL);
    res("file_inheritable", f != INVALID_HANDLE_VALUE);
    fl = 0;
    GetHandleInformation(f, &fl);
    printf("file_inheritable flags=%lu\n", UL(fl));
    t_hex(h1, sizeof h1, inh);
    t_hex(h2, sizeof h2, non);
    t_hex(h3, sizeof h3, ev);
    t_hex(h4, sizeof h4, op);
    t_hex(h5, sizeof h5, ro);
    t_hex(h6, sizeof h6, si);
    t_hex(h7, sizeof h7, f);
    snprintf(args, sizeof args, "child %s %s %s %s %s %s %s", h1, h2, h3, h4, h5, h6, h7);

    /* 1. bInheritHandles TRUE */
    res("spawn_inherit", t_spawn(args, TRUE, &pi));
    code = t_join(&pi);
    report("inherit", code);
    printf("inherit parent_sees_child_write=%d\n", strcmp(p + 100, "from child") == 0);
    printf("inherit event_wait=%lu\n", UL(WaitForSingleObject(ev, 0)));
    {
        char b[8] = { 0 };
        DWORD got = 0;
        SetFilePointer(f, 0, NULL, FILE_BEGIN);
        ReadFile(f, b, 5, &got, NULL);
        printf("inherit file_shared_pointer size=%lu data_ok=%d\n", UL(GetFileSize(f, NULL)),
               strcmp(b, "child") == 0);
    }

    /* 2. bInheritHandles FALSE: nothing arrives */
    ResetEvent(ev);
    p[100] = 0;
    SetFilePointer(f, 0, NULL, FILE_BEGIN);
    SetEndOfFile(f);
    res("spawn_no_inherit", t_spawn(args, FALSE, &pi));
    code = t_join(&pi);
    report("no_inherit", code);
    printf("no_inherit parent_view_untouched=%d\n", p[100] == 0);
    printf("no_inherit event_wait=%lu\n", UL(WaitForSingleObject(ev, 0)));
    printf("no_inherit file_size=%lu\n", UL(GetFileSize(f, NULL)));

    /* 3. inherited synchronization objects, a process handle, a grandchild */
    {
        HANDLE mx = CreateMutexA(&sa, FALSE, NULL);
        HANDLE sem = CreateSemaphoreA(&sa, 0, 5, NULL);
        HANDLE aev = CreateEventA(&sa, FALSE, FALSE, NULL);
        HANDLE me = NULL, op2 = OpenProcess(SYNCHRONIZE, TRUE, GetCurrentProcessId());
        char s1[32], s2[32], s3[32], s4[32], s5[32];
        int n = 0;
        res("dup_own_process_inheritable", DuplicateHandle(GetCurrentProcess(), GetCurrentProcess(),
                                                           GetCurrentProcess(), &me, 0, TRUE,
                                                           DUPLICATE_SAME_ACCESS));
        t_hex(s1, sizeof s1, mx);
        t_hex(s2, sizeof s2, sem);
        t_hex(s3, sizeof s3, aev);
        t_hex(s4, sizeof s4, me);
        t_hex(s5, sizeof s5, op2);
        res("open_own_process_inheritable", op2 != NULL);
        snprintf(args, sizeof args, "child sync %s %s %s %s %s %s", s1, s2, s3, s4, h1, s5);
        p[200] = 0;
        SetEvent(aev);
        res("spawn_sync", t_spawn(args, TRUE, &pi));
        code = t_join(&pi);
        printf("sync parent_alive=%d opened_parent_alive=%d event=%d semaphore=%d mutex=%d grandchild=%d\n",
               code & 1 ? 1 : 0, code & 32 ? 1 : 0, code & 2 ? 1 : 0, code & 4 ? 1 : 0, code & 8 ? 1 : 0,
               code & 16 ? 1 : 0);
        while (n < 10 && WaitForSingleObject(sem, 0) == WAIT_OBJECT_0)
            n++;
        printf("sync semaphore_count=%d event_consumed=%lu\n", n, UL(WaitForSingleObject(aev, 0)));
        printf("sync mutex_abandoned=%lu\n", UL(WaitForSingleObject(mx, 5000)));
        ReleaseMutex(mx);
        printf("sync grandchild_write=%d\n", strcmp(p + 200, "from grandchild") == 0);
        CloseHandle(mx);
        CloseHandle(sem);
        CloseHandle(aev);
        CloseHandle(me);
        CloseHandle(op2);
    }

    UnmapViewOfFile(p);
    CloseHandle(inh);
    CloseHandle(non);
    CloseHandle(ev);
    CloseHandle(op);
    CloseHandle(ro);
    CloseHandle(si);
    CloseHandle(f);
    DeleteFileA(path);
    return 0;
}
