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
