#!/bin/sh
# tests/extra.sh BUILD_DIR — the suites that are not Criterion tests: the
# Win32 conformance programs (tests/win32/run.sh), the Win32 examples
# (examples/win32/check.sh), the man pages (man/check.sh) and the install
# check (tests/install_check.sh).  Each prints "N passed, N failed" last;
# this prints their output and, as its own last line, the sums.
# EXTRA_CFLAGS (e.g. the sanitizer flags) is added when they compile.
set -u
build=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2
total_pass=0 total_fail=0
run() { # label, command...
    label=$1; shift
    echo "== $label"
    out=$("$@" 2>&1)
    rc=$?
    printf '%s\n' "$out"
    last=$(printf '%s\n' "$out" | tail -1)
    p=$(printf '%s\n' "$last" | sed -n 's/^\([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed$/\1/p')
    f=$(printf '%s\n' "$last" | sed -n 's/^\([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed$/\2/p')
    if [ -z "$p" ]; then p=0; f=1; fi
    [ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
    total_pass=$((total_pass + p))
    total_fail=$((total_fail + f))
}
export CC="${CC:-cc}"
[ -f tests/win32/run.sh ] && run "Win32 conformance (tests/win32)" sh tests/win32/run.sh "$build"
[ -f examples/win32/check.sh ] && run "Win32 examples (examples/win32)" env BUILD_DIR="$build" sh examples/win32/check.sh
[ -f man/check.sh ] && run "man pages (man)" sh man/check.sh
run "install (tests/install_check.sh)" sh tests/install_check.sh "$build"
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
