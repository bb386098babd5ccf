/*
 * stress.c - races that must stay invisible: threads creating and closing
 * the same named mapping (every create gets 0 or 183 and a usable handle;
 * the data of a live object is never lost), threads opening while another
 * holds the name, and three processes incrementing a counter in a named
 * mapping under a named mutex (no lost update).  Only totals are printed.
 * Spec: win32-file-mapping.md 1, 6; DESIGN.md 4, 6.
 */
#include "w32test.h"

#define NTHREADS 6
#define ROUNDS 200
#define PROC_ROUNDS 500

static char g_name[200];
static volatile LONG g_bad;

static DWORD WINAPI create_close(LPVOID arg)
{
    int i;
    (void)arg;
    for (i = 0; i < ROUNDS; i++) {
        HANDLE m;
        DWORD e;
        volatile DWORD *p;
        SetLastError(BADLE);
        m = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 4096, g_name);
        e = GetLastError();
        if (!m || (e != 0 && e != ERROR_ALREADY_EXISTS)) {
            g_bad = g_bad + 1;
            continue;
        }
        p = (volatile DWORD *)MapViewOfFile(m, FILE_MAP_WRITE, 0, 0, 0);
        if (!p)
            g_bad = g_bad + 1;
        else
            UnmapViewOfFile((void *)p);
        CloseHandle(m);
    }
    return 0;
}

static DWORD WINAPI open_close(LPVOID arg)
{
    int i;
    (void)arg;
    for (i = 0; i < ROUNDS; i++) {
        HANDLE m = OpenFileMappingA(FILE_MAP_READ, FALSE, g_name);
        volatile DWORD *p;
        if (!m) {
            g_bad = g_bad + 1;
            continue;
        }
        p = (volatile DWORD *)MapViewOfFile(m, FILE_MAP_READ, 0, 0, 0);
        if (!p || p[0] != 0x600dda7a)
            g_bad = g_bad + 1;
        if (p)
            UnmapViewOfFile((void *)p);
        CloseHandle(m);
    }
    return 0;
}

static int child(char **argv)
{
    HANDLE mx = OpenMutexA(SYNCHRONIZE | MUTEX_MODIFY_STATE, FALSE, argv[3]);
    HANDLE m = OpenFileMappingA(FILE_MAP_WRITE, FALSE, argv[2]);
    volatile LONG *p;
    int i;
    if (!mx || !m)
        return 90;
    p = (volatile LONG *)MapViewOfFile(m, FILE_MAP_WRITE, 0, 0, 0);
    if (!p)
        return 91;
    for (i = 0; i < PROC_ROUNDS; i++) {
        LONG v;
        if (WaitForSingleObject(mx, 20000) != WAIT_OBJECT_0)
            return 92;
        v = p[0];
        if ((i & 63) == 0)
            Sleep(0);
        p[0] = v + 1;
        ReleaseMutex(mx);
    }
    return 0;
}

int main(int argc, char **argv)
{
    HANDLE t[NTHREADS], m, mx;
    volatile DWORD *p;
    volatile LONG *c;
    char mxname[200], args[600];
    PROCESS_INFORMATION pi[2];
    int i;
    DWORD c0, c1;

    if (argc >= 4 && strcmp(argv[1], "child") == 0)
        return child(argv);
    t_init();

    /* 1. threads create and close the same name */
    t_name(g_name, sizeof g_name, "Local\\", "race");
    g_bad = 0;
    for (i = 0; i < NTHREADS; i++)
        t[i] = CreateThread(NULL, 0, create_close, NULL, 0, NULL);
    printf("create_close wait: %lu\n", UL(WaitForMultipleObjects(NTHREADS, t, TRUE, 60000)));
    for (i = 0; i < NTHREADS; i++)
        CloseHandle(t[i]);
    printf("create_close bad=%ld\n", (long)g_bad);
    SetLastError(BADLE);
    m = OpenFileMappingA(FILE_MAP_READ, FALSE, g_name);
    printf("create_close name_gone_after: %s err=%lu\n", m ? "handle" : "NULL", ERR());

    /* 2. threads open while the creator holds it */
    m = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 4096, g_name);
    p = (volatile DWORD *)MapViewOfFile(m, FILE_MAP_WRITE, 0, 0, 0);
    p[0] = 0x600dda7a;
    g_bad = 0;
    for (i = 0; i < NTHREADS; i++)
        t[i] = CreateThread(NULL, 0, i % 2 ? open_close : create_close, NULL, 0, NULL);
    printf("open_close wait: %lu\n", UL(WaitForMultipleObjects(NTHREADS, t, TRUE, 60000)));
    for (i = 0; i < NTHREADS; i++)
        CloseHandle(t[i]);
    printf("open_close bad=%ld data_kept=%d\n", (long)g_bad, p[0] == 0x600dda7a);
    UnmapViewOfFile((void *)p);
    CloseHandle(m);

    /* 3. three processes, one counter, one named mutex */
    t_name(mxname, sizeof mxname, "Local\\", "ctrmx");
    mx = CreateMutexA(NULL, FALSE, mxname);
    m = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 4096, g_name);
    c = (volatile LONG *)MapViewOfFile(m, FILE_MAP_WRITE, 0, 0, 0);
    c[0] = 0;
    snprintf(args, sizeof args, "child %s %s", g_name, mxname);
    t_spawn(args, FALSE, &pi[0]);
    t_spawn(args, FALSE, &pi[1]);
    for (i = 0; i < PROC_ROUNDS; i++) {
        LONG v;
        WaitForSingleObject(mx, 20000);
        v = c[0];
        c[0] = v + 1;
        ReleaseMutex(mx);
    }
    c0 = t_join(&pi[0]);
    c1 = t_join(&pi[1]);
    printf("processes child_codes=%lu,%lu counter=%ld\n", UL(c0), UL(c1), (long)c[0]);
    UnmapViewOfFile((void *)c);
    CloseHandle(m);
    CloseHandle(mx);
    return 0;
}
