/*
 * handle-child.c — a helper process for the handle tests (test_handles.c).
 *
 * The tests start it with fork+exec (posix_spawn), its stdin and stdout on
 * pipes, plus whatever descriptors the test leaves inheritable.  It runs the
 * commands given on its command line in order and answers each on one line
 * of stdout:
 *
 *   inherit FD        mmf_section_from_fd_handle(FD)      -> "inherit RC"
 *   recv SOCKFD       mmf_section_recv(SOCKFD)            -> "recv RC"
 *   send SOCKFD       mmf_section_send of the newest handle -> "send RC"
 *   info              mmf_section_query of the newest handle
 *                       -> "info RC size=S prot=P access=A named=N file=F"
 *   read OFF LEN      map a read-only view of the whole section, print the
 *                     bytes, unmap -> "read HEX" (2 hex digits a byte), or
 *                     "read RC" on error
 *   write OFF TEXT    map a read-write view, copy TEXT there, unmap
 *                       -> "write RC" (e.g. -13 when the handle may not)
 *   close             close the newest handle -> "close RC"
 *   openname NAME     mmf_section_open(NAME, MMF_ACCESS_READ), closed at
 *                     once -> "openname RC"
 *   hold              print "ready", then wait for a line (or end of file)
 *                     on stdin
 *   fdcount           -> "fdcount N": descriptors open in /proc/self/fd
 *   execfds           -> "execfds N": those of them without FD_CLOEXEC
 *                     (what an exec would pass on)
 *
 * The inherited or received handles form a stack: commands use the newest.
 * With no handle, commands that need one answer -EINVAL.  After the last
 * command the process exits 0 (exit releases what it still holds).
 * Unknown commands: message on stderr, exit 2.
 */
#include <dirent.h>
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

#define CHILD_NAME "handle-child"
#define CHILD_HANDLE_T mmf_section
#include "child_args.h"

static void do_read(long long off, long long len)
{
    mmf_section *s = top();
    mmf_section_info si;
    void *v = NULL;
    int rc = s ? mmf_section_query(s, &si) : -EINVAL;
    if (rc == 0 && (off < 0 || len < 0 || (uint64_t)off > si.size ||
                    (uint64_t)len > si.size - (uint64_t)off))
        rc = -EINVAL;
    if (rc == 0)
        rc = mmf_view_map(s, MMF_PAGE_READONLY, 0, 0, NULL, &v);
    if (rc != 0) {
        printf("read %d\n", rc);
        return;
    }
    const unsigned char *c = v;
    fputs("read ", stdout);
    for (long long i = 0; i < len; i++)
        printf("%02x", c[off + i]);
    putchar('\n');
    mmf_view_unmap(v);
}

static int do_write(long long off, const char *text)
{
    mmf_section *s = top();
    mmf_section_info si;
    void *v = NULL;
    size_t n = strlen(text);
    int rc = s ? mmf_section_query(s, &si) : -EINVAL;
    if (rc == 0 && (off < 0 || (uint64_t)off > si.size || n > si.size - (uint64_t)off))
        rc = -EINVAL;
    if (rc == 0)
        rc = mmf_view_map(s, MMF_PAGE_READWRITE, 0, 0, NULL, &v);
    if (rc == 0) {
        memcpy((char *)v + off, text, n);
        rc = mmf_view_unmap(v);
    }
    return rc;
}

static void do_hold(void)
{
    puts("ready");
    fflush(stdout);
    int c;
    while ((c = getchar()) != EOF && c != '\n')
        ;
}

int main(int argc, char **argv)
{
    /* Die with the test process (a failed test must not leave us behind). */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    setvbuf(stdout, NULL, _IOLBF, 0);

    for (int i = 1; i < argc;) {
        const char *cmd = argv[i++];
        int rc;
        if (strcmp(cmd, "inherit") == 0) {
            int fd = (int)num(arg(argv, argc, i++));
            mmf_section *s = NULL;
            rc = mmf_section_from_fd_handle(fd, &s);
            if (rc == 0)
                push(s);
            printf("%s %d\n", cmd, rc);
        } else if (strcmp(cmd, "recv") == 0) {
            int fd = (int)num(arg(argv, argc, i++));
            mmf_section *s = NULL;
            rc = mmf_section_recv(fd, &s);
            if (rc == 0)
                push(s);
            printf("%s %d\n", cmd, rc);
        } else if (strcmp(cmd, "send") == 0) {
            int fd = (int)num(arg(argv, argc, i++));
            rc = top() ? mmf_section_send(fd, top()) : -EINVAL;
            printf("%s %d\n", cmd, rc);
        } else if (strcmp(cmd, "info") == 0) {
            mmf_section_info si;
            memset(&si, 0, sizeof si);
            rc = top() ? mmf_section_query(top(), &si) : -EINVAL;
            printf("%s %d size=%llu prot=%u access=%u named=%d file=%d\n", cmd, rc,
                   (unsigned long long)si.size, si.protection, si.access, si.named,
                   si.file_backed);
        } else if (strcmp(cmd, "read") == 0) {
            long long off = num(arg(argv, argc, i));
            long long len = num(arg(argv, argc, i + 1));
            i += 2;
            do_read(off, len);
        } else if (strcmp(cmd, "write") == 0) {
            long long off = num(arg(argv, argc, i));
            const char *text = arg(argv, argc, i + 1);
            i += 2;
            printf("%s %d\n", cmd, do_write(off, text));
        } else if (strcmp(cmd, "close") == 0) {
            rc = nhandles ? mmf_section_close(handles[--nhandles]) : -EINVAL;
            printf("%s %d\n", cmd, rc);
        } else if (strcmp(cmd, "openname") == 0) {
            const char *name = arg(argv, argc, i++);
            mmf_section *s = NULL;
            rc = mmf_section_open(name, MMF_ACCESS_READ, &s);
            if (rc == 0)
                mmf_section_close(s);
            printf("%s %d\n", cmd, rc);
        } else if (strcmp(cmd, "hold") == 0) {
            do_hold();
        } else if (strcmp(cmd, "fdcount") == 0) {
            printf("%s %d\n", cmd, count_fds(0));
        } else if (strcmp(cmd, "execfds") == 0) {
            printf("%s %d\n", cmd, count_fds(1));
        } else {
            usage("unknown command", cmd);
        }
    }
    fflush(stdout);
    return 0;
}
