/*
 * process_basic.c - CreateProcessA / W of this program (self re-exec with
 * "child ..." arguments), waits on process handles, GetExitCodeProcess
 * (STILL_ACTIVE 259 while running, then the code from return / ExitProcess),
 * TerminateProcess (the given code), GetProcessId / OpenProcess, the
 * Windows argv rules, the environment and a missing program (2).  Children
 * print nothing: they answer through exit codes.
 * Spec: windows.h (Processes).
 */
#include "w32test.h"

static int child(int argc, char **argv)
{
    const char *mode = argv[2];
    if (strcmp(mode, "exit") == 0)
        return atoi(argv[3]);
    if (strcmp(mode, "exitprocess") == 0)
        ExitProcess((UINT)atoi(argv[3]));
    if (strcmp(mode, "argv") == 0) {
        /* expects: child argv "a b" c\"d "" e\\f */
        int code = 0;
        if (argc != 7) return 100 + argc;
        if (strcmp(argv[3], "a b") != 0) code |= 1;
        if (strcmp(argv[4], "c\"d") != 0) code |= 2;
        if (strcmp(argv[5], "") != 0) code |= 4;
        if (strcmp(argv[6], "e\\\\f") != 0) code |= 8;
        return code;
    }
    if (strcmp(mode, "env") == 0) {
        char v[64];
        DWORD n = GetEnvironmentVariableA("MMFT_PROC_VAR", v, sizeof v);
        return n == 5 && strcmp(v, "hello") == 0 ? 0 : 1;
    }
    if (strcmp(mode, "envblock") == 0) {
        char v[64];
        DWORD n = GetEnvironmentVariableA("MMFT_ONLY", v, sizeof v);
        int code = 0;
        if (n == 3 && strcmp(v, "yes") == 0)
            code |= 1;
        if (GetEnvironmentVariableA("MMFT_PROC_VAR", v, sizeof v) == 0)
            code |= 2;
        return code;
    }
    if (strcmp(mode, "cwd") == 0) {
        /* a relative name resolves in lpCurrentDirectory */
        HANDLE f = CreateFileA(argv[3], GENERIC_READ, T_SHARE_ALL, NULL, OPEN_EXISTING, 0, NULL);
        char b[8] = { 0 };
        DWORD got = 0;
        if (f == INVALID_HANDLE_VALUE)
            return 50 + (int)GetLastError();
        ReadFile(f, b, 5, &got, NULL);
        CloseHandle(f);
        return strcmp(b, "inCWD") == 0 ? 0 : 1;
    }
    if (strcmp(mode, "wait") == 0) {
        HANDLE e = OpenEventA(SYNCHRONIZE, FALSE, argv[3]);
        if (!e)
            return 90;
        WaitForSingleObject(e, 20000);
        return 11;
    }
    if (strcmp(mode, "sleep") == 0) {
        Sleep(30000);
        return 12;
    }
    return 99;
}

int main(int argc, char **argv)
{
    PROCESS_INFORMATION pi;
    DWORD code, r;
    char args[300], ename[200];
    HANDLE ev, h;

    if (argc >= 3 && strcmp(argv[1], "child") == 0)
        return child(argc, argv);
    t_init();

    /* 1. exit codes */
    res("spawn_exit", t_spawn("child exit 7", FALSE, &pi));
    printf("spawn_exit pid_ok=%d\n", pi.dwProcessId != 0 && GetProcessId(pi.hProcess) == pi.dwProcessId);
    printf("spawn_exit code=%lu\n", UL(t_join(&pi)));
    res("spawn_exitprocess", t_spawn("child exitprocess 200", FALSE, &pi));
    printf("spawn_exitprocess code=%lu\n", UL(t_join(&pi)));
    /* exit codes are 32-bit on Windows */
    res("spawn_exit_big", t_spawn("child exit 1000", FALSE, &pi));
    printf("spawn_exit_big code=%lu\n", UL(t_join(&pi)));

    /* 2. STILL_ACTIVE until the child ends */
    t_name(ename, sizeof ename, "Local\\", "go");
    ev = CreateEventA(NULL, TRUE, FALSE, ename);
    snprintf(args, sizeof args, "child wait %s", ename);
    res("spawn_wait", t_spawn(args, FALSE, &pi));
    printf("running wait0: %lu\n", UL(WaitForSingleObject(pi.hProcess, 0)));
    printf("running wait100: %lu\n", UL(WaitForSingleObject(pi.hProcess, 100)));
    res("running exit_code_call", GetExitCodeProcess(pi.hProcess, &code));
    printf("running exit_code=%lu\n", UL(code));
    h = OpenProcess(SYNCHRONIZE | PROCESS_QUERY_INFORMATION, FALSE, pi.dwProcessId);
    res("open_process_child", h != NULL);
    printf("open_process_child id_ok=%d wait0=%lu\n", GetProcessId(h) == pi.dwProcessId,
           UL(WaitForSingleObject(h, 0)));
    SetEvent(ev);
    printf("ended wait: %lu\n", UL(WaitForSingleObject(pi.hProcess, 20000)));
    GetExitCodeProcess(pi.hProcess, &code);
    printf("ended exit_code=%lu\n", UL(code));
    printf("open_process_child ended wait=%lu\n", UL(WaitForSingleObject(h, 5000)));
    GetExitCodeProcess(h, &code);
    printf("open_process_child exit_code=%lu\n", UL(code));
    CloseHandle(h);
    t_join(&pi);
    CloseHandle(ev);

    /* 3. TerminateProcess */
    res("spawn_sleep", t_spawn("child sleep", FALSE, &pi));
    printf("sleep running: %lu\n", UL(WaitForSingleObject(pi.hProcess, 50)));
    res("terminate", TerminateProcess(pi.hProcess, 9));
    printf("terminated wait: %lu\n", UL(WaitForSingleObject(pi.hProcess, 10000)));
    GetExitCodeProcess(pi.hProcess, &code);
    printf("terminated exit_code=%lu\n", UL(code));
    r = TerminateProcess(pi.hProcess, 10);
    GetExitCodeProcess(pi.hProcess, &code);
    printf("terminate_again code_still=%lu\n", UL(code));
    (void)r;
    t_join(&pi);

    /* waits on several processes: the first to end, then all */
    {
        PROCESS_INFORMATION a, b;
        HANDLE hs[2];
        t_name(ename, sizeof ename, "Local\\", "go2");
        ev = CreateEventA(NULL, TRUE, FALSE, ename);
        snprintf(args, sizeof args, "child wait %s", ename);
        t_spawn(args, FALSE, &a);
        t_spawn("child exit 3", FALSE, &b);
        hs[0] = a.hProcess;
        hs[1] = b.hProcess;
        printf("multi any: %lu\n", UL(WaitForMultipleObjects(2, hs, FALSE, 20000)));
        printf("multi all_while_one_runs: %lu\n", UL(WaitForMultipleObjects(2, hs, TRUE, 100)));
        SetEvent(ev);
        printf("multi all: %lu\n", UL(WaitForMultipleObjects(2, hs, TRUE, 20000)));
        printf("multi codes=%lu,%lu\n", UL(t_join(&a)), UL(t_join(&b)));
        CloseHandle(ev);
    }

    /* 4. argv rules, environment */
    res("spawn_argv", t_spawn("child argv \"a b\" c\\\"d \"\" e\\\\f", FALSE, &pi));
    printf("argv code=%lu\n", UL(t_join(&pi)));
    SetEnvironmentVariableA("MMFT_PROC_VAR", "hello");
    res("spawn_env", t_spawn("child env", FALSE, &pi));
    printf("env code=%lu\n", UL(t_join(&pi)));

    /* 5. lpEnvironment and lpCurrentDirectory */
    {
        char self[MAX_PATH], cmd[MAX_PATH + 400], dir[MAX_PATH], rel[100], full[MAX_PATH + 100];
        static char env[] = "MMFT_ONLY=yes\0PATH=/usr/bin:/bin\0";
        STARTUPINFOA si;
        HANDLE f;
        DWORD got;
        GetModuleFileNameA(NULL, self, MAX_PATH);
        ZeroMemory(&si, sizeof si);
        si.cb = sizeof si;
        snprintf(cmd, sizeof cmd, "\"%s\" child envblock", self);
        fflush(stdout);
        res("spawn_envblock", CreateProcessA(NULL, cmd, NULL, NULL, FALSE, 0, env, NULL, &si, &pi));
        printf("envblock code=%lu\n", UL(t_join(&pi)));
        GetTempPathA(MAX_PATH, dir);
        snprintf(rel, sizeof rel, "mmft_%lu_cwd.dat", UL(GetCurrentProcessId()));
        snprintf(full, sizeof full, "%s%s", dir, rel);
        f = t_open(full, GENERIC_WRITE, CREATE_ALWAYS);
        WriteFile(f, "inCWD", 5, &got, NULL);
        CloseHandle(f);
        snprintf(cmd, sizeof cmd, "\"%s\" child cwd %s", self, rel);
        fflush(stdout);
        res("spawn_cwd", CreateProcessA(NULL, cmd, NULL, NULL, FALSE, 0, NULL, dir, &si, &pi));
        printf("cwd code=%lu\n", UL(t_join(&pi)));
        DeleteFileA(full);
    }

    /* 6. CreateProcessW */
    {
        WCHAR self[MAX_PATH], cmd[MAX_PATH + 64];
        STARTUPINFOW si;
        DWORD n = GetModuleFileNameW(NULL, self, MAX_PATH);
        int i, j = 0;
        cmd[j++] = '"';
        for (i = 0; i < (int)n; i++)
            cmd[j++] = self[i];
        cmd[j++] = '"';
        {
            const char *rest = " child exit 21";
            for (i = 0; rest[i]; i++)
                cmd[j++] = (WCHAR)rest[i];
        }
        cmd[j] = 0;
        ZeroMemory(&si, sizeof si);
        si.cb = sizeof si;
        res("spawn_w", CreateProcessW(NULL, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi));
        printf("spawn_w code=%lu\n", UL(t_join(&pi)));
    }

    /* 7. errors */
    {
        STARTUPINFOA si;
        char cmd[] = "mmft_no_such_program_xyz.exe arg";
        ZeroMemory(&si, sizeof si);
        si.cb = sizeof si;
        SetLastError(BADLE);
        res_err("spawn_missing", CreateProcessA(NULL, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi));
    }
    SetLastError(BADLE);
    res_err("exit_code_bad_handle", GetExitCodeProcess(NULL, &code));
    SetLastError(BADLE);
    res_err("terminate_bad_handle", TerminateProcess(NULL, 1));
    GetExitCodeProcess(GetCurrentProcess(), &code);
    printf("self exit_code=%lu\n", UL(code));
    return 0;
}
