/*
 * file_sharing.c - CreateFile share modes: a second open of a file that is
 * open already fails with ERROR_SHARING_VIOLATION (32) when it asks for an
 * access the first does not share, or does not share an access the first
 * has; handles with no data access (0, attributes only) take no part.  The
 * matrix: first open (access x share) against second open (access x
 * share), one line per first open, one character per second: '.' opened,
 * 'S' sharing violation, 'E' another error.  Then: the check holds across
 * processes, a duplicate keeps the first open's share record, closing
 * the first open lifts it, and DeleteFile is an open for delete.
 * Spec: CreateFile (dwShareMode), DuplicateHandle, DeleteFile.
 */
#include "w32test.h"

static const DWORD accs[] = { 0, GENERIC_READ, GENERIC_WRITE, GENERIC_READ | GENERIC_WRITE,
                              DELETE, FILE_READ_ATTRIBUTES };
static const char *const acc_names[] = { "0", "R", "W", "RW", "D", "A" };
static const DWORD shares[] = { 0,
                                FILE_SHARE_READ,
                                FILE_SHARE_WRITE,
                                FILE_SHARE_DELETE,
                                FILE_SHARE_READ | FILE_SHARE_WRITE,
                                FILE_SHARE_READ | FILE_SHARE_DELETE,
                                FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                                FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE };
static const char *const share_names[] = { "-", "r", "w", "d", "rw", "rd", "wd", "rwd" };
#define NA (sizeof accs / sizeof *accs)
#define NS (sizeof shares / sizeof *shares)

static HANDLE op(const char *p, DWORD a, DWORD s)
{
    return CreateFileA(p, a, s, NULL, OPEN_EXISTING, 0, NULL);
}

int main(int argc, char **argv)
{
    char p[MAX_PATH], args[MAX_PATH + 64];
    if (argc >= 5 && strcmp(argv[1], "child") == 0) {
        /* child <path> <access index> <share index>: try one open */
        HANDLE h = op(argv[2], accs[atoi(argv[3])], shares[atoi(argv[4])]);
        if (h != INVALID_HANDLE_VALUE) {
            CloseHandle(h);
            return 0;
        }
        return (int)GetLastError();
    }
    t_init();
    t_path(p, sizeof p, "share");
    if (!t_make_file(p, 16))
        return 1;

    for (size_t a1 = 0; a1 < NA; a1++) {
        for (size_t s1 = 0; s1 < NS; s1++) {
            HANDLE h1 = op(p, accs[a1], shares[s1]);
            if (h1 == INVALID_HANDLE_VALUE) {
                printf("%s/%s: first open failed err=%lu\n", acc_names[a1], share_names[s1], ERR());
                continue;
            }
            char row[NA * (NS + 1) + 1];
            size_t k = 0;
            for (size_t a2 = 0; a2 < NA; a2++) {
                for (size_t s2 = 0; s2 < NS; s2++) {
                    SetLastError(BADLE);
                    HANDLE h2 = op(p, accs[a2], shares[s2]);
                    if (h2 != INVALID_HANDLE_VALUE) {
                        row[k++] = '.';
                        CloseHandle(h2);
                    } else {
                        row[k++] = GetLastError() == ERROR_SHARING_VIOLATION ? 'S' : 'E';
                    }
                }
                row[k++] = ' ';
            }
            row[k - 1] = '\0';
            printf("%s/%s: %s\n", acc_names[a1], share_names[s1], row);
            CloseHandle(h1);
        }
    }

    /* Across processes: we hold it for reading, sharing nothing. */
    HANDLE h = op(p, GENERIC_READ, 0);
    PROCESS_INFORMATION pi;
    snprintf(args, sizeof args, "child \"%s\" 1 7", p); /* R, share all */
    res("spawn_read", t_spawn(args, FALSE, &pi));
    printf("child read while held: %lu\n", UL(t_join(&pi)));
    snprintf(args, sizeof args, "child \"%s\" 5 0", p); /* attributes only */
    res("spawn_attr", t_spawn(args, FALSE, &pi));
    printf("child attributes while held: %lu\n", UL(t_join(&pi)));

    /* A duplicate is the same open: the record stays until both close. */
    HANDLE d;
    res("dup", DuplicateHandle(GetCurrentProcess(), h, GetCurrentProcess(), &d, 0, FALSE,
                               DUPLICATE_SAME_ACCESS));
    res("close_original", CloseHandle(h));
    SetLastError(BADLE);
    HANDLE w = op(p, GENERIC_WRITE, T_SHARE_ALL);
    res_err("write_while_dup_held", w != INVALID_HANDLE_VALUE);
    if (w != INVALID_HANDLE_VALUE)
        CloseHandle(w);
    res("close_dup", CloseHandle(d));
    w = op(p, GENERIC_WRITE, T_SHARE_ALL);
    res("write_after_all_closed", w != INVALID_HANDLE_VALUE);
    if (w != INVALID_HANDLE_VALUE)
        CloseHandle(w);
    snprintf(args, sizeof args, "child \"%s\" 1 0", p);
    res("spawn_after", t_spawn(args, FALSE, &pi));
    printf("child read after close: %lu\n", UL(t_join(&pi)));

    /* A writable mapping is a writer while it exists, after its file
     * handle closed too: an open that does not share writing is refused,
     * even one with no access; a read-only mapping is not. */
    HANDLE f = op(p, GENERIC_READ | GENERIC_WRITE, T_SHARE_ALL);
    HANDLE m = CreateFileMappingA(f, NULL, PAGE_READWRITE, 0, 16, NULL);
    void *v = m ? MapViewOfFile(m, FILE_MAP_WRITE, 0, 0, 0) : NULL;
    res("writable_mapping", m && v);
    CloseHandle(f);
    SetLastError(BADLE);
    HANDLE r = op(p, GENERIC_READ, FILE_SHARE_READ);
    res_err("read_beside_writable_mapping", r != INVALID_HANDLE_VALUE);
    if (r != INVALID_HANDLE_VALUE)
        CloseHandle(r);
    SetLastError(BADLE);
    r = op(p, 0, 0);
    res_err("no_access_beside_writable_mapping", r != INVALID_HANDLE_VALUE);
    if (r != INVALID_HANDLE_VALUE)
        CloseHandle(r);
    r = op(p, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE);
    res("read_sharing_write_beside_it", r != INVALID_HANDLE_VALUE);
    if (r != INVALID_HANDLE_VALUE)
        CloseHandle(r);
    if (v)
        UnmapViewOfFile(v);
    if (m)
        CloseHandle(m);
    r = op(p, GENERIC_READ, FILE_SHARE_READ);
    res("read_after_the_mapping", r != INVALID_HANDLE_VALUE);
    if (r != INVALID_HANDLE_VALUE)
        CloseHandle(r);
    f = op(p, GENERIC_READ, T_SHARE_ALL);
    m = CreateFileMappingA(f, NULL, PAGE_READONLY, 0, 16, NULL);
    CloseHandle(f);
    r = op(p, GENERIC_READ, FILE_SHARE_READ);
    res("read_beside_read_only_mapping", m && r != INVALID_HANDLE_VALUE);
    if (r != INVALID_HANDLE_VALUE)
        CloseHandle(r);
    if (m)
        CloseHandle(m);

    /* OpenFile's OF_SHARE_* modes are share modes. */
    OFSTRUCT of;
    HFILE hf = OpenFile(p, &of, OF_READ | OF_SHARE_EXCLUSIVE);
    res("openfile_exclusive", hf != HFILE_ERROR);
    SetLastError(BADLE);
    r = op(p, GENERIC_READ, T_SHARE_ALL);
    res_err("read_beside_exclusive_openfile", r != INVALID_HANDLE_VALUE);
    if (r != INVALID_HANDLE_VALUE)
        CloseHandle(r);
    if (hf != HFILE_ERROR)
        CloseHandle((HANDLE)(INT_PTR)hf);
    hf = OpenFile(p, &of, OF_READ | OF_SHARE_DENY_WRITE);
    SetLastError(BADLE);
    r = op(p, GENERIC_WRITE, T_SHARE_ALL);
    res_err("write_beside_deny_write_openfile", r != INVALID_HANDLE_VALUE);
    if (r != INVALID_HANDLE_VALUE)
        CloseHandle(r);
    r = op(p, GENERIC_READ, T_SHARE_ALL);
    res("read_beside_deny_write_openfile", r != INVALID_HANDLE_VALUE);
    if (r != INVALID_HANDLE_VALUE)
        CloseHandle(r);
    if (hf != HFILE_ERROR)
        CloseHandle((HANDLE)(INT_PTR)hf);

    /* FILE_FLAG_DELETE_ON_CLOSE asks for delete access. */
    char q[MAX_PATH];
    t_path(q, sizeof q, "share_doc");
    f = CreateFileA(q, GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL,
                    CREATE_ALWAYS, FILE_FLAG_DELETE_ON_CLOSE, NULL);
    res("delete_on_close_open", f != INVALID_HANDLE_VALUE);
    SetLastError(BADLE);
    r = op(q, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE);
    res_err("open_not_sharing_delete_beside_it", r != INVALID_HANDLE_VALUE);
    if (r != INVALID_HANDLE_VALUE)
        CloseHandle(r);
    CloseHandle(f); /* and so the file goes */
    t_make_file(q, 16);
    f = op(q, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE); /* a holder not sharing delete */
    SetLastError(BADLE);
    r = CreateFileA(q, GENERIC_READ, T_SHARE_ALL, NULL, OPEN_EXISTING,
                    FILE_FLAG_DELETE_ON_CLOSE, NULL);
    res_err("delete_on_close_beside_a_holder", r != INVALID_HANDLE_VALUE);
    if (r != INVALID_HANDLE_VALUE)
        CloseHandle(r);
    if (f != INVALID_HANDLE_VALUE)
        CloseHandle(f);
    DeleteFileA(q);

    /* DeleteFile opens for delete: an open that does not share it stops
     * it; without the open it goes. */
    h = op(p, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE);
    SetLastError(BADLE);
    res_err("delete_while_not_shared", DeleteFileA(p));
    printf("still there: %d\n", GetFileAttributesA(p) != INVALID_FILE_ATTRIBUTES);
    res("close_holder", CloseHandle(h));
    res("delete_after_close", DeleteFileA(p));
    printf("gone: %d\n", GetFileAttributesA(p) == INVALID_FILE_ATTRIBUTES);
    return 0;
}
