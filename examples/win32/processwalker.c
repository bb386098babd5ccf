/*
 * processwalker.c - the three kinds of file mapping that the ProcessWalker
 * sample creates from its menu, as one console program that builds
 * unchanged with mingw and against mmf's Win32 layer:
 *
 *   1. a new temporary file (GetTempPath + GetTempFileName, CreateFile),
 *      mapped read/write at 20 MB - the file grows to the mapping's size;
 *   2. an existing file - this program's own executable, found with
 *      GetModuleFileName - opened and mapped read-only at its own size;
 *   3. the paging file (INVALID_HANDLE_VALUE), 20 MB of shared memory.
 *
 * For each one it maps a view, writes to it when it may, shows what
 * VirtualQuery says about the view and which file GetMappedFileName
 * finds behind it (the base name only: the directory differs between
 * systems), then cleans up in ProcessWalker's order - unmap the view,
 * close the mapping, close the file, and delete the temporary file -
 * reporting every step.  The exit code is 0 when every step worked.
 */
#include <windows.h>
#include <psapi.h>
#include <stdio.h>
#include <string.h>

#define MAPPING_SIZE 0x01400000u /* 20 MB, ProcessWalker's size */

enum kind { TEMP_FILE, EXISTING_FILE, PAGEFILE };

struct mmfile {
    enum kind kind;
    const char *title;
    char path[MAX_PATH];  /* the file behind the mapping, if any */
    HANDLE file;          /* INVALID_HANDLE_VALUE for the paging file */
    HANDLE mapping;
    char *view;
    BOOL writable;
    DWORD file_size;      /* of an existing file */
};

static int failures;

static void step(BOOL ok, const char *what)
{
    if (ok) {
        printf("  %-34s ok\n", what);
    } else {
        printf("  %-34s FAILED (error %lu)\n", what, (unsigned long)GetLastError());
        failures++;
    }
}

static const char *base_name(const char *path)
{
    const char *p, *name = path;
    for (p = path; *p; p++)
        if (*p == '\\' || *p == '/')
            name = p + 1;
    return name;
}

static const char *protection_name(DWORD prot)
{
    switch (prot & 0xff) {
    case 0:                      return "0";
    case PAGE_NOACCESS:          return "PAGE_NOACCESS";
    case PAGE_READONLY:          return "PAGE_READONLY";
    case PAGE_READWRITE:         return "PAGE_READWRITE";
    case PAGE_WRITECOPY:         return "PAGE_WRITECOPY";
    case PAGE_EXECUTE:           return "PAGE_EXECUTE";
    case PAGE_EXECUTE_READ:      return "PAGE_EXECUTE_READ";
    case PAGE_EXECUTE_READWRITE: return "PAGE_EXECUTE_READWRITE";
    case PAGE_EXECUTE_WRITECOPY: return "PAGE_EXECUTE_WRITECOPY";
    default:                     return "?";
    }
}

static const char *state_name(DWORD state)
{
    switch (state) {
    case MEM_COMMIT:  return "MEM_COMMIT";
    case MEM_RESERVE: return "MEM_RESERVE";
    case MEM_FREE:    return "MEM_FREE";
    default:          return "?";
    }
}

static const char *type_name(DWORD type)
{
    switch (type) {
    case 0:           return "0";
    case MEM_MAPPED:  return "MEM_MAPPED";
    case MEM_PRIVATE: return "MEM_PRIVATE";
    case MEM_IMAGE:   return "MEM_IMAGE";
    default:          return "?";
    }
}

/* Open (or create) the file behind the mapping, as the menu commands do. */
static BOOL open_file(struct mmfile *m)
{
    char dir[MAX_PATH];
    switch (m->kind) {
    case TEMP_FILE:
        step(GetTempPathA(MAX_PATH, dir) != 0, "GetTempPath");
        /* uUnique 0: a unique name, and the (empty) file is created. */
        if (GetTempFileNameA(dir, "PW", 0, m->path) == 0) {
            step(FALSE, "GetTempFileName");
            return FALSE;
        }
        step(TRUE, "GetTempFileName");
        printf("    temporary file: %s\n", base_name(m->path));
        m->file = CreateFileA(m->path, GENERIC_READ | GENERIC_WRITE, FILE_SHARE_WRITE, NULL,
                              CREATE_ALWAYS, FILE_ATTRIBUTE_TEMPORARY, NULL);
        step(m->file != INVALID_HANDLE_VALUE, "CreateFile(temporary file)");
        m->writable = TRUE;
        return m->file != INVALID_HANDLE_VALUE;
    case EXISTING_FILE: {
        DWORD n = GetModuleFileNameA(NULL, m->path, MAX_PATH);
        step(n != 0 && n < MAX_PATH, "GetModuleFileName");
        if (n == 0 || n >= MAX_PATH)
            return FALSE;
        printf("    existing file: %s\n", base_name(m->path));
        /* The running program is open for execution: share reading only. */
        m->file = CreateFileA(m->path, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING,
                              FILE_ATTRIBUTE_NORMAL, NULL);
        step(m->file != INVALID_HANDLE_VALUE, "CreateFile(existing file)");
        m->writable = FALSE;
        if (m->file != INVALID_HANDLE_VALUE)
            m->file_size = GetFileSize(m->file, NULL);
        return m->file != INVALID_HANDLE_VALUE;
    }
    case PAGEFILE:
        /* "The system pagefile".  The 32-bit original wrote (HANDLE)0xffffffff;
         * with 64-bit handles that is just a bad handle (ERROR_INVALID_HANDLE
         * on Windows, Wine and the layer alike): INVALID_HANDLE_VALUE is -1. */
        m->file = INVALID_HANDLE_VALUE;
        m->writable = TRUE;
        return TRUE;
    }
    return FALSE;
}

static void map(struct mmfile *m)
{
    DWORD size_low = m->kind == EXISTING_FILE ? 0 : MAPPING_SIZE; /* 0: the file's size */
    m->mapping = CreateFileMappingA(m->file, NULL, m->writable ? PAGE_READWRITE : PAGE_READONLY,
                                    0, size_low, NULL);
    step(m->mapping != NULL, m->writable ? "CreateFileMapping(PAGE_READWRITE)"
                                         : "CreateFileMapping(PAGE_READONLY)");
    if (m->mapping == NULL)
        return;
    m->view = (char *)MapViewOfFile(m->mapping, m->writable ? FILE_MAP_WRITE : FILE_MAP_READ,
                                    0, 0, 0);
    step(m->view != NULL, m->writable ? "MapViewOfFile(FILE_MAP_WRITE)"
                                      : "MapViewOfFile(FILE_MAP_READ)");
}

static void show(struct mmfile *m)
{
    MEMORY_BASIC_INFORMATION mbi;
    char name[MAX_PATH];
    DWORD n;

    if (m->writable) {
        /* Touch the first and the last page of the view. */
        strcpy(m->view, "ProcessWalker was here");
        m->view[MAPPING_SIZE - 1] = 1;
        printf("    wrote the first and last byte of the view; read back \"%s\"\n", m->view);
    } else {
        /* A Windows executable starts "MZ", a Linux one "\177ELF". */
        printf("    first bytes of the view: %s\n",
               m->view[0] == 'M' && m->view[1] == 'Z'       ? "\"MZ\" (a PE executable)"
               : m->view[0] == 0x7f && m->view[1] == 'E'    ? "\"\\177ELF\" (an ELF executable)"
                                                            : "something else");
    }

    if (VirtualQuery(m->view, &mbi, sizeof mbi) != sizeof mbi) {
        step(FALSE, "VirtualQuery");
        return;
    }
    printf("    VirtualQuery(view):\n");
    printf("      BaseAddress       view + %lu\n",
           (unsigned long)((char *)mbi.BaseAddress - m->view));
    printf("      AllocationBase    view + %lu\n",
           (unsigned long)((char *)mbi.AllocationBase - m->view));
    if (m->kind == EXISTING_FILE)
        printf("      RegionSize        %lu (%s)\n", (unsigned long)mbi.RegionSize,
               mbi.RegionSize == (m->file_size + 4095) / 4096 * 4096
                   ? "the file's size rounded up to a page"
                   : "NOT the file's size rounded up to a page");
    else
        printf("      RegionSize        %lu\n", (unsigned long)mbi.RegionSize);
    printf("      AllocationProtect %s\n", protection_name(mbi.AllocationProtect));
    printf("      Protect           %s\n", protection_name(mbi.Protect));
    printf("      State             %s\n", state_name(mbi.State));
    printf("      Type              %s\n", type_name(mbi.Type));

    /* Any address inside the view will do; use one in the middle. */
    n = GetMappedFileNameA(GetCurrentProcess(), m->view + 4096, name, sizeof name);
    if (n != 0)
        printf("    GetMappedFileName: %s\n", base_name(name));
    else if (GetLastError() == ERROR_FILE_INVALID)
        printf("    GetMappedFileName: no file (error %lu, ERROR_FILE_INVALID: pagefile-backed)\n",
               (unsigned long)GetLastError());
    else
        step(FALSE, "GetMappedFileName");
}

/* ProcessWalker's "free" commands: view, mapping, file, then the temp file. */
static void release(struct mmfile *m)
{
    MEMORY_BASIC_INFORMATION mbi;
    if (m->view != NULL) {
        char *old = m->view;
        step(UnmapViewOfFile(m->view), "UnmapViewOfFile");
        m->view = NULL;
        if (VirtualQuery(old, &mbi, sizeof mbi) == sizeof mbi)
            printf("    the view's address is now %s\n", state_name(mbi.State));
    }
    if (m->mapping != NULL) {
        step(CloseHandle(m->mapping), "CloseHandle(mapping)");
        m->mapping = NULL;
    }
    if (m->file != INVALID_HANDLE_VALUE) {
        step(CloseHandle(m->file), "CloseHandle(file)");
        m->file = INVALID_HANDLE_VALUE;
    }
    if (m->kind == TEMP_FILE && m->path[0]) {
        step(DeleteFileA(m->path), "DeleteFile(temporary file)");
        printf("    temporary file %s\n",
               GetFileAttributesA(m->path) == INVALID_FILE_ATTRIBUTES ? "is gone" : "STILL EXISTS");
        m->path[0] = '\0';
    }
}

int main(void)
{
    struct mmfile files[3] = {
        { TEMP_FILE, "a new temporary file", "", INVALID_HANDLE_VALUE, NULL, NULL, FALSE, 0 },
        { EXISTING_FILE, "an existing file (this program)", "", INVALID_HANDLE_VALUE, NULL, NULL,
          FALSE, 0 },
        { PAGEFILE, "the paging file", "", INVALID_HANDLE_VALUE, NULL, NULL, FALSE, 0 },
    };
    int i;

    for (i = 0; i < 3; i++) {
        struct mmfile *m = &files[i];
        printf("[%d] mapping %s\n", i + 1, m->title);
        if (open_file(m)) {
            map(m);
            if (m->view != NULL)
                show(m);
        }
        printf("[%d] releasing %s\n", i + 1, m->title);
        release(m);
    }
    printf("%s: %d step(s) failed\n", failures ? "FAILED" : "done", failures);
    return failures ? 1 : 0;
}
