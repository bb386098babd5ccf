/*
 * process_names.c - named objects across processes: a child creating an
 * existing name gets ERROR_ALREADY_EXISTS and the same memory (coherent
 * both ways; a FILE_MAP_COPY view is private, COPY|WRITE is not); names a
 * child created disappear when it is terminated or exits (OpenFileMapping /
 * OpenEvent 2) while names the parent still holds survive; a named
 * file-backed mapping opened by name in another process sees the file.
 * Children answer through exit codes and the shared memory.
 * Spec: win32-file-mapping.md 1, 3.3, 10.3; wine-behaviours.md B.9 110-113.
 */
#include "w32test.h"

static int child(char **argv)
{
    const char *mode = argv[2];
    HANDLE m, ev;
    volatile DWORD *p;
    if (strcmp(mode, "attach") == 0) {
        /* argv: child attach <map>: CreateFileMapping existing -> 183 */
        DWORD e;
        int code = 0;
        SetLastError(BADLE);
        m = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 4096, argv[3]);
        e = GetLastError();
        if (m && e == ERROR_ALREADY_EXISTS)
            code |= 1;
        p = (volatile DWORD *)MapViewOfFile(m, FILE_MAP_READ | FILE_MAP_WRITE, 0, 0, 0);
        if (p && p[0] == 0x1a2b3c4d)
            code |= 2;
        if (p)
            p[1] = 0xdeadbeef;
        p = (volatile DWORD *)MapViewOfFile(m, FILE_MAP_COPY, 0, 0, 0);
        if (p) {
            p[2] = 0x11111111;
            if (p[2] == 0x11111111)
                code |= 4;
        }
        p = (volatile DWORD *)MapViewOfFile(m, FILE_MAP_COPY | FILE_MAP_WRITE, 0, 0, 0);
        if (p)
            p[3] = 0x22222222;
        return code;
    }
    if (strcmp(mode, "hold") == 0 || strcmp(mode, "hold_exit") == 0) {
        /* argv: child hold <map> <event> <ready>: create both, signal, hang */
        HANDLE ready = OpenEventA(EVENT_MODIFY_STATE, FALSE, argv[5]);
        m = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 65536, argv[3]);
        ev = CreateEventA(NULL, TRUE, FALSE, argv[4]);
        if (!m || !ev || !ready)
            return 90;
        p = (volatile DWORD *)MapViewOfFile(m, FILE_MAP_WRITE, 0, 0, 0);
        if (!p)
            return 91;
        p[0] = 4242;
        SetEvent(ready);
        if (strcmp(mode, "hold") == 0)
            Sleep(30000);
        else
            Sleep(200);
        return 4;
    }
    if (strcmp(mode, "file") == 0) {
        /* argv: child file <map>: open by name, read the file's bytes */
        m = OpenFileMappingA(FILE_MAP_READ, FALSE, argv[3]);
        if (!m)
            return 90;
        p = (volatile DWORD *)MapViewOfFile(m, FILE_MAP_READ, 0, 65536, 0);
        if (!p)
            return 91;
        return t_check_pat((const void *)p, 65536, 1000) ? 7 : 8;
    }
    return 99;
}

int main(int argc, char **argv)
{
    char mname[200], ename[200], rname[200], fname[200], path[MAX_PATH], args[800];
    HANDLE m, o, ready, f;
    volatile DWORD *p;
    PROCESS_INFORMATION pi;
    DWORD code;

    if (argc >= 4 && strcmp(argv[1], "child") == 0)
        return child(argv);
    t_init();
    t_name(mname, sizeof mname, "Local\\", "shared");
    t_name(ename, sizeof ename, "Local\\", "childev");
    t_name(rname, sizeof rname, "Local\\", "ready");
    t_name(fname, sizeof fname, "Global\\", "filemap");
    t_path(path, sizeof path, "pnames");

    /* 1. a child attaches to the parent's name */
    m = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 4096, mname);
    p = (volatile DWORD *)MapViewOfFile(m, FILE_MAP_READ, 0, 0, 0);
    {
        volatile DWORD *w = (volatile DWORD *)MapViewOfFile(m, FILE_MAP_WRITE, 0, 0, 0);
        w[0] = 0x1a2b3c4d;
        UnmapViewOfFile((void *)w);
    }
    snprintf(args, sizeof args, "child attach %s", mname);
    res("spawn_attach", t_spawn(args, FALSE, &pi));
    code = t_join(&pi);
    printf("attach already_exists=%d read_parent=%d copy_private_ok=%d\n", code & 1 ? 1 : 0,
           code & 2 ? 1 : 0, code & 4 ? 1 : 0);
    printf("attach parent_ro_view sees_write=%d copy_not_seen=%d copy_write_seen=%d\n",
           p[1] == 0xdeadbeef, p[2] == 0, p[3] == 0x22222222);
    UnmapViewOfFile((void *)p);
    CloseHandle(m);

    /* 2. names of a terminated child disappear */
    ready = CreateEventA(NULL, FALSE, FALSE, rname);
    snprintf(args, sizeof args, "child hold %s %s %s", mname, ename, rname);
    res("spawn_hold", t_spawn(args, FALSE, &pi));
    printf("hold ready: %lu\n", UL(WaitForSingleObject(ready, 10000)));
    o = OpenFileMappingA(FILE_MAP_READ, FALSE, mname);
    res("hold open_while_alive", o != NULL);
    p = o ? (volatile DWORD *)MapViewOfFile(o, FILE_MAP_READ, 0, 0, 0) : NULL;
    printf("hold data=%lu\n", p ? UL(p[0]) : 0UL);
    if (o)
        CloseHandle(o);
    m = OpenEventA(SYNCHRONIZE, FALSE, ename);
    res("hold open_event_while_alive", m != NULL);
    CloseHandle(m);
    res("hold terminate", TerminateProcess(pi.hProcess, 1));
    printf("hold child_exit=%lu\n", UL(t_join(&pi)));
    SetLastError(BADLE);
    o = OpenFileMappingA(FILE_MAP_READ, FALSE, mname);
    printf("hold open_after_kill: %s err=%lu\n", o ? "handle" : "NULL", ERR());
    SetLastError(BADLE);
    o = OpenEventA(SYNCHRONIZE, FALSE, ename);
    printf("hold open_event_after_kill: %s err=%lu\n", o ? "handle" : "NULL", ERR());
    printf("hold our_view_kept data=%lu\n", p ? UL(p[0]) : 0UL);
    if (p)
        UnmapViewOfFile((void *)p);

    /* 3. ... unless we hold a handle; and a child that exits normally */
    snprintf(args, sizeof args, "child hold_exit %s %s %s", mname, ename, rname);
    res("spawn_hold_exit", t_spawn(args, FALSE, &pi));
    WaitForSingleObject(ready, 10000);
    o = OpenFileMappingA(FILE_MAP_READ, FALSE, mname);
    res("hold_exit open", o != NULL);
    printf("hold_exit child_exit=%lu\n", UL(t_join(&pi)));
    m = OpenFileMappingA(FILE_MAP_READ, FALSE, mname);
    res("hold_exit still_named", m != NULL);
    p = m ? (volatile DWORD *)MapViewOfFile(m, FILE_MAP_READ, 0, 0, 0) : NULL;
    printf("hold_exit data=%lu\n", p ? UL(p[0]) : 0UL);
    if (p)
        UnmapViewOfFile((void *)p);
    CloseHandle(m);
    SetLastError(BADLE);
    m = OpenEventA(SYNCHRONIZE, FALSE, ename);
    printf("hold_exit event_gone: %s err=%lu\n", m ? "handle" : "NULL", ERR());
    CloseHandle(o);
    SetLastError(BADLE);
    m = OpenFileMappingA(FILE_MAP_READ, FALSE, mname);
    printf("hold_exit after_our_close: %s err=%lu\n", m ? "handle" : "NULL", ERR());

    /* 4. a named file mapping in Global\, opened by a child */
    t_make_file(path, 3 * 65536);
    f = t_open(path, GENERIC_READ, OPEN_EXISTING);
    m = CreateFileMappingA(f, NULL, PAGE_READONLY, 0, 0, fname);
    res_le("file_named_create", m != NULL);
    CloseHandle(f);
    snprintf(args, sizeof args, "child file %s", fname);
    t_spawn(args, FALSE, &pi);
    printf("file child_code=%lu\n", UL(t_join(&pi)));
    CloseHandle(m);
    CloseHandle(ready);
    DeleteFileA(path);
    return 0;
}
