/*
 * filename_from_handle.c - "Obtaining a File Name From a File Handle":
 * given only an open file handle, find the file's name by mapping one
 * byte of it and asking GetMappedFileName which file backs the view.
 * Builds unchanged with mingw and against mmf's Win32 layer.
 *
 *     filename_from_handle FILE
 *
 * GetMappedFileName answers with the kernel's name for the file:
 *   - on Windows an NT device path such as
 *     \Device\HarddiskVolume1\dir\file, which this program then rewrites
 *     to a drive-letter path by asking QueryDosDevice which device each
 *     drive of GetLogicalDriveStrings stands for (Wine 8 answers
 *     \??\Z:\dir\file instead, and only the "\??\" is dropped);
 *   - with mmf's layer on Linux, the file's absolute Linux path, which
 *     needs no rewriting.
 * The layer provides neither QueryDosDevice nor GetLogicalDriveStrings
 * (Linux has no drive letters), so that part is compiled only #ifdef
 * _WIN32.  (Since Vista, GetFinalPathNameByHandle does all this in one
 * call; the mapping technique is the one that also works before.)
 */
#include <windows.h>
#include <psapi.h>
#include <stdio.h>
#include <string.h>

#define BUFSIZE 512

#ifdef _WIN32
/* Replace a device prefix ("\Device\HarddiskVolume1") by its drive letter. */
static void device_to_drive(char *path, size_t size)
{
    char drives[BUFSIZE], *drive;
    /* Wine (8.0 here) answers in the object manager's DOS-devices form,
     * "\??\C:\dir\file": the drive letter is already there. */
    if (strncmp(path, "\\??\\", 4) == 0) {
        memmove(path, path + 4, strlen(path + 4) + 1);
        return;
    }
    if (GetLogicalDriveStringsA(BUFSIZE - 1, drives) == 0)
        return;
    /* drives holds "A:\", "C:\", ... each NUL-terminated, then one more NUL. */
    for (drive = drives; *drive; drive += strlen(drive) + 1) {
        char letter[3] = { drive[0], ':', '\0' }, device[MAX_PATH];
        size_t len;
        if (QueryDosDeviceA(letter, device, MAX_PATH) == 0)
            continue;
        len = strlen(device);
        /* A prefix that ends where a path component ends. */
        if (len < MAX_PATH && _strnicmp(path, device, len) == 0 && path[len] == '\\') {
            char rewritten[MAX_PATH + BUFSIZE];
            snprintf(rewritten, sizeof rewritten, "%s%s", letter, path + len);
            if (strlen(rewritten) < size)
                strcpy(path, rewritten);
            return;
        }
    }
}
#endif

static BOOL name_from_handle(HANDLE file)
{
    char name[MAX_PATH + 1];
    DWORD size_high = 0, size_low = GetFileSize(file, &size_high);
    HANDLE mapping;
    void *view;
    BOOL ok = FALSE;

    if (size_low == 0 && size_high == 0) {
        printf("Cannot map a file with a length of zero.\n");
        return FALSE;
    }
    /* One byte is enough for the system to know which file it is. */
    mapping = CreateFileMappingA(file, NULL, PAGE_READONLY, 0, 1, NULL);
    if (mapping == NULL) {
        printf("CreateFileMapping failed with %lu\n", (unsigned long)GetLastError());
        return FALSE;
    }
    view = MapViewOfFile(mapping, FILE_MAP_READ, 0, 0, 1);
    if (view == NULL) {
        printf("MapViewOfFile failed with %lu\n", (unsigned long)GetLastError());
    } else {
        if (GetMappedFileNameA(GetCurrentProcess(), view, name, MAX_PATH) != 0) {
            printf("Mapped file name is %s\n", name);
#ifdef _WIN32
            device_to_drive(name, sizeof name);
#endif
            printf("File name is %s\n", name);
        } else {
            printf("GetMappedFileName failed with %lu\n", (unsigned long)GetLastError());
        }
        ok = TRUE;
        UnmapViewOfFile(view);
    }
    CloseHandle(mapping);
    return ok;
}

int main(int argc, char **argv)
{
    HANDLE file;
    BOOL ok;

    if (argc != 2) {
        printf("This sample takes a file name as a parameter.\n");
        return 0;
    }
    file = CreateFileA(argv[1], GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING,
                       FILE_ATTRIBUTE_NORMAL, NULL);
    if (file == INVALID_HANDLE_VALUE) {
        printf("CreateFile failed with %lu\n", (unsigned long)GetLastError());
        return 1;
    }
    ok = name_from_handle(file);
    CloseHandle(file);
    return ok ? 0 : 1;
}
