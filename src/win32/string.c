/*
 * string.c — UTF-16 <-> UTF-8, Windows paths, and the string helpers of
 * the C runtime that Windows programs use.  Every code page is read as
 * UTF-8, the encoding of Linux file and object names.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "w32.h"

/* One code point from UTF-16 at w[*i] (advancing *i); unpaired surrogates
 * become U+FFFD, as Windows' converters do. */
static uint32_t next16(const WCHAR *w, size_t n, size_t *i)
{
    uint32_t c = w[(*i)++];
    if (c >= 0xD800 && c < 0xDC00 && *i < n && w[*i] >= 0xDC00 && w[*i] < 0xE000)
        return 0x10000 + ((c - 0xD800) << 10) + (w[(*i)++] - 0xDC00u);
    if (c >= 0xD800 && c < 0xE000)
        return 0xFFFD;
    return c;
}

static size_t put8(uint32_t c, char *o)
{
    if (c < 0x80) { o[0] = (char)c; return 1; }
    if (c < 0x800) { o[0] = (char)(0xC0 | c >> 6); o[1] = (char)(0x80 | (c & 0x3F)); return 2; }
    if (c < 0x10000) {
        o[0] = (char)(0xE0 | c >> 12); o[1] = (char)(0x80 | (c >> 6 & 0x3F));
        o[2] = (char)(0x80 | (c & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | c >> 18); o[1] = (char)(0x80 | (c >> 12 & 0x3F));
    o[2] = (char)(0x80 | (c >> 6 & 0x3F)); o[3] = (char)(0x80 | (c & 0x3F));
    return 4;
}

/* One code point from UTF-8 at s[*i]; malformed bytes become U+FFFD. */
static uint32_t next8(const unsigned char *s, size_t n, size_t *i)
{
    unsigned char b = s[(*i)++];
    if (b < 0x80)
        return b;
    int k = b >= 0xF0 && b < 0xF5 ? 3 : b >= 0xE0 ? 2 : b >= 0xC2 && b < 0xE0 ? 1 : -1;
    if (k < 0 || b >= 0xF5)
        return 0xFFFD;
    uint32_t c = b & (0x3F >> k);
    for (int j = 0; j < k; j++) {
        if (*i >= n || (s[*i] & 0xC0) != 0x80)
            return 0xFFFD;
        c = c << 6 | (s[(*i)++] & 0x3F);
    }
    if ((k == 2 && c < 0x800) || (k == 3 && (c < 0x10000 || c > 0x10FFFF)) ||
        (c >= 0xD800 && c < 0xE000))
        return 0xFFFD;
    return c;
}

static size_t len16(LPCWSTR w)
{
    size_t n = 0;
    while (w[n])
        n++;
    return n;
}

char *w32_utf8(LPCWSTR w, DWORD *err)
{
    if (!w)
        return NULL;
    size_t n = len16(w);
    if (n > (SIZE_MAX - 1) / 4) {
        *err = ERROR_INVALID_PARAMETER;
        return NULL;
    }
    char *o = malloc(n * 3 + 1);
    if (!o) {
        *err = ERROR_NOT_ENOUGH_MEMORY;
        return NULL;
    }
    size_t j = 0;
    for (size_t i = 0; i < n;)
        j += put8(next16(w, n, &i), o + j);
    o[j] = 0;
    return o;
}

size_t w32_to_utf16(const char *s, WCHAR *buf, size_t cap)
{
    size_t n = strlen(s), need = 0;
    for (size_t i = 0; i < n;)
        need += next8((const unsigned char *)s, n, &i) >= 0x10000 ? 2 : 1;
    if (need + 1 > cap)
        return need + 1;
    size_t j = 0;
    for (size_t i = 0; i < n;) {
        uint32_t c = next8((const unsigned char *)s, n, &i);
        if (c >= 0x10000) {
            buf[j++] = (WCHAR)(0xD800 + ((c - 0x10000) >> 10));
            buf[j++] = (WCHAR)(0xDC00 + ((c - 0x10000) & 0x3FF));
        } else {
            buf[j++] = (WCHAR)c;
        }
    }
    buf[j] = 0;
    return j;
}

DWORD w32_copy_a(const char *s, LPSTR buf, DWORD n, int *truncated)
{
    size_t len = strlen(s);
    *truncated = len >= n;
    size_t k = *truncated ? n - 1 : len;
    memcpy(buf, s, k);
    buf[k] = 0;
    return *truncated ? n : (DWORD)len;
}

DWORD w32_copy_w(const char *s, LPWSTR buf, DWORD n, int *truncated)
{
    size_t cap = strlen(s) + 1; /* UTF-16 never needs more units than bytes */
    WCHAR *tmp = malloc(cap * sizeof *tmp);
    if (!tmp)
        return (DWORD)-1;
    size_t units = w32_to_utf16(s, tmp, cap);
    *truncated = units >= n;
    size_t k = *truncated ? n - 1 : units;
    memcpy(buf, tmp, k * sizeof *tmp);
    buf[k] = 0;
    free(tmp);
    return *truncated ? n : (DWORD)units;
}

char *w32_path(const char *p)
{
    if (((p[0] >= 'A' && p[0] <= 'Z') || (p[0] >= 'a' && p[0] <= 'z')) && p[1] == ':')
        p += 2;
    char *o = strdup(p);
    if (o)
        for (char *c = o; *c; c++)
            if (*c == '\\')
                *c = '/';
    return o;
}

int WINAPI MultiByteToWideChar(UINT cp, DWORD flags, LPCSTR s, int n, LPWSTR w, int cap)
{
    (void)cp;
    (void)flags;
    if (!s || n == 0 || cap < 0 || (cap > 0 && !w)) {
        w32_set(ERROR_INVALID_PARAMETER);
        return 0;
    }
    size_t len = n < 0 ? strlen(s) + 1 : (size_t)n, out = 0;
    for (size_t i = 0; i < len;) {
        uint32_t c = next8((const unsigned char *)s, len, &i);
        size_t k = c >= 0x10000 ? 2 : 1;
        if (cap > 0) {
            if (out + k > (size_t)cap) {
                w32_set(ERROR_INSUFFICIENT_BUFFER);
                return 0;
            }
            if (k == 2) {
                w[out] = (WCHAR)(0xD800 + ((c - 0x10000) >> 10));
                w[out + 1] = (WCHAR)(0xDC00 + ((c - 0x10000) & 0x3FF));
            } else {
                w[out] = (WCHAR)c;
            }
        }
        out += k;
    }
    return (int)out;
}

int WINAPI WideCharToMultiByte(UINT cp, DWORD flags, LPCWSTR w, int n, LPSTR s, int cap,
                               LPCSTR defchar, LPBOOL used)
{
    (void)cp;
    (void)flags;
    (void)defchar;
    if (used)
        *used = FALSE;
    if (!w || n == 0 || cap < 0 || (cap > 0 && !s)) {
        w32_set(ERROR_INVALID_PARAMETER);
        return 0;
    }
    size_t len = n < 0 ? len16(w) + 1 : (size_t)n, out = 0;
    for (size_t i = 0; i < len;) {
        char tmp[4];
        size_t k = put8(next16(w, len, &i), tmp);
        if (cap > 0) {
            if (out + k > (size_t)cap) {
                w32_set(ERROR_INSUFFICIENT_BUFFER);
                return 0;
            }
            memcpy(s + out, tmp, k);
        }
        out += k;
    }
    return (int)out;
}

int WINAPI lstrlenA(LPCSTR s) { return s ? (int)strlen(s) : 0; }
int WINAPI lstrlenW(LPCWSTR w) { return w ? (int)len16(w) : 0; }

int _stricmp(const char *a, const char *b)
{
    for (;; a++, b++) {
        int x = tolower((unsigned char)*a), y = tolower((unsigned char)*b);
        if (x != y || !x)
            return x - y;
    }
}

int _strnicmp(const char *a, const char *b, size_t n)
{
    for (; n; n--, a++, b++) {
        int x = tolower((unsigned char)*a), y = tolower((unsigned char)*b);
        if (x != y || !x)
            return x - y;
    }
    return 0;
}

unsigned long long _strtoui64(const char *s, char **end, int base)
{
    return strtoull(s, end, base);
}
