/*
 * mmf-child.c — a helper process for the multi-process tests.
 *
 * The tests start it with fork+exec (posix_spawn), its stdin and stdout on
 * pipes, so it shares nothing with the test but what it opens by name.  It
 * runs the commands given on its command line in order and answers each on
 * one line of stdout:
 *
 *   create NAME SIZE              memory section, MMF_PAGE_READWRITE
 *                                   -> "create RC"
 *   create-prot NAME SIZE PROT    same with a protection (see below)
 *                                   -> "create-prot RC"
 *   create-mode NAME SIZE MODE    same, MODE octal (e.g. 0644) or "everyone"
 *                                   -> "create-mode RC"
 *   create-file NAME PATH SIZE    file section (PATH opened O_RDWR|O_CREAT)
 *                                   -> "create-file RC"
 *   open NAME ACCESS              ACCESS: letters r w x, or a number
 *                                   -> "open RC"
 *   map PROT                      whole-section view of the newest handle;
 *                                 PROT: n r rw c x xr xrw xc, or a number
 *                                   -> "map RC"
 *   write OFFSET TEXT             copy TEXT into the newest view -> "write RC"
 *   read OFFSET LEN               -> "read HEX" (2 hex digits a byte), or
 *                                    "read RC" on error
 *   query                         the newest handle -> "query RC size=S
 *                                   prot=P access=A named=N file=F"
 *   close                         close the newest handle -> "close RC"
 *   closeall                      close every handle -> "closeall RC"
 *   unmap                         unmap the newest view -> "unmap RC"
 *   gc                            mmf_registry_gc() -> "gc RC"
 *   hold                          print "ready", then wait for a line (or
 *                                 end of file) on stdin
 *   churn NAME                    print "ready", then create/open/map/
 *                                 unmap/close NAME in a loop until killed;
 *                                 exits 10+ on an unexpected result
 *
 * Numbers are decimal, or hex with 0x, or octal with a leading 0.  A handle
 * or view that does not exist gives -EINVAL; a write to a view that is not
 * writable gives -EACCES (the child never faults on purpose).  After the
 * last command the process exits 0 without closing anything (exit closes
 * its handles, as on Windows).  Unknown commands: message on stderr, exit 2.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "mmf.h"

#define MAX_HANDLES 64
#define MAX_VIEWS   64

static mmf_section *handles[MAX_HANDLES];
static int nhandles;
static char *views[MAX_VIEWS];
static int nviews;

__attribute__((noreturn))
static void usage(const char *why, const char *arg)
{
    fprintf(stderr, "mmf-child: %s%s%s\n", why, arg ? ": " : "", arg ? arg : "");
    exit(2);
}

static uint64_t num(const char *s)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || end == s || *end)
        usage("not a number", s);
    return (uint64_t)v;
}

/* "r", "w", "x" in any order, or a number. */
static unsigned parse_access(const char *s)
{
    if (*s >= '0' && *s <= '9')
        return (unsigned)num(s);
    unsigned a = 0;
    for (const char *p = s; *p; p++) {
        if (*p == 'r')
            a |= MMF_ACCESS_READ;
        else if (*p == 'w')
            a |= MMF_ACCESS_WRITE;
        else if (*p == 'x')
            a |= MMF_ACCESS_EXECUTE;
        else
            usage("bad access", s);
    }
    return a;
}

static unsigned parse_prot(const char *s)
{
    static const struct { const char *name; unsigned prot; } tab[] = {
        { "n", MMF_PAGE_NOACCESS },          { "r", MMF_PAGE_READONLY },
        { "rw", MMF_PAGE_READWRITE },        { "c", MMF_PAGE_WRITECOPY },
        { "x", MMF_PAGE_EXECUTE },           { "xr", MMF_PAGE_EXECUTE_READ },
        { "xrw", MMF_PAGE_EXECUTE_READWRITE }, { "xc", MMF_PAGE_EXECUTE_WRITECOPY },
    };
    if (*s >= '0' && *s <= '9')
        return (unsigned)num(s);
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
        if (strcmp(s, tab[i].name) == 0)
            return tab[i].prot;
    usage("bad protection", s);
}

static void push_handle(mmf_section *s)
{
    if (nhandles == MAX_HANDLES)
        usage("too many handles", NULL);
    handles[nhandles++] = s;
}

static int do_create(const char *name, uint64_t size, unsigned prot,
                     const mmf_create_options *base, int fd)
{
    mmf_create_options o;
    if (base)
        o = *base;
    else
        memset(&o, 0, sizeof o);
    o.name = name;
    mmf_section *s = NULL;
    int rc = mmf_section_create(fd, size, prot, 0, &o, &s);
    if (rc >= 0)
        push_handle(s);
    return rc;
}

/* The newest view and its size, or NULL. */
static char *cur_view(uint64_t *size, unsigned *prot)
{
    if (nviews == 0)
        return NULL;
    mmf_view_info vi;
    if (mmf_view_query(views[nviews - 1], &vi) != 0)
        return NULL;
    *size = vi.view_size < vi.section_size - vi.offset ? vi.view_size
                                                      : vi.section_size - vi.offset;
    *prot = vi.protection;
    return views[nviews - 1];
}

static int do_write(uint64_t off, const char *text)
{
    uint64_t size;
    unsigned prot;
    char *v = cur_view(&size, &prot);
    size_t n = strlen(text);
    if (!v || off > size || n > size - off)
        return -EINVAL;
    if (!(prot & (MMF_PAGE_WRITE | MMF_PAGE_COPY)))
        return -EACCES;
    memcpy(v + off, text, n);
    return 0;
}

static void do_read(uint64_t off, uint64_t len)
{
    uint64_t size;
    unsigned prot;
    char *v = cur_view(&size, &prot);
    if (!v || off > size || len > size - off) {
        printf("read %d\n", -EINVAL);
        return;
    }
    if (!(prot & MMF_PAGE_READ)) {
        printf("read %d\n", -EACCES);
        return;
    }
    fputs("read ", stdout);
    for (uint64_t i = 0; i < len; i++)
        printf("%02x", (unsigned char)v[off + i]);
    putchar('\n');
}

static void do_hold(void)
{
    puts("ready");
    fflush(stdout);
    int c;
    while ((c = getchar()) != EOF && c != '\n')
        ;
}

/* Exits with @code when @cond is false (the test sees it in the status). */
static void churn_check(int cond, int code, pid_t parent)
{
    if (!cond)
        _exit(code);
    if (getppid() != parent) /* the test is gone */
        _exit(0);
}

static void churn(const char *name)
{
    pid_t parent = getppid();
    mmf_create_options o;
    memset(&o, 0, sizeof o);
    o.name = name;
    puts("ready");
    fflush(stdout);
    for (unsigned long i = 0;; i++) {
        mmf_section *a = NULL, *b = NULL;
        void *v = NULL;
        int rc = mmf_section_create(-1, 4096, MMF_PAGE_READWRITE, 0, &o, &a);
        churn_check(rc == 0, 10, parent);
        rc = mmf_section_open(name, MMF_ACCESS_READ | MMF_ACCESS_WRITE, &b);
        churn_check(rc == 0, 11, parent);
        rc = mmf_view_map(b, MMF_PAGE_READWRITE, 0, 0, NULL, &v);
        churn_check(rc == 0, 12, parent);
        volatile unsigned char *c = v;
        churn_check(c[0] == 0 && c[4095] == 0, 13, parent); /* a new object */
        c[0] = (unsigned char)(i | 1);
        c[4095] = 0xa5;
        if (i & 1) { /* close with the view still mapped, then unmap */
            churn_check(mmf_section_close(a) == 0, 14, parent);
            churn_check(mmf_section_close(b) == 0, 15, parent);
            churn_check(mmf_view_unmap(v) == 0, 16, parent);
        } else {
            churn_check(mmf_view_unmap(v) == 0, 17, parent);
            churn_check(mmf_section_close(b) == 0, 18, parent);
            churn_check(mmf_section_close(a) == 0, 19, parent);
        }
    }
}

static const char *arg(char **argv, int argc, int i)
{
    if (i >= argc)
        usage("missing argument after", argv[argc - 1]);
    return argv[i];
}

int main(int argc, char **argv)
{
    /* Die with the test process (a failed test must not leave us behind). */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    setvbuf(stdout, NULL, _IOLBF, 0);

    for (int i = 1; i < argc;) {
        const char *cmd = argv[i++];
        int rc;
        if (strcmp(cmd, "create") == 0) {
            const char *name = arg(argv, argc, i);
            uint64_t size = num(arg(argv, argc, i + 1));
            i += 2;
            rc = do_create(name, size, MMF_PAGE_READWRITE, NULL, -1);
            printf("%s %d\n", cmd, rc);
        } else if (strcmp(cmd, "create-prot") == 0) {
            const char *name = arg(argv, argc, i);
            uint64_t size = num(arg(argv, argc, i + 1));
            unsigned prot = parse_prot(arg(argv, argc, i + 2));
            i += 3;
            rc = do_create(name, size, prot, NULL, -1);
            printf("%s %d\n", cmd, rc);
        } else if (strcmp(cmd, "create-mode") == 0) {
            const char *name = arg(argv, argc, i);
            uint64_t size = num(arg(argv, argc, i + 1));
            const char *m = arg(argv, argc, i + 2);
            i += 3;
            mmf_create_options o;
            memset(&o, 0, sizeof o);
            if (strcmp(m, "everyone") == 0)
                o.everyone = 1;
            else
                o.mode = (unsigned)strtoul(m, NULL, 8);
            rc = do_create(name, size, MMF_PAGE_READWRITE, &o, -1);
            printf("%s %d\n", cmd, rc);
        } else if (strcmp(cmd, "create-file") == 0) {
            const char *name = arg(argv, argc, i);
            const char *path = arg(argv, argc, i + 1);
            uint64_t size = num(arg(argv, argc, i + 2));
            i += 3;
            int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
            if (fd < 0) {
                rc = -errno;
            } else {
                rc = do_create(name, size, MMF_PAGE_READWRITE, NULL, fd);
                close(fd);
            }
            printf("%s %d\n", cmd, rc);
        } else if (strcmp(cmd, "open") == 0) {
            const char *name = arg(argv, argc, i);
            unsigned access = parse_access(arg(argv, argc, i + 1));
            i += 2;
            mmf_section *s = NULL;
            rc = mmf_section_open(name, access, &s);
            if (rc >= 0)
                push_handle(s);
            printf("%s %d\n", cmd, rc);
        } else if (strcmp(cmd, "map") == 0) {
            unsigned prot = parse_prot(arg(argv, argc, i++));
            void *v = NULL;
            if (nhandles == 0)
                rc = -EINVAL;
            else if (nviews == MAX_VIEWS)
                usage("too many views", NULL);
            else
                rc = mmf_view_map(handles[nhandles - 1], prot, 0, 0, NULL, &v);
            if (rc == 0)
                views[nviews++] = v;
            printf("%s %d\n", cmd, rc);
        } else if (strcmp(cmd, "write") == 0) {
            uint64_t off = num(arg(argv, argc, i));
            const char *text = arg(argv, argc, i + 1);
            i += 2;
            printf("%s %d\n", cmd, do_write(off, text));
        } else if (strcmp(cmd, "read") == 0) {
            uint64_t off = num(arg(argv, argc, i));
            uint64_t len = num(arg(argv, argc, i + 1));
            i += 2;
            do_read(off, len);
        } else if (strcmp(cmd, "query") == 0) {
            mmf_section_info si;
            memset(&si, 0, sizeof si);
            rc = nhandles ? mmf_section_query(handles[nhandles - 1], &si) : -EINVAL;
            printf("%s %d size=%llu prot=%u access=%u named=%d file=%d\n", cmd, rc,
                   (unsigned long long)si.size, si.protection, si.access, si.named,
                   si.file_backed);
        } else if (strcmp(cmd, "close") == 0) {
            rc = nhandles ? mmf_section_close(handles[--nhandles]) : -EINVAL;
            printf("%s %d\n", cmd, rc);
        } else if (strcmp(cmd, "closeall") == 0) {
            rc = 0;
            while (nhandles) {
                int r = mmf_section_close(handles[--nhandles]);
                if (r && !rc)
                    rc = r;
            }
            printf("%s %d\n", cmd, rc);
        } else if (strcmp(cmd, "unmap") == 0) {
            rc = nviews ? mmf_view_unmap(views[--nviews]) : -EINVAL;
            printf("%s %d\n", cmd, rc);
        } else if (strcmp(cmd, "gc") == 0) {
            printf("%s %d\n", cmd, mmf_registry_gc());
        } else if (strcmp(cmd, "hold") == 0) {
            do_hold();
        } else if (strcmp(cmd, "churn") == 0) {
            churn(arg(argv, argc, i++));
        } else {
            usage("unknown command", cmd);
        }
    }
    fflush(stdout);
    return 0;
}
