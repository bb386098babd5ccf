/*
 * samples.c - the Microsoft documentation samples, end to end:
 * "Creating a View Within a File" (a view of 8192 bytes at 131072 of a
 * 139264-byte mapping reads 34560 at +7168) and "Creating Named Shared
 * Memory" (process 1 creates a 256-byte Global\ mapping and writes a
 * message; process 2 opens it with FILE_MAP_ALL_ACCESS and reads it; 2
 * once process 1 has gone).
 * Spec: win32-file-mapping.md 10.7.
 */
#include "w32test.h"

#define BUFFSIZE 1024
#define FILE_MAP_START 138240

static int child(char **argv)
{
    /* process 2 */
    HANDLE m = OpenFileMappingA(FILE_MAP_ALL_ACCESS, FALSE, argv[2]);
    char *p;
    if (!m)
        return (int)GetLastError();
    p = (char *)MapViewOfFile(m, FILE_MAP_ALL_ACCESS, 0, 0, 256);
    if (!p)
        return 1000 + (int)GetLastError();
    return strcmp(p, "Message from first process.") == 0 ? 0 : 999;
}

int main(int argc, char **argv)
{
    char path[MAX_PATH], name[200], args[400];
    HANDLE f, m;
    SYSTEM_INFO si;
    DWORD gran, start, viewsize, mapsize, delta, i, got;
    char *p;
    int *ip;
    PROCESS_INFORMATION pi;

    if (argc >= 3 && strcmp(argv[1], "child") == 0)
        return child(argv);
    t_init();

    /* 1. Creating a View Within a File */
    t_path(path, sizeof path, "fmtest");
    f = CreateFileA(path, GENERIC_READ | GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
    res("view_sample create_file", f != INVALID_HANDLE_VALUE);
    GetSystemInfo(&si);
    gran = si.dwAllocationGranularity;
    start = (FILE_MAP_START / gran) * gran;
    viewsize = (FILE_MAP_START % gran) + BUFFSIZE;
    mapsize = FILE_MAP_START + BUFFSIZE;
    delta = FILE_MAP_START - start;
    printf("The file map view starts at %lu bytes into the file.\n", UL(start));
    printf("The file map view is %lu bytes large.\n", UL(viewsize));
    printf("The file mapping object is %lu bytes large.\n", UL(mapsize));
    printf("The data is %lu bytes into the view.\n", UL(delta));
    for (i = 0; i < 65536; i++)
        WriteFile(f, &i, sizeof i, &got, NULL);
    printf("hFile size: %10lu\n", UL(GetFileSize(f, NULL)));
    m = CreateFileMappingA(f, NULL, PAGE_READWRITE, 0, mapsize, NULL);
    res("view_sample create_mapping", m != NULL);
    p = (char *)MapViewOfFile(m, FILE_MAP_ALL_ACCESS, 0, start, viewsize);
    res("view_sample map", p != NULL);
    if (p) {
        ip = (int *)(p + delta);
        printf("The value at the file offset is %d, which is one quarter of the desired file offset.\n", *ip);
        res("view_sample unmap", UnmapViewOfFile(p));
    }
    res("view_sample close_mapping", CloseHandle(m));
    res("view_sample close_file", CloseHandle(f));
    DeleteFileA(path);

    /* 2. Creating Named Shared Memory */
    t_name(name, sizeof name, "Global\\", "MyFileMappingObject");
    SetLastError(BADLE);
    m = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 256, name);
    res_le("shm_sample create", m != NULL);
    p = (char *)MapViewOfFile(m, FILE_MAP_ALL_ACCESS, 0, 0, 256);
    res("shm_sample map", p != NULL);
    if (p)
        CopyMemory(p, "Message from first process.", strlen("Message from first process."));
    snprintf(args, sizeof args, "child %s", name);
    res("shm_sample spawn", t_spawn(args, FALSE, &pi));
    printf("shm_sample process2 code=%lu\n", UL(t_join(&pi)));
    UnmapViewOfFile(p);
    CloseHandle(m);
    t_spawn(args, FALSE, &pi);
    printf("shm_sample process2_after_close code=%lu\n", UL(t_join(&pi)));
    return 0;
}
