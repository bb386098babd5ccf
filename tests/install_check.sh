#!/bin/sh
# tests/install_check.sh BUILD_DIR — `make install` into a temporary prefix,
# then build a native and a Win32 program against it with pkg-config (the
# shared library) and run them.  Prints a line per check and, last,
# "N passed, N failed"; exits non-zero if any failed.
set -u
build=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
check() { # name, command...
    name=$1; shift
    if out=$("$@" 2>&1); then
        pass=$((pass + 1)); echo "PASS install: $name"
    else
        fail=$((fail + 1)); echo "FAIL install: $name"; printf '%s\n' "$out" | tail -5 | sed 's/^/    /'
    fi
}
check "make install" make -s -C "$top" install PREFIX="$tmp/p" BUILD="$build"
export PKG_CONFIG_PATH="$tmp/p/lib/pkgconfig" LD_LIBRARY_PATH="$tmp/p/lib"
cat > "$tmp/native.c" <<'C'
#include <mmf.h>
#include <stdio.h>
#include <string.h>
int main(void)
{
    mmf_section *s;
    char *p;
    if (mmf_section_create_memory(4096, MMF_PAGE_READWRITE, 0, &s) < 0 ||
        mmf_view_map(s, MMF_PAGE_READWRITE, 0, 0, NULL, (void **)&p) < 0)
        return 1;
    strcpy(p, "native ok");
    puts(p);
    return mmf_view_unmap(p) || mmf_section_close(s);
}
C
cat > "$tmp/win32.c" <<'C'
#include <windows.h>
#include <psapi.h>
#include <stdio.h>
int main(void)
{
    SYSTEM_INFO si;
    GetSystemInfo(&si);
    HANDLE h = CreateFileMappingW(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 4096,
                                  L"Local\\mmf-install-check");
    if (!h || GetLastError() != 0)
        return 1;
    char *p = MapViewOfFile(h, FILE_MAP_WRITE, 0, 0, 0);
    char name[64];
    if (!p || GetMappedFileNameA(GetCurrentProcess(), p, name, sizeof name) != 0 ||
        GetLastError() != ERROR_FILE_INVALID)
        return 1;
    printf("win32 ok %lu\n", (unsigned long)si.dwAllocationGranularity);
    return !UnmapViewOfFile(p) || !CloseHandle(h);
}
C
cflags=${EXTRA_CFLAGS:-} # a sanitized build's programs need its flags
check "pkg-config mmf: build" sh -c "cc $cflags \"$tmp/native.c\" -o \"$tmp/native\" \$(pkg-config --cflags --libs mmf)"
check "pkg-config mmf: run" sh -c "\"$tmp/native\" | grep -qx 'native ok'"
check "pkg-config mmf-win32: build" sh -c "cc $cflags -Wall -Werror \"$tmp/win32.c\" -o \"$tmp/win32\" \$(pkg-config --cflags --libs mmf-win32)"
check "pkg-config mmf-win32: run" sh -c "\"$tmp/win32\" | grep -qx 'win32 ok 65536'"
if [ -d "$top/man" ]; then
    check "man pages installed" sh -c "ls \"$tmp/p/share/man/man3\" | grep -q ."
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
