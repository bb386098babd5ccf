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
