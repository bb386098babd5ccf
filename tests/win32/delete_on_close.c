/*
 * delete_on_close.c - FILE_FLAG_DELETE_ON_CLOSE deletes the file when the
 * last handle to its file object closes: the handle CreateFile made and its
 * duplicates, whichever closes last; and when the process that holds it
 * ends without closing it.
 * Spec: CreateFile (FILE_FLAG_DELETE_ON_CLOSE), DuplicateHandle.
 */
#include "w32test.h"

static int present(const char *p)
{
    return GetFileAttributesA(p) != INVALID_FILE_ATTRIBUTES;
}

static HANDLE make(const char *p)
{
    return CreateFileA(p, GENERIC_READ | GENERIC_WRITE, T_SHARE_ALL, NULL, CREATE_ALWAYS,
                       FILE_FLAG_DELETE_ON_CLOSE, NULL);
}

int main(int argc, char **argv)
{
    char p[MAX_PATH], q[MAX_PATH], args[MAX_PATH + 16];
    HANDLE f, d, d2;
    PROCESS_INFORMATION pi;
    DWORD got;

    if (argc >= 3 && strcmp(argv[1], "child") == 0) {
        /* Makes the file and ends without closing it. */
        f = make(argv[2]);
        return f == INVALID_HANDLE_VALUE ? 90 : 7;
    }
    t_init();
    t_path(p, sizeof p, "doc");
    t_path(q, sizeof q, "doc2");

    SetLastError(BADLE);
    f = make(p);
    res_le("create", f != INVALID_HANDLE_VALUE);
    res("write", WriteFile(f, "abc", 3, &got, NULL) && got == 3);
    res("dup", DuplicateHandle(GetCurrentProcess(), f, GetCurrentProcess(), &d, 0, FALSE,
                               DUPLICATE_SAME_ACCESS));
    res("dup2", DuplicateHandle(GetCurrentProcess(), d, GetCurrentProcess(), &d2, 0, FALSE,
                                DUPLICATE_SAME_ACCESS));
    res("close_original", CloseHandle(f));
    printf("after_original_close present=%d\n", present(p));
    res("close_dup", CloseHandle(d));
    printf("after_dup_close present=%d\n", present(p));
    res("close_dup2", CloseHandle(d2));
    printf("after_last_close present=%d\n", present(p));

    /* Two CreateFile calls are two file objects: the flag is the first's. */
    f = make(q);
    d = t_open(q, GENERIC_READ, OPEN_EXISTING);
    res("second_open", d != INVALID_HANDLE_VALUE);
    res("close_second_open", CloseHandle(d));
    printf("after_plain_close present=%d\n", present(q));
    res("close_flagged", CloseHandle(f));
    printf("after_flagged_close present=%d\n", present(q));

    /* A process that ends with the handle open. */
    snprintf(args, sizeof args, "child \"%s\"", p);
    res("spawn", t_spawn(args, FALSE, &pi));
    printf("child exit=%lu\n", UL(t_join(&pi)));
    printf("after_child_exit present=%d\n", present(p));
    DeleteFileA(p);
    DeleteFileA(q);
    return 0;
}
