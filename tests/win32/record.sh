#!/bin/sh
# record.sh [NAME...] - regenerate the Win32 conformance expectations.
#
# Builds every tests/win32/<name>.c (or only the NAMEs given) with mingw-w64,
# runs it under Wine and writes its stdout, with CR LF turned into LF, to
# tests/win32/expected/<name>.out.  Where Wine is known to differ from
# Windows, expected/<name>.windows.sed (see README.md) is then applied so that
# the expectation says what Windows does.  Needs wine (64-bit) and
# x86_64-w64-mingw32-gcc; run.sh, which checks the native build, needs neither.
set -u

here=$(cd "$(dirname "$0")" && pwd)
MINGW=${MINGW:-x86_64-w64-mingw32-gcc}
WINE=${WINE:-}
if [ -z "$WINE" ]; then
    if command -v wine64 >/dev/null 2>&1; then WINE=wine64
    elif command -v wine >/dev/null 2>&1 && { [ -x /usr/lib/wine/wine64 ] || [ -x /usr/lib/x86_64-linux-gnu/wine/wine64 ] || [ -x /usr/bin/wine64-stable ]; }; then WINE=wine
    fi
fi
missing=
command -v "$MINGW" >/dev/null 2>&1 || missing="$missing $MINGW (Debian: apt-get install gcc-mingw-w64-x86-64)"
[ -n "$WINE" ] && command -v "$WINE" >/dev/null 2>&1 || missing="$missing wine64 (Debian: apt-get install wine wine64)"
if [ -n "$missing" ]; then
    echo "record.sh: cannot record, missing:$missing" >&2
    echo "record.sh: the expectations in tests/win32/expected/ were left unchanged" >&2
    exit 2
fi

if [ $# -gt 0 ]; then
    names="$*"
else
    names=$(cd "$here" && ls *.c | sed 's/\.c$//')
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/mmf-w32rec.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT INT TERM
export WINEDEBUG=-all
status=0
for n in $names; do
    src="$here/$n.c"
    if [ ! -f "$src" ]; then echo "record.sh: no $src" >&2; status=1; continue; fi
    if ! "$MINGW" -O1 -Wall -I"$here" "$src" -o "$work/$n.exe" -lpsapi 2>"$work/$n.cc"; then
        echo "FAIL $n: mingw build failed" >&2; cat "$work/$n.cc" >&2; status=1; continue
    fi
    (cd "$work" && timeout 180 "$WINE" "./$n.exe" </dev/null >"$work/$n.raw" 2>"$work/$n.err")
    rc=$?
    tr -d '\r' <"$work/$n.raw" >"$work/$n.out"
    if [ $rc -ne 0 ]; then
        echo "FAIL $n: exit status $rc under wine; expectation not written" >&2
        tail -5 "$work/$n.err" >&2
        status=1; continue
    fi
    note=
    # Windows' answers where Wine's differ, then mmf's own documented
    # differences from Windows.
    for kind in windows mmf; do
        sedf="$here/expected/$n.$kind.sed"
        if [ -f "$sedf" ]; then
            sed -f "$sedf" "$work/$n.out" >"$work/$n.sed" && mv "$work/$n.sed" "$work/$n.out"
            note="$note (with $n.$kind.sed)"
        fi
    done
    cp "$work/$n.out" "$here/expected/$n.out"
    echo "recorded $n: $(wc -l <"$here/expected/$n.out") lines$note"
done
# Let the wineserver of this prefix exit so the script leaves nothing behind.
command -v wineserver >/dev/null 2>&1 && wineserver -w 2>/dev/null
exit $status
