/*
 * sync-child.c — a helper process for the synchronization tests
 * (test_sync.c).
 *
 * The tests start it with fork+exec (posix_spawn), its stdin and stdout on
 * pipes.  It runs the commands given on its command line in order and
 * answers each on one line of stdout:
 *
 *   mutex NAME OWNED         mmf_mutex_create(OWNED, NAME)      -> "mutex RC"
 *   semaphore NAME INIT MAX  mmf_semaphore_create               -> "semaphore RC"
 *   event NAME MANUAL INIT   mmf_event_create                   -> "event RC"
 *   open TYPE NAME           mmf_sync_open(NAME, TYPE), TYPE one of mutex,
 *                            semaphore, event                   -> "open RC"
 *   wait MS                  mmf_wait on the newest handle; MS "inf" is
 *                            MMF_INFINITE                       -> "wait RC"
 *   release                  mmf_mutex_release                  -> "release RC"
 *   post N                   mmf_semaphore_release(N)   -> "post RC PREV"
 *   set / reset              mmf_event_set / _reset             -> "set RC"
 *   close                    close the newest handle            -> "close RC"
 *   inherit FD               mmf_sync_from_fd_handle(FD): a handle inherited
 *                            through exec (test_sync_handles.c)
 *                                                   -> "inherit RC TYPE"
 *   fdcount                  descriptors open in /proc/self/fd  -> "fdcount N"
 *   execfds                  those of them without FD_CLOEXEC (what an
 *                            exec would pass on)                -> "execfds N"
 *   hold                     print "ready", then wait for a line (or end of
 *                            file) on stdin
 *   count SECTION MUTEX GATE THREADS ITERS
 *                            open the named section SECTION (read-write) and
 *                            map it, open mutex MUTEX and manual-reset event
 *                            GATE, print "ready"; then THREADS threads wait
 *                            for GATE and each add 1 to the 64-bit counter at
 *                            offset 0 of the section ITERS times under the
 *                            mutex, checking that no one else is inside
 *                            (the 32-bit word at offset 8 is the "inside"
 *                            flag, offset 16 counts violations); every
 *                            4th increment yields the CPU between its read
 *                            and its write, so that without mutual
 *                            exclusion updates are lost
 *                                                         -> "count RC"
 *
 * Handles that were created or opened form a stack: commands use the newest.
 * With no handle, commands that need one answer -EINVAL.  After the last
 * command the process exits 0.  Unknown commands: message on stderr, exit 2.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "mmf.h"

#define CHILD_NAME "sync-child"
#define CHILD_HANDLE_T mmf_sync
#include "child_args.h"

static int type_of(const char *s)
{
    if (strcmp(s, "mutex") == 0)
        return MMF_SYNC_MUTEX;
    if (strcmp(s, "semaphore") == 0)
        return MMF_SYNC_SEMAPHORE;
    if (strcmp(s, "event") == 0)
        return MMF_SYNC_EVENT;
    usage("unknown type", s);
}

static mmf_create_options named(const char *name)
{
    mmf_create_options o;
    memset(&o, 0, sizeof o);
    o.name = name;
    return o;
}

static void do_hold(void)
{
    puts("ready");
    fflush(stdout);
    int c;
    while ((c = getchar()) != EOF && c != '\n')
        ;
}

/* The count command. */
struct counter {
    mmf_sync *mutex, *gate;
    volatile uint64_t *value;
    volatile uint32_t *inside, *violations;
    long long iters;
    int rc;
};

static void *count_thread(void *p)
{
    struct counter *c = p;
    int rc = mmf_wait(c->gate, MMF_INFINITE);
    if (rc != MMF_WAIT_OBJECT_0) {
        c->rc = rc < 0 ? rc : -1000 - rc;
        return NULL;
    }
    for (long long i = 0; i < c->iters; i++) {
        rc = mmf_wait(c->mutex, MMF_INFINITE);
        if (rc != MMF_WAIT_OBJECT_0) {
            c->rc = rc < 0 ? rc : -1000 - rc;
            return NULL;
        }
        if (*c->inside != 0)
            (*c->violations)++;
        *c->inside = 1;
        uint64_t v = *c->value;
        if (i % 4 == 0)
            sched_yield(); /* widen the window a lost update needs */
        *c->value = v + 1;
        *c->inside = 0;
        rc = mmf_mutex_release(c->mutex);
        if (rc != 0) {
            c->rc = rc;
            return NULL;
        }
    }
    return NULL;
}

static int do_count(const char *sname, const char *mname, const char *gname, int nthreads,
                    long long iters)
{
    mmf_section *s = NULL;
    void *v = NULL;
    struct counter c[64];
    pthread_t th[64];
    mmf_sync *m = NULL, *g = NULL;
    if (nthreads < 1 || nthreads > 64)
        usage("bad thread count", NULL);
    int rc = mmf_section_open(sname, MMF_ACCESS_READ | MMF_ACCESS_WRITE, &s);
    if (rc == 0)
        rc = mmf_view_map(s, MMF_PAGE_READWRITE, 0, 0, NULL, &v);
    if (rc == 0)
        rc = mmf_sync_open(mname, MMF_SYNC_MUTEX, MMF_SYNC_ACCESS_ALL, &m);
    if (rc == 0)
        rc = mmf_sync_open(gname, MMF_SYNC_EVENT, MMF_SYNC_ACCESS_ALL, &g);
    if (rc != 0) {
        puts("ready");
        return rc;
    }
    puts("ready");
    fflush(stdout);
    for (int t = 0; t < nthreads; t++) {
        c[t].mutex = m;
        c[t].gate = g;
        c[t].value = (volatile uint64_t *)v;
        c[t].inside = (volatile uint32_t *)((char *)v + 8);
        c[t].violations = (volatile uint32_t *)((char *)v + 16);
        c[t].iters = iters;
        c[t].rc = 0;
        if (pthread_create(&th[t], NULL, count_thread, &c[t]) != 0)
            usage("pthread_create failed", NULL);
    }
    for (int t = 0; t < nthreads; t++) {
        pthread_join(th[t], NULL);
        if (c[t].rc != 0 && rc == 0)
            rc = c[t].rc;
    }
    mmf_sync_close(g);
    mmf_sync_close(m);
    mmf_view_unmap(v);
    mmf_section_close(s);
    return rc;
}

int main(int argc, char **argv)
{
    /* Die with the test process (a failed test must not leave us behind). */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    setvbuf(stdout, NULL, _IOLBF, 0);

    for (int i = 1; i < argc;) {
        const char *cmd = argv[i++];
        int rc;
        if (strcmp(cmd, "mutex") == 0) {
            mmf_create_options o = named(arg(argv, argc, i));
            int owned = (int)num(arg(argv, argc, i + 1));
            i += 2;
            mmf_sync *h = NULL;
            rc = mmf_mutex_create(owned, &o, &h);
            if (rc >= 0)
                push(h);
            printf("%s %d\n", cmd, rc);
        } else if (strcmp(cmd, "semaphore") == 0) {
            mmf_create_options o = named(arg(argv, argc, i));
            uint32_t init = (uint32_t)num(arg(argv, argc, i + 1));
            uint32_t max = (uint32_t)num(arg(argv, argc, i + 2));
            i += 3;
            mmf_sync *h = NULL;
            rc = mmf_semaphore_create(init, max, &o, &h);
            if (rc >= 0)
                push(h);
            printf("%s %d\n", cmd, rc);
        } else if (strcmp(cmd, "event") == 0) {
            mmf_create_options o = named(arg(argv, argc, i));
            int manual = (int)num(arg(argv, argc, i + 1));
            int init = (int)num(arg(argv, argc, i + 2));
            i += 3;
            mmf_sync *h = NULL;
            rc = mmf_event_create(manual, init, &o, &h);
            if (rc >= 0)
                push(h);
            printf("%s %d\n", cmd, rc);
        } else if (strcmp(cmd, "open") == 0) {
            int type = type_of(arg(argv, argc, i));
            const char *name = arg(argv, argc, i + 1);
            i += 2;
            mmf_sync *h = NULL;
            rc = mmf_sync_open(name, type, MMF_SYNC_ACCESS_ALL, &h);
            if (rc == 0)
                push(h);
            printf("%s %d\n", cmd, rc);
        } else if (strcmp(cmd, "wait") == 0) {
            const char *ms = arg(argv, argc, i++);
            uint32_t t = strcmp(ms, "inf") == 0 ? MMF_INFINITE : (uint32_t)num(ms);
            rc = top() ? mmf_wait(top(), t) : -EINVAL;
            printf("%s %d\n", cmd, rc);
        } else if (strcmp(cmd, "release") == 0) {
            rc = top() ? mmf_mutex_release(top()) : -EINVAL;
            printf("%s %d\n", cmd, rc);
        } else if (strcmp(cmd, "post") == 0) {
            uint32_t n = (uint32_t)num(arg(argv, argc, i++));
            uint32_t prev = 0;
            rc = top() ? mmf_semaphore_release(top(), n, &prev) : -EINVAL;
            printf("%s %d %u\n", cmd, rc, prev);
        } else if (strcmp(cmd, "set") == 0) {
            rc = top() ? mmf_event_set(top()) : -EINVAL;
            printf("%s %d\n", cmd, rc);
        } else if (strcmp(cmd, "reset") == 0) {
            rc = top() ? mmf_event_reset(top()) : -EINVAL;
            printf("%s %d\n", cmd, rc);
        } else if (strcmp(cmd, "close") == 0) {
            rc = top() ? mmf_sync_close(handles[--nhandles]) : -EINVAL;
            printf("%s %d\n", cmd, rc);
        } else if (strcmp(cmd, "inherit") == 0) {
            int fd = (int)num(arg(argv, argc, i++));
            mmf_sync *h = NULL;
            int type = 0;
            rc = mmf_sync_from_fd_handle(fd, &type, &h);
            if (rc == 0)
                push(h);
            printf("%s %d %d\n", cmd, rc, type);
        } else if (strcmp(cmd, "fdcount") == 0) {
            printf("%s %d\n", cmd, count_fds(0));
        } else if (strcmp(cmd, "execfds") == 0) {
            printf("%s %d\n", cmd, count_fds(1));
        } else if (strcmp(cmd, "hold") == 0) {
            do_hold();
        } else if (strcmp(cmd, "count") == 0) {
            const char *sname = arg(argv, argc, i);
            const char *mname = arg(argv, argc, i + 1);
            const char *gname = arg(argv, argc, i + 2);
            int nthreads = (int)num(arg(argv, argc, i + 3));
            long long iters = num(arg(argv, argc, i + 4));
            i += 5;
            rc = do_count(sname, mname, gname, nthreads, iters);
            printf("%s %d\n", cmd, rc);
        } else {
            usage("unknown command", cmd);
        }
    }
    return 0;
}
