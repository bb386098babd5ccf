/*
 * files.c - the file calls around mappings: CreateFileA/W dispositions and
 * their last errors (ERROR_ALREADY_EXISTS on success, ERROR_FILE_EXISTS,
 * not found 2 / 3, bad disposition 87), ReadFile / WriteFile (access 5,
 * end of file, OVERLAPPED offsets), SetFilePointer(Ex), GetFileSize(Ex),
 * SetEndOfFile, FlushFileBuffers, DeleteFileA/W, GetFileAttributesA/W,
 * GetTempPathA/W, GetTempFileNameA/W (properties only, never paths) and
 * OpenFile with the OF_* flags.
 * Spec: windows.h (Files); win32-file-mapping.md 8.
 */
#include "w32test.h"

static HANDLE cf(const char *what, const char *path, DWORD acc, DWORD disp)
{
    HANDLE h;
    SetLastError(BADLE);
    h = t_open(path, acc, disp);
    res_le(what, h != INVALID_HANDLE_VALUE);
    return h;
}

int main(void)
{
    char path[MAX_PATH], path2[MAX_PATH], dir[MAX_PATH], tmpn[MAX_PATH], missing[MAX_PATH];
    WCHAR wpath[MAX_PATH], wdir[MAX_PATH], wtmpn[MAX_PATH];
    HANDLE h, r;
    DWORD n, got, hi;
    char buf[64];
    LONG high;
    LARGE_INTEGER li, np;
    OVERLAPPED ov;

    t_init();
    t_path(path, sizeof path, "files");
    t_path(path2, sizeof path2, "files2");
    t_path(missing, sizeof missing, "nodir");
    strcat(missing, "\\x.dat");
    DeleteFileA(path);
    DeleteFileA(path2);

    /* 1. dispositions */
    h = cf("create_new_absent", path, GENERIC_READ | GENERIC_WRITE, CREATE_NEW);
    WriteFile(h, "0123456789", 10, &got, NULL);
    CloseHandle(h);
    h = cf("create_new_present", path, GENERIC_READ | GENERIC_WRITE, CREATE_NEW);
    h = cf("open_existing_present", path, GENERIC_READ, OPEN_EXISTING);
    printf("open_existing size=%lu\n", UL(GetFileSize(h, NULL)));
    CloseHandle(h);
    h = cf("open_always_present", path, GENERIC_READ, OPEN_ALWAYS);
    printf("open_always_present size=%lu\n", UL(GetFileSize(h, NULL)));
    CloseHandle(h);
    h = cf("open_always_absent", path2, GENERIC_READ | GENERIC_WRITE, OPEN_ALWAYS);
    CloseHandle(h);
    h = cf("create_always_present", path2, GENERIC_READ | GENERIC_WRITE, CREATE_ALWAYS);
    WriteFile(h, "abc", 3, &got, NULL);
    CloseHandle(h);
    h = cf("create_always_present_again", path2, GENERIC_READ | GENERIC_WRITE, CREATE_ALWAYS);
    printf("create_always truncated size=%lu\n", UL(GetFileSize(h, NULL)));
    WriteFile(h, "abc", 3, &got, NULL);
    CloseHandle(h);
    h = cf("truncate_existing_present", path2, GENERIC_WRITE, TRUNCATE_EXISTING);
    printf("truncate_existing size=%lu\n", UL(GetFileSize(h, NULL)));
    CloseHandle(h);
    DeleteFileA(path2);
    h = cf("truncate_existing_absent", path2, GENERIC_WRITE, TRUNCATE_EXISTING);
    h = cf("open_existing_absent", path2, GENERIC_READ, OPEN_EXISTING);
    h = cf("open_missing_dir", missing, GENERIC_READ, OPEN_EXISTING);
    h = cf("create_missing_dir", missing, GENERIC_READ | GENERIC_WRITE, CREATE_NEW);
    h = cf("disposition_0", path, GENERIC_READ, 0);
    h = cf("disposition_6", path, GENERIC_READ, 6);
    MultiByteToWideChar(CP_UTF8, 0, path, -1, wpath, MAX_PATH);
    SetLastError(BADLE);
    h = CreateFileW(wpath, GENERIC_READ, T_SHARE_ALL, NULL, OPEN_ALWAYS, 0, NULL);
    res_le("createw_open_always_present", h != INVALID_HANDLE_VALUE);
    n = ReadFile(h, buf, 4, &got, NULL);
    printf("createw read=%d data=%.4s\n", n && got == 4, buf);
    CloseHandle(h);

    /* 2. ReadFile / WriteFile / SetFilePointer */
    h = t_open(path, GENERIC_READ | GENERIC_WRITE, OPEN_EXISTING);
    memset(buf, 0, sizeof buf);
    res("read_10", ReadFile(h, buf, 10, &got, NULL) && got == 10 && memcmp(buf, "0123456789", 10) == 0);
    got = 99;
    res("read_at_eof", ReadFile(h, buf, 10, &got, NULL));
    printf("read_at_eof got=%lu\n", UL(got));
    printf("sfp_begin=%lu\n", UL(SetFilePointer(h, 2, NULL, FILE_BEGIN)));
    printf("sfp_current=%lu\n", UL(SetFilePointer(h, 3, NULL, FILE_CURRENT)));
    printf("sfp_end=%lu\n", UL(SetFilePointer(h, -1, NULL, FILE_END)));
    ReadFile(h, buf, 5, &got, NULL);
    printf("read_after_end_minus_1 got=%lu c=%c\n", UL(got), buf[0]);
    SetLastError(BADLE);
    n = SetFilePointer(h, -100, NULL, FILE_BEGIN);
    printf("sfp_negative ret_invalid=%d err=%lu\n", n == INVALID_SET_FILE_POINTER, ERR());
    SetLastError(BADLE);
    n = SetFilePointer(h, 0, NULL, 3);
    printf("sfp_bad_method ret_invalid=%d err=%lu\n", n == INVALID_SET_FILE_POINTER, ERR());
    high = 1;
    SetLastError(BADLE);
    n = SetFilePointer(h, 16, &high, FILE_BEGIN);
    printf("sfp_high ret=%lu high=%ld\n", UL(n), (long)high);
    li.QuadPart = 4;
    np.QuadPart = -1;
    res("sfpex_begin", SetFilePointerEx(h, li, &np, FILE_BEGIN));
    printf("sfpex_begin new=%ld\n", (long)np.QuadPart);
    li.QuadPart = 0;
    res("sfpex_end", SetFilePointerEx(h, li, &np, FILE_END));
    printf("sfpex_end new=%ld\n", (long)np.QuadPart);
    li.QuadPart = -20;
    SetLastError(BADLE);
    res_err("sfpex_negative", SetFilePointerEx(h, li, &np, FILE_CURRENT));
    li.QuadPart = 0;
    res("sfpex_null_out", SetFilePointerEx(h, li, NULL, FILE_BEGIN));
    /* writes at the pointer, the pointer past the end leaves a hole of zeros */
    SetFilePointer(h, 20, NULL, FILE_BEGIN);
    res("write_past_end", WriteFile(h, "XY", 2, &got, NULL) && got == 2);
    printf("size_after_hole=%lu\n", UL(GetFileSize(h, NULL)));
    SetFilePointer(h, 10, NULL, FILE_BEGIN);
    memset(buf, 1, sizeof buf);
    ReadFile(h, buf, 12, &got, NULL);
    printf("hole got=%lu zero=%d tail=%.2s\n", UL(got), buf[0] == 0 && buf[9] == 0, buf + 10);
    /* OVERLAPPED gives an offset */
    ZeroMemory(&ov, sizeof ov);
    ov.Offset = 5;
    memset(buf, 0, sizeof buf);
    res("read_overlapped_offset", ReadFile(h, buf, 3, &got, &ov));
    printf("read_overlapped got=%lu data=%.3s\n", UL(got), buf);
    ZeroMemory(&ov, sizeof ov);
    ov.Offset = 0;
    res("write_overlapped_offset", WriteFile(h, "AB", 2, &got, &ov));
    SetFilePointer(h, 0, NULL, FILE_BEGIN);
    ReadFile(h, buf, 4, &got, NULL);
    printf("write_overlapped data=%.4s\n", buf);
    res("write_0_bytes", WriteFile(h, "", 0, &got, NULL) && got == 0);
    /* sizes */
    hi = 77;
    n = GetFileSize(h, &hi);
    printf("getfilesize=%lu high=%lu\n", UL(n), UL(hi));
    res("getfilesizeex", GetFileSizeEx(h, &li));
    printf("getfilesizeex=%ld\n", (long)li.QuadPart);
    /* SetEndOfFile grows and shrinks (no mapping) */
    SetFilePointer(h, 100000, NULL, FILE_BEGIN);
    res("seteof_grow", SetEndOfFile(h));
    printf("seteof_grow size=%lu\n", UL(GetFileSize(h, NULL)));
    SetFilePointer(h, 6, NULL, FILE_BEGIN);
    res("seteof_shrink", SetEndOfFile(h));
    printf("seteof_shrink size=%lu\n", UL(GetFileSize(h, NULL)));
    res("flush_file_buffers", FlushFileBuffers(h));
    CloseHandle(h);
    /* access checks */
    r = t_open(path, GENERIC_READ, OPEN_EXISTING);
    SetLastError(BADLE);
    res_err("write_on_read_handle", WriteFile(r, "zz", 2, &got, NULL));
    SetLastError(BADLE);
    res_err("flush_on_read_handle", FlushFileBuffers(r));
    CloseHandle(r);
    r = t_open(path, GENERIC_WRITE, OPEN_EXISTING);
    SetLastError(BADLE);
    res_err("read_on_write_handle", ReadFile(r, buf, 2, &got, NULL));
    CloseHandle(r);
    SetLastError(BADLE);
    res_err("read_closed_handle", ReadFile(r, buf, 2, &got, NULL));
    SetLastError(BADLE);
    n = GetFileSize(r, NULL);
    printf("getfilesize_closed ret_invalid=%d err=%lu\n", n == INVALID_FILE_SIZE, ERR());
    SetLastError(BADLE);
    res_err("getfilesizeex_closed", GetFileSizeEx(r, &li));

    /* duplicated file handles share the file pointer */
    {
        HANDLE a = t_open(path, GENERIC_READ | GENERIC_WRITE, OPEN_EXISTING), b2 = NULL;
        res("dup_file", DuplicateHandle(GetCurrentProcess(), a, GetCurrentProcess(), &b2, 0, FALSE,
                                        DUPLICATE_SAME_ACCESS));
        SetFilePointer(a, 3, NULL, FILE_BEGIN);
        printf("dup_file shared_pointer=%lu\n", UL(SetFilePointer(b2, 0, NULL, FILE_CURRENT)));
        CloseHandle(a);
        memset(buf, 0, sizeof buf);
        res("dup_file read_after_source_closed", ReadFile(b2, buf, 2, &got, NULL) && got == 2);
        printf("dup_file data=%.2s\n", buf);
        CloseHandle(b2);
    }
    /* a directory is not opened as a file */
    {
        char d[MAX_PATH];
        GetTempPathA(MAX_PATH, d);
        SetLastError(BADLE);
        h = t_open(d, GENERIC_READ, OPEN_EXISTING);
        res_err("open_directory", h != INVALID_HANDLE_VALUE);
        if (h != INVALID_HANDLE_VALUE)
            CloseHandle(h);
    }
    /* FILE_FLAG_DELETE_ON_CLOSE: gone with the last handle */
    SetLastError(BADLE);
    h = CreateFileA(path2, GENERIC_READ | GENERIC_WRITE, T_SHARE_ALL, NULL, CREATE_ALWAYS,
                    FILE_FLAG_DELETE_ON_CLOSE, NULL);
    res_le("delete_on_close_create", h != INVALID_HANDLE_VALUE);
    WriteFile(h, "tmp", 3, &got, NULL);
    printf("delete_on_close exists_while_open=%d\n", GetFileAttributesA(path2) != INVALID_FILE_ATTRIBUTES);
    CloseHandle(h);
    SetLastError(BADLE);
    n = GetFileAttributesA(path2);
    printf("delete_on_close gone_after_close=%d err=%lu\n", n == INVALID_FILE_ATTRIBUTES, ERR());

    /* 3. attributes */
    n = GetFileAttributesA(path);
    printf("attr_file valid=%d dir=%d\n", n != INVALID_FILE_ATTRIBUTES, (n & FILE_ATTRIBUTE_DIRECTORY) != 0);
    n = GetFileAttributesW(wpath);
    printf("attr_w_file valid=%d dir=%d\n", n != INVALID_FILE_ATTRIBUTES, (n & FILE_ATTRIBUTE_DIRECTORY) != 0);
    GetTempPathA(MAX_PATH, dir);
    n = GetFileAttributesA(dir);
    printf("attr_dir valid=%d dir=%d\n", n != INVALID_FILE_ATTRIBUTES, (n & FILE_ATTRIBUTE_DIRECTORY) != 0);
    SetLastError(BADLE);
    n = GetFileAttributesA(path2);
    printf("attr_missing invalid=%d err=%lu\n", n == INVALID_FILE_ATTRIBUTES, ERR());
    SetLastError(BADLE);
    n = GetFileAttributesA(missing);
    printf("attr_missing_dir invalid=%d err=%lu\n", n == INVALID_FILE_ATTRIBUTES, ERR());

    /* 4. DeleteFile */
    res("delete_a", DeleteFileA(path));
    SetLastError(BADLE);
    res_err("delete_a_again", DeleteFileA(path));
    SetLastError(BADLE);
    res_err("delete_missing_dir", DeleteFileA(missing));
    t_make_file(path, 10);
    res("delete_w", DeleteFileW(wpath));
    printf("delete_w gone=%d\n", GetFileAttributesA(path) == INVALID_FILE_ATTRIBUTES);

    /* 5. GetTempPath / GetTempFileName: properties only */
    n = GetTempPathA(MAX_PATH, dir);
    printf("temppath_a ret_ok=%d trailing_sep=%d\n", n > 0 && n == (DWORD)strlen(dir),
           n > 0 && (dir[n - 1] == '\\' || dir[n - 1] == '/'));
    {
        char small[2];
        DWORD need = GetTempPathA(1, small);
        printf("temppath_a_small needs_more=%d\n", need > n);
    }
    n = GetTempPathW(MAX_PATH, wdir);
    printf("temppath_w ret_ok=%d\n", n > 0 && n == (DWORD)lstrlenW(wdir));
    n = GetTempFileNameA(dir, "mmf", 0, tmpn);
    {
        const char *b = t_basename(tmpn);
        size_t bl = strlen(b);
        printf("tempfilename_a ret_nonzero=%d exists=%d prefix=%d dot_tmp=%d\n", n != 0,
               GetFileAttributesA(tmpn) != INVALID_FILE_ATTRIBUTES, _strnicmp(b, "mmf", 3) == 0,
               bl > 4 && _stricmp(b + bl - 4, ".tmp") == 0);
        DeleteFileA(tmpn);
    }
    n = GetTempFileNameA(dir, "mmfxyz", 0x1234, tmpn);
    printf("tempfilename_a_unique ret=0x%lx name_ok=%d not_created=%d\n", UL(n),
           _stricmp(t_basename(tmpn), "mmf1234.tmp") == 0, GetFileAttributesA(tmpn) == INVALID_FILE_ATTRIBUTES);
    n = GetTempFileNameW(wdir, L"mmw", 0, wtmpn);
    {
        char u[MAX_PATH * 3];
        WideCharToMultiByte(CP_UTF8, 0, wtmpn, -1, u, sizeof u, NULL, NULL);
        printf("tempfilename_w ret_nonzero=%d exists=%d prefix=%d\n", n != 0,
               GetFileAttributesW(wtmpn) != INVALID_FILE_ATTRIBUTES, _strnicmp(t_basename(u), "mmw", 3) == 0);
        DeleteFileW(wtmpn);
    }

    /* 6. OpenFile */
    {
        OFSTRUCT of;
        HFILE hf;
        DeleteFileA(path);
        memset(&of, 0, sizeof of);
        SetLastError(BADLE);
        hf = OpenFile(path, &of, OF_EXIST);
        printf("openfile_exist_missing error=%d nErrCode=%u err=%lu\n", hf == HFILE_ERROR, (unsigned)of.nErrCode, ERR());
        memset(&of, 0, sizeof of);
        hf = OpenFile(path, &of, OF_READ);
        printf("openfile_read_missing error=%d nErrCode=%u\n", hf == HFILE_ERROR, (unsigned)of.nErrCode);
        memset(&of, 0, sizeof of);
        hf = OpenFile(path, &of, OF_CREATE | OF_WRITE);
        printf("openfile_create error=%d\n", hf == HFILE_ERROR);
        if (hf != HFILE_ERROR) {
            res("openfile_create write", WriteFile((HANDLE)(INT_PTR)hf, "hello", 5, &got, NULL) && got == 5);
            CloseHandle((HANDLE)(INT_PTR)hf);
        }
        memset(&of, 0, sizeof of);
        hf = OpenFile(path, &of, OF_EXIST);
        printf("openfile_exist error=%d\n", hf == HFILE_ERROR);
        memset(&of, 0, sizeof of);
        hf = OpenFile(path, &of, OF_READ);
        printf("openfile_read error=%d\n", hf == HFILE_ERROR);
        if (hf != HFILE_ERROR) {
            memset(buf, 0, sizeof buf);
            res("openfile_read read", ReadFile((HANDLE)(INT_PTR)hf, buf, 5, &got, NULL) && got == 5);
            printf("openfile_read data=%.5s\n", buf);
            SetLastError(BADLE);
            res_err("openfile_read write_denied", WriteFile((HANDLE)(INT_PTR)hf, "x", 1, &got, NULL));
            CloseHandle((HANDLE)(INT_PTR)hf);
        }
        memset(&of, 0, sizeof of);
        hf = OpenFile(path, &of, OF_READWRITE);
        printf("openfile_readwrite error=%d\n", hf == HFILE_ERROR);
        if (hf != HFILE_ERROR) {
            SetFilePointer((HANDLE)(INT_PTR)hf, 0, NULL, FILE_END);
            res("openfile_readwrite write", WriteFile((HANDLE)(INT_PTR)hf, "!", 1, &got, NULL));
            printf("openfile_readwrite size=%lu\n", UL(GetFileSize((HANDLE)(INT_PTR)hf, NULL)));
            CloseHandle((HANDLE)(INT_PTR)hf);
        }
        memset(&of, 0, sizeof of);
        hf = OpenFile(path, &of, OF_CREATE | OF_READWRITE);
        printf("openfile_create_existing error=%d\n", hf == HFILE_ERROR);
        if (hf != HFILE_ERROR) {
            printf("openfile_create_existing truncated size=%lu\n", UL(GetFileSize((HANDLE)(INT_PTR)hf, NULL)));
            CloseHandle((HANDLE)(INT_PTR)hf);
        }
        memset(&of, 0, sizeof of);
        hf = OpenFile(path, &of, OF_DELETE);
        printf("openfile_delete error=%d gone=%d\n", hf == HFILE_ERROR,
               GetFileAttributesA(path) == INVALID_FILE_ATTRIBUTES);
        memset(&of, 0, sizeof of);
        hf = OpenFile(path, &of, OF_DELETE);
        printf("openfile_delete_missing error=%d nErrCode=%u\n", hf == HFILE_ERROR, (unsigned)of.nErrCode);
    }
    DeleteFileA(path);
    DeleteFileA(path2);
    return 0;
}
