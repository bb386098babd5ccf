/*
 * misc.c - the C runtime extras and small calls programs use around
 * mappings: _stricmp, _strnicmp, _strtoui64, lstrlenA/W,
 * MultiByteToWideChar / WideCharToMultiByte (UTF-8), GetModuleFileNameA/W
 * (basename only; short buffer 122), GetCommandLineA,
 * Get/SetEnvironmentVariableA (203).
 * Spec: windows.h (Strings, Processes).
 */
#include "w32test.h"

static int sgn(int v)
{
    return v < 0 ? -1 : v > 0;
}

/* The program's basename without ".exe", lower-cased. */
static void stem(const char *path, char *out, size_t n)
{
    const char *b = t_basename(path);
    size_t i, len = strlen(b);
    if (len > 4 && _stricmp(b + len - 4, ".exe") == 0)
        len -= 4;
    for (i = 0; i < len && i + 1 < n; i++)
        out[i] = (char)(b[i] >= 'A' && b[i] <= 'Z' ? b[i] + 32 : b[i]);
    out[i] = 0;
}

int main(int argc, char **argv)
{
    char buf[MAX_PATH], s[64], small[4];
    WCHAR wbuf[MAX_PATH], w[64];
    DWORD n;
    int k;
    char *end;

    (void)argc;
    (void)argv;
    t_init();

    /* 1. case-insensitive comparisons */
    printf("stricmp eq=%d lt=%d gt=%d prefix=%d\n", _stricmp("Hello", "hELLO"),
           sgn(_stricmp("abc", "ABD")), sgn(_stricmp("b", "A")), sgn(_stricmp("ab", "AbC")));
    printf("stricmp nonalpha=%d bracket=%d\n", sgn(_stricmp("a_", "A_")), sgn(_stricmp("_", "A")));
    printf("strnicmp 3=%d 4=%d 0=%d\n", _strnicmp("MAPping", "mapPED", 3),
           sgn(_strnicmp("MAPping", "mapPED", 4)), _strnicmp("x", "y", 0));
    printf("strtoui64 dec=%lu hex=%lu big_hi=%lu\n", UL(_strtoui64("123456", NULL, 10)),
           UL(_strtoui64("ff", NULL, 16)), UL(_strtoui64("0x100000000", NULL, 16) >> 32));
    printf("strtoui64 max_ok=%d auto_base_hex=%lu auto_base_oct=%lu\n",
           _strtoui64("18446744073709551615", NULL, 10) == 18446744073709551615ull,
           UL(_strtoui64("0x1F", NULL, 0)), UL(_strtoui64("017", NULL, 0)));
    _strtoui64("42xyz", &end, 10);
    printf("strtoui64 end=%s\n", end);

    /* 2. lengths and UTF-8 <-> UTF-16 */
    printf("lstrlenA=%d empty=%d lstrlenW=%d\n", lstrlenA("mapping"), lstrlenA(""), lstrlenW(L"view\\of"));
    k = MultiByteToWideChar(CP_UTF8, 0, "h\xc3\xa9llo \xe2\x82\xac", -1, w, 64);
    printf("mb2wc ret=%d e_acute=%d euro=%d\n", k, w[1] == 0xe9, w[6] == 0x20ac);
    k = MultiByteToWideChar(CP_UTF8, 0, "abc", -1, NULL, 0);
    printf("mb2wc size_query=%d\n", k);
    k = MultiByteToWideChar(CP_UTF8, 0, "abcdef", 3, w, 64);
    printf("mb2wc explicit_len=%d\n", k);
    k = WideCharToMultiByte(CP_UTF8, 0, w, 3, s, sizeof s, NULL, NULL);
    printf("wc2mb explicit_len=%d data=%.3s\n", k, s);
    k = WideCharToMultiByte(CP_UTF8, 0, L"\x20ac!", -1, s, sizeof s, NULL, NULL);
    printf("wc2mb euro ret=%d bytes_ok=%d\n", k, memcmp(s, "\xe2\x82\xac!", 5) == 0);
    k = WideCharToMultiByte(CP_UTF8, 0, L"xyz", -1, NULL, 0, NULL, NULL);
    printf("wc2mb size_query=%d\n", k);
    SetLastError(BADLE);
    k = WideCharToMultiByte(CP_UTF8, 0, L"abcdef", -1, small, sizeof small, NULL, NULL);
    printf("wc2mb too_small ret=%d err=%lu\n", k, ERR());

    /* 3. the program's own name */
    n = GetModuleFileNameA(NULL, buf, MAX_PATH);
    stem(buf, s, sizeof s);
    printf("module_a len_ok=%d stem=%s\n", n == (DWORD)strlen(buf), s);
    n = GetModuleFileNameW(NULL, wbuf, MAX_PATH);
    WideCharToMultiByte(CP_UTF8, 0, wbuf, -1, buf, sizeof buf, NULL, NULL);
    stem(buf, s, sizeof s);
    printf("module_w len_ok=%d stem=%s\n", n == (DWORD)lstrlenW(wbuf), s);
    SetLastError(BADLE);
    n = GetModuleFileNameA(NULL, small, sizeof small);
    printf("module_a_short ret=%lu err=%lu\n", UL(n), ERR());
    SetLastError(BADLE);
    n = GetModuleFileNameA((HMODULE)(ULONG_PTR)0x12340000, buf, MAX_PATH);
    printf("module_other ret=%lu err=%lu\n", UL(n), ERR());
    {
        const char *cl = GetCommandLineA();
        printf("command_line has_misc=%d\n", cl && strstr(cl, "misc") != NULL);
    }

    /* 4. environment */
    res("setenv", SetEnvironmentVariableA("MMFT_MISC_VAR", "value-1"));
    n = GetEnvironmentVariableA("MMFT_MISC_VAR", buf, sizeof buf);
    printf("getenv ret=%lu value=%s\n", UL(n), n ? buf : "");
    n = GetEnvironmentVariableA("MMFT_MISC_VAR", small, 3);
    printf("getenv_small ret=%lu\n", UL(n));
    res("unsetenv", SetEnvironmentVariableA("MMFT_MISC_VAR", NULL));
    SetLastError(BADLE);
    n = GetEnvironmentVariableA("MMFT_MISC_VAR", buf, sizeof buf);
    printf("getenv_unset ret=%lu err=%lu\n", UL(n), ERR());
    return 0;
}
