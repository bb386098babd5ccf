/*
 * test_win32_handles.c — the numbers behind Win32 handles (src/win32/
 * handle.c): a handle with no descriptor of its own reserves its number
 * with a duplicate of one process-wide memfd.  Every handle has a number
 * of its own above the stdio ones, closing gives every descriptor back, and
 * losing the original (closed behind the library's back, its number taken
 * by another descriptor, even one sharing the anonymous inode of eventfds
 * and epolls) costs nothing.
 */
#include <sys/epoll.h>

#include "helpers.h"

#include "w32_helpers.h"

TestSuite(w32handles, .fini = test_cleanup, .timeout = 30);

/* Whether fd is a duplicate of the layer's original ("mmf-handle-number"). */
static int is_placeholder(int fd)
{
    char link[64], target[128];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, target, sizeof target - 1);
    if (n <= 0)
        return 0;
    target[n] = '\0';
    return strncmp(target, "/memfd:mmf-handle-number", 24) == 0;
}

#define MANY 64

Test(w32handles, every_handle_has_its_own_number_and_gives_it_back)
{
    HANDLE first = CreateEventA(NULL, TRUE, FALSE, NULL); /* makes the original */
    cr_assert_not_null(first);
    int before = count_fds();
    HANDLE h[MANY];
    for (int i = 0; i < MANY; i++) {
        h[i] = i % 2 ? CreateEventA(NULL, TRUE, FALSE, NULL)
                     : CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 4096,
                                          NULL);
        cr_assert_not_null(h[i], "handle %d: error %u", i, (unsigned)GetLastError());
        cr_assert_geq(fd_of_handle(h[i]), 3, "handle %d stands for a stdio number", i);
        cr_assert_neq(h[i], first);
        cr_assert(is_placeholder(fd_of_handle(h[i])), "handle %d: not a placeholder", i);
        for (int j = 0; j < i; j++)
            cr_assert_neq(h[i], h[j], "handles %d and %d share a number", i, j);
    }
    for (int i = 0; i < MANY; i++)
        cr_assert(CloseHandle(h[i]), "close %d: error %u", i, (unsigned)GetLastError());
    cr_assert_eq(count_fds(), before, "closing gave back all but %d descriptors",
                 count_fds() - before);
    cr_assert(CloseHandle(first));
}

Test(w32handles, the_original_closed_behind_the_librarys_back)
{
    /* The first handle of the process makes the original: the
     * placeholder that appears with it and is not its number. */
    int old[MAX_FDS], now[MAX_FDS];
    int nold = list_fds(old, MAX_FDS);
    HANDLE a = CreateEventA(NULL, TRUE, FALSE, NULL);
    cr_assert_not_null(a);
    int nnow = list_fds(now, MAX_FDS), closed = 0, base = -1;
    for (int i = 0; i < nnow; i++) {
        int seen = 0;
        for (int j = 0; j < nold; j++)
            seen |= now[i] == old[j];
        if (!seen && now[i] != fd_of_handle(a) && is_placeholder(now[i]) && close(now[i]) == 0) {
            closed++;
            base = now[i];
        }
    }
    cr_assert_eq(closed, 1, "%d new placeholders besides the handle's, expected the original",
                 closed);
    /* And its number taken at once by an epoll of the program's: it shares
     * the anonymous inode of eventfds, so only a memfd original tells. */
    int ep = epoll_create1(EPOLL_CLOEXEC);
    cr_assert_geq(ep, 0);
    if (ep != base) {
        cr_assert_eq(dup2(ep, base), base);
        close(ep);
    }
    HANDLE b = CreateEventA(NULL, TRUE, FALSE, NULL);
    cr_assert_not_null(b, "after the original was closed: error %u", (unsigned)GetLastError());
    cr_assert_neq(a, b);
    /* The number the original had went to the next descriptor opened (the
     * new event's own): b's number must not be a copy of that one. */
    cr_assert(is_placeholder(fd_of_handle(b)), "b's number is a copy of another descriptor");
    cr_assert(SetEvent(b));
    cr_assert_eq(WaitForSingleObject(b, 0), WAIT_OBJECT_0);
    cr_assert_eq(WaitForSingleObject(a, 0), (DWORD)WAIT_TIMEOUT);
    cr_assert(CloseHandle(a));
    cr_assert(CloseHandle(b));
    close(base);
}

/* With stdin closed, the original must not take number 0 for the life of
 * the process: after the handle is closed, 0 is free again. */
Test(w32handles, the_original_never_sits_on_a_stdio_number)
{
    fflush(NULL);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        close(0);
        HANDLE h = CreateEventA(NULL, TRUE, FALSE, NULL);
        if (!h)
            _exit(2);
        if (fd_of_handle(h) < 3)
            _exit(3);
        CloseHandle(h);
        _exit(fcntl(0, F_GETFD) < 0 && errno == EBADF ? 0 : 4);
    }
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert(WIFEXITED(st), "the child crashed");
    cr_assert_eq(WEXITSTATUS(st), 0, "child: %d (2: no handle, 3: a stdio number, 4: number 0 "
                 "still taken after the close)", WEXITSTATUS(st));
}
