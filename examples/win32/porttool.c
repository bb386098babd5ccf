/*
 * porttool.c - PortTool's open-or-create of a named mapping, as a console
 * program that builds unchanged with mingw and against mmf's Win32 layer.
 *
 * PortTool's DLL ran the same start-up code in every process that loaded
 * it.  It did not keep track of which process came first: it tried
 * OpenFileMapping on a well-known name, and only when that failed with
 * ERROR_FILE_NOT_FOUND did it create the mapping (pagefile-backed,
 * PAGE_READWRITE) and fill it with the porting data every later process
 * would read.  Here:
 *
 *   porttool             the first instance: opens or creates the mapping,
 *                        initialises it, runs a second instance of itself
 *                        (CreateProcess), waits for it, then closes and
 *                        shows the name is gone with the last handle;
 *   porttool --instance  one instance only: open or create, report, exit.
 *
 * The second instance finds the data already there, and also shows what
 * CreateFileMapping does with a name that exists: it returns a handle to
 * the existing mapping with the last error ERROR_ALREADY_EXISTS (so a
 * creator must always look at GetLastError, even on success).
 */
#include <windows.h>
#include <stdio.h>
#include <string.h>

#define MAP_NAME "Local\\PortToolSharedData"
#define MAP_SIZE 4096u
#define MAGIC    0x504f5254u /* "PORT" */

/* What PortTool kept in its shared memory: API names and advice. */
struct port_entry {
    char api[32];
    char advice[88];
};
struct port_data {
    DWORD magic;
    LONG attached;          /* instances that opened the mapping so far */
    DWORD count;
    struct port_entry entry[8];
};

static const struct port_entry initial[] = {
    { "OpenFile", "use CreateFile" },
    { "_lread", "use ReadFile" },
    { "_lwrite", "use WriteFile" },
    { "GlobalAlloc(GMEM_DDESHARE)", "share memory with a named file mapping" },
    { "SetClassWord", "use SetClassLong(Ptr) for handles" },
};

static const char *who = "first";

/* Open the mapping if some instance made it, else create it. *created
 * says which happened. */
static HANDLE open_or_create(BOOL *created)
{
    HANDLE h = OpenFileMappingA(FILE_MAP_WRITE, FALSE, MAP_NAME);
    *created = FALSE;
    if (h != NULL) {
        printf("[%s] OpenFileMapping: opened the existing mapping\n", who);
        return h;
    }
    if (GetLastError() != ERROR_FILE_NOT_FOUND) {
        printf("[%s] OpenFileMapping failed with error %lu\n", who, (unsigned long)GetLastError());
        return NULL;
    }
    printf("[%s] OpenFileMapping: error %lu (ERROR_FILE_NOT_FOUND), so we create it\n", who,
           (unsigned long)GetLastError());
    h = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, MAP_SIZE, MAP_NAME);
    if (h == NULL) {
        printf("[%s] CreateFileMapping failed with error %lu\n", who,
               (unsigned long)GetLastError());
        return NULL;
    }
    if (GetLastError() == ERROR_ALREADY_EXISTS) {
        /* Another instance created it between our two calls. */
        printf("[%s] CreateFileMapping: ERROR_ALREADY_EXISTS, another instance won the race\n",
               who);
        return h;
    }
    printf("[%s] CreateFileMapping: created %s (%u bytes of the paging file)\n", who, MAP_NAME,
           MAP_SIZE);
    *created = TRUE;
    return h;
}

static void initialise(struct port_data *d)
{
    DWORD i;
    d->magic = MAGIC;
    d->count = (DWORD)(sizeof initial / sizeof initial[0]);
    for (i = 0; i < d->count; i++)
        d->entry[i] = initial[i];
    printf("[%s] initialised the shared porting data: %lu entries\n", who,
           (unsigned long)d->count);
}

static void report(const struct port_data *d)
{
    DWORD i;
    if (d->magic != MAGIC) {
        printf("[%s] the shared data is not initialised yet\n", who);
        return;
    }
    printf("[%s] shared porting data: %lu entries, %ld instance(s) attached\n", who,
           (unsigned long)d->count, (long)d->attached);
    for (i = 0; i < d->count; i++)
        printf("[%s]   %-28s %s\n", who, d->entry[i].api, d->entry[i].advice);
}

/* The second instance: CreateFileMapping on an existing name. */
static void create_existing(void)
{
    HANDLE h = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, MAP_SIZE,
                                  MAP_NAME);
    DWORD err = GetLastError();
    struct port_data *d;
    if (h == NULL) {
        printf("[%s] CreateFileMapping(existing name) failed with error %lu\n", who,
               (unsigned long)err);
        return;
    }
    printf("[%s] CreateFileMapping(existing name): a handle, last error %lu%s\n", who,
           (unsigned long)err, err == ERROR_ALREADY_EXISTS ? " (ERROR_ALREADY_EXISTS)" : "");
    d = (struct port_data *)MapViewOfFile(h, FILE_MAP_READ, 0, 0, 0);
    if (d != NULL) {
        printf("[%s]   its view shows the same data: %s\n", who,
               d->magic == MAGIC && d->count == sizeof initial / sizeof initial[0] ? "yes" : "no");
        UnmapViewOfFile(d);
    }
    CloseHandle(h);
}

static BOOL run_second_instance(void)
{
    char self[MAX_PATH], cmd[MAX_PATH + 32];
    STARTUPINFOA si;
    PROCESS_INFORMATION pi;
    DWORD n = GetModuleFileNameA(NULL, self, MAX_PATH), code = 1;

    if (n == 0 || n >= MAX_PATH)
        return FALSE;
    snprintf(cmd, sizeof cmd, "\"%s\" --instance", self);
    memset(&si, 0, sizeof si);
    si.cb = sizeof si;
    fflush(stdout); /* keep the two processes' lines in order */
    if (!CreateProcessA(self, cmd, NULL, NULL, TRUE, 0, NULL, NULL, &si, &pi)) {
        printf("[%s] CreateProcess failed with error %lu\n", who, (unsigned long)GetLastError());
        return FALSE;
    }
    WaitForSingleObject(pi.hProcess, INFINITE);
    GetExitCodeProcess(pi.hProcess, &code);
    CloseHandle(pi.hThread);
    CloseHandle(pi.hProcess);
    printf("[%s] the second instance exited with code %lu\n", who, (unsigned long)code);
    return code == 0;
}

int main(int argc, char **argv)
{
    BOOL single = argc > 1 && strcmp(argv[1], "--instance") == 0, created, ok = TRUE;
    struct port_data *d;
    HANDLE h;

    if (argc > 1 && !single) {
        printf("usage: porttool [--instance]\n");
        return 2;
    }
    if (single)
        who = "second";

    h = open_or_create(&created);
    if (h == NULL)
        return 1;
    d = (struct port_data *)MapViewOfFile(h, FILE_MAP_WRITE, 0, 0, 0);
    if (d == NULL) {
        printf("[%s] MapViewOfFile failed with error %lu\n", who, (unsigned long)GetLastError());
        CloseHandle(h);
        return 1;
    }
    if (created)
        initialise(d);
    else
        printf("[%s] initialisation was already done by another process\n", who);
    d->attached++; /* instances run one after the other here */
    report(d);

    if (single) {
        if (!created)
            create_existing();
    } else {
        ok = run_second_instance();
        printf("[%s] after the second instance: %ld instance(s) attached\n", who,
               (long)d->attached);
    }

    UnmapViewOfFile(d);
    CloseHandle(h);
    printf("[%s] closed the view and the mapping\n", who);

    if (!single) {
        /* The name lived only as long as a handle to the mapping. */
        h = OpenFileMappingA(FILE_MAP_READ, FALSE, MAP_NAME);
        if (h == NULL && GetLastError() == ERROR_FILE_NOT_FOUND) {
            printf("[%s] OpenFileMapping after the last close: error %lu "
                   "(ERROR_FILE_NOT_FOUND): the name is gone\n",
                   who, (unsigned long)GetLastError());
        } else {
            printf("[%s] OpenFileMapping after the last close: %s (error %lu)\n", who,
                   h ? "still opens" : "failed", (unsigned long)GetLastError());
            if (h)
                CloseHandle(h);
            ok = FALSE;
        }
    }
    return ok ? 0 : 1;
}
