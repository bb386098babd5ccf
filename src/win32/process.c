/*
 * process.c — CreateProcess (with handle inheritance), process handles,
 * the program's own name and environment.
 *
 * Inheritance: an inheritable handle reaches the child at the same value,
 * i.e. the same descriptor number (w32.h).  For a file that is the file's
 * descriptor itself; for mappings and synchronization objects it is the
 * native API's inheritance token, made just for this spawn, put at the
 * handle's number in the child by posix_spawn's dup2, and dropped again
 * in the parent right after.  The child adopts it when the program first
 * uses the value.  Spawns are serialised so that one spawn's inheritable
 * copies never reach a child of another spawn that asked for none.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "w32.h"

extern char **environ;

static pthread_mutex_t spawn_lock = PTHREAD_MUTEX_INITIALIZER;

/* ---- the command line ---- */

/*
 * Splits a command line by the rules of the Microsoft C runtime: blanks
 * separate arguments outside double quotes; 2n backslashes before a quote
 * give n backslashes and the quote toggles quoting; 2n+1 give n and a
 * literal quote; other backslashes are literal; "" inside quotes is a
 * literal quote.  Returns a NULL-terminated array in one allocation.
 */
static char **split_cmdline(const char *s)
{
    size_t n = strlen(s);
    char **argv = malloc((n / 2 + 2) * sizeof *argv + n + 1);
    if (!argv)
        return NULL;
    char *out = (char *)(argv + n / 2 + 2);
    int argc = 0;
    for (;;) {
        while (*s == ' ' || *s == '\t')
            s++;
        if (!*s)
            break;
        argv[argc++] = out;
        int quoted = 0;
        while (*s && (quoted || (*s != ' ' && *s != '\t'))) {
            size_t bs = 0;
            while (*s == '\\') {
                bs++;
                s++;
            }
            if (*s == '"') {
                for (size_t i = 0; i < bs / 2; i++)
                    *out++ = '\\';
                if (bs % 2) {
                    *out++ = '"';
                } else if (quoted && s[1] == '"') {
                    *out++ = '"';
                    s++;
                } else {
                    quoted = !quoted;
                }
                s++;
            } else {
                for (size_t i = 0; i < bs; i++)
                    *out++ = '\\';
                if (*s && (quoted || (*s != ' ' && *s != '\t')))
                    *out++ = *s++;
            }
        }
        *out++ = 0;
    }
    argv[argc] = NULL;
    return argv;
}

static int executable(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode) && access(p, X_OK) == 0;
}

/* Tries dir/name, then without a trailing ".exe" (Linux builds have no
 * extension); returns a malloc'ed path or NULL. */
static char *try_dir(const char *dir, const char *name)
{
    size_t dl = strlen(dir), nl = strlen(name);
    char *p = malloc(dl + nl + 2);
    if (!p)
        return NULL;
    snprintf(p, dl + nl + 2, "%s%s%s", dir, dl && dir[dl - 1] != '/' ? "/" : "", name);
    if (executable(p))
        return p;
    size_t pl = strlen(p);
    if (pl > 4 && !strcasecmp(p + pl - 4, ".exe")) {
        p[pl - 4] = 0;
        if (executable(p))
            return p;
    }
    free(p);
    return NULL;
}

/* The program to run, as Windows looks for it: a path as given; a bare
 * name in the program's own directory, the current directory, then PATH. */
static char *find_program(const char *given, DWORD *err)
{
    char *name = w32_path(given);
    char *found = NULL;
    if (!name) {
        *err = ERROR_NOT_ENOUGH_MEMORY;
        return NULL;
    }
    if (strchr(name, '/')) {
        found = try_dir("", name);
    } else {
        char self[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
        if (n > 0) {
            self[n] = 0;
            char *slash = strrchr(self, '/');
            if (slash) {
                *slash = 0;
                found = try_dir(self, name);
            }
        }
        if (!found)
            found = try_dir(".", name);
        const char *path = getenv("PATH");
        char *copy = path ? strdup(path) : NULL, *save = NULL;
        for (char *d = copy ? strtok_r(copy, ":", &save) : NULL; d && !found;
             d = strtok_r(NULL, ":", &save))
            found = try_dir(d, name);
        free(copy);
    }
    free(name);
    if (!found)
        *err = ERROR_FILE_NOT_FOUND;
    return found;
}

/* An environment block ("A=B\0C=D\0\0") as an envp array pointing into it. */
static char **env_array(char *block)
{
    size_t n = 0;
    for (char *p = block; *p; p += strlen(p) + 1)
        n++;
    char **env = malloc((n + 1) * sizeof *env);
    if (!env)
        return NULL;
    n = 0;
    for (char *p = block; *p; p += strlen(p) + 1)
        env[n++] = p;
    env[n] = NULL;
    return env;
}

/* ---- inheritance ---- */

struct inherit_list {
    struct w32_obj *o[4096];
    size_t n;
};

static void collect(struct w32_obj *o, void *arg)
{
    struct inherit_list *l = arg;
    if ((o->flags & HANDLE_FLAG_INHERIT) && l->n < sizeof l->o / sizeof l->o[0] &&
        o->kind != W32_THREAD) {
        atomic_fetch_add(&o->refs, 1);
        l->o[l->n++] = o;
    }
}

/* Adds the file actions that put each inheritable handle's descriptor at
 * its number in the child. */
static int add_inherited(struct inherit_list *l, posix_spawn_file_actions_t *fa)
{
    for (size_t i = 0; i < l->n; i++) {
        struct w32_obj *o = l->o[i];
        int tok = -1, rc = 0;
        switch (o->kind) {
        case W32_FILE:
            /* dup2 onto itself clears FD_CLOEXEC (glibc 2.29+). */
            rc = posix_spawn_file_actions_adddup2(fa, o->fd, o->fd);
            if (rc)
                return -rc;
            continue;
        case W32_PROCESS:
            /* The child gets the pidfd itself at the handle's number. */
            rc = posix_spawn_file_actions_adddup2(fa, o->u.proc->pidfd, o->fd);
            if (rc)
                return -rc;
            continue;
        case W32_MAPPING:
            rc = mmf_section_set_inheritable(o->u.sec, 1, &tok);
            break;
        default:
            rc = mmf_sync_set_inheritable(o->u.sync, 1, &tok);
            break;
        }
        if (rc < 0)
            return rc;
        rc = posix_spawn_file_actions_adddup2(fa, tok, o->fd);
        if (rc == 0)
            rc = posix_spawn_file_actions_addclose(fa, tok);
        if (rc)
            return -rc;
    }
    return 0;
}

static void drop_inherited(struct inherit_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        struct w32_obj *o = l->o[i];
        if (o->kind == W32_MAPPING)
            mmf_section_set_inheritable(o->u.sec, 0, NULL);
        else if (o->kind != W32_FILE && o->kind != W32_PROCESS)
            mmf_sync_set_inheritable(o->u.sync, 0, NULL);
        w32_put(o);
    }
}

/* A process handle owning pidfd and exit_fd (-1: none). */
/*
 * Exit codes.  Windows exit codes have 32 bits, a Linux exit status 8.  A
 * child started here gets a small memfd (its number in MMF_W32_EXIT_FD);
 * an on_exit() handler (glibc hands it the int given to exit(), which is
 * main's return value too) and TerminateProcess of oneself write the whole
 * code there, and the parent takes it when its low byte matches the
 * status.
 */
#define EXIT_ENV "MMF_W32_EXIT_FD"
static int my_exit_fd = -1; /* ours, when our parent gave us one */

static void free_env(char **env)
{
    if (!env)
        return;
    free(env[0]); /* our variable; the rest point into the caller's */
    free(env);
}

/* Makes the channel and the child's environment (our variable first). */
static int exit_channel(posix_spawn_file_actions_t *fa, char **base, int *xfd, char ***out)
{
    size_t n = 0;
    while (base[n])
        n++;
    char **env = calloc(n + 2, sizeof *env);
    int fd = memfd_create("mmf-exitcode", MFD_CLOEXEC);
    if (!env || fd < 0 || ftruncate(fd, 4) < 0) {
        int rc = fd < 0 || env ? -errno : -ENOMEM;
        free(env);
        if (fd >= 0)
            close(fd);
        return rc;
    }
    char var[64];
    snprintf(var, sizeof var, EXIT_ENV "=%d", fd);
    env[0] = strdup(var);
    size_t k = 1;
    for (size_t i = 0; i < n; i++)
        if (strncmp(base[i], EXIT_ENV "=", sizeof EXIT_ENV) != 0)
            env[k++] = base[i];
    int rc = env[0] ? -posix_spawn_file_actions_adddup2(fa, fd, fd) : -ENOMEM;
    if (rc < 0) {
        free_env(env);
        close(fd);
        return rc;
    }
    *xfd = fd;
    *out = env;
    return 0;
}

static void record_exit(uint32_t code)
{
    if (my_exit_fd >= 0 && pwrite(my_exit_fd, &code, sizeof code, 0) < 0)
        my_exit_fd = -1; /* nothing more can be done: the low byte goes */
}

static void on_exit_record(int status, void *arg)
{
    (void)arg;
    record_exit((uint32_t)status);
}

/* In a child started by CreateProcess: take over the channel (and keep
 * it from our own children), and drop the variable. */
__attribute__((constructor)) static void exit_channel_adopt(void)
{
    const char *v = getenv(EXIT_ENV);
    if (!v)
        return;
    char *end;
    long fd = strtol(v, &end, 10);
    char link[64], path[64];
    snprintf(link, sizeof link, "/proc/self/fd/%ld", fd);
    ssize_t l = *end == 0 && fd > 2 && fd < INT_MAX ? readlink(link, path, sizeof path - 1) : -1;
    if (l > 0) {
        path[l] = 0;
        if (strncmp(path, "/memfd:mmf-exitcode", 19) == 0) {
            my_exit_fd = (int)fd;
            fcntl(my_exit_fd, F_SETFD, FD_CLOEXEC);
            on_exit(on_exit_record, NULL);
        }
    }
    unsetenv(EXIT_ENV);
}

static HANDLE process_handle(pid_t pid, int pidfd, int exit_fd, BOOL inherit)
{
    struct w32_process *p = calloc(1, sizeof *p);
    if (!p) {
        close(pidfd);
        if (exit_fd >= 0)
            close(exit_fd);
        w32_set(ERROR_NOT_ENOUGH_MEMORY);
        return NULL;
    }
    p->pid = pid;
    p->pidfd = pidfd;
    p->exit_fd = exit_fd;
    pthread_mutex_init(&p->lock, NULL);
    HANDLE h = w32_handle_new(W32_PROCESS, p, -1, inherit ? HANDLE_FLAG_INHERIT : 0);
    if (!h) {
        close(pidfd);
        if (exit_fd >= 0)
            close(exit_fd);
        pthread_mutex_destroy(&p->lock);
        free(p);
    }
    return h;
}

static int pidfd_of(pid_t pid)
{
    int fd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (fd >= 0)
        fcntl(fd, F_SETFD, FD_CLOEXEC);
    return fd;
}

static BOOL spawn(const char *app, const char *cmdline, BOOL inherit, DWORD flags, char **envp,
                  const char *cwd, const STARTUPINFOA *si, PROCESS_INFORMATION *pi)
{
    const DWORD allowed = CREATE_UNICODE_ENVIRONMENT | CREATE_NEW_CONSOLE | CREATE_NO_WINDOW |
                          DETACHED_PROCESS | NORMAL_PRIORITY_CLASS | 0x40 | 0x80 | 0x100 |
                          0x4000 | 0x8000 | 0x200 | 0x01000000;
    if (!pi || !si || (!app && !cmdline)) {
        w32_set(ERROR_INVALID_PARAMETER);
        return FALSE;
    }
    if (flags & ~allowed) {
        w32_set(flags & (CREATE_SUSPENDED | DEBUG_PROCESS) ? ERROR_NOT_SUPPORTED
                                                           : ERROR_INVALID_PARAMETER);
        return FALSE;
    }
    char **argv = split_cmdline(cmdline ? cmdline : app);
    if (!argv) {
        w32_set(ERROR_NOT_ENOUGH_MEMORY);
        return FALSE;
    }
    DWORD err = 0;
    char *prog = argv[0] || app ? find_program(app ? app : argv[0], &err) : NULL;
    if (!prog) {
        free(argv);
        w32_set(err ? err : ERROR_FILE_NOT_FOUND);
        return FALSE;
    }
    char *cwd_l = cwd ? w32_path(cwd) : NULL;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    static struct inherit_list list; /* guarded by spawn_lock */
    pthread_mutex_lock(&spawn_lock);
    list.n = 0;
    int rc = 0;
    if (inherit) {
        w32_handles_each(collect, &list);
        rc = add_inherited(&list, &fa);
        if (rc == 0 && (si->dwFlags & STARTF_USESTDHANDLES)) {
            HANDLE std[3] = { si->hStdInput, si->hStdOutput, si->hStdError };
            for (int i = 0; i < 3 && rc == 0; i++) {
                struct w32_obj *f = std[i] ? w32_get(std[i], W32_FILE) : NULL;
                if (f)
                    rc = -posix_spawn_file_actions_adddup2(&fa, f->fd, i);
                w32_put(f);
            }
        }
    }
    if (rc == 0 && cwd_l)
        rc = -posix_spawn_file_actions_addchdir_np(&fa, cwd_l);
    int xfd = -1;
    char **env = NULL;
    if (rc == 0)
        rc = exit_channel(&fa, envp ? envp : environ, &xfd, &env);
    pid_t pid = -1;
    if (rc == 0)
        rc = -posix_spawn(&pid, prog, &fa, NULL, argv, env);
    drop_inherited(&list);
    pthread_mutex_unlock(&spawn_lock);
    posix_spawn_file_actions_destroy(&fa);
    free_env(env);
    free(cwd_l);
    free(prog);
    free(argv);
    if (rc < 0) {
        if (xfd >= 0)
            close(xfd);
        w32_set(rc == -ENOENT ? ERROR_FILE_NOT_FOUND : w32_error(rc));
        return FALSE;
    }
    int pfd = pidfd_of(pid), tfd = pfd >= 0 ? fcntl(pfd, F_DUPFD_CLOEXEC, 3) : -1;
    int xfd2 = xfd >= 0 ? fcntl(xfd, F_DUPFD_CLOEXEC, 3) : -1;
    HANDLE hp = pfd >= 0 ? process_handle(pid, pfd, xfd, FALSE) : NULL;
    HANDLE ht = hp && tfd >= 0 ? process_handle(pid, tfd, xfd2, FALSE) : NULL;
    if (!ht) {
        /* The child runs, but we cannot give a handle to it: do not leave
         * an orphan the caller cannot see. */
        if (tfd >= 0 && !hp)
            close(tfd);
        if (xfd >= 0 && !hp)
            close(xfd);
        if (xfd2 >= 0 && !ht)
            close(xfd2);
        if (hp)
            CloseHandle(hp);
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        w32_set(ERROR_NOT_ENOUGH_MEMORY);
        return FALSE;
    }
    pi->hProcess = hp;
    pi->hThread = ht;
    pi->dwProcessId = (DWORD)pid;
    pi->dwThreadId = (DWORD)pid;
    return TRUE;
}

BOOL WINAPI CreateProcessA(LPCSTR app, LPSTR cmdline, LPSECURITY_ATTRIBUTES psa,
                           LPSECURITY_ATTRIBUTES tsa, BOOL inherit, DWORD flags, LPVOID env,
                           LPCSTR cwd, LPSTARTUPINFOA si, LPPROCESS_INFORMATION pi)
{
    (void)psa;
    (void)tsa;
    char **envp = NULL;
    char *block = NULL;
    if (env && (flags & CREATE_UNICODE_ENVIRONMENT)) {
        /* Convert each UTF-16 string of the block. */
        const WCHAR *w = env;
        size_t cap = 1, used = 0;
        block = malloc(cap);
        for (; block && *w; ) {
            DWORD e = 0;
            char *s = w32_utf8(w, &e);
            size_t l = s ? strlen(s) + 1 : 0;
            char *nb = s ? realloc(block, used + l + 1) : NULL;
            if (!nb) {
                free(s);
                free(block);
                block = NULL;
                break;
            }
            block = nb;
            memcpy(block + used, s, l);
            used += l;
            free(s);
            while (*w)
                w++;
            w++;
        }
        if (block)
            block[used] = 0;
        envp = block ? env_array(block) : NULL;
        if (!envp) {
            free(block);
            w32_set(ERROR_NOT_ENOUGH_MEMORY);
            return FALSE;
        }
    } else if (env) {
        if (!(envp = env_array(env))) {
            w32_set(ERROR_NOT_ENOUGH_MEMORY);
            return FALSE;
        }
    }
    BOOL ok = spawn(app, cmdline, inherit, flags, envp, cwd, si, pi);
    free(envp);
    free(block);
    return ok;
}

BOOL WINAPI CreateProcessW(LPCWSTR app, LPWSTR cmdline, LPSECURITY_ATTRIBUTES psa,
                           LPSECURITY_ATTRIBUTES tsa, BOOL inherit, DWORD flags, LPVOID env,
                           LPCWSTR cwd, LPSTARTUPINFOW si, LPPROCESS_INFORMATION pi)
{
    DWORD e = ERROR_NOT_ENOUGH_MEMORY;
    char *a = w32_utf8(app, &e), *c = w32_utf8(cmdline, &e), *d = w32_utf8(cwd, &e);
    BOOL ok = FALSE;
    if ((app && !a) || (cmdline && !c) || (cwd && !d)) {
        w32_set(e);
    } else if (!si) {
        w32_set(ERROR_INVALID_PARAMETER);
    } else {
        /* Only the std handles of STARTUPINFO matter here. */
        STARTUPINFOA sa = { .cb = sizeof sa, .dwFlags = si->dwFlags, .hStdInput = si->hStdInput,
                            .hStdOutput = si->hStdOutput, .hStdError = si->hStdError };
        ok = CreateProcessA(a, c, psa, tsa, inherit, flags, env, d, &sa, pi);
    }
    free(a);
    free(c);
    free(d);
    return ok;
}

/* ---- process handles ---- */

/* The Windows exit code of a wait status. */
static DWORD exit_code_of(const siginfo_t *si)
{
    if (si->si_code == CLD_EXITED)
        return (DWORD)si->si_status;
    if (si->si_status == SIGSEGV)
        return 0xC0000005u; /* EXCEPTION_ACCESS_VIOLATION */
    if (si->si_status == SIGBUS)
        return 0xC0000006u; /* EXCEPTION_IN_PAGE_ERROR */
    return 0xC0000000u | (DWORD)si->si_status;
}

/* Collects the exit code if the process has ended (the zombie is kept,
 * as Windows keeps the process object, until the handle is closed). */
static int check_ended(struct w32_process *p)
{
    pthread_mutex_lock(&p->lock);
    if (!p->reaped) {
        siginfo_t si;
        memset(&si, 0, sizeof si);
        if (waitid(P_PIDFD, (id_t)p->pidfd, &si, WEXITED | WNOHANG | WNOWAIT) == 0 &&
            si.si_pid != 0) {
            p->reaped = 1;
            if (!p->terminated) {
                p->exit_code = exit_code_of(&si);
                uint32_t full;
                if (si.si_code == CLD_EXITED && p->exit_fd >= 0 &&
                    pread(p->exit_fd, &full, sizeof full, 0) == (ssize_t)sizeof full &&
                    (full & 0xFF) == (uint32_t)si.si_status)
                    p->exit_code = full;
            }
        } else if (errno == ECHILD) {
            /* Not our child (OpenProcess): the pidfd still tells whether
             * it ended, but its exit code is not ours to read: 0. */
            struct pollfd pfd = { .fd = p->pidfd, .events = POLLIN };
            if (poll(&pfd, 1, 0) > 0)
                p->reaped = 1;
        }
    }
    int r = p->reaped;
    pthread_mutex_unlock(&p->lock);
    return r;
}

BOOL WINAPI GetExitCodeProcess(HANDLE h, LPDWORD code)
{
    if (!code) {
        w32_set(ERROR_NOACCESS);
        return FALSE;
    }
    if (h == W32_PSEUDO_PROCESS) {
        *code = STILL_ACTIVE;
        return TRUE;
    }
    struct w32_obj *o = w32_get(h, W32_PROCESS);
    if (!o)
        return FALSE;
    struct w32_process *p = o->u.proc;
    *code = check_ended(p) ? p->exit_code : STILL_ACTIVE;
    w32_put(o);
    return TRUE;
}

BOOL WINAPI TerminateProcess(HANDLE h, UINT code)
{
    if (w32_is_self_process(h)) {
        record_exit(code);
        _exit((int)code);
    }
    struct w32_obj *o = w32_get(h, W32_PROCESS);
    if (!o)
        return FALSE;
    struct w32_process *p = o->u.proc;
    BOOL ok = TRUE;
    pthread_mutex_lock(&p->lock);
    if (p->reaped) {
        w32_set(ERROR_ACCESS_DENIED);
        ok = FALSE;
    } else if (syscall(SYS_pidfd_send_signal, p->pidfd, SIGKILL, NULL, 0) < 0) {
        w32_set(errno == ESRCH ? ERROR_ACCESS_DENIED : w32_error(-errno));
        ok = FALSE;
    } else {
        p->terminated = 1;
        p->exit_code = code;
    }
    pthread_mutex_unlock(&p->lock);
    w32_put(o);
    return ok;
}

void WINAPI ExitProcess(UINT code) { exit((int)code); }

DWORD WINAPI GetProcessId(HANDLE h)
{
    if (h == W32_PSEUDO_PROCESS)
        return GetCurrentProcessId();
    struct w32_obj *o = w32_get(h, W32_PROCESS);
    if (!o)
        return 0;
    DWORD pid = (DWORD)o->u.proc->pid;
    w32_put(o);
    return pid;
}

HANDLE WINAPI OpenProcess(DWORD access, BOOL inherit, DWORD pid)
{
    (void)access;
    int fd = pid ? pidfd_of((pid_t)pid) : -1;
    if (fd < 0) {
        w32_set(pid == 0 || errno == ESRCH ? ERROR_INVALID_PARAMETER : w32_error(-errno));
        return NULL;
    }
    HANDLE h = process_handle((pid_t)pid, fd, -1, inherit);
    if (h)
        w32_set(ERROR_SUCCESS);
    return h;
}

/* ---- the program ---- */

/* The running program's path, or NULL with the last error set. */
static int module_path(HMODULE mod, char path[PATH_MAX])
{
    if (mod) {
        w32_set(ERROR_MOD_NOT_FOUND);
        return -1;
    }
    ssize_t len = readlink("/proc/self/exe", path, PATH_MAX - 1);
    if (len < 0) {
        w32_fail(-errno);
        return -1;
    }
    path[len] = 0;
    return 0;
}

DWORD WINAPI GetModuleFileNameA(HMODULE mod, LPSTR buf, DWORD n)
{
    char path[PATH_MAX];
    int cut;
    if (module_path(mod, path) < 0)
        return 0;
    if (!buf || n == 0) {
        w32_set(ERROR_INSUFFICIENT_BUFFER);
        return 0;
    }
    DWORD r = w32_copy_a(path, buf, n, &cut);
    w32_set(cut ? ERROR_INSUFFICIENT_BUFFER : ERROR_SUCCESS);
    return r;
}

DWORD WINAPI GetModuleFileNameW(HMODULE mod, LPWSTR buf, DWORD n)
{
    char path[PATH_MAX];
    int cut;
    if (module_path(mod, path) < 0)
        return 0;
    if (!buf || n == 0) {
        w32_set(ERROR_INSUFFICIENT_BUFFER);
        return 0;
    }
    DWORD r = w32_copy_w(path, buf, n, &cut);
    if (r == (DWORD)-1) {
        w32_set(ERROR_NOT_ENOUGH_MEMORY);
        return 0;
    }
    w32_set(cut ? ERROR_INSUFFICIENT_BUFFER : ERROR_SUCCESS);
    return r;
}

static char *cmdline;

/* The command line rebuilt from argv, quoted by the rules split_cmdline()
 * reads, so that splitting it again gives the same argv. */
static void build_cmdline(void)
{
    char buf[65536];
    int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
    if (fd >= 0)
        close(fd);
    if (n <= 0)
        return;
    buf[n] = 0;
    char *out = malloc((size_t)n * 2 + 3 * (size_t)n + 1), *o = out;
    if (!out)
        return;
    for (char *a = buf; a < buf + n; a += strlen(a) + 1) {
        if (o != out)
            *o++ = ' ';
        int q = !*a || strpbrk(a, " \t\"") != NULL;
        if (q)
            *o++ = '"';
        size_t bs = 0;
        for (char *c = a; *c; c++) {
            if (*c == '\\') {
                bs++;
            } else {
                if (*c == '"')
                    for (size_t i = 0; i < bs + 1; i++)
                        *o++ = '\\';
                bs = 0;
            }
            *o++ = *c;
        }
        if (q) {
            for (size_t i = 0; i < bs; i++)
                *o++ = '\\';
            *o++ = '"';
        }
    }
    *o = 0;
    cmdline = out;
}

LPSTR WINAPI GetCommandLineA(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, build_cmdline);
    return cmdline ? cmdline : (LPSTR) "";
}

DWORD WINAPI GetEnvironmentVariableA(LPCSTR name, LPSTR buf, DWORD n)
{
    const char *v = name ? getenv(name) : NULL;
    if (!v) {
        w32_set(ERROR_ENVVAR_NOT_FOUND);
        return 0;
    }
    size_t l = strlen(v);
    if (!buf || l >= n)
        return (DWORD)(l + 1);
    memcpy(buf, v, l + 1);
    return (DWORD)l;
}

BOOL WINAPI SetEnvironmentVariableA(LPCSTR name, LPCSTR value)
{
    if (!name || !*name || strchr(name, '=')) {
        w32_set(ERROR_INVALID_PARAMETER);
        return FALSE;
    }
    int rc = value ? setenv(name, value, 1) : unsetenv(name);
    if (rc < 0) {
        w32_fail(-errno);
        return FALSE;
    }
    return TRUE;
}
