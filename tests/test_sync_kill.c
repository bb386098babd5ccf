/*
 * test_sync_kill.c — a process killed at any moment of its mutex
 * operations never leaves the mutex stuck: the next waiter gets it,
 * signaled or abandoned, never a timeout.  (Before ownership became one
 * 64-bit word, a kill between the two stores of an acquire left a third
 * of such mutexes owned forever.)
 */
#include "helpers.h"

#include <signal.h>
#include <sys/wait.h>
#include <time.h>

TestSuite(sync_kill, .timeout = 120);

Test(sync_kill, killed_mid_acquire_or_release_never_sticks)
{
    unsigned seed = (unsigned)time(NULL) ^ (unsigned)getpid();
    srand(seed);
    for (int i = 0; i < 100; i++) {
        char name[64];
        snprintf(name, sizeof name, "Local\\mmf-kill-%d-%d", (int)getpid(), i);
        mmf_create_options o = { .name = name };
        mmf_sync *m;
        cr_assert_eq(mmf_mutex_create(0, &o, &m), 0);
        int ready[2];
        cr_assert_eq(pipe(ready), 0);
        pid_t c = fork();
        cr_assert_geq(c, 0);
        if (c == 0) {
            mmf_sync *cm;
            if (mmf_sync_open(name, MMF_SYNC_MUTEX, MMF_SYNC_ACCESS_ALL, &cm) < 0)
                _exit(1);
            if (write(ready[1], "r", 1) != 1)
                _exit(1);
            for (;;) {
                mmf_wait(cm, MMF_INFINITE);
                mmf_mutex_release(cm);
            }
        }
        char b;
        cr_assert_eq(read(ready[0], &b, 1), 1);
        close(ready[0]);
        close(ready[1]);
        /* A random moment of the child's loop (the kill point, not a
         * synchronisation). */
        struct timespec ts = { 0, (rand() % 2000) * 1000L };
        nanosleep(&ts, NULL);
        kill(c, SIGKILL);
        waitpid(c, NULL, 0);
        int rc = mmf_wait(m, 2000);
        cr_assert(rc == MMF_WAIT_OBJECT_0 || rc == MMF_WAIT_ABANDONED,
                  "run %d (seed %u): wait returned %d", i, seed, rc);
        cr_assert_eq(mmf_mutex_release(m), 0);
        cr_assert_eq(mmf_sync_close(m), 0);
    }
}
