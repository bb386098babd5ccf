/*
 * test_win32_file.c — the Win32 file calls (src/win32/file.c) where the
 * conformance programs (tests/win32/files.c, mapping_truncate.c) cannot
 * look: bad input of every kind, descriptors (close-on-exec, inheritance
 * flag, no stdio numbers), the truncation guard seen through SetEndOfFile
 * and CreateFile, delete-on-close, W forms and temporary names.
 */
#include "helpers.h"

#include "w32_helpers.h"

TestSuite(w32file, .fini = tmp_cleanup, .timeout = 30);

/* ------------------------------------------------------------------ */
/* Helpers                                                             */
/* ------------------------------------------------------------------ */

/* Shares everything: the tests open the same file more than once. */
#define SHARE_ALL (FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE)

static HANDLE open_rw(const char *path, DWORD disp)
{
    return CreateFileA(path, GENERIC_READ | GENERIC_WRITE, SHARE_ALL, NULL, disp, 0, NULL);
}

/* Asserts a FALSE result with the last error @err. */
#define assert_fails(expr, err)                                                   \
    do {                                                                          \
        SetLastError(0xdeadbeef);                                                 \
        BOOL ok_ = (BOOL)(expr);                                                  \
        DWORD e_ = GetLastError();                                                \
        cr_assert(!ok_, "%s succeeded", #expr);                                   \
        cr_assert_eq(e_, (DWORD)(err), "%s: last error %u, expected %u", #expr,   \
                     (unsigned)e_, (unsigned)(err));                              \
    } while (0)

static uint64_t size_of(const char *path)
{
    struct stat st;
    cr_assert_eq(stat(path, &st), 0, "stat %s: %s", path, strerror(errno));
    return (uint64_t)st.st_size;
}

/* ------------------------------------------------------------------ */
/* Bad input                                                           */
/* ------------------------------------------------------------------ */

Test(w32file, bad_handles_are_invalid_handle)
{
    char buf[8];
    DWORD n;
    HANDLE bad[] = { NULL, INVALID_HANDLE_VALUE, (HANDLE)(uintptr_t)3,
                     (HANDLE)(uintptr_t)(4 * 100000), (HANDLE)(uintptr_t)-2 };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_fails(ReadFile(bad[i], buf, 1, &n, NULL), ERROR_INVALID_HANDLE);
        assert_fails(WriteFile(bad[i], buf, 1, &n, NULL), ERROR_INVALID_HANDLE);
        assert_fails(SetEndOfFile(bad[i]), ERROR_INVALID_HANDLE);
        assert_fails(FlushFileBuffers(bad[i]), ERROR_INVALID_HANDLE);
        LARGE_INTEGER li = { .QuadPart = 0 };
        assert_fails(SetFilePointerEx(bad[i], li, NULL, FILE_BEGIN), ERROR_INVALID_HANDLE);
        assert_fails(GetFileSizeEx(bad[i], &li), ERROR_INVALID_HANDLE);
        SetLastError(0);
        cr_assert_eq(SetFilePointer(bad[i], 0, NULL, FILE_BEGIN), INVALID_SET_FILE_POINTER);
        cr_assert_eq(GetLastError(), ERROR_INVALID_HANDLE);
        cr_assert_eq(GetFileSize(bad[i], NULL), INVALID_FILE_SIZE);
        cr_assert_eq(GetLastError(), ERROR_INVALID_HANDLE);
    }
}

Test(w32file, other_kinds_of_handle_are_invalid_handle)
{
    HANDLE m = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 4096, NULL);
    cr_assert_not_null(m);
    char buf[8];
    DWORD n;
    assert_fails(ReadFile(m, buf, 1, &n, NULL), ERROR_INVALID_HANDLE);
    assert_fails(WriteFile(m, buf, 1, &n, NULL), ERROR_INVALID_HANDLE);
    assert_fails(SetEndOfFile(m), ERROR_INVALID_HANDLE);
    assert_fails(FlushFileBuffers(m), ERROR_INVALID_HANDLE);
    cr_assert_eq(GetFileSize(m, NULL), INVALID_FILE_SIZE);
    cr_assert_eq(GetLastError(), ERROR_INVALID_HANDLE);
    cr_assert(CloseHandle(m));
}

Test(w32file, null_and_empty_names)
{
    SetLastError(0);
    cr_assert_eq(CreateFileA(NULL, GENERIC_READ, 0, NULL, OPEN_EXISTING, 0, NULL),
                 INVALID_HANDLE_VALUE);
    cr_assert_eq(GetLastError(), ERROR_PATH_NOT_FOUND);
    cr_assert_eq(CreateFileW(NULL, GENERIC_READ, 0, NULL, CREATE_ALWAYS, 0, NULL),
                 INVALID_HANDLE_VALUE);
    cr_assert_eq(GetLastError(), ERROR_PATH_NOT_FOUND);
    cr_assert_eq(CreateFileA("", GENERIC_READ, 0, NULL, CREATE_NEW, 0, NULL),
                 INVALID_HANDLE_VALUE);
    cr_assert_eq(GetLastError(), ERROR_PATH_NOT_FOUND);
    assert_fails(DeleteFileA(NULL), ERROR_PATH_NOT_FOUND);
    assert_fails(DeleteFileW(NULL), ERROR_PATH_NOT_FOUND);
    assert_fails(DeleteFileA(""), ERROR_PATH_NOT_FOUND);
    cr_assert_eq(GetFileAttributesA(NULL), INVALID_FILE_ATTRIBUTES);
    cr_assert_eq(GetLastError(), ERROR_PATH_NOT_FOUND);
    cr_assert_eq(GetFileAttributesW(NULL), INVALID_FILE_ATTRIBUTES);
    cr_assert_eq(GetLastError(), ERROR_PATH_NOT_FOUND);
    char out[MAX_PATH];
    cr_assert_eq(GetTempFileNameA(NULL, "x", 0, out), 0);
    cr_assert_eq(GetLastError(), ERROR_DIRECTORY);
    cr_assert_eq(GetTempFileNameA(tmp_dir(), "x", 0, NULL), 0);
    cr_assert_eq(GetLastError(), ERROR_INVALID_PARAMETER);
    cr_assert_eq(GetTempFileNameW(NULL, NULL, 0, NULL), 0);
    cr_assert_eq(OpenFile("x", NULL, OF_READ), HFILE_ERROR);
    cr_assert_eq(GetLastError(), ERROR_INVALID_PARAMETER);
    OFSTRUCT of;
    cr_assert_eq(OpenFile(NULL, &of, OF_READ), HFILE_ERROR);
    cr_assert_eq(of.nErrCode, ERROR_INVALID_PARAMETER);
}

Test(w32file, null_buffers_and_counts)
{
    char path[PATH_MAX];
    tmp_path("f", path);
    HANDLE h = open_rw(path, CREATE_NEW);
    cr_assert_neq(h, INVALID_HANDLE_VALUE);
    DWORD n = 77;
    assert_fails(ReadFile(h, NULL, 4, &n, NULL), ERROR_NOACCESS);
    cr_assert_eq(n, 0);
    assert_fails(WriteFile(h, NULL, 4, &n, NULL), 1784 /* ERROR_INVALID_USER_BUFFER */);
    cr_assert(ReadFile(h, NULL, 0, &n, NULL));
    cr_assert(WriteFile(h, NULL, 0, &n, NULL));
    /* A NULL count is accepted (Wine), with or without an OVERLAPPED. */
    cr_assert(WriteFile(h, "abcd", 4, NULL, NULL));
    OVERLAPPED ov = { 0 };
    char buf[4];
    cr_assert(ReadFile(h, buf, 4, NULL, &ov));
    cr_assert(memcmp(buf, "abcd", 4) == 0);
    cr_assert_eq(ov.InternalHigh, 4);
    assert_fails(GetFileSizeEx(h, NULL), ERROR_NOACCESS);
    /* An OVERLAPPED offset no file can have. */
    ov.Offset = 0;
    ov.OffsetHigh = 0x80000000u;
    assert_fails(ReadFile(h, buf, 1, &n, &ov), ERROR_INVALID_PARAMETER);
    cr_assert(CloseHandle(h));
}

Test(w32file, bad_seeks_change_nothing)
{
    char path[PATH_MAX];
    tmp_path("f", path);
    HANDLE h = open_rw(path, CREATE_NEW);
    cr_assert(WriteFile(h, "0123456789", 10, NULL, NULL));
    cr_assert_eq(SetFilePointer(h, 4, NULL, FILE_BEGIN), 4);
    LARGE_INTEGER li = { .QuadPart = INT64_MAX }, np;
    assert_fails(SetFilePointerEx(h, li, &np, FILE_CURRENT), ERROR_INVALID_PARAMETER);
    li.QuadPart = -5;
    assert_fails(SetFilePointerEx(h, li, &np, FILE_CURRENT), ERROR_NEGATIVE_SEEK);
    assert_fails(SetFilePointerEx(h, li, &np, 3), ERROR_INVALID_PARAMETER);
    li.QuadPart = 0;
    cr_assert(SetFilePointerEx(h, li, &np, FILE_CURRENT));
    cr_assert_eq(np.QuadPart, 4, "a failed seek moved the pointer");
    /* 4 GiB + 5 through the high part, and back. */
    LONG hi = 1;
    cr_assert_eq(SetFilePointer(h, 5, &hi, FILE_BEGIN), 5);
    cr_assert_eq(hi, 1);
    hi = -1;
    cr_assert_eq(SetFilePointer(h, -5, &hi, FILE_CURRENT), 0);
    cr_assert_eq(hi, 1);
    cr_assert(CloseHandle(h));
}

Test(w32file, bad_dispositions)
{
    char path[PATH_MAX];
    tmp_path("f", path);
    DWORD bad[] = { 0, 6, 0xFFFFFFFFu };
    for (size_t i = 0; i < 3; i++) {
        SetLastError(0);
        cr_assert_eq(open_rw(path, bad[i]), INVALID_HANDLE_VALUE);
        cr_assert_eq(GetLastError(), ERROR_INVALID_PARAMETER);
    }
    cr_assert_eq(access(path, F_OK), -1, "a refused create made the file");
}

/* ------------------------------------------------------------------ */
/* Descriptors and handle flags                                        */
/* ------------------------------------------------------------------ */

Test(w32file, descriptors_are_cloexec_and_inheritance_is_a_flag)
{
    char path[PATH_MAX];
    tmp_path("f", path);
    HANDLE h = open_rw(path, CREATE_NEW);
    cr_assert_neq(h, INVALID_HANDLE_VALUE);
    int fd = fd_of_handle(h);
    cr_assert(fcntl(fd, F_GETFD) & FD_CLOEXEC);
    DWORD fl = 99;
    cr_assert(GetHandleInformation(h, &fl));
    cr_assert_eq(fl, 0);
    SECURITY_ATTRIBUTES sa = { sizeof sa, NULL, TRUE };
    HANDLE i = CreateFileA(path, GENERIC_READ, SHARE_ALL, &sa, OPEN_EXISTING, 0, NULL);
    cr_assert_neq(i, INVALID_HANDLE_VALUE);
    cr_assert(GetHandleInformation(i, &fl));
    cr_assert_eq(fl, HANDLE_FLAG_INHERIT);
    /* Still close-on-exec: CreateProcess hands inheritable handles on. */
    cr_assert(fcntl(fd_of_handle(i), F_GETFD) & FD_CLOEXEC);
    cr_assert(CloseHandle(i));
    cr_assert(CloseHandle(h));
    cr_assert_eq(fcntl(fd, F_GETFD), -1, "CloseHandle left the descriptor open");
}

Test(w32file, never_the_stdio_numbers)
{
    char path[PATH_MAX];
    tmp_path("f", path);
    int saved = dup(0);
    close(0);
    HANDLE h = open_rw(path, CREATE_NEW);
    int zero_free = fcntl(0, F_GETFD) == -1;
    dup2(saved, 0);
    close(saved);
    cr_assert_neq(h, INVALID_HANDLE_VALUE);
    cr_assert_geq(fd_of_handle(h), 3);
    cr_assert(zero_free, "the file took descriptor 0");
    cr_assert(CloseHandle(h));
}

Test(w32file, delete_on_close)
{
    char path[PATH_MAX];
    tmp_path("f", path);
    HANDLE h = CreateFileA(path, GENERIC_READ | GENERIC_WRITE, 0, NULL, CREATE_NEW,
                           FILE_FLAG_DELETE_ON_CLOSE, NULL);
    cr_assert_neq(h, INVALID_HANDLE_VALUE);
    /* The name is absolute, so a chdir does not change which file goes. */
    char cwd[PATH_MAX];
    cr_assert_not_null(getcwd(cwd, sizeof cwd));
    cr_assert_eq(chdir("/"), 0);
    cr_assert_eq(access(path, F_OK), 0);
    cr_assert(CloseHandle(h));
    cr_assert_eq(chdir(cwd), 0);
    cr_assert_eq(access(path, F_OK), -1, "the file outlived its handle");
}

/* The name removed at the last close must still be the file that was
 * opened: a file put in its place is left alone, and so is the original
 * renamed away (Windows would delete it under its new name; a path is all
 * Linux has). */
Test(w32file, delete_on_close_spares_a_file_put_in_its_place)
{
    char path[PATH_MAX], moved[PATH_MAX];
    tmp_path("f", path);
    tmp_path("moved", moved);
    HANDLE h = CreateFileA(path, GENERIC_READ | GENERIC_WRITE, 0, NULL, CREATE_NEW,
                           FILE_FLAG_DELETE_ON_CLOSE, NULL);
    cr_assert_neq(h, INVALID_HANDLE_VALUE);
    cr_assert_eq(rename(path, moved), 0);
    int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    cr_assert_geq(fd, 0);
    close(fd);
    cr_assert(CloseHandle(h));
    cr_assert_eq(access(path, F_OK), 0, "the newcomer under the name was deleted");
    cr_assert_eq(access(moved, F_OK), 0, "the renamed original was deleted");
}

/* Windows closes a process's handles when it ends: a normal exit removes
 * the files still open with the flag.  A fork child shares the parent's
 * records but its exit must not remove them. */
Test(w32file, delete_on_close_at_exit_of_its_process_only)
{
    char mine[PATH_MAX], childs[PATH_MAX];
    tmp_path("mine", mine);
    tmp_path("childs", childs);
    HANDLE h = CreateFileA(mine, GENERIC_READ | GENERIC_WRITE, 0, NULL, CREATE_NEW,
                           FILE_FLAG_DELETE_ON_CLOSE, NULL);
    cr_assert_neq(h, INVALID_HANDLE_VALUE);
    fflush(NULL);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        HANDLE c = CreateFileA(childs, GENERIC_READ | GENERIC_WRITE, 0, NULL, CREATE_NEW,
                               FILE_FLAG_DELETE_ON_CLOSE, NULL);
        exit(c == INVALID_HANDLE_VALUE ? 1 : 0); /* without closing either */
    }
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    cr_assert_eq(access(childs, F_OK), -1, "the child's file outlived the child");
    cr_assert_eq(access(mine, F_OK), 0, "the child's exit removed the parent's file");
    cr_assert(CloseHandle(h));
    cr_assert_eq(access(mine, F_OK), -1);
}

/* A duplicate is the same file object: the file goes with the last of
 * them, whichever it is. */
Test(w32file, delete_on_close_waits_for_the_duplicates)
{
    char path[PATH_MAX];
    tmp_path("f", path);
    HANDLE h = CreateFileA(path, GENERIC_READ | GENERIC_WRITE, 0, NULL, CREATE_NEW,
                           FILE_FLAG_DELETE_ON_CLOSE, NULL);
    cr_assert_neq(h, INVALID_HANDLE_VALUE);
    HANDLE d = NULL;
    cr_assert(DuplicateHandle(GetCurrentProcess(), h, GetCurrentProcess(), &d, 0, FALSE,
                              DUPLICATE_SAME_ACCESS));
    cr_assert(CloseHandle(d));
    cr_assert_eq(access(path, F_OK), 0, "closing the duplicate removed the file");
    cr_assert(DuplicateHandle(GetCurrentProcess(), h, GetCurrentProcess(), &d, 0, FALSE,
                              DUPLICATE_SAME_ACCESS | DUPLICATE_CLOSE_SOURCE));
    cr_assert_eq(access(path, F_OK), 0, "moving the handle removed the file");
    cr_assert(CloseHandle(d));
    cr_assert_eq(access(path, F_OK), -1, "the file outlived its last handle");
}

Test(w32file, access_zero_is_attributes_and_pointer_only)
{
    char path[PATH_MAX];
    int fd = tmp_file("f", 10, path);
    close(fd);
    HANDLE h = CreateFileA(path, 0, 0, NULL, OPEN_EXISTING, 0, NULL);
    cr_assert_neq(h, INVALID_HANDLE_VALUE);
    char buf[4];
    DWORD n;
    cr_assert_eq(GetFileSize(h, NULL), 10);
    cr_assert_eq(SetFilePointer(h, 3, NULL, FILE_BEGIN), 3);
    assert_fails(ReadFile(h, buf, 1, &n, NULL), ERROR_ACCESS_DENIED);
    assert_fails(WriteFile(h, buf, 1, &n, NULL), ERROR_ACCESS_DENIED);
    assert_fails(SetEndOfFile(h), ERROR_INVALID_PARAMETER);
    assert_fails(FlushFileBuffers(h), ERROR_ACCESS_DENIED);
    cr_assert(CloseHandle(h));
}

Test(w32file, directories_need_backup_semantics)
{
    SetLastError(0);
    cr_assert_eq(CreateFileA(tmp_dir(), GENERIC_READ, 0, NULL, OPEN_EXISTING, 0, NULL),
                 INVALID_HANDLE_VALUE);
    cr_assert_eq(GetLastError(), ERROR_ACCESS_DENIED);
    HANDLE h = CreateFileA(tmp_dir(), GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_EXISTING,
                           FILE_FLAG_BACKUP_SEMANTICS, NULL);
    cr_assert_neq(h, INVALID_HANDLE_VALUE);
    char buf[4];
    DWORD n;
    assert_fails(ReadFile(h, buf, 1, &n, NULL), ERROR_INVALID_FUNCTION);
    cr_assert_eq(GetFileSize(h, NULL), 0);
    cr_assert(CloseHandle(h));
    assert_fails(DeleteFileA(tmp_dir()), ERROR_ACCESS_DENIED);
    cr_assert_eq(GetFileAttributesA(tmp_dir()), FILE_ATTRIBUTE_DIRECTORY);
}

/* ------------------------------------------------------------------ */
/* The truncation guard through the Win32 calls                        */
/* ------------------------------------------------------------------ */

Test(w32file, truncating_dispositions_on_a_mapped_file_change_nothing)
{
    char path[PATH_MAX];
    int fd = tmp_file("f", 8192, path);
    close(fd);
    HANDLE f = open_rw(path, OPEN_EXISTING);
    HANDLE m = CreateFileMappingA(f, NULL, PAGE_READONLY, 0, 4096, NULL);
    cr_assert_not_null(m);
    SetLastError(0);
    cr_assert_eq(open_rw(path, CREATE_ALWAYS), INVALID_HANDLE_VALUE);
    cr_assert_eq(GetLastError(), ERROR_USER_MAPPED_FILE);
    cr_assert_eq(CreateFileA(path, GENERIC_READ, SHARE_ALL, NULL, TRUNCATE_EXISTING, 0, NULL),
                 INVALID_HANDLE_VALUE);
    cr_assert_eq(GetLastError(), ERROR_USER_MAPPED_FILE);
    OFSTRUCT of;
    cr_assert_eq(OpenFile(path, &of, OF_CREATE), HFILE_ERROR);
    cr_assert_eq(of.nErrCode, ERROR_USER_MAPPED_FILE);
    cr_assert_eq(size_of(path), 8192, "a refused truncation cut the file");
    /* Down to the mapping's end is allowed; below it is not. */
    cr_assert_eq(SetFilePointer(f, 4096, NULL, FILE_BEGIN), 4096);
    cr_assert(SetEndOfFile(f));
    cr_assert_eq(SetFilePointer(f, 4095, NULL, FILE_BEGIN), 4095);
    assert_fails(SetEndOfFile(f), ERROR_USER_MAPPED_FILE);
    cr_assert(CloseHandle(m));
    cr_assert(SetEndOfFile(f));
    cr_assert_eq(size_of(path), 4095);
    HANDLE t = open_rw(path, CREATE_ALWAYS);
    cr_assert_neq(t, INVALID_HANDLE_VALUE);
    cr_assert_eq(GetLastError(), ERROR_ALREADY_EXISTS);
    cr_assert_eq(size_of(path), 0);
    cr_assert(CloseHandle(t));
    cr_assert(CloseHandle(f));
}

/* A mapping made natively in another process guards the file too. */
static void child_maps_and_waits(void *arg)
{
    int *p = arg;
    int fd = open((const char *)(p + 2), O_RDWR | O_CLOEXEC);
    mmf_section *s;
    char c = 0;
    if (fd < 0 || mmf_section_from_fd(fd, 4096, MMF_PAGE_READWRITE, 0, &s) < 0)
        _exit(1);
    if (write(p[1], "r", 1) != 1 || read(p[0], &c, 1) < 0)
        _exit(2);
    _exit(0);
}

Test(w32file, a_mapping_in_another_process_refuses_seteof)
{
    struct {
        int pipes[2];
        char path[PATH_MAX];
    } a;
    int fd = tmp_file("f", 4096, a.path);
    close(fd);
    int up[2], down[2];
    cr_assert_eq(pipe(up), 0);
    cr_assert_eq(pipe(down), 0);
    a.pipes[0] = down[0];
    a.pipes[1] = up[1];
    fflush(NULL);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0)
        child_maps_and_waits(&a);
    char c;
    cr_assert_eq(read(up[0], &c, 1), 1, "the child did not map the file");
    HANDLE f = open_rw(a.path, OPEN_EXISTING);
    assert_fails(SetEndOfFile(f), ERROR_USER_MAPPED_FILE);
    cr_assert_eq(write(down[1], "g", 1), 1);
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    cr_assert(SetEndOfFile(f));
    cr_assert_eq(size_of(a.path), 0);
    cr_assert(CloseHandle(f));
    close(up[0]);
    close(up[1]);
    close(down[0]);
    close(down[1]);
}

/* ------------------------------------------------------------------ */
/* Names                                                               */
/* ------------------------------------------------------------------ */

Test(w32file, w_forms_take_utf16)
{
    char path[PATH_MAX];
    tmp_path("\xc3\xa9t\xc3\xa9.dat", path); /* "été.dat" */
    WCHAR w[PATH_MAX];
    cr_assert_gt(MultiByteToWideChar(CP_UTF8, 0, path, -1, w, PATH_MAX), 0);
    HANDLE h = CreateFileW(w, GENERIC_WRITE, 0, NULL, CREATE_NEW, 0, NULL);
    cr_assert_neq(h, INVALID_HANDLE_VALUE);
    cr_assert(CloseHandle(h));
    cr_assert_eq(access(path, F_OK), 0, "the W name was not converted to UTF-8");
    cr_assert_eq(GetFileAttributesW(w), FILE_ATTRIBUTE_ARCHIVE);
    cr_assert(DeleteFileW(w));
    cr_assert_eq(access(path, F_OK), -1);
}

Test(w32file, backslashes_and_drive_letters)
{
    char path[PATH_MAX], win[PATH_MAX + 2];
    int fd = tmp_file("f", 3, path);
    close(fd);
    snprintf(win, sizeof win, "C:%s", path);
    for (char *c = win; *c; c++)
        if (*c == '/')
            *c = '\\';
    HANDLE h = CreateFileA(win, GENERIC_READ, 0, NULL, OPEN_EXISTING, 0, NULL);
    cr_assert_neq(h, INVALID_HANDLE_VALUE);
    cr_assert_eq(GetFileSize(h, NULL), 3);
    cr_assert(CloseHandle(h));
}

Test(w32file, read_only_files)
{
    char path[PATH_MAX];
    tmp_path("ro", path);
    HANDLE h = CreateFileA(path, GENERIC_READ | GENERIC_WRITE, 0, NULL, CREATE_NEW,
                           FILE_ATTRIBUTE_READONLY, NULL);
    cr_assert_neq(h, INVALID_HANDLE_VALUE);
    cr_assert(WriteFile(h, "x", 1, NULL, NULL), "the creating handle may write");
    cr_assert(CloseHandle(h));
    cr_assert_eq(GetFileAttributesA(path), FILE_ATTRIBUTE_ARCHIVE | FILE_ATTRIBUTE_READONLY);
    assert_fails(DeleteFileA(path), ERROR_ACCESS_DENIED);
    cr_assert_eq(chmod(path, 0600), 0);
    cr_assert(DeleteFileA(path));
}

Test(w32file, temp_file_names_are_unique_and_created)
{
    char names[64][MAX_PATH];
    for (int i = 0; i < 64; i++) {
        UINT u = GetTempFileNameA(tmp_dir(), "abcdef", 0, names[i]);
        cr_assert_neq(u, 0);
        cr_assert_eq(GetLastError(), 0);
        cr_assert_eq(access(names[i], F_OK), 0);
        char want[32];
        snprintf(want, sizeof want, "/abc%x.tmp", u);
        cr_assert_not_null(strstr(names[i], want), "%s for %x", names[i], u);
        for (int j = 0; j < i; j++)
            cr_assert_str_neq(names[i], names[j]);
    }
    WCHAR wdir[MAX_PATH], wout[MAX_PATH];
    cr_assert_gt(GetTempPathW(MAX_PATH, wdir), 0);
    UINT u = GetTempFileNameW(wdir, NULL, 0, wout);
    cr_assert_neq(u, 0);
    cr_assert(DeleteFileW(wout));
    char missing[PATH_MAX];
    tmp_path("nodir", missing);
    cr_assert_eq(GetTempFileNameA(missing, "x", 0, names[0]), 0);
    cr_assert_eq(GetLastError(), ERROR_DIRECTORY);
}

Test(w32file, temp_path_follows_tmpdir)
{
    char buf[PATH_MAX];
    cr_assert_eq(setenv("TMPDIR", "/var/tmp", 1), 0);
    cr_assert_eq(GetTempPathA(sizeof buf, buf), 9);
    cr_assert_str_eq(buf, "/var/tmp/");
    cr_assert_eq(GetTempPathA(9, buf), 10, "too small: the size with the NUL");
    cr_assert_eq(GetTempPathA(0, NULL), 10);
    cr_assert_eq(setenv("TMPDIR", "/var/tmp/", 1), 0);
    cr_assert_eq(GetTempPathA(sizeof buf, buf), 9);
    cr_assert_eq(unsetenv("TMPDIR"), 0);
    cr_assert_eq(GetTempPathA(sizeof buf, buf), 5);
    cr_assert_str_eq(buf, "/tmp/");
    WCHAR w[8];
    cr_assert_eq(GetTempPathW(8, w), 5);
    cr_assert_eq(w[4], '/');
    cr_assert_eq(GetTempPathW(5, w), 6);
    cr_assert_eq(GetTempPathA(10, NULL), 0);
    cr_assert_eq(GetLastError(), ERROR_INVALID_PARAMETER);
}

Test(w32file, openfile_fills_ofstruct)
{
    char path[PATH_MAX];
    int fd = tmp_file("of", 4, path);
    close(fd);
    OFSTRUCT of;
    memset(&of, 0x55, sizeof of);
    HFILE hf = OpenFile(path, &of, OF_READ);
    cr_assert_neq(hf, HFILE_ERROR);
    cr_assert_eq(of.cBytes, sizeof of);
    cr_assert_eq(of.nErrCode, 0);
    cr_assert_str_eq(of.szPathName, path);
    cr_assert_eq(GetFileSize((HANDLE)(INT_PTR)hf, NULL), 4);
    cr_assert(CloseHandle((HANDLE)(INT_PTR)hf));
    /* OF_REOPEN takes the name stored last time. */
    hf = OpenFile(NULL, &of, OF_REOPEN | OF_READWRITE);
    cr_assert_neq(hf, HFILE_ERROR);
    cr_assert(WriteFile((HANDLE)(INT_PTR)hf, "z", 1, NULL, NULL));
    cr_assert(CloseHandle((HANDLE)(INT_PTR)hf));
    cr_assert_eq(OpenFile(path, &of, OF_PARSE), 0);
    cr_assert_eq(OpenFile(path, &of, OF_DELETE), 1);
    cr_assert_eq(OpenFile(path, &of, OF_EXIST), HFILE_ERROR);
    cr_assert_eq(of.nErrCode, ERROR_FILE_NOT_FOUND);
}
