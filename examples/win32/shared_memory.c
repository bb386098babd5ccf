/*
 * shared_memory.c - "Creating Named Shared Memory": two processes share a
 * named, pagefile-backed mapping.  Builds unchanged with mingw and
 * against mmf's Win32 layer.
 *
 * The documented pair is two programs: the first creates the mapping,
 * copies a message into it and waits for a keypress; the second opens
 * the mapping by name and shows the message.  Here they are the two roles
 * of one program, and named events, not a keypress, sequence them:
 *
 *   shared_memory [--global]          both: the server starts the client
 *                                     itself (CreateProcess) and waits;
 *   shared_memory [--global] server   only the server: it waits (up to a
 *                                     minute) for a client run elsewhere;
 *   shared_memory [--global] client   only the client.
 *
 * Names are "Local\MyFileMappingObject" by default; --global uses
 * "Global\" (on Windows that needs SeCreateGlobalPrivilege to create, so
 * a standard user's server fails there with error 5).  The events'
 * names add a suffix: mappings and events share one namespace.
 *
 *   server: create the events, create a 256-byte mapping, map it, copy
 *           the message in, signal "ready"; wait for "done"; unmap, close.
 *   client: open the mapping (error 2 if no server runs), wait for
 *           "ready", map it, print the message, signal "done".
 */
#include <windows.h>
#include <stdio.h>
#include <string.h>

#define BUF_SIZE 256
#define TIMEOUT_MS 60000

static const char message[] = "Message from first process.";

static char map_name[64], ready_name[80], done_name[80];

static int server(BOOL start_client, const char *self, BOOL global)
{
    HANDLE ready, done, mapping;
    char *view;
    int rc = 0;

    ready = CreateEventA(NULL, TRUE, FALSE, ready_name);  /* manual reset: stays set */
    done = CreateEventA(NULL, FALSE, FALSE, done_name);   /* auto reset */
    if (ready == NULL || done == NULL) {
        printf("server: could not create the events (%lu)\n", (unsigned long)GetLastError());
        return 1;
    }

    mapping = CreateFileMappingA(INVALID_HANDLE_VALUE, /* the paging file */
                                 NULL,                 /* default security */
                                 PAGE_READWRITE, 0, BUF_SIZE, map_name);
    if (mapping == NULL) {
        printf("server: could not create file mapping object (%lu)\n",
               (unsigned long)GetLastError());
        return 1;
    }
    printf("server: created %s\n", map_name);
    view = (char *)MapViewOfFile(mapping, FILE_MAP_ALL_ACCESS, 0, 0, BUF_SIZE);
    if (view == NULL) {
        printf("server: could not map view of file (%lu)\n", (unsigned long)GetLastError());
        CloseHandle(mapping);
        return 1;
    }
    /* The characters only: the zero-filled page ends the string. */
    CopyMemory(view, message, strlen(message));
    printf("server: wrote \"%s\"\n", message);
    SetEvent(ready); /* also a full memory barrier: the text is visible first */

    if (start_client) {
        char cmd[MAX_PATH + 32];
        STARTUPINFOA si;
        PROCESS_INFORMATION pi;
        DWORD code = 1;
        snprintf(cmd, sizeof cmd, "\"%s\"%s client", self, global ? " --global" : "");
        memset(&si, 0, sizeof si);
        si.cb = sizeof si;
        fflush(stdout);
        if (!CreateProcessA(self, cmd, NULL, NULL, TRUE, 0, NULL, NULL, &si, &pi)) {
            printf("server: CreateProcess failed (%lu)\n", (unsigned long)GetLastError());
            rc = 1;
        } else {
            HANDLE both[2];
            DWORD w;
            both[0] = done;
            both[1] = pi.hProcess;
            /* Whichever comes first: the client's signal, or its end. */
            w = WaitForMultipleObjects(2, both, FALSE, TIMEOUT_MS);
            if (w == WAIT_OBJECT_0) {
                printf("server: the client signalled that it has read the message\n");
            } else {
                printf("server: the client %s without signalling\n",
                       w == WAIT_OBJECT_0 + 1 ? "ended" : "timed out");
                rc = 1;
            }
            WaitForSingleObject(pi.hProcess, INFINITE);
            GetExitCodeProcess(pi.hProcess, &code);
            printf("server: the client exited with code %lu\n", (unsigned long)code);
            if (code != 0)
                rc = 1;
            CloseHandle(pi.hThread);
            CloseHandle(pi.hProcess);
        }
    } else {
        printf("server: waiting for a client (run \"shared_memory%s client\")\n",
               global ? " --global" : "");
        fflush(stdout);
        if (WaitForSingleObject(done, TIMEOUT_MS) == WAIT_OBJECT_0) {
            printf("server: the client signalled that it has read the message\n");
        } else {
            printf("server: no client came\n");
            rc = 1;
        }
    }

    UnmapViewOfFile(view);
    CloseHandle(mapping);
    CloseHandle(done);
    CloseHandle(ready);
    printf("server: unmapped and closed\n");
    return rc;
}

static int client(void)
{
    HANDLE mapping, ready, done;
    char *view;
    char text[BUF_SIZE + 1];

    mapping = OpenFileMappingA(FILE_MAP_ALL_ACCESS, FALSE, map_name);
    if (mapping == NULL) {
        printf("client: could not open file mapping object (%lu)\n",
               (unsigned long)GetLastError());
        return 1;
    }
    ready = OpenEventA(SYNCHRONIZE, FALSE, ready_name);
    done = OpenEventA(EVENT_MODIFY_STATE, FALSE, done_name);
    if (ready == NULL || done == NULL) {
        printf("client: could not open the events (%lu)\n", (unsigned long)GetLastError());
        return 1;
    }
    /* The server opens the mapping before it writes: wait for its signal. */
    if (WaitForSingleObject(ready, TIMEOUT_MS) != WAIT_OBJECT_0) {
        printf("client: the server never signalled\n");
        return 1;
    }
    view = (char *)MapViewOfFile(mapping, FILE_MAP_ALL_ACCESS, 0, 0, BUF_SIZE);
    if (view == NULL) {
        printf("client: could not map view of file (%lu)\n", (unsigned long)GetLastError());
        CloseHandle(mapping);
        return 1;
    }
    /* The documented Process2 shows this in a message box titled "Process2". */
    memcpy(text, view, BUF_SIZE);
    text[BUF_SIZE] = '\0';
    printf("client: read \"%s\"\n", text);
    fflush(stdout);
    SetEvent(done);

    UnmapViewOfFile(view);
    CloseHandle(mapping);
    CloseHandle(ready);
    CloseHandle(done);
    return 0;
}

int main(int argc, char **argv)
{
    const char *prefix = "Local\\", *role = "both";
    BOOL global = FALSE;
    char self[MAX_PATH];
    int i;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--global") == 0) {
            global = TRUE;
            prefix = "Global\\";
        } else if (strcmp(argv[i], "server") == 0 || strcmp(argv[i], "client") == 0 ||
                   strcmp(argv[i], "both") == 0) {
            role = argv[i];
        } else {
            printf("usage: shared_memory [--global] [both|server|client]\n");
            return 2;
        }
    }
    snprintf(map_name, sizeof map_name, "%sMyFileMappingObject", prefix);
    snprintf(ready_name, sizeof ready_name, "%s-ready", map_name);
    snprintf(done_name, sizeof done_name, "%s-done", map_name);

    if (strcmp(role, "client") == 0)
        return client();
    if (strcmp(role, "server") == 0)
        return server(FALSE, NULL, global);
    i = (int)GetModuleFileNameA(NULL, self, MAX_PATH);
    if (i == 0 || i >= MAX_PATH) {
        printf("GetModuleFileName failed (%lu)\n", (unsigned long)GetLastError());
        return 1;
    }
    return server(TRUE, self, global);
}
