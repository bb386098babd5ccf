/*
 * mmf.c — the mmf command-line tool: look at and handle named objects and
 * the views of a process, in the tradition of ipcs, ipcrm and pmap.
 *
 *   mmf ls | info | create | cat | write | rm | gc | views | help
 *
 * It links the static library and uses its internal registry API
 * (src/internal.h) to list entries and to remove a name by force.  Exit
 * status: 0 success, 1 an operation failed, 2 bad usage.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <unistd.h>

#include "internal.h"
#include "mmf.h"

#define EXIT_USAGE 2

/* ------------------------------------------------------------------ */
/* Help                                                                */
/* ------------------------------------------------------------------ */

struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *synopsis; /* one line for the overview */
    const char *help;     /* the full text of `mmf CMD --help` */
};

static const struct command *find_command(const char *name);
static void print_overview(FILE *f);

static const char overview_head[] =
    "usage: mmf COMMAND [ARGS...]\n"
    "       mmf help [COMMAND] | mmf COMMAND --help\n"
    "\n"
    "Inspect and handle mmf named objects (Windows-style named file mappings,\n"
    "mutexes, semaphores and events) and the views a process has mapped.\n"
    "\n"
    "Commands:\n";

static const char overview_tail[] =
    "\n"
    "NAME is \"Local\\NAME\", \"Global\\NAME\" or a bare NAME (the Local namespace\n"
    "of the calling user).  Quote the backslash in the shell: 'Global\\demo'.\n"
    "Put -- before a NAME that begins with '-'.\n"
    "A name lives only while some process holds a handle to its object; `mmf\n"
    "create` holds one until its stdin ends or it gets SIGINT/SIGTERM.\n"
    "Sizes, offsets and lengths are bytes: decimal or 0x hex, with an optional\n"
    "binary suffix k, m or g (4k = 4096).\n"
    "\n"
    "Examples:\n"
    "  mmf create demo 1m              # terminal 1: create and hold (Ctrl-D ends)\n"
    "  echo hello | mmf write demo 100 # terminal 2\n"
    "  mmf cat demo 100 5              # prints \"hello\"\n"
    "  mmf ls                          # demo, its size, owner and holder pid\n"
    "  mmf views $(pgrep -n mmf)       # the view the holder mapped\n"
    "  mmf rm demo                     # the name goes; holders keep the memory\n"
    "\n"
    "Exit status: 0 success, 1 an operation failed, 2 bad usage.\n";

static const char help_ls[] =
    "usage: mmf ls [--json]\n"
    "\n"
    "List every live named object of the caller's Local namespace and of the\n"
    "Global one (dead leftovers are removed on the way), with: namespace, name,\n"
    "type (section, mutex, semaphore, event), size in bytes, owner, permission\n"
    "mode, the pids holding a handle (from the flock entries in /proc/locks),\n"
    "and the backing (memory, or the path of the file behind a file section).\n"
    "\n"
    "  --json   print a JSON array of objects instead of a table\n"
    "\n"
    "Examples:\n"
    "  mmf ls\n"
    "  mmf ls --json | jq '.[] | select(.holders == [])'\n";

static const char help_info[] =
    "usage: mmf info NAME [--json]\n"
    "\n"
    "Show one named object in detail: everything `mmf ls` shows, plus the\n"
    "protection (PAGE_READWRITE...), the section flags (SEC_COMMIT...), the\n"
    "registry entry file and, for a file section, the file's device and inode.\n"
    "Exit status 1 when no live object has this name.\n"
    "\n"
    "  --json   print a JSON object\n"
    "\n"
    "Examples:\n"
    "  mmf info demo\n"
    "  mmf info 'Global\\shared-cache' --json\n";

static const char help_create[] =
    "usage: mmf create NAME SIZE [--mode OCTAL] [--everyone] [--file PATH]\n"
    "                  [--reserve] [--until-signal]\n"
    "\n"
    "Create a named read-write section of SIZE bytes (or open it when the name\n"
    "exists: then its size and backing win), map a view of all of it, print\n"
    "what was done, and hold the handle and the view: as on Windows, the name\n"
    "lives only while a handle is open.  The hold ends when stdin reaches end\n"
    "of file (Ctrl-D) or on SIGINT, SIGTERM or SIGHUP; the view is unmapped,\n"
    "the handle closed, and the name goes if nobody else holds it.\n"
    "\n"
    "  --mode OCTAL    permission bits of a new object (within 0666; default\n"
    "                  0600, owner only)\n"
    "  --everyone      readable and writable by every user (mode 0666)\n"
    "  --file PATH     back the section by PATH (opened read-write, created if\n"
    "                  missing); SIZE 0 means the file's current size, a larger\n"
    "                  SIZE grows the file\n"
    "  --reserve       SEC_RESERVE: do not reserve the memory now\n"
    "  --until-signal  ignore stdin, hold until a signal (for `&` in scripts,\n"
    "                  where stdin is /dev/null)\n"
    "\n"
    "Examples:\n"
    "  mmf create demo 64k\n"
    "  mmf create 'Global\\board' 1m --everyone\n"
    "  mmf create logbuf 0 --file /var/tmp/log.bin\n"
    "  mmf create demo 4k --until-signal & ... ; kill %1\n";

static const char help_cat[] =
    "usage: mmf cat NAME [OFFSET [LEN]]\n"
    "\n"
    "Open the section NAME for reading, map a read-only view and write LEN\n"
    "bytes from OFFSET to stdout (default: from OFFSET, 0 by default, to the\n"
    "end of the section).  OFFSET need not be aligned.  A range that runs past\n"
    "the end of the section is an error.\n"
    "\n"
    "Examples:\n"
    "  mmf cat demo | hexdump -C | head\n"
    "  mmf cat demo 100 5\n"
    "  mmf cat demo 0x1000 4k > page.bin\n";

static const char help_write[] =
    "usage: mmf write NAME [OFFSET] < DATA\n"
    "\n"
    "Read all of stdin, open the section NAME for writing, map a read-write\n"
    "view and copy the data into it at OFFSET (default 0).  If the data would\n"
    "run past the end of the section nothing is written and the exit status\n"
    "is 1.  For a file section the data is flushed to the file.\n"
    "\n"
    "Examples:\n"
    "  printf 'hello' | mmf write demo 100\n"
    "  mmf write demo < image.bin\n";

static const char help_rm[] =
    "usage: mmf rm NAME\n"
    "\n"
    "Remove a name at once, whoever holds it (like ipcrm): processes that hold\n"
    "the object keep it and its memory until they close it, but it can no\n"
    "longer be opened, and a create of the name makes a new object.\n"
    "\n"
    "Example:\n"
    "  mmf rm demo\n";

static const char help_gc[] =
    "usage: mmf gc\n"
    "\n"
    "Remove the objects of the caller's namespaces (and of the Global one) that\n"
    "no live process holds, freeing their memory, and print how many went.\n"
    "Such leftovers are also reclaimed by every registry operation of any\n"
    "process, so this is rarely needed.\n"
    "\n"
    "Example:\n"
    "  mmf gc\n";

static const char help_views[] =
    "usage: mmf views PID [--all] [--json]\n"
    "\n"
    "Show the views process PID has mapped, from /proc/PID/maps: address\n"
    "range, size, the kernel's permissions and the Windows protection, the\n"
    "offset in the section, and what backs each one:\n"
    "  section  a named memory section (its namespace and name) or an\n"
    "           unnamed one (memfd:mmf-section)\n"
    "  file     any other file mapping that is not a loaded program or library\n"
    "           (file sections; the section's name is shown when the file\n"
    "           backs a named section the caller can see)\n"
    "A private writable file mapping is a copy-on-write view: PAGE_WRITECOPY.\n"
    "One view may show as several lines after its pages got different\n"
    "protections.\n"
    "\n"
    "  --all    show every mapping (libraries, heap, stack, anonymous memory)\n"
    "  --json   print a JSON array of objects\n"
    "\n"
    "Examples:\n"
    "  mmf views $$\n"
    "  mmf views 1234 --json\n";

/* ------------------------------------------------------------------ */
/* Small utilities                                                     */
/* ------------------------------------------------------------------ */

static void oom(void)
{
    fputs("mmf: out of memory\n", stderr);
    exit(1);
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        oom();
    return p;
}

static void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p)
        oom();
    return p;
}

static char *xstrdup(const char *s)
{
    char *d = strdup(s);
    if (!d)
        oom();
    return d;
}

static char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s;
    int n = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (n < 0)
        oom();
    return s;
}

/* "mmf: <what>: <mmf_strerror(code)>" on stderr; returns 1 (the exit code). */
static int fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("mmf: ", stderr);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, ": %s\n", mmf_strerror(code));
    va_end(ap);
    return 1;
}

/* "mmf: <message>" on stderr; returns 1. */
static int failmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int failmsg(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("mmf: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return 1;
}

/* A usage error of command `cmd` (NULL: none): message and usage on
 * stderr; returns 2. */
static int usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("mmf: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputs("\n\n", stderr);
    va_end(ap);
    const struct command *c = cmd ? find_command(cmd) : NULL;
    if (c)
        fputs(c->help, stderr);
    else
        print_overview(stderr);
    return EXIT_USAGE;
}

/* Parses a byte count: decimal or 0x hex, optional binary suffix k/m/g/t
 * (case-insensitive).  Returns 0 or -1. */
static int parse_size(const char *s, uint64_t *out)
{
    if (!s || !*s || *s == '-' || *s == '+' || isspace((unsigned char)*s))
        return -1;
    int base = 10;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
        if (!isxdigit((unsigned char)*s))
            return -1;
    } else if (!isdigit((unsigned char)*s)) {
        return -1;
    }
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, base);
    if (errno)
        return -1;
    unsigned shift = 0;
    switch (*end) {
    case '\0': break;
    case 'k': case 'K': shift = 10; end++; break;
    case 'm': case 'M': shift = 20; end++; break;
    case 'g': case 'G': shift = 30; end++; break;
    case 't': case 'T': shift = 40; end++; break;
    default: return -1;
    }
    if (*end)
        return -1;
    if (shift && v > (UINT64_MAX >> shift))
        return -1;
    *out = (uint64_t)v << shift;
    return 0;
}

/* The option parser shared by the commands: --flags (with or without a
 * value), "--" ends options, -h/--help.  Positional arguments are returned
 * in order. */
struct optspec {
    const char *name;   /* without the dashes */
    int         has_arg;
    const char *value;  /* out: the value, or "" for a flag given */
};

/* Returns 0, 1 (help was asked: printed), or 2 (usage error: printed). */
static int parse_args(const char *cmd, int argc, char **argv, struct optspec *opts,
                      size_t nopts, char ***pos, int *npos, int min_pos, int max_pos)
{
    *pos = xmalloc(sizeof **pos * (size_t)(argc + 1));
    *npos = 0;
    int only_pos = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!only_pos && strcmp(a, "--") == 0) {
            only_pos = 1;
            continue;
        }
        if (!only_pos && (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)) {
            fputs(find_command(cmd)->help, stdout);
            return 1;
        }
        if (!only_pos && a[0] == '-' && a[1] == '-') {
            const char *nm = a + 2;
            const char *eq = strchr(nm, '=');
            size_t len = eq ? (size_t)(eq - nm) : strlen(nm);
            struct optspec *o = NULL;
            for (size_t k = 0; k < nopts; k++)
                if (strlen(opts[k].name) == len && strncmp(opts[k].name, nm, len) == 0)
                    o = &opts[k];
            if (!o)
                return usage_error(cmd, "%s: unknown option '%s'", cmd, a);
            if (o->has_arg) {
                if (eq)
                    o->value = eq + 1;
                else if (i + 1 < argc)
                    o->value = argv[++i];
                else
                    return usage_error(cmd, "%s: option '--%s' needs a value", cmd, o->name);
            } else {
                if (eq)
                    return usage_error(cmd, "%s: option '--%s' takes no value", cmd,
                                       o->name);
                o->value = "";
            }
            continue;
        }
        if (!only_pos && a[0] == '-' && a[1] != '\0' && !isdigit((unsigned char)a[1]))
            return usage_error(cmd, "%s: unknown option '%s'", cmd, a);
        (*pos)[(*npos)++] = argv[i];
    }
    if (*npos < min_pos)
        return usage_error(cmd, "%s: missing argument", cmd);
    if (*npos > max_pos)
        return usage_error(cmd, "%s: too many arguments", cmd);
    return 0;
}

/* ---- names ---- */

/* Splits a Windows object name into namespace and bare name, checking it
 * as the library does. */
static int split_name(const char *name, int *ns, const char **rest)
{
    *ns = MMF_NS_LOCAL;
    *rest = name;
    if (strncmp(name, "Global\\", 7) == 0) {
        *ns = MMF_NS_GLOBAL;
        *rest = name + 7;
    } else if (strncmp(name, "Local\\", 6) == 0) {
        *rest = name + 6;
    }
    if (strchr(*rest, '\\'))
        return MMF_EBADNAME;
    size_t n = strlen(*rest);
    if (n == 0)
        return -EINVAL;
    if (n > MMF_NAME_MAX)
        return -ENAMETOOLONG;
    return 0;
}

static const char *ns_text(int ns)
{
    return ns == MMF_NS_GLOBAL ? "Global" : "Local";
}

/* "Local\name" for a name given with or without a prefix (caller frees). */
static char *full_name(const char *name)
{
    int ns;
    const char *rest;
    if (split_name(name, &ns, &rest) < 0)
        return xstrdup(name);
    return xasprintf("%s\\%s", ns_text(ns), rest);
}

/* The registry's escaping of a name into a file name (see name.c). */
static void escape_name(const char *rest, char *file, size_t size)
{
    size_t k = 0;
    for (size_t i = 0; rest[i] && k + 4 < size; i++) {
        unsigned char c = (unsigned char)rest[i];
        if (c == '/' || c == '%' || (i == 0 && c == '.'))
            k += (size_t)snprintf(file + k, 4, "%%%02X", c);
        else
            file[k++] = (char)c;
    }
    file[k] = '\0';
}

static void unescape_name(const char *file, char *out, size_t size)
{
    size_t k = 0;
    for (size_t i = 0; file[i] && k + 1 < size; i++) {
        unsigned v;
        if (file[i] == '%' && isxdigit((unsigned char)file[i + 1]) &&
            isxdigit((unsigned char)file[i + 2]) && sscanf(file + i + 1, "%2x", &v) == 1) {
            out[k++] = (char)v;
            i += 2;
        } else {
            out[k++] = file[i];
        }
    }
    out[k] = '\0';
}

/* Where the registry lives (the library reads the same variable). */
static const char *registry_base(void)
{
    const char *b = secure_getenv("MMF_REGISTRY_DIR");
    return b && *b ? b : "/dev/shm";
}

static char *registry_dir(int ns)
{
    if (ns == MMF_NS_GLOBAL)
        return xasprintf("%s/mmf-global", registry_base());
    return xasprintf("%s/mmf-%u", registry_base(), (unsigned)geteuid());
}

/* ---- text for values ---- */

static const char *prot_text(unsigned prot)
{
    switch (prot) {
    case MMF_PAGE_NOACCESS:          return "PAGE_NOACCESS";
    case MMF_PAGE_READONLY:          return "PAGE_READONLY";
    case MMF_PAGE_READWRITE:         return "PAGE_READWRITE";
    case MMF_PAGE_WRITECOPY:         return "PAGE_WRITECOPY";
    case MMF_PAGE_EXECUTE:           return "PAGE_EXECUTE";
    case MMF_PAGE_EXECUTE_READ:      return "PAGE_EXECUTE_READ";
    case MMF_PAGE_EXECUTE_READWRITE: return "PAGE_EXECUTE_READWRITE";
    case MMF_PAGE_EXECUTE_WRITECOPY: return "PAGE_EXECUTE_WRITECOPY";
    }
    return "PAGE_?";
}

/* "SEC_COMMIT|SEC_NOCACHE", or "none" (caller frees). */
static char *flags_text(unsigned flags)
{
    static const struct { unsigned bit; const char *name; } names[] = {
        { MMF_SEC_COMMIT, "SEC_COMMIT" },
        { MMF_SEC_RESERVE, "SEC_RESERVE" },
        { MMF_SEC_LARGE_PAGES, "SEC_LARGE_PAGES" },
        { MMF_SEC_LARGE_PAGES_FALLBACK, "SEC_LARGE_PAGES_FALLBACK" },
        { MMF_SEC_NOCACHE, "SEC_NOCACHE" },
        { MMF_SEC_WRITECOMBINE, "SEC_WRITECOMBINE" },
    };
    char buf[256] = "";
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (flags & names[i].bit) {
            if (*buf)
                strcat(buf, "|");
            strcat(buf, names[i].name);
            flags &= ~names[i].bit;
        }
    }
    if (flags) {
        char extra[32];
        snprintf(extra, sizeof extra, "%s0x%x", *buf ? "|" : "", flags);
        strcat(buf, extra);
    }
    return xstrdup(*buf ? buf : "none");
}

static const char *type_text(uint32_t type)
{
    switch (type) {
    case MMF_TYPE_SECTION:   return "section";
    case MMF_TYPE_MUTEX:     return "mutex";
    case MMF_TYPE_SEMAPHORE: return "semaphore";
    case MMF_TYPE_EVENT:     return "event";
    }
    return "unknown";
}

static char *owner_text(uint32_t uid)
{
    struct passwd *pw = getpwuid((uid_t)uid);
    if (pw && pw->pw_name && *pw->pw_name)
        return xstrdup(pw->pw_name);
    return xasprintf("%" PRIu32, uid);
}

/* A copy of s safe to print: control bytes as \xNN (names may hold any
 * byte but '\\'); in table cells (`space`) spaces too, so that columns
 * stay columns. */
static char *escape_bytes(const char *s, int space)
{
    size_t n = strlen(s);
    char *out = xmalloc(n * 4 + 1), *p = out;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f || (space && c == ' '))
            p += sprintf(p, "\\x%02x", c);
        else
            *p++ = (char)c;
    }
    *p = '\0';
    return out;
}

static char *printable(const char *s)
{
    return escape_bytes(s, 0);
}

static char *cell(const char *s)
{
    return escape_bytes(s, 1);
}

/* ---- JSON output ---- */

/* Length of a valid UTF-8 sequence at s, or 0. */
static size_t utf8_len(const unsigned char *s)
{
    if (s[0] < 0x80)
        return 1;
    size_t n;
    uint32_t cp;
    if ((s[0] & 0xe0) == 0xc0) {
        n = 2;
        cp = s[0] & 0x1f;
    } else if ((s[0] & 0xf0) == 0xe0) {
        n = 3;
        cp = s[0] & 0x0f;
    } else if ((s[0] & 0xf8) == 0xf0) {
        n = 4;
        cp = s[0] & 0x07;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    static const uint32_t min[5] = { 0, 0, 0x80, 0x800, 0x10000 };
    if (cp < min[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

/* A JSON string; bytes that are not UTF-8 come out as \u00XX. */
static void json_str(FILE *f, const char *s)
{
    if (!s) {
        fputs("null", f);
        return;
    }
    fputc('"', f);
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned char c = *p;
        if (c == '"' || c == '\\') {
            fprintf(f, "\\%c", c);
            p++;
        } else if (c == '\n') {
            fputs("\\n", f);
            p++;
        } else if (c == '\t') {
            fputs("\\t", f);
            p++;
        } else if (c < 0x20 || c == 0x7f) {
            fprintf(f, "\\u%04x", c);
            p++;
        } else {
            size_t n = utf8_len(p);
            if (n == 0) {
                fprintf(f, "\\u%04x", c);
                p++;
            } else {
                fwrite(p, 1, n, f);
                p += n;
            }
        }
    }
    fputc('"', f);
}

/* ---- aligned tables ---- */

struct table {
    size_t   ncols;
    unsigned right;  /* bit i: column i is right-aligned */
    char   **cells;  /* rows * ncols, row 0 the header */
    size_t   nrows;
};

static void table_init(struct table *t, size_t ncols, unsigned right, const char *const *hdr)
{
    t->ncols = ncols;
    t->right = right;
    t->cells = NULL;
    t->nrows = 0;
    char **row = xmalloc(sizeof *row * ncols);
    for (size_t i = 0; i < ncols; i++)
        row[i] = xstrdup(hdr[i]);
    t->cells = row;
    t->nrows = 1;
}

/* Adds a row; takes ownership of the ncols strings (printf'd by caller). */
static void table_add(struct table *t, char **row)
{
    t->cells = xrealloc(t->cells, sizeof *t->cells * t->ncols * (t->nrows + 1));
    memcpy(t->cells + t->ncols * t->nrows, row, sizeof *row * t->ncols);
    t->nrows++;
}

static void table_print(struct table *t, FILE *f)
{
    size_t *w = calloc(t->ncols, sizeof *w);
    if (!w)
        oom();
    for (size_t r = 0; r < t->nrows; r++)
        for (size_t c = 0; c < t->ncols; c++) {
            size_t n = strlen(t->cells[r * t->ncols + c]);
            if (n > w[c])
                w[c] = n;
        }
    for (size_t r = 0; r < t->nrows; r++) {
        for (size_t c = 0; c < t->ncols; c++) {
            const char *s = t->cells[r * t->ncols + c];
            int last = c + 1 == t->ncols;
            if (t->right & (1u << c))
                fprintf(f, "%*s", (int)w[c], s);
            else if (last)
                fputs(s, f);
            else
                fprintf(f, "%-*s", (int)w[c], s);
            if (!last)
                fputs("  ", f);
        }
        fputc('\n', f);
    }
    free(w);
}

static void table_free(struct table *t)
{
    for (size_t i = 0; i < t->nrows * t->ncols; i++)
        free(t->cells[i]);
    free(t->cells);
}

/* Writes all of buf to fd.  Returns 0 or -errno. */
static int write_all(int fd, const void *buf, size_t n)
{
    const char *p = buf;
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Flushes stdout and reports a failed write (full disk, closed pipe). */
static int finish_stdout(int rc)
{
    if (fflush(stdout) != 0 || ferror(stdout)) {
        if (rc == 0)
            rc = fail(-errno, "writing to stdout");
    }
    return rc;
}

/* ------------------------------------------------------------------ */
/* The registry: entries and their holders                             */
/* ------------------------------------------------------------------ */

/* One flock of /proc/locks. */
struct flock_rec {
    unsigned maj, min;
    uint64_t ino;
    long     pid;
};

struct locks {
    struct flock_rec *v;
    size_t            n;
};

/* Reads the FLOCK lines of /proc/locks, e.g.
 *   3: FLOCK  ADVISORY  READ  1234 00:1a:5678 0 EOF
 * ("->" lines are waiters, not holders). */
static void locks_read(struct locks *l)
{
    l->v = NULL;
    l->n = 0;
    FILE *f = fopen("/proc/locks", "re");
    if (!f)
        return;
    char line[512];
    size_t cap = 0;
    while (fgets(line, sizeof line, f)) {
        char type[32], arrow[8];
        long pid;
        unsigned maj, min;
        unsigned long long ino;
        if (sscanf(line, "%*s %7s", arrow) == 1 && strcmp(arrow, "->") == 0)
            continue;
        if (sscanf(line, "%*s %31s %*s %*s %ld %x:%x:%llu", type, &pid, &maj, &min, &ino) != 5)
            continue;
        if (strcmp(type, "FLOCK") != 0 || pid <= 0)
            continue;
        if (l->n == cap) {
            cap = cap ? cap * 2 : 64;
            l->v = xrealloc(l->v, sizeof *l->v * cap);
        }
        l->v[l->n++] = (struct flock_rec){ maj, min, (uint64_t)ino, pid };
    }
    fclose(f);
}

struct entry {
    struct reg_entry_info info;
    long                 *pids;
    size_t                npids;
};

struct entries {
    struct entry *v;
    size_t        n, cap;
    const char   *want;  /* info: only this bare name */
};

static int collect_cb(const struct reg_entry_info *info, void *arg)
{
    struct entries *es = arg;
    if (es->want && strcmp(info->name, es->want) != 0)
        return 0;
    if (es->n == es->cap) {
        es->cap = es->cap ? es->cap * 2 : 16;
        es->v = xrealloc(es->v, sizeof *es->v * es->cap);
    }
    es->v[es->n++] = (struct entry){ .info = *info };
    return es->want != NULL; /* a name is unique: stop at it */
}

/* Fills the holder pids of each entry (unique, ascending). */
static void entries_holders(struct entries *es)
{
    struct locks l;
    locks_read(&l);
    for (size_t i = 0; i < es->n; i++) {
        struct entry *e = &es->v[i];
        e->pids = xmalloc(sizeof *e->pids * (l.n + 1));
        e->npids = 0;
        unsigned maj = major((dev_t)e->info.dev), min = minor((dev_t)e->info.dev);
        for (size_t k = 0; k < l.n; k++) {
            if (l.v[k].maj != maj || l.v[k].min != min || l.v[k].ino != e->info.ino)
                continue;
            size_t j = 0;
            while (j < e->npids && e->pids[j] < l.v[k].pid)
                j++;
            if (j < e->npids && e->pids[j] == l.v[k].pid)
                continue;
            memmove(e->pids + j + 1, e->pids + j, sizeof *e->pids * (e->npids - j));
            e->pids[j] = l.v[k].pid;
            e->npids++;
        }
    }
    free(l.v);
}

static int entry_cmp(const void *a, const void *b)
{
    const struct entry *x = a, *y = b;
    if (x->info.ns != y->info.ns)
        return x->info.ns - y->info.ns;
    return strcmp(x->info.name, y->info.name);
}

static void entries_free(struct entries *es)
{
    for (size_t i = 0; i < es->n; i++)
        free(es->v[i].pids);
    free(es->v);
}

static char *pids_text(const struct entry *e)
{
    if (e->npids == 0)
        return xstrdup("-");
    size_t cap = e->npids * 21 + 1, k = 0;
    char *s = xmalloc(cap);
    for (size_t i = 0; i < e->npids; i++)
        k += (size_t)snprintf(s + k, cap - k, "%s%ld", i ? "," : "", e->pids[i]);
    return s;
}

static int is_section(const struct entry *e)
{
    return e->info.hdr.type == MMF_TYPE_SECTION;
}

static const char *backing_text(const struct entry *e)
{
    if (!is_section(e))
        return "-";
    return e->info.hdr.file_backed ? e->info.hdr.path : "memory";
}

/* One entry as a JSON object (`detail`: the info fields as well). */
static void entry_json(FILE *f, const struct entry *e, int detail)
{
    const struct obj_header *h = &e->info.hdr;
    char *owner = owner_text(e->info.uid);
    fputs("{\"namespace\": ", f);
    json_str(f, ns_text(e->info.ns));
    fputs(", \"name\": ", f);
    json_str(f, e->info.name);
    char *full = xasprintf("%s\\%s", ns_text(e->info.ns), e->info.name);
    fputs(", \"full_name\": ", f);
    json_str(f, full);
    free(full);
    fputs(", \"type\": ", f);
    json_str(f, type_text(h->type));
    if (is_section(e)) {
        fprintf(f, ", \"size\": %" PRIu64 ", \"backing\": ", h->size);
        json_str(f, h->file_backed ? "file" : "memory");
        fputs(", \"file\": ", f);
        json_str(f, h->file_backed ? h->path : NULL);
        fputs(", \"protection\": ", f);
        json_str(f, prot_text(h->prot));
        fputs(", \"flags\": [", f);
        char *fl = flags_text(h->flags);
        if (strcmp(fl, "none") != 0) {
            for (char *tok = fl, *bar; tok; tok = bar ? bar + 1 : NULL) {
                bar = strchr(tok, '|');
                if (bar)
                    *bar = '\0';
                if (tok != fl)
                    fputs(", ", f);
                json_str(f, tok);
            }
        }
        free(fl);
        fputc(']', f);
    } else {
        fputs(", \"size\": null, \"backing\": null, \"file\": null, \"protection\": null, "
              "\"flags\": null", f);
    }
    fputs(", \"owner\": ", f);
    json_str(f, owner);
    fprintf(f, ", \"uid\": %" PRIu32 ", \"mode\": \"%04o\", \"holders\": [", e->info.uid,
            (unsigned)e->info.mode);
    for (size_t i = 0; i < e->npids; i++)
        fprintf(f, "%s%ld", i ? ", " : "", e->pids[i]);
    fputc(']', f);
    if (detail) {
        char *dir = registry_dir(e->info.ns);
        char file[MMF_NAME_MAX * 3 + 1];
        escape_name(e->info.name, file, sizeof file);
        char *path = xasprintf("%s/%s", dir, file);
        fputs(", \"entry\": ", f);
        json_str(f, path);
        fprintf(f, ", \"entry_dev\": \"%u:%u\", \"entry_ino\": %" PRIu64,
                major((dev_t)e->info.dev), minor((dev_t)e->info.dev), e->info.ino);
        if (is_section(e) && h->file_backed)
            fprintf(f, ", \"file_dev\": \"%u:%u\", \"file_ino\": %" PRIu64,
                    major((dev_t)h->file_dev), minor((dev_t)h->file_dev), h->file_ino);
        free(path);
        free(dir);
    }
    fputc('}', f);
    free(owner);
}

/* Lists namespace ns into es, reporting a failure on stderr. */
static int list_ns(int ns, struct entries *es)
{
    int rc = mmf__reg_list(ns, collect_cb, es);
    if (rc < 0)
        return fail(rc, "%s namespace (%s)", ns_text(ns), registry_base());
    return 0;
}

/* ------------------------------------------------------------------ */
/* ls, info                                                            */
/* ------------------------------------------------------------------ */

static int cmd_ls(int argc, char **argv)
{
    struct optspec opts[] = { { "json", 0, NULL } };
    char **pos;
    int npos;
    int r = parse_args("ls", argc, argv, opts, 1, &pos, &npos, 0, 0);
    free(pos);
    if (r)
        return r == 1 ? 0 : r;
    int json = opts[0].value != NULL;

    struct entries es = { 0 };
    int rc = 0;
    rc |= list_ns(MMF_NS_LOCAL, &es);
    rc |= list_ns(MMF_NS_GLOBAL, &es);
    entries_holders(&es);
    if (es.n)
        qsort(es.v, es.n, sizeof *es.v, entry_cmp);

    if (json) {
        fputc('[', stdout);
        for (size_t i = 0; i < es.n; i++) {
            fputs(i ? ",\n " : "", stdout);
            entry_json(stdout, &es.v[i], 0);
        }
        fputs("]\n", stdout);
    } else {
        static const char *const hdr[] = { "NAMESPACE", "NAME", "TYPE", "SIZE", "OWNER",
                                           "MODE", "HOLDERS", "BACKING" };
        struct table t;
        table_init(&t, 8, 1u << 3, hdr);
        for (size_t i = 0; i < es.n; i++) {
            const struct entry *e = &es.v[i];
            char *row[8];
            row[0] = xstrdup(ns_text(e->info.ns));
            row[1] = cell(e->info.name);
            row[2] = xstrdup(type_text(e->info.hdr.type));
            row[3] = is_section(e) ? xasprintf("%" PRIu64, e->info.hdr.size) : xstrdup("-");
            row[4] = owner_text(e->info.uid);
            row[5] = xasprintf("%04o", (unsigned)e->info.mode);
            row[6] = pids_text(e);
            row[7] = cell(backing_text(e));
            table_add(&t, row);
        }
        table_print(&t, stdout);
        table_free(&t);
    }
    entries_free(&es);
    return finish_stdout(rc);
}

static int cmd_info(int argc, char **argv)
{
    struct optspec opts[] = { { "json", 0, NULL } };
    char **pos;
    int npos;
    int r = parse_args("info", argc, argv, opts, 1, &pos, &npos, 1, 1);
    if (r) {
        free(pos);
        return r == 1 ? 0 : r;
    }
    const char *name = pos[0];
    free(pos);
    int json = opts[0].value != NULL;

    int ns;
    const char *rest;
    int rc = split_name(name, &ns, &rest);
    if (rc < 0)
        return fail(rc, "info %s", name);
    struct entries es = { .want = rest };
    rc = mmf__reg_list(ns, collect_cb, &es);
    if (rc < 0) {
        entries_free(&es);
        return fail(rc, "info %s", name);
    }
    if (es.n == 0) {
        entries_free(&es);
        return fail(MMF_ENOTFOUND, "info %s", name);
    }
    entries_holders(&es);
    const struct entry *e = &es.v[0];
    const struct obj_header *h = &e->info.hdr;

    if (json) {
        entry_json(stdout, e, 1);
        fputc('\n', stdout);
    } else {
        char *full = xasprintf("%s\\%s", ns_text(e->info.ns), e->info.name);
        char *pfull = printable(full);
        char *owner = owner_text(e->info.uid);
        char *pids = pids_text(e);
        char *dir = registry_dir(e->info.ns);
        char file[MMF_NAME_MAX * 3 + 1];
        escape_name(e->info.name, file, sizeof file);
        printf("name:        %s\n", pfull);
        printf("namespace:   %s\n", ns_text(e->info.ns));
        printf("type:        %s\n", type_text(h->type));
        if (is_section(e)) {
            char *fl = flags_text(h->flags);
            char *pb = printable(backing_text(e));
            printf("size:        %" PRIu64 " bytes\n", h->size);
            printf("protection:  %s\n", prot_text(h->prot));
            printf("flags:       %s\n", fl);
            printf("backing:     %s\n", pb);
            if (h->file_backed)
                printf("file:        device %u:%u, inode %" PRIu64 "\n",
                       major((dev_t)h->file_dev), minor((dev_t)h->file_dev), h->file_ino);
            free(fl);
            free(pb);
        }
        printf("owner:       %s (uid %" PRIu32 ")\n", owner, e->info.uid);
        printf("mode:        %04o\n", (unsigned)e->info.mode);
        printf("holders:     %s\n", pids);
        printf("entry:       %s/%s (device %u:%u, inode %" PRIu64 ")\n", dir, file,
               major((dev_t)e->info.dev), minor((dev_t)e->info.dev), e->info.ino);
        free(full);
        free(pfull);
        free(owner);
        free(pids);
        free(dir);
    }
    entries_free(&es);
    return finish_stdout(0);
}

/* ------------------------------------------------------------------ */
/* create                                                              */
/* ------------------------------------------------------------------ */

/* Waits until stdin ends (unless `ignore_stdin`) or one of the signals in
 * `set` (blocked by the caller) arrives.  Returns the signal, or 0. */
static int hold(const sigset_t *set, int ignore_stdin)
{
    int sfd = signalfd(-1, set, SFD_CLOEXEC);
    if (sfd < 0) {
        /* No signalfd: sigwait works for signals, not for stdin. */
        int sig = 0;
        if (ignore_stdin) {
            sigwait(set, &sig);
            return sig;
        }
        sigprocmask(SIG_UNBLOCK, set, NULL); /* default action: die */
        char buf[4096];
        while (read(STDIN_FILENO, buf, sizeof buf) > 0 || errno == EINTR)
            ;
        return 0;
    }
    struct pollfd p[2] = { { .fd = sfd, .events = POLLIN },
                           { .fd = ignore_stdin ? -1 : STDIN_FILENO, .events = POLLIN } };
    for (;;) {
        int n = poll(p, 2, -1);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (p[0].revents & POLLIN) {
            struct signalfd_siginfo si;
            if (read(sfd, &si, sizeof si) == (ssize_t)sizeof si) {
                close(sfd);
                return (int)si.ssi_signo;
            }
        }
        if (p[1].revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL)) {
            if (p[1].revents & POLLNVAL)
                break;
            char buf[4096];
            ssize_t r = read(STDIN_FILENO, buf, sizeof buf);
            if (r == 0 || (r < 0 && errno != EINTR && errno != EAGAIN))
                break;
        }
    }
    close(sfd);
    return 0;
}

static int cmd_create(int argc, char **argv)
{
    struct optspec opts[] = { { "mode", 1, NULL },    { "everyone", 0, NULL },
                              { "file", 1, NULL },    { "reserve", 0, NULL },
                              { "until-signal", 0, NULL } };
    char **pos;
    int npos;
    int r = parse_args("create", argc, argv, opts, 5, &pos, &npos, 2, 2);
    if (r) {
        free(pos);
        return r == 1 ? 0 : r;
    }
    const char *name = pos[0], *size_arg = pos[1];
    free(pos);
    uint64_t size;
    if (parse_size(size_arg, &size) < 0)
        return usage_error("create", "create: bad SIZE '%s'", size_arg);
    unsigned mode = 0;
    if (opts[0].value) {
        char *end;
        errno = 0;
        unsigned long m = strtoul(opts[0].value, &end, 8);
        if (errno || !*opts[0].value || *end || m == 0 || (m & ~0666ul))
            return usage_error("create",
                               "create: bad --mode '%s' (octal, non-zero, within 0666)",
                               opts[0].value);
        mode = (unsigned)m;
    }
    int everyone = opts[1].value != NULL;
    const char *path = opts[2].value;
    unsigned flags = opts[3].value ? MMF_SEC_RESERVE : 0;
    int ignore_stdin = opts[4].value != NULL;
    if (path && !*path)
        return usage_error("create", "create: empty --file path");
    if (!path && size == 0)
        return usage_error("create", "create: SIZE must not be 0 for a memory section");

    int ns;
    const char *rest;
    int rc = split_name(name, &ns, &rest);
    if (rc < 0)
        return fail(rc, "create %s", name);
    char *full = full_name(name);
    char *pfull = printable(full);

    /* A background job of an interactive shell would be stopped for
     * reading the terminal: hold until a signal then. */
    if (!ignore_stdin && isatty(STDIN_FILENO) && tcgetpgrp(STDIN_FILENO) != getpgrp())
        ignore_stdin = 1;

    /* Block the ending signals before the object exists, so that one
     * arriving at any moment from here still releases it cleanly. */
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    sigprocmask(SIG_BLOCK, &set, &old);

    int fd = -1, made_file = 0;
    if (path) {
        for (;;) {
            fd = open(path, O_RDWR | O_CLOEXEC | O_NOCTTY);
            if (fd >= 0 || errno != ENOENT)
                break;
            fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, 0666);
            if (fd >= 0) {
                made_file = 1;
                break;
            }
            if (errno != EEXIST)
                break;
        }
        if (fd < 0) {
            rc = fail(-errno, "create %s: open %s", pfull, path);
            goto out_name;
        }
    }

    mmf_create_options co = { .name = name, .mode = mode, .everyone = everyone };
    mmf_section *s = NULL;
    int cr = mmf_section_create(fd, size, MMF_PAGE_READWRITE, flags, &co, &s);
    if (fd >= 0)
        close(fd);
    if (made_file && cr != 0)
        unlink(path); /* nothing of ours must stay behind */
    if (cr < 0) {
        rc = fail(cr, "create %s", pfull);
        goto out_name;
    }

    mmf_section_info si;
    mmf_section_query(s, &si);
    unsigned vprot = (si.protection & MMF_PAGE_WRITE) && (si.access & MMF_ACCESS_WRITE)
                         ? MMF_PAGE_READWRITE
                         : MMF_PAGE_READONLY;
    void *view = NULL;
    int vr = mmf_view_map(s, vprot, 0, 0, NULL, &view);
    if (vr < 0) {
        rc = fail(vr, "create %s: map a view", pfull);
        mmf_section_close(s);
        goto out_name;
    }

    char *fl = flags_text(si.flags);
    char *backing;
    if (si.file_backed) {
        char fpath[PATH_MAX];
        size_t len;
        if (mmf_view_filename(view, fpath, sizeof fpath, &len) < 0)
            snprintf(fpath, sizeof fpath, "%s", path ? path : "?");
        char *pp = printable(fpath);
        backing = xasprintf("file %s", pp);
        free(pp);
    } else {
        backing = xstrdup("memory");
    }
    if (cr == MMF_EXISTED)
        printf("opened existing section %s: %s, %" PRIu64 " bytes, %s, %s\n", pfull, backing,
               si.size, prot_text(si.protection), fl);
    else
        printf("created section %s: %s, %" PRIu64 " bytes, %s, %s, mode %04o\n", pfull,
               backing, si.size, prot_text(si.protection), fl,
               everyone ? 0666u : mode ? mode : 0600u);
    uint64_t vlen = (si.size + mmf__page_size() - 1) / mmf__page_size() * mmf__page_size();
    printf("view %#" PRIxPTR "-%#" PRIxPTR " (%" PRIu64 " bytes, %s) mapped in pid %ld\n",
           (uintptr_t)view, (uintptr_t)view + (uintptr_t)vlen, si.size, prot_text(vprot),
           (long)getpid());
    free(fl);
    free(backing);
    if (fflush(stdout) != 0)
        rc = fail(-errno, "create %s: writing to stdout", pfull);

    if (rc == 0) {
        fprintf(stderr,
                "mmf: holding %s (pid %ld) until %s; then the name goes unless "
                "another process holds it\n",
                pfull, (long)getpid(),
                ignore_stdin ? "SIGINT, SIGTERM or SIGHUP"
                             : "stdin ends (Ctrl-D) or SIGINT, SIGTERM or SIGHUP");
        int sig = hold(&set, ignore_stdin);
        if (sig)
            fprintf(stderr, "mmf: %s: releasing %s\n", strsignal(sig), pfull);
        else
            fprintf(stderr, "mmf: releasing %s\n", pfull);
    }
    mmf_view_unmap(view);
    mmf_section_close(s);
out_name:
    sigprocmask(SIG_SETMASK, &old, NULL);
    free(full);
    free(pfull);
    return rc;
}

/* ------------------------------------------------------------------ */
/* cat, write                                                          */
/* ------------------------------------------------------------------ */

/* A file behind a file section can be truncated by anyone who can write
 * it: touching the missing pages raises SIGBUS.  Say so instead of
 * dumping core. */
static void on_sigbus(int sig)
{
    (void)sig;
    static const char msg[] =
        "mmf: the section's data is beyond the end of its file (was the file truncated?)\n";
    ssize_t w = write(STDERR_FILENO, msg, sizeof msg - 1);
    (void)w;
    _exit(1);
}

static void catch_sigbus(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigbus;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGBUS, &sa, NULL);
}

/* Maps [off, off+len) of s with prot from the aligned-down offset.
 * Returns 0 and the view base and the byte at `off` in *data. */
static int map_range(mmf_section *s, unsigned prot, uint64_t off, uint64_t len, void **view,
                     char **data)
{
    uint64_t g = mmf_granularity();
    uint64_t base = off / g * g;
    int rc = mmf_view_map(s, prot, base, off - base + len, NULL, view);
    if (rc < 0)
        return rc;
    *data = (char *)*view + (off - base);
    return 0;
}

static int cmd_cat(int argc, char **argv)
{
    char **pos;
    int npos;
    int r = parse_args("cat", argc, argv, NULL, 0, &pos, &npos, 1, 3);
    if (r) {
        free(pos);
        return r == 1 ? 0 : r;
    }
    const char *name = pos[0];
    uint64_t off = 0, len = 0;
    int have_len = npos > 2;
    if (npos > 1 && parse_size(pos[1], &off) < 0) {
        r = usage_error("cat", "cat: bad OFFSET '%s'", pos[1]);
    } else if (have_len && parse_size(pos[2], &len) < 0) {
        r = usage_error("cat", "cat: bad LEN '%s'", pos[2]);
    }
    free(pos);
    if (r)
        return r;

    mmf_section *s;
    int rc = mmf_section_open(name, MMF_ACCESS_READ, &s);
    if (rc < 0)
        return fail(rc, "cat %s", name);
    mmf_section_info si;
    mmf_section_query(s, &si);
    if (off > si.size) {
        mmf_section_close(s);
        return failmsg("cat %s: offset %" PRIu64 " is past the end of the section (%" PRIu64
                       " bytes)",
                       name, off, si.size);
    }
    if (!have_len)
        len = si.size - off;
    else if (len > si.size - off) {
        mmf_section_close(s);
        return failmsg("cat %s: %" PRIu64 " bytes at offset %" PRIu64
                       " run past the end of the section (%" PRIu64 " bytes)",
                       name, len, off, si.size);
    }
    if (len == 0) {
        mmf_section_close(s);
        return 0;
    }
    if (len > SIZE_MAX) {
        mmf_section_close(s);
        return fail(-ENOMEM, "cat %s", name);
    }
    void *view;
    char *data;
    rc = map_range(s, MMF_PAGE_READONLY, off, len, &view, &data);
    mmf_section_close(s); /* the view keeps the section */
    if (rc < 0)
        return fail(rc, "cat %s: map a view", name);
    catch_sigbus();
    rc = write_all(STDOUT_FILENO, data, (size_t)len);
    mmf_view_unmap(view);
    if (rc < 0)
        return fail(rc, "cat %s: writing to stdout", name);
    return 0;
}

static int cmd_write(int argc, char **argv)
{
    char **pos;
    int npos;
    int r = parse_args("write", argc, argv, NULL, 0, &pos, &npos, 1, 2);
    if (r) {
        free(pos);
        return r == 1 ? 0 : r;
    }
    const char *name = pos[0];
    uint64_t off = 0;
    if (npos > 1 && parse_size(pos[1], &off) < 0)
        r = usage_error("write", "write: bad OFFSET '%s'", pos[1]);
    free(pos);
    if (r)
        return r;

    /* All of stdin first: a write that does not fit changes nothing. */
    size_t n = 0, cap = 65536;
    char *buf = xmalloc(cap);
    for (;;) {
        if (n == cap) {
            if (cap > SIZE_MAX / 2)
                oom();
            cap *= 2;
            buf = xrealloc(buf, cap);
        }
        ssize_t got = read(STDIN_FILENO, buf + n, cap - n);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            int e = -errno;
            free(buf);
            return fail(e, "write %s: reading stdin", name);
        }
        if (got == 0)
            break;
        n += (size_t)got;
    }

    mmf_section *s;
    int rc = mmf_section_open(name, MMF_ACCESS_READ | MMF_ACCESS_WRITE, &s);
    if (rc < 0) {
        free(buf);
        return fail(rc, "write %s", name);
    }
    mmf_section_info si;
    mmf_section_query(s, &si);
    if (off > si.size || n > si.size - off) {
        mmf_section_close(s);
        free(buf);
        return failmsg("write %s: %zu bytes at offset %" PRIu64
                       " run past the end of the section (%" PRIu64 " bytes); nothing written",
                       name, n, off, si.size);
    }
    if (n > 0) {
        void *view;
        char *data;
        rc = map_range(s, MMF_PAGE_READWRITE, off, n, &view, &data);
        if (rc < 0) {
            mmf_section_close(s);
            free(buf);
            return fail(rc, "write %s: map a view", name);
        }
        catch_sigbus();
        memcpy(data, buf, n);
        rc = mmf_view_flush(data, n);
        mmf_view_unmap(view);
        if (rc < 0) {
            mmf_section_close(s);
            free(buf);
            return fail(rc, "write %s: flush", name);
        }
    }
    mmf_section_close(s);
    free(buf);
    printf("wrote %zu bytes at offset %" PRIu64 "\n", n, off);
    return finish_stdout(0);
}

/* ------------------------------------------------------------------ */
/* rm, gc                                                              */
/* ------------------------------------------------------------------ */

static int cmd_rm(int argc, char **argv)
{
    char **pos;
    int npos;
    int r = parse_args("rm", argc, argv, NULL, 0, &pos, &npos, 1, 1);
    if (r) {
        free(pos);
        return r == 1 ? 0 : r;
    }
    const char *name = pos[0];
    free(pos);
    int rc = mmf__reg_unlink(name);
    if (rc < 0)
        return fail(rc, "rm %s", name);
    char *full = full_name(name);
    char *pfull = printable(full);
    printf("removed %s\n", pfull);
    free(full);
    free(pfull);
    return finish_stdout(0);
}

static int cmd_gc(int argc, char **argv)
{
    char **pos;
    int npos;
    int r = parse_args("gc", argc, argv, NULL, 0, &pos, &npos, 0, 0);
    free(pos);
    if (r)
        return r == 1 ? 0 : r;
    int n = mmf_registry_gc();
    if (n < 0)
        return fail(n, "gc");
    printf("reclaimed %d object%s\n", n, n == 1 ? "" : "s");
    return finish_stdout(0);
}

/* ------------------------------------------------------------------ */
/* views                                                               */
/* ------------------------------------------------------------------ */

struct mapping {
    uint64_t start, end, offset;
    char     perms[5];
    unsigned maj, min;
    uint64_t ino;
    char    *path;    /* "" for anonymous */
};

/* A file-backed named section, to name the file views. */
struct filesec {
    dev_t    dev;
    uint64_t ino;
    char    *name;    /* "Local\x" */
};

struct filesecs {
    struct filesec *v;
    size_t          n;
};

static int filesec_cb(const struct reg_entry_info *info, void *arg)
{
    struct filesecs *fs = arg;
    if (info->hdr.type != MMF_TYPE_SECTION || !info->hdr.file_backed)
        return 0;
    fs->v = xrealloc(fs->v, sizeof *fs->v * (fs->n + 1));
    fs->v[fs->n++] = (struct filesec){ (dev_t)info->hdr.file_dev, info->hdr.file_ino,
                                       xasprintf("%s\\%s", ns_text(info->ns), info->name) };
    return 0;
}

/* Windows' name for the protection of a mapping.  Private writable file
 * mappings are copy-on-write views; private anonymous memory is not. */
static const char *perms_prot(const char *perms, int file)
{
    int r = perms[0] == 'r', w = perms[1] == 'w', x = perms[2] == 'x';
    int cow = perms[3] == 'p' && file;
    if (w && !r)
        return "-";
    if (x)
        return w ? (cow ? "PAGE_EXECUTE_WRITECOPY" : "PAGE_EXECUTE_READWRITE")
                 : r ? "PAGE_EXECUTE_READ" : "PAGE_EXECUTE";
    if (w)
        return cow ? "PAGE_WRITECOPY" : "PAGE_READWRITE";
    return r ? "PAGE_READONLY" : "PAGE_NOACCESS";
}

/* Whether dir (a path without trailing slash) is a registry namespace
 * directory: BASE/mmf-global or BASE/mmf-<digits>, BASE being /dev/shm or
 * $MMF_REGISTRY_DIR.  Sets *ns. */
static int registry_path(const char *dir, int *ns)
{
    const char *slash = strrchr(dir, '/');
    if (!slash)
        return 0;
    const char *leaf = slash + 1;
    size_t plen = (size_t)(slash - dir);
    const char *bases[2] = { "/dev/shm", registry_base() };
    int base_ok = 0;
    for (int i = 0; i < 2; i++) {
        size_t bl = strlen(bases[i]);
        while (bl > 1 && bases[i][bl - 1] == '/')
            bl--;
        if (bl == plen && strncmp(dir, bases[i], plen) == 0)
            base_ok = 1;
    }
    if (!base_ok || strncmp(leaf, "mmf-", 4) != 0)
        return 0;
    if (strcmp(leaf + 4, "global") == 0) {
        *ns = MMF_NS_GLOBAL;
        return 1;
    }
    const char *d = leaf + 4;
    if (!*d)
        return 0;
    for (; *d; d++)
        if (!isdigit((unsigned char)*d))
            return 0;
    *ns = MMF_NS_LOCAL;
    return 1;
}

struct vrow {
    const struct mapping *m;
    const char *type;      /* section, file, registry, library, anon... */
    char       *name;      /* "Local\x", or NULL */
    char       *backing;
    uint64_t    offset;
    int         deleted;   /* the file or name is gone */
    const char *prot;
};

static int cmd_views(int argc, char **argv)
{
    struct optspec opts[] = { { "all", 0, NULL }, { "json", 0, NULL } };
    char **pos;
    int npos;
    int r = parse_args("views", argc, argv, opts, 2, &pos, &npos, 1, 1);
    if (r) {
        free(pos);
        return r == 1 ? 0 : r;
    }
    const char *pid_arg = pos[0];
    free(pos);
    int all = opts[0].value != NULL, json = opts[1].value != NULL;
    char *end;
    errno = 0;
    long pid = strtol(pid_arg, &end, 10);
    if (errno || !isdigit((unsigned char)*pid_arg) || *end || pid <= 0 || pid > INT_MAX)
        return usage_error("views", "views: bad PID '%s'", pid_arg);

    char mpath[64];
    snprintf(mpath, sizeof mpath, "/proc/%ld/maps", pid);
    FILE *f = fopen(mpath, "re");
    if (!f) {
        int e = errno == ENOENT ? -ESRCH : -errno;
        return fail(e, "views %ld: %s", pid, mpath);
    }
    struct mapping *ms = NULL;
    size_t nm = 0, cap = 0;
    char *line = NULL;
    size_t lcap = 0;
    while (getline(&line, &lcap, f) > 0) {
        struct mapping m;
        unsigned long long s, e, off, ino;
        int at = 0;
        if (sscanf(line, "%llx-%llx %4s %llx %x:%x %llu%n", &s, &e, m.perms, &off, &m.maj,
                   &m.min, &ino, &at) != 7)
            continue;
        char *p = line + at;
        while (*p == ' ' || *p == '\t')
            p++;
        p[strcspn(p, "\n")] = '\0';
        m.start = s;
        m.end = e;
        m.offset = off;
        m.ino = ino;
        m.path = xstrdup(p);
        if (nm == cap) {
            cap = cap ? cap * 2 : 64;
            ms = xrealloc(ms, sizeof *ms * cap);
        }
        ms[nm++] = m;
    }
    free(line);
    int read_err = ferror(f);
    fclose(f);
    if (read_err) {
        for (size_t i = 0; i < nm; i++)
            free(ms[i].path);
        free(ms);
        if (kill((pid_t)pid, 0) < 0 && errno == ESRCH)
            return fail(-ESRCH, "views %ld", pid); /* exited meanwhile */
        return fail(-EIO, "views %ld: reading %s", pid, mpath);
    }

    /* File sections the caller can see by name. */
    struct filesecs fsecs = { 0 };
    mmf__reg_list(MMF_NS_LOCAL, filesec_cb, &fsecs);
    mmf__reg_list(MMF_NS_GLOBAL, filesec_cb, &fsecs);

    uint64_t page = mmf__page_size();
    struct vrow *rows = xmalloc(sizeof *rows * nm);
    size_t nr = 0;
    for (size_t i = 0; i < nm; i++) {
        const struct mapping *m = &ms[i];
        struct vrow v = { .m = m, .offset = m->offset };
        char *path = xstrdup(m->path);
        size_t pl = strlen(path);
        static const char del[] = " (deleted)";
        if (pl >= sizeof del - 1 && strcmp(path + pl - (sizeof del - 1), del) == 0) {
            v.deleted = 1;
            path[pl - (sizeof del - 1)] = '\0';
        }
        int is_file = path[0] == '/';
        v.prot = perms_prot(m->perms, is_file);
        char *slash = is_file ? strrchr(path, '/') : NULL;
        int ns;
        int in_reg = 0;
        if (slash && slash != path) {
            *slash = '\0';
            in_reg = registry_path(path, &ns);
            *slash = '/';
        }
        if (in_reg && slash[1] != '.') {
            char nm_buf[MMF_NAME_MAX + 1];
            unescape_name(slash + 1, nm_buf, sizeof nm_buf);
            v.type = "section";
            v.name = xasprintf("%s\\%s", ns_text(ns), nm_buf);
            v.backing = xstrdup("memory");
            v.offset = m->offset >= page ? m->offset - page : m->offset;
        } else if (in_reg) {
            if (!all)
                goto skip;
            v.type = "registry"; /* the registry's own files (.census) */
            v.backing = xstrdup(m->path);
        } else if (strncmp(path, "/memfd:mmf-section", 18) == 0 && path[18] == '\0') {
            v.type = "section";
            v.backing = xstrdup("memory");
        } else if (is_file) {
            /* A file that the process also maps private and executable is
             * a program or library: its data segments are not views.  (A
             * file that backs a named section is a section's, whatever its
             * views' protections.) */
            dev_t dev = makedev(m->maj, m->min);
            const char *secname = NULL;
            for (size_t k = 0; k < fsecs.n && !secname; k++)
                if (fsecs.v[k].dev == dev && fsecs.v[k].ino == m->ino)
                    secname = fsecs.v[k].name;
            int library = 0;
            for (size_t k = 0; k < nm && !library && !secname; k++)
                if (ms[k].ino == m->ino && ms[k].maj == m->maj && ms[k].min == m->min &&
                    ms[k].perms[2] == 'x' && ms[k].perms[3] == 'p' && ms[k].path[0] == '/')
                    library = 1;
            if (library) {
                if (!all)
                    goto skip;
                v.type = "library";
            } else {
                v.type = "file";
                if (secname)
                    v.name = xstrdup(secname);
            }
            v.backing = xstrdup(path);
        } else {
            if (!all)
                goto skip;
            v.type = path[0] == '[' ? "special" : path[0] ? "other" : "anon";
            v.backing = xstrdup(path[0] ? path : "-");
        }
        rows[nr++] = v;
        free(path);
        continue;
    skip:
        free(path);
    }

    if (json) {
        fputc('[', stdout);
        for (size_t i = 0; i < nr; i++) {
            const struct vrow *v = &rows[i];
            fprintf(stdout,
                    "%s{\"start\": \"0x%" PRIx64 "\", \"end\": \"0x%" PRIx64 "\", \"size\": %" PRIu64
                    ", \"perms\": \"%s\", \"protection\": \"%s\", \"offset\": %" PRIu64
                    ", \"type\": \"%s\", \"name\": ",
                    i ? ",\n " : "", v->m->start, v->m->end, v->m->end - v->m->start,
                    v->m->perms, v->prot, v->offset, v->type);
            json_str(stdout, v->name);
            fputs(", \"backing\": ", stdout);
            json_str(stdout, v->backing);
            fprintf(stdout, ", \"deleted\": %s}", v->deleted ? "true" : "false");
        }
        fputs("]\n", stdout);
    } else {
        static const char *const hdr[] = { "ADDRESS", "SIZE", "PERM", "PROTECTION", "OFFSET",
                                           "TYPE", "NAME", "BACKING" };
        struct table t;
        table_init(&t, 8, (1u << 1) | (1u << 4), hdr);
        uint64_t total = 0;
        for (size_t i = 0; i < nr; i++) {
            const struct vrow *v = &rows[i];
            char *row[8];
            row[0] = xasprintf("%012" PRIx64 "-%012" PRIx64, v->m->start, v->m->end);
            row[1] = xasprintf("%" PRIu64, v->m->end - v->m->start);
            row[2] = xstrdup(v->m->perms);
            row[3] = xstrdup(v->prot);
            row[4] = xasprintf("0x%" PRIx64, v->offset);
            row[5] = xstrdup(v->type);
            if (v->name) {
                char *pn = cell(v->name);
                row[6] = v->deleted && strcmp(v->type, "section") == 0
                             ? xasprintf("%s (removed)", pn)
                             : xstrdup(pn);
                free(pn);
            } else {
                row[6] = xstrdup(strcmp(v->type, "section") == 0 ? "(unnamed)" : "-");
            }
            char *pb = cell(v->backing);
            row[7] = v->deleted && strcmp(v->type, "file") == 0 ? xasprintf("%s (deleted)", pb)
                                                               : xstrdup(pb);
            free(pb);
            table_add(&t, row);
            total += v->m->end - v->m->start;
        }
        char cmdline[256] = "";
        char cpath[64];
        snprintf(cpath, sizeof cpath, "/proc/%ld/cmdline", pid);
        int cfd = open(cpath, O_RDONLY | O_CLOEXEC);
        if (cfd >= 0) {
            ssize_t n = read(cfd, cmdline, sizeof cmdline - 1);
            close(cfd);
            if (n > 0) {
                for (ssize_t k = 0; k < n; k++)
                    if (cmdline[k] == '\0')
                        cmdline[k] = ' ';
                cmdline[n] = '\0';
                for (ssize_t k = n - 1; k >= 0 && cmdline[k] == ' '; k--)
                    cmdline[k] = '\0';
            }
        }
        printf("%ld:   %s\n", pid, cmdline);
        table_print(&t, stdout);
        printf("%zu mapping%s, %" PRIu64 " bytes\n", nr, nr == 1 ? "" : "s", total);
        table_free(&t);
    }

    for (size_t i = 0; i < nr; i++) {
        free(rows[i].name);
        free(rows[i].backing);
    }
    free(rows);
    for (size_t i = 0; i < nm; i++)
        free(ms[i].path);
    free(ms);
    for (size_t i = 0; i < fsecs.n; i++)
        free(fsecs.v[i].name);
    free(fsecs.v);
    return finish_stdout(0);
}

/* ------------------------------------------------------------------ */
/* help, main                                                          */
/* ------------------------------------------------------------------ */

static int cmd_help(int argc, char **argv);

static const struct command commands[] = {
    { "ls", cmd_ls, "ls [--json]                 list live named objects", help_ls },
    { "info", cmd_info, "info NAME [--json]          show one named object in detail",
      help_info },
    { "create", cmd_create,
      "create NAME SIZE [options]  create or open a named section, and hold it", help_create },
    { "cat", cmd_cat, "cat NAME [OFFSET [LEN]]     write a section's bytes to stdout",
      help_cat },
    { "write", cmd_write, "write NAME [OFFSET] < DATA  copy stdin into a section", help_write },
    { "rm", cmd_rm, "rm NAME                     remove a name now (holders keep the object)",
      help_rm },
    { "gc", cmd_gc, "gc                          reclaim objects no live process holds",
      help_gc },
    { "views", cmd_views,
      "views PID [--all] [--json]  show the section and file views of a process",
      help_views },
    { "help", cmd_help, "help [COMMAND]              show this help, or a command's",
      "usage: mmf help [COMMAND]\n\nShow the overview, or the help of COMMAND "
      "(same as `mmf COMMAND --help`).\n" },
};

static const struct command *find_command(const char *name)
{
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

static void print_overview(FILE *f)
{
    fputs(overview_head, f);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %s\n", commands[i].synopsis);
    fputs(overview_tail, f);
}

static int cmd_help(int argc, char **argv)
{
    if (argc > 2)
        return usage_error("help", "help: too many arguments");
    if (argc == 2 && strcmp(argv[1], "--help") != 0 && strcmp(argv[1], "-h") != 0) {
        const struct command *c = find_command(argv[1]);
        if (!c)
            return usage_error(NULL, "help: unknown command '%s'", argv[1]);
        fputs(c->help, stdout);
    } else {
        print_overview(stdout);
    }
    return finish_stdout(0);
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage_error(NULL, "no command given");
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        print_overview(stdout);
        return finish_stdout(0);
    }
    const struct command *c = find_command(cmd);
    if (!c)
        return usage_error(NULL, "unknown command '%s'", cmd);
    return c->run(argc - 1, argv + 1);
}
