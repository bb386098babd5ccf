/*
 * view_within_file.c - "Creating a View Within a File", as a console
 * program that builds unchanged with mingw and against mmf's Win32 layer.
 *
 * A view must start at a multiple of the allocation granularity (64 KiB
 * on Windows and in the layer), so to look at the bytes at offset 138240
 * we map a view that starts at the granularity boundary below it and
 * index into the view by the remainder.  The program prints the same
 * figures as the documented sample:
 *
 *     view start 131072, view size 8192, mapping size 139264,
 *     delta 7168, and the int found there: 34560 (= 138240 / 4).
 *
 * The work file, fmtest.txt, is made in the temporary directory and
 * removed at the end.  Exit codes follow the documentation: 4 the file
 * could not be created, 2 CreateFileMapping failed, 3 MapViewOfFile
 * failed; 1 for anything else.
 */
#include <windows.h>
#include <stdio.h>
#include <string.h>

#define WANTED_OFFSET 138240u   /* the byte we want to look at */
#define WINDOW        1024u     /* how much we want to see from there */
#define INT_COUNT     65536u    /* the file holds the ints 0 .. 65535 */

static int fail(const char *what, int code)
{
    printf("%s failed with error %lu\n", what, (unsigned long)GetLastError());
    return code;
}

/* Fill the file with INT_COUNT 4-byte integers, each equal to its index. */
static BOOL write_integers(HANDLE file)
{
    int chunk[4096];
    unsigned base;
    for (base = 0; base < INT_COUNT; base += 4096) {
        DWORD done = 0;
        unsigned i;
        for (i = 0; i < 4096; i++)
            chunk[i] = (int)(base + i);
        if (!WriteFile(file, chunk, (DWORD)sizeof chunk, &done, NULL) || done != sizeof chunk)
            return FALSE;
    }
    return TRUE;
}

int main(void)
{
    char path[MAX_PATH];
    SYSTEM_INFO si;
    DWORD gran, view_start, view_size, map_size, delta, size_high = 0, size;
    HANDLE file, mapping;
    char *view;
    int value, rc = 0;

    DWORD n = GetTempPathA(MAX_PATH, path);
    if (n == 0 || n + sizeof "fmtest.txt" > MAX_PATH)
        return fail("GetTempPath", 1);
    strcat(path, "fmtest.txt");

    file = CreateFileA(path, GENERIC_READ | GENERIC_WRITE, 0 /* no sharing */, NULL,
                       CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
    if (file == INVALID_HANDLE_VALUE) {
        printf("CreateFile failed for fmtest.txt (error %lu)\n", (unsigned long)GetLastError());
        return 4;
    }
    printf("Created fmtest.txt in the temporary directory.\n");

    /* The arithmetic: round the wanted offset down to the granularity. */
    GetSystemInfo(&si);
    gran = si.dwAllocationGranularity;
    printf("The system allocation granularity is %lu bytes.\n", (unsigned long)gran);
    view_start = (WANTED_OFFSET / gran) * gran;
    view_size = (WANTED_OFFSET % gran) + WINDOW;
    map_size = WANTED_OFFSET + WINDOW;
    delta = WANTED_OFFSET - view_start;
    printf("The file map view starts at %lu bytes into the file.\n", (unsigned long)view_start);
    printf("The file map view is %lu bytes large.\n", (unsigned long)view_size);
    printf("The file mapping object is %lu bytes large.\n", (unsigned long)map_size);
    printf("The data is %lu bytes into the view.\n", (unsigned long)delta);

    if (!write_integers(file)) {
        rc = fail("WriteFile", 1);
        goto close_file;
    }
    size = GetFileSize(file, &size_high);
    printf("hFile size: %10lu\n", (unsigned long)size);

    /* An unnamed read/write mapping just large enough to cover the window. */
    mapping = CreateFileMappingA(file, NULL, PAGE_READWRITE, 0, map_size, NULL);
    if (mapping == NULL) {
        rc = fail("CreateFileMapping", 2);
        goto close_file;
    }
    view = (char *)MapViewOfFile(mapping, FILE_MAP_ALL_ACCESS, 0, view_start, view_size);
    if (view == NULL) {
        rc = fail("MapViewOfFile", 3);
        goto close_mapping;
    }

    memcpy(&value, view + delta, sizeof value);
    printf("The value at the file offset %u is %d, which is one quarter of the desired "
           "file offset (%d * 4 = %d).\n",
           WANTED_OFFSET, value, value, value * 4);

    if (!UnmapViewOfFile(view))
        rc = fail("UnmapViewOfFile", 1);
close_mapping:
    if (!CloseHandle(mapping))
        rc = fail("CloseHandle(mapping)", 1);
close_file:
    if (!CloseHandle(file))
        rc = fail("CloseHandle(file)", 1);
    if (!DeleteFileA(path))
        rc = fail("DeleteFile(fmtest.txt)", 1);
    else if (GetFileAttributesA(path) == INVALID_FILE_ATTRIBUTES)
        printf("Removed fmtest.txt.\n");
    return rc;
}
