/*
 * guard.c — in-page errors as error codes instead of SIGBUS.
 *
 * Linux raises SIGBUS when a view's backing cannot supply a page: the file
 * was truncated under the view by a process outside mmf, an I/O error, a
 * full tmpfs behind a reserve-only section.  Windows raises
 * EXCEPTION_IN_PAGE_ERROR, which programs catch with __try/__except.  Here
 * a thread marks the range it is about to touch, and a process-wide SIGBUS
 * handler jumps back to the mark when the faulting address is inside it.
 *
 * Traps handled:
 *  - the mark is per thread (a fault is delivered to the thread that
 *    faulted) and marks nest (a guarded block may call another);
 *  - the thread-local mark uses the initial-exec TLS model: the first
 *    access to a dynamic TLS variable may allocate, which a signal handler
 *    must not do;
 *  - a SIGBUS outside every mark (or one sent by kill(), with no address)
 *    goes to the handler that was there before ours, or, if that was the
 *    default, the default action is restored and the fault happens again,
 *    so the process dies exactly as it would have without mmf;
 *  - the jump restores the signal mask (sigsetjmp(..., 1)): the handler
 *    runs with SIGBUS blocked, and leaving it by a jump would otherwise
 *    keep it blocked, turning the next fault into a silent kill.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>

#include "internal.h"

struct mark {
    uintptr_t    lo, hi;   /* the guarded range [lo, hi) */
    sigjmp_buf   jb;
    struct mark *outer;
};

static __thread struct mark *current __attribute__((tls_model("initial-exec")));

static struct sigaction previous;
static pthread_once_t installed = PTHREAD_ONCE_INIT;
static int install_error;

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
    uintptr_t a = (uintptr_t)si->si_addr;
    for (struct mark *m = current; m; m = m->outer)
        if (si->si_code > 0 && a >= m->lo && a < m->hi) {
            current = m->outer;
            siglongjmp(m->jb, 1);
        }
    /* Not ours. */
    if (previous.sa_flags & SA_SIGINFO) {
        previous.sa_sigaction(sig, si, uc);
    } else if (previous.sa_handler != SIG_DFL && previous.sa_handler != SIG_IGN) {
        previous.sa_handler(sig);
    } else {
        /* Default (or ignored, which for a fault cannot be honoured):
         * the fault repeats when we return, and kills. */
        signal(SIGBUS, SIG_DFL);
    }
}

static void install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_sigbus;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGBUS, &sa, &previous) < 0)
        install_error = -errno;
}

static int ready(void)
{
    pthread_once(&installed, install);
    return install_error;
}

int mmf_guard(const void *addr, size_t len, int (*fn)(void *arg), void *arg)
{
    if (!fn || (uintptr_t)addr + len < (uintptr_t)addr)
        return -EINVAL;
    int rc = ready();
    if (rc < 0)
        return rc;
    struct mark m = { .lo = (uintptr_t)addr, .hi = (uintptr_t)addr + len, .outer = current };
    if (sigsetjmp(m.jb, 1)) {
        /* Back from the handler: current was already popped. */
        return MMF_EINPAGE;
    }
    current = &m;
    rc = fn(arg);
    current = m.outer;
    return rc;
}

struct copy {
    void       *dst;
    const void *src;
    size_t      len;
};

static int do_copy(void *arg)
{
    struct copy *c = arg;
    /* volatile: the compiler must not move the copy out of the mark */
    volatile unsigned char *d = c->dst;
    const volatile unsigned char *s = c->src;
    size_t n = c->len, i = 0;
    for (; i + sizeof(uint64_t) <= n && ((uintptr_t)(s + i) % 8 == 0) &&
           ((uintptr_t)(d + i) % 8 == 0);
         i += sizeof(uint64_t))
        *(volatile uint64_t *)(d + i) = *(const volatile uint64_t *)(s + i);
    for (; i < n; i++)
        d[i] = s[i];
    return 0;
}

/* [p, p + len) must lie inside one view, in pages that allow `need`
 * (MMF_PAGE_READ or _WRITE): a protection fault is SIGSEGV, which is a bug
 * to report, not an in-page error to catch. */
static int in_view(const void *p, size_t len, unsigned need)
{
    uintptr_t a = (uintptr_t)p, end = a + len;
    if (end < a)
        return MMF_ENOTVIEW;
    mmf_view_info vi;
    int rc = mmf_view_query(p, &vi);
    if (rc < 0)
        return rc;
    if (end > (uintptr_t)vi.view_base + vi.view_size)
        return MMF_ENOTVIEW;
    for (;;) {
        unsigned pr = vi.protection;
        int ok = need == MMF_PAGE_WRITE ? (pr & (MMF_PAGE_WRITE | MMF_PAGE_COPY)) != 0
                                        : (pr & MMF_PAGE_READ) != 0;
        if (!ok)
            return -EACCES;
        uintptr_t next = (uintptr_t)vi.region_base + vi.region_size;
        if (next >= end)
            return 0;
        if ((rc = mmf_view_query((const void *)next, &vi)) < 0)
            return rc;
    }
}

int mmf_view_read(const void *view_addr, void *buf, size_t len)
{
    if (len == 0)
        return 0;
    if (!buf)
        return -EINVAL;
    int rc = in_view(view_addr, len, MMF_PAGE_READ);
    if (rc < 0)
        return rc;
    struct copy c = { buf, view_addr, len };
    return mmf_guard(view_addr, len, do_copy, &c);
}

int mmf_view_write(void *view_addr, const void *buf, size_t len)
{
    if (len == 0)
        return 0;
    if (!buf)
        return -EINVAL;
    int rc = in_view(view_addr, len, MMF_PAGE_WRITE);
    if (rc < 0)
        return rc;
    struct copy c = { view_addr, buf, len };
    return mmf_guard(view_addr, len, do_copy, &c);
}
