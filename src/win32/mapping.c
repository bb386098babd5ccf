/*
 * mapping.c — CreateFileMapping, OpenFileMapping, MapViewOfFile and the
 * calls on views (unmap, flush, protect, query, file name), GetSystemInfo.
 *
 * Each call converts its Win32 arguments (PAGE_*, SEC_*, FILE_MAP_*) into
 * the native ones and the native result into a handle or address and a
 * last error.  The rules themselves — protection caps, access rights,
 * sizes, names and their lifetime — are the native API's.  The one
 * Windows-only setting is the 64 KiB allocation granularity, which every
 * view of this layer asks for.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "w32.h"
#include "psapi.h"

#define W32_GRANULARITY 65536u

/* PAGE_* <-> MMF_PAGE_*: the eight base protections. */
static int prot_from_page(DWORD page, unsigned *out)
{
    switch (page) {
    case PAGE_NOACCESS:          *out = MMF_PAGE_NOACCESS; return 0;
    case PAGE_READONLY:          *out = MMF_PAGE_READONLY; return 0;
    case PAGE_READWRITE:         *out = MMF_PAGE_READWRITE; return 0;
    case PAGE_WRITECOPY:         *out = MMF_PAGE_WRITECOPY; return 0;
    case PAGE_EXECUTE:           *out = MMF_PAGE_EXECUTE; return 0;
    case PAGE_EXECUTE_READ:      *out = MMF_PAGE_EXECUTE_READ; return 0;
    case PAGE_EXECUTE_READWRITE: *out = MMF_PAGE_EXECUTE_READWRITE; return 0;
    case PAGE_EXECUTE_WRITECOPY: *out = MMF_PAGE_EXECUTE_WRITECOPY; return 0;
    }
    return -EINVAL;
}

static DWORD page_from_prot(unsigned prot)
{
    switch (prot) {
    case MMF_PAGE_READONLY:          return PAGE_READONLY;
    case MMF_PAGE_READWRITE:         return PAGE_READWRITE;
    case MMF_PAGE_WRITECOPY:         return PAGE_WRITECOPY;
    case MMF_PAGE_EXECUTE:           return PAGE_EXECUTE;
    case MMF_PAGE_EXECUTE_READ:      return PAGE_EXECUTE_READ;
    case MMF_PAGE_EXECUTE_READWRITE: return PAGE_EXECUTE_READWRITE;
    case MMF_PAGE_EXECUTE_WRITECOPY: return PAGE_EXECUTE_WRITECOPY;
    }
    return PAGE_NOACCESS;
}

/* FILE_MAP_* of an open or a duplicate -> MMF_ACCESS_* (FILE_MAP_COPY is
 * read access; SECTION_MAP_EXECUTE and FILE_MAP_EXECUTE both execute). */
unsigned w32_map_access(DWORD a)
{
    unsigned r = 0;
    if (a & (FILE_MAP_READ | FILE_MAP_COPY))
        r |= MMF_ACCESS_READ;
    if (a & FILE_MAP_WRITE)
        r |= MMF_ACCESS_WRITE;
    if (a & (FILE_MAP_EXECUTE | SECTION_MAP_EXECUTE))
        r |= MMF_ACCESS_EXECUTE;
    return r;
}

/* SEC_* -> MMF_SEC_*, or ERROR_* for what Windows refuses before it looks
 * at anything else (images, SEC_FILE from a caller, unknown bits). */
static DWORD sec_flags(DWORD sec, unsigned *out)
{
    const DWORD known = SEC_FILE | SEC_IMAGE | SEC_RESERVE | SEC_COMMIT | SEC_NOCACHE |
                        SEC_WRITECOMBINE | SEC_LARGE_PAGES;
    if (sec & ~known)
        return ERROR_INVALID_PARAMETER;
    if (sec & SEC_IMAGE) {
        /* Executable images are not mapped by this layer: the only
         * accepted combination reports the file as not an image. */
        if (sec & (SEC_FILE | SEC_RESERVE | SEC_COMMIT | SEC_WRITECOMBINE | SEC_LARGE_PAGES))
            return ERROR_INVALID_PARAMETER;
        return ERROR_BAD_EXE_FORMAT;
    }
    if (sec & SEC_FILE)
        return ERROR_INVALID_PARAMETER;
    unsigned f = 0;
    if (sec & SEC_COMMIT)       f |= MMF_SEC_COMMIT;
    if (sec & SEC_RESERVE)      f |= MMF_SEC_RESERVE;
    if (sec & SEC_NOCACHE)      f |= MMF_SEC_NOCACHE;
    if (sec & SEC_WRITECOMBINE) f |= MMF_SEC_WRITECOMBINE;
    if (sec & SEC_LARGE_PAGES)  f |= MMF_SEC_LARGE_PAGES;
    *out = f;
    return ERROR_SUCCESS;
}

static HANDLE create_mapping(HANDLE hFile, const SECURITY_ATTRIBUTES *sa, DWORD flProtect,
                             DWORD hi, DWORD lo, const char *name)
{
    unsigned prot, flags;
    DWORD e = sec_flags(flProtect & 0xFFF00000u, &flags);
    if (e == ERROR_SUCCESS && (prot_from_page(flProtect & 0x000FFFFFu, &prot) < 0 ||
                               prot == MMF_PAGE_NOACCESS || prot == MMF_PAGE_EXECUTE))
        e = ERROR_INVALID_PARAMETER;
    if (e != ERROR_SUCCESS) {
        w32_set(e);
        return NULL;
    }
    struct w32_obj *f = NULL;
    int fd = -1;
    if (hFile != INVALID_HANDLE_VALUE) {
        if (!(f = w32_get(hFile, W32_FILE)))
            return NULL;
        /* The file handle's rights cap the protection (Windows checks the
         * handle's granted access; an fd carries no execute right, so that
         * one is the handle's: Wine skips it, Windows refuses, we follow
         * Windows). */
        DWORD need = W32_FILE_R;
        if (prot & MMF_PAGE_WRITE && !(prot & MMF_PAGE_COPY))
            need |= W32_FILE_W;
        if (prot & MMF_PAGE_EXEC)
            need |= W32_FILE_X;
        if ((f->u.file->access & need) != need) {
            w32_put(f);
            w32_set(ERROR_ACCESS_DENIED);
            return NULL;
        }
        fd = f->u.file->fd;
    }
    mmf_create_options o;
    w32_security(sa, name, &o);
    mmf_section *s;
    int rc = mmf_section_create(fd, (uint64_t)hi << 32 | lo, prot, flags, &o, &s);
    w32_put(f);
    if (rc < 0) {
        /* A descriptor that cannot be mapped (opened for attributes only)
         * is a handle without the access. */
        w32_set(rc == -EBADF && fd >= 0 ? ERROR_ACCESS_DENIED : w32_error(rc));
        return NULL;
    }
    HANDLE h = w32_handle_new(W32_MAPPING, s, -1,
                              sa && sa->bInheritHandle ? HANDLE_FLAG_INHERIT : 0);
    if (!h) {
        mmf_section_close(s);
        return NULL;
    }
    w32_set(rc == MMF_EXISTED ? ERROR_ALREADY_EXISTS : ERROR_SUCCESS);
    return h;
}

HANDLE WINAPI CreateFileMappingA(HANDLE hFile, LPSECURITY_ATTRIBUTES sa, DWORD flProtect,
                                 DWORD hi, DWORD lo, LPCSTR lpName)
{
    return create_mapping(hFile, sa, flProtect, hi, lo, lpName);
}

HANDLE WINAPI CreateFileMappingW(HANDLE hFile, LPSECURITY_ATTRIBUTES sa, DWORD flProtect,
                                 DWORD hi, DWORD lo, LPCWSTR lpName)
{
    DWORD e = 0;
    char *name = w32_utf8(lpName, &e);
    if (lpName && !name) {
        w32_set(e);
        return NULL;
    }
    HANDLE h = create_mapping(hFile, sa, flProtect, hi, lo, name);
    free(name);
    return h;
}

static HANDLE open_mapping(DWORD access, BOOL inherit, const char *name)
{
    if (!name) {
        w32_set(ERROR_INVALID_PARAMETER);
        return NULL;
    }
    unsigned a = w32_map_access(access);
    mmf_section *s;
    /* A request for no mapping right still opens the object (the handle
     * can only be closed): open with read, keep none of it. */
    int rc = mmf_section_open(name, a ? a : MMF_ACCESS_READ, &s);
    if (rc == 0 && !a) {
        mmf_section *n;
        rc = mmf_section_dup(s, MMF_ACCESS_NONE, &n);
        mmf_section_close(s);
        s = n;
    }
    if (rc < 0) {
        w32_fail(rc);
        return NULL;
    }
    HANDLE h = w32_handle_new(W32_MAPPING, s, -1, inherit ? HANDLE_FLAG_INHERIT : 0);
    if (!h)
        mmf_section_close(s);
    else
        w32_set(ERROR_SUCCESS);
    return h;
}

HANDLE WINAPI OpenFileMappingA(DWORD dwDesiredAccess, BOOL bInheritHandle, LPCSTR lpName)
{
    return open_mapping(dwDesiredAccess, bInheritHandle, lpName);
}

HANDLE WINAPI OpenFileMappingW(DWORD dwDesiredAccess, BOOL bInheritHandle, LPCWSTR lpName)
{
    DWORD e = 0;
    char *name = w32_utf8(lpName, &e);
    if (lpName && !name) {
        w32_set(e);
        return NULL;
    }
    HANDLE h = open_mapping(dwDesiredAccess, bInheritHandle, name);
    free(name);
    return h;
}

/* dwDesiredAccess of MapViewOfFile -> the view's protection, as
 * kernelbase converts it: FILE_MAP_EXECUTE picks the execute variant;
 * exactly FILE_MAP_COPY is copy-on-write; any write bit is read-write;
 * read is read-only; anything else a no-access view. */
static unsigned view_prot(DWORD access)
{
    int exec = (access & FILE_MAP_EXECUTE) != 0;
    DWORD a = access & ~(DWORD)FILE_MAP_EXECUTE;
    unsigned p;
    if (a == FILE_MAP_COPY)
        p = MMF_PAGE_WRITECOPY;
    else if (a & FILE_MAP_WRITE)
        p = MMF_PAGE_READWRITE;
    else if (a & FILE_MAP_READ)
        p = MMF_PAGE_READONLY;
    else
        return MMF_PAGE_NOACCESS;
    return exec ? p | MMF_PAGE_EXEC : p;
}

LPVOID WINAPI MapViewOfFileEx(HANDLE hMap, DWORD access, DWORD offHigh, DWORD offLow,
                              SIZE_T bytes, LPVOID base)
{
    struct w32_obj *o = w32_get(hMap, W32_MAPPING);
    if (!o)
        return NULL;
    mmf_map_options opt = { .address = base, .granularity = W32_GRANULARITY };
    void *p = NULL;
    int rc = mmf_view_map(o->u.sec, view_prot(access), (uint64_t)offHigh << 32 | offLow, bytes,
                          &opt, &p);
    w32_put(o);
    if (rc < 0) {
        w32_fail(rc);
        return NULL;
    }
    return p;
}

LPVOID WINAPI MapViewOfFile(HANDLE hMap, DWORD access, DWORD offHigh, DWORD offLow, SIZE_T bytes)
{
    return MapViewOfFileEx(hMap, access, offHigh, offLow, bytes, NULL);
}

BOOL WINAPI UnmapViewOfFile(LPCVOID addr)
{
    int rc = mmf_view_unmap(addr);
    if (rc < 0) {
        w32_fail(rc);
        return FALSE;
    }
    return TRUE;
}

BOOL WINAPI FlushViewOfFile(LPCVOID addr, SIZE_T bytes)
{
    int rc = mmf_view_flush(addr, bytes);
    if (rc < 0) {
        /* Wine reports an address outside a view (or a range past its end)
         * as an invalid parameter; Windows documents nothing else. */
        w32_set(rc == MMF_ENOTVIEW ? ERROR_INVALID_PARAMETER : w32_error(rc));
        return FALSE;
    }
    return TRUE;
}

BOOL WINAPI VirtualProtect(LPVOID addr, SIZE_T size, DWORD newProt, PDWORD oldProt)
{
    unsigned prot, old = 0;
    if (!oldProt) {
        w32_set(ERROR_NOACCESS);
        return FALSE;
    }
    if (prot_from_page(newProt, &prot) < 0) {
        w32_set(ERROR_INVALID_PARAMETER);
        return FALSE;
    }
    int rc = mmf_view_protect(addr, size, prot, &old);
    if (rc < 0) {
        w32_fail(rc);
        return FALSE;
    }
    *oldProt = page_from_prot(old);
    return TRUE;
}

/* ---- VirtualQuery ---- */

#define USER_TOP 0x7FFFFFFF0000ull /* lpMaximumApplicationAddress + 1 */

/* The line of /proc/self/maps that holds address a: 1 (and its fields),
 * or 0 with *next set to the start of the next mapping above a. */
static int maps_find(uintptr_t a, uintptr_t *start, uintptr_t *end, char perms[8],
                     char *path, size_t pathlen, uintptr_t *next)
{
    *next = USER_TOP;
    FILE *f = fopen("/proc/self/maps", "re");
    char line[PATH_MAX + 128];
    int found = 0;
    while (f && fgets(line, sizeof line, f)) {
        unsigned long s, e;
        int off = 0;
        if (sscanf(line, "%lx-%lx %7s %*s %*s %*s %n", &s, &e, perms, &off) < 3)
            continue;
        if (a >= s && a < e) {
            *start = s;
            *end = e;
            snprintf(path, pathlen, "%s", off ? line + off : "");
            path[strcspn(path, "\n")] = 0;
            found = 1;
            break;
        }
        if (s > a && s < *next)
            *next = s;
    }
    if (f)
        fclose(f);
    return found;
}

/* Memory that is not a view: what /proc/self/maps says of it. */
static void query_other(uintptr_t a, MEMORY_BASIC_INFORMATION *m)
{
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t lo = a & ~(page - 1), s, e, next;
    char perms[8], path[PATH_MAX];
    memset(m, 0, sizeof *m);
    m->BaseAddress = (PVOID)lo;
    if (!maps_find(a, &s, &e, perms, path, sizeof path, &next)) {
        m->RegionSize = next - lo;
        m->State = MEM_FREE;
        m->Protect = PAGE_NOACCESS;
        return;
    }
    DWORD p = PAGE_NOACCESS;
    int r = perms[0] == 'r', w = perms[1] == 'w', x = perms[2] == 'x';
    if (x)
        p = w ? PAGE_EXECUTE_READWRITE : r ? PAGE_EXECUTE_READ : PAGE_EXECUTE;
    else if (r)
        p = w ? PAGE_READWRITE : PAGE_READONLY;
    m->AllocationBase = (PVOID)s;
    m->AllocationProtect = p;
    m->RegionSize = e - lo;
    m->State = MEM_COMMIT;
    m->Protect = p;
    /* Files mapped outside views are the program and its libraries:
     * images. */
    m->Type = path[0] == '/' ? MEM_IMAGE : MEM_PRIVATE;
}

SIZE_T WINAPI VirtualQuery(LPCVOID addr, PMEMORY_BASIC_INFORMATION buf, SIZE_T len)
{
    if (len < sizeof *buf) {
        w32_set(ERROR_BAD_LENGTH);
        return 0;
    }
    if (!buf || (uintptr_t)addr >= USER_TOP) {
        w32_set(buf ? ERROR_INVALID_PARAMETER : ERROR_NOACCESS);
        return 0;
    }
    mmf_view_info vi;
    if (mmf_view_query(addr, &vi) == 0) {
        memset(buf, 0, sizeof *buf);
        buf->BaseAddress = vi.region_base;
        buf->AllocationBase = vi.view_base;
        /* SEC_NOCACHE and SEC_WRITECOMBINE show as page modifiers. */
        DWORD mod = (vi.section_flags & MMF_SEC_NOCACHE) ? PAGE_NOCACHE
                    : (vi.section_flags & MMF_SEC_WRITECOMBINE) ? PAGE_WRITECOMBINE : 0;
        buf->AllocationProtect = page_from_prot(vi.view_protection) | mod;
        buf->RegionSize = vi.region_size;
        buf->State = MEM_COMMIT;
        buf->Protect = page_from_prot(vi.protection) | mod;
        buf->Type = MEM_MAPPED;
    } else {
        query_other((uintptr_t)addr, buf);
    }
    return sizeof *buf;
}

/* ---- system information ---- */

void WINAPI GetSystemInfo(LPSYSTEM_INFO si)
{
    if (!si)
        return;
    memset(si, 0, sizeof *si);
#if defined(__aarch64__)
    si->wProcessorArchitecture = PROCESSOR_ARCHITECTURE_ARM64;
#else
    si->wProcessorArchitecture = PROCESSOR_ARCHITECTURE_AMD64;
    si->dwProcessorType = PROCESSOR_AMD_X8664;
#endif
    si->dwPageSize = (DWORD)sysconf(_SC_PAGESIZE);
    si->lpMinimumApplicationAddress = (LPVOID)(uintptr_t)0x10000;
    si->lpMaximumApplicationAddress = (LPVOID)(uintptr_t)(USER_TOP - 0x10000 - 1);
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    si->dwNumberOfProcessors = n > 0 ? (DWORD)n : 1;
    si->dwActiveProcessorMask = si->dwNumberOfProcessors >= 64
                                    ? ~(DWORD_PTR)0
                                    : ((DWORD_PTR)1 << si->dwNumberOfProcessors) - 1;
    si->dwAllocationGranularity = W32_GRANULARITY;
    si->wProcessorLevel = 6;
}

void WINAPI GetNativeSystemInfo(LPSYSTEM_INFO si) { GetSystemInfo(si); }

SIZE_T WINAPI GetLargePageMinimum(void) { return (SIZE_T)mmf_large_page_size(); }

/* ---- GetMappedFileName ---- */

static int mapped_name(HANDLE proc, LPVOID addr, char *path, size_t cap, size_t *len)
{
    if (!w32_is_self_process(proc)) {
        w32_set(ERROR_INVALID_HANDLE);
        return -1;
    }
    int rc = mmf_view_filename(addr, path, cap, len);
    if (rc == MMF_ENOTVIEW) {
        /* Not a view: Windows also names the file of an image (the
         * program, a library); here any file mapped outside mmf. */
        uintptr_t s, e, next;
        char perms[8];
        if (maps_find((uintptr_t)addr, &s, &e, perms, path, cap, &next) && path[0] == '/') {
            *len = strlen(path);
            return 0;
        }
    }
    if (rc < 0) {
        /* Windows: an address in no view is ERROR_UNEXP_NET_ERR. */
        w32_set(rc == MMF_ENOTVIEW ? ERROR_UNEXP_NET_ERR : w32_error(rc));
        return -1;
    }
    return 0;
}

DWORD WINAPI K32GetMappedFileNameA(HANDLE proc, LPVOID addr, LPSTR buf, DWORD n)
{
    char path[PATH_MAX];
    size_t len;
    int cut;
    if (!buf || n == 0) {
        w32_set(ERROR_INVALID_PARAMETER);
        return 0;
    }
    if (mapped_name(proc, addr, path, sizeof path, &len) < 0)
        return 0;
    /* Too small: truncated, NUL-terminated, the size returned, no error. */
    return w32_copy_a(path, buf, n, &cut);
}

DWORD WINAPI K32GetMappedFileNameW(HANDLE proc, LPVOID addr, LPWSTR buf, DWORD n)
{
    char path[PATH_MAX];
    size_t len;
    int cut;
    if (!buf || n == 0) {
        w32_set(ERROR_INVALID_PARAMETER);
        return 0;
    }
    if (mapped_name(proc, addr, path, sizeof path, &len) < 0)
        return 0;
    DWORD r = w32_copy_w(path, buf, n, &cut);
    if (r == (DWORD)-1) {
        w32_set(ERROR_NOT_ENOUGH_MEMORY);
        return 0;
    }
    return r;
}

DWORD WINAPI GetMappedFileNameA(HANDLE proc, LPVOID addr, LPSTR buf, DWORD n)
{
    return K32GetMappedFileNameA(proc, addr, buf, n);
}

DWORD WINAPI GetMappedFileNameW(HANDLE proc, LPVOID addr, LPWSTR buf, DWORD n)
{
    return K32GetMappedFileNameW(proc, addr, buf, n);
}
