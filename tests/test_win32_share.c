/*
 * test_win32_share.c — CreateFile share modes (src/win32/share.c) where the
 * conformance program (tests/win32/file_sharing.c: the whole matrix, a
 * child, duplicates, DeleteFile) cannot look: a holder killed with SIGKILL
 * lifts its record at once, racing exclusive opens never both win, the
 * record lives on the handle's own description (one more descriptor only
 * for a write-only handle) and with a child that inherited it, and a
 * refused truncating open changes nothing.
 */
#include <pthread.h>
#include <stdatomic.h>

#include "helpers.h"

#include "w32_helpers.h"

TestSuite(w32share, .fini = tmp_cleanup, .timeout = 60);

static HANDLE op(const char *path, DWORD access, DWORD share, DWORD disp)
{
    return CreateFileA(path, access, share, NULL, disp, 0, NULL);
}

static void make_file(const char *name, char *path)
{
    int fd = tmp_file(name, 64, path);
    close(fd);
}

Test(w32share, a_killed_holder_lifts_its_record)
{
    char path[PATH_MAX];
    make_file("f", path);
    int ready[2];
    cr_assert_eq(pipe(ready), 0);
    fflush(NULL);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        close(ready[0]);
        HANDLE h = op(path, GENERIC_READ | GENERIC_WRITE, 0, OPEN_EXISTING);
        char c = h == INVALID_HANDLE_VALUE ? 'x' : 'k';
        if (write(ready[1], &c, 1) != 1)
            _exit(1);
        for (;;)
            pause(); /* holds it until killed */
    }
    close(ready[1]);
    char c = 0;
    cr_assert_eq(read(ready[0], &c, 1), 1);
    close(ready[0]);
    cr_assert_eq(c, 'k', "the child could not open the file");
    SetLastError(0);
    HANDLE h = op(path, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, OPEN_EXISTING);
    DWORD e = GetLastError();
    cr_assert_eq(h, INVALID_HANDLE_VALUE, "opened a file another process holds unshared");
    cr_assert_eq(e, ERROR_SHARING_VIOLATION, "last error %u", (unsigned)e);
    int st;
    cr_assert_eq(kill(pid, SIGKILL), 0);
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    h = op(path, GENERIC_READ, 0, OPEN_EXISTING);
    cr_assert_neq(h, INVALID_HANDLE_VALUE, "the killed holder's record outlived it: %u",
                  (unsigned)GetLastError());
    cr_assert(CloseHandle(h));
}

#define ROUNDS 200

/* Two threads open the same path at once, exclusively (share 0), ROUNDS
 * times with disposition disp; after each round the main thread looks at
 * both results (look(), which may also remove the file), and the winners
 * close.  Returns the rounds that had exactly one winner; two winners in a
 * round fail the test. */
struct race {
    const char *path;
    DWORD disp;
    pthread_barrier_t go, done;
    HANDLE got[2];
    atomic_int next;
};

static void *racer(void *arg)
{
    struct race *r = arg;
    int me = atomic_fetch_add(&r->next, 1);
    for (int i = 0; i < ROUNDS; i++) {
        pthread_barrier_wait(&r->go);
        r->got[me] = op(r->path, GENERIC_READ | GENERIC_WRITE, 0, r->disp);
        pthread_barrier_wait(&r->done);
        pthread_barrier_wait(&r->go); /* the main thread has looked */
        if (r->got[me] != INVALID_HANDLE_VALUE)
            CloseHandle(r->got[me]);
        pthread_barrier_wait(&r->done);
    }
    return NULL;
}

static int race(const char *path, DWORD disp, void (*look)(const struct race *, int round))
{
    struct race r = { .path = path, .disp = disp };
    pthread_barrier_init(&r.go, NULL, 3);
    pthread_barrier_init(&r.done, NULL, 3);
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        cr_assert_eq(pthread_create(&t[i], NULL, racer, &r), 0);
    int one = 0;
    for (int i = 0; i < ROUNDS; i++) {
        pthread_barrier_wait(&r.go);
        pthread_barrier_wait(&r.done);
        int wins = (r.got[0] != INVALID_HANDLE_VALUE) + (r.got[1] != INVALID_HANDLE_VALUE);
        cr_assert_lt(wins, 2, "round %d: both exclusive opens succeeded", i);
        one += wins == 1;
        if (look)
            look(&r, i);
        pthread_barrier_wait(&r.go);
        pthread_barrier_wait(&r.done);
        if (disp != OPEN_EXISTING)
            unlink(path); /* the next round creates it again */
    }
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    return one;
}

Test(w32share, racing_exclusive_opens_never_both_win)
{
    char path[PATH_MAX];
    make_file("f", path);
    int one = race(path, OPEN_EXISTING, NULL);
    cr_log_info("%d of %d rounds with one winner", one, ROUNDS);
    cr_assert_gt(one, ROUNDS / 2, "only %d of %d rounds had a winner", one, ROUNDS);
}

/* Two creators racing for a file that does not exist yet, neither sharing:
 * one makes it, the other opens it, one of them wins; the loser must never
 * remove the file the winner now holds. */
static void winner_holds_a_linked_file(const struct race *r, int round)
{
    for (int k = 0; k < 2; k++) {
        if (r->got[k] == INVALID_HANDLE_VALUE)
            continue;
        struct stat st;
        cr_assert_eq(fstat(fd_of_handle(r->got[k]), &st), 0);
        cr_assert_gt(st.st_nlink, 0, "round %d: the winner holds a removed file", round);
    }
}

Test(w32share, a_losing_creator_leaves_the_winners_file)
{
    char path[PATH_MAX];
    tmp_path("race", path);
    race(path, OPEN_ALWAYS, winner_holds_a_linked_file);
}

/* The record lives on the handle's own description; only a write-only
 * handle (which cannot hold read locks) needs one more. */
Test(w32share, descriptors_of_a_record)
{
    char path[PATH_MAX];
    make_file("f", path);
    HANDLE first = op(path, GENERIC_READ, 7, OPEN_EXISTING);
    cr_assert_neq(first, INVALID_HANDLE_VALUE);
    int before = count_fds();
    HANDLE r = op(path, GENERIC_READ, 7, OPEN_EXISTING);
    cr_assert_neq(r, INVALID_HANDLE_VALUE);
    cr_assert_eq(count_fds(), before + 1, "a read handle: %d more", count_fds() - before);
    HANDLE w = op(path, GENERIC_WRITE, 7, OPEN_EXISTING);
    cr_assert_neq(w, INVALID_HANDLE_VALUE);
    cr_assert_eq(count_fds(), before + 3, "a write-only handle and its record");
    /* The write-only handle's record is seen: a reader that shares no
     * writing is refused. */
    SetLastError(0);
    cr_assert_eq(op(path, GENERIC_READ, FILE_SHARE_READ, OPEN_EXISTING), INVALID_HANDLE_VALUE);
    cr_assert_eq(GetLastError(), ERROR_SHARING_VIOLATION);
    HANDLE a = op(path, 0, 0, OPEN_EXISTING); /* attributes only: no record */
    cr_assert_neq(a, INVALID_HANDLE_VALUE);
    cr_assert_eq(count_fds(), before + 4);
    cr_assert(CloseHandle(a));
    cr_assert(CloseHandle(w));
    cr_assert(CloseHandle(r));
    cr_assert_eq(count_fds(), before, "closing left %d descriptors", count_fds() - before);
    HANDLE x = op(path, GENERIC_READ, FILE_SHARE_READ, OPEN_EXISTING);
    cr_assert_neq(x, INVALID_HANDLE_VALUE, "a closed writer's record outlived it");
    cr_assert(CloseHandle(x));
    cr_assert(CloseHandle(first));
}

/* A child started with the handle inherited holds the same file object:
 * the record stays while the child keeps it, after the parent closed. */
Test(w32share, an_inherited_handle_keeps_the_record)
{
    char path[PATH_MAX];
    make_file("f", path);
    SECURITY_ATTRIBUTES sa = { sizeof sa, NULL, TRUE };
    HANDLE h = CreateFileA(path, GENERIC_READ, FILE_SHARE_READ, &sa, OPEN_EXISTING, 0, NULL);
    cr_assert_neq(h, INVALID_HANDLE_VALUE);
    int go[2];
    cr_assert_eq(pipe(go), 0);
    fflush(NULL);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) { /* keeps the description, as an exec'd child would */
        close(go[1]);
        char c;
        ssize_t n = read(go[0], &c, 1);
        _exit(n == 1 ? 0 : 1);
    }
    close(go[0]);
    cr_assert(CloseHandle(h));
    SetLastError(0);
    cr_assert_eq(op(path, GENERIC_WRITE, 7, OPEN_EXISTING), INVALID_HANDLE_VALUE,
                 "the child's copy of the open does not count");
    cr_assert_eq(GetLastError(), ERROR_SHARING_VIOLATION);
    cr_assert_eq(write(go[1], "x", 1), 1);
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    HANDLE w = op(path, GENERIC_WRITE, 7, OPEN_EXISTING);
    cr_assert_neq(w, INVALID_HANDLE_VALUE, "the record outlived the child");
    cr_assert(CloseHandle(w));
}

Test(w32share, a_refused_truncating_open_changes_nothing)
{
    char path[PATH_MAX];
    make_file("f", path);
    HANDLE h = op(path, GENERIC_READ, FILE_SHARE_READ, OPEN_EXISTING);
    cr_assert_neq(h, INVALID_HANDLE_VALUE);
    SetLastError(0);
    cr_assert_eq(op(path, GENERIC_WRITE, FILE_SHARE_READ, CREATE_ALWAYS), INVALID_HANDLE_VALUE);
    cr_assert_eq(GetLastError(), ERROR_SHARING_VIOLATION);
    cr_assert_eq(op(path, GENERIC_WRITE, FILE_SHARE_READ, TRUNCATE_EXISTING),
                 INVALID_HANDLE_VALUE);
    cr_assert_eq(GetLastError(), ERROR_SHARING_VIOLATION);
    struct stat st;
    cr_assert_eq(stat(path, &st), 0);
    cr_assert_eq(st.st_size, 64, "a refused open cut the file to %lld", (long long)st.st_size);
    cr_assert(CloseHandle(h));
}

/* A program's own whole-file lock over the record bytes hides them: the
 * file's opens are then not refused (rather than all refused). */
Test(w32share, a_foreign_whole_file_lock_does_not_refuse_every_open)
{
    char path[PATH_MAX];
    make_file("f", path);
    int ready[2];
    cr_assert_eq(pipe(ready), 0);
    fflush(NULL);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        close(ready[0]);
        int fd = open(path, O_RDONLY);
        struct flock fl = { .l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0 };
        char c = fd >= 0 && fcntl(fd, F_SETLK, &fl) == 0 ? 'k' : 'x';
        if (write(ready[1], &c, 1) != 1)
            _exit(1);
        for (;;)
            pause();
    }
    close(ready[1]);
    char c = 0;
    cr_assert_eq(read(ready[0], &c, 1), 1);
    cr_assert_eq(c, 'k');
    HANDLE h = op(path, GENERIC_READ, 7, OPEN_EXISTING);
    DWORD e = GetLastError();
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    cr_assert_neq(h, INVALID_HANDLE_VALUE, "refused beside a foreign lock: %u", (unsigned)e);
    cr_assert(CloseHandle(h));
}

/* FILE_FLAG_DELETE_ON_CLOSE through a symbolic link removes the file that
 * was opened (Windows follows the link), not the link. */
Test(w32share, delete_on_close_through_a_link_removes_the_target)
{
    char path[PATH_MAX], link[PATH_MAX];
    make_file("target", path);
    tmp_path("link", link);
    cr_assert_eq(symlink(path, link), 0);
    HANDLE h = CreateFileA(link, GENERIC_READ | GENERIC_WRITE, 7, NULL, OPEN_EXISTING,
                           FILE_FLAG_DELETE_ON_CLOSE, NULL);
    cr_assert_neq(h, INVALID_HANDLE_VALUE);
    cr_assert(CloseHandle(h));
    cr_assert_eq(access(path, F_OK), -1, "the target outlived its last handle");
    struct stat st;
    cr_assert_eq(lstat(link, &st), 0, "the link was removed instead");
    unlink(link);
}
