#!/bin/sh
# run.sh [BUILD_DIR] - check the native Win32 layer against the expectations.
#
# Builds every tests/win32/<name>.c natively against BUILD_DIR/libmmf.a
# (default: build, relative to the project root), runs it with a 60 s
# timeout and compares its stdout with tests/win32/expected/<name>.out,
# which record.sh made under Wine.  One line per test (PASS/FAIL name, a
# short unified diff on FAIL); the last line is "N passed, N failed".
# Exit status 1 if any test failed.  Needs no wine and no network.
# EXTRA_CFLAGS (the sanitizer flags of a sanitized build) is added.
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${1:-build}
case $build in /*) ;; *) build="$root/$build" ;; esac
CC=${CC:-cc}
lib="$build/libmmf.a"
if [ ! -f "$lib" ]; then
    echo "run.sh: $lib not found (run make first)" >&2
    echo "0 passed, 1 failed"
    exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/mmf-w32run.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT INT TERM
pass=0
fail=0
for src in "$here"/*.c; do
    n=$(basename "$src" .c)
    exp="$here/expected/$n.out"
    if [ ! -f "$exp" ]; then
        echo "FAIL $n (no expectation: run tests/win32/record.sh $n)"
        fail=$((fail + 1)); continue
    fi
    # shellcheck disable=SC2086 # EXTRA_CFLAGS is a list of flags
    if ! "$CC" -std=c11 -Wall -Wextra -I"$here" -I"$root/include/win32" -I"$root/include" \
            -fshort-wchar ${EXTRA_CFLAGS:-} "$src" -o "$work/$n" "$lib" -lpthread 2>"$work/$n.cc"; then
        echo "FAIL $n (native build failed)"
        if grep -q 'undefined reference' "$work/$n.cc"; then
            echo "    undefined:$(sed -n "s/.*undefined reference to \`\([^']*\)'.*/\1/p" "$work/$n.cc" | sort -u | tr '\n' ' ' | sed 's/^/ /')"
        else
            head -15 "$work/$n.cc" | sed 's/^/    /'
        fi
        fail=$((fail + 1)); continue
    fi
    if [ -s "$work/$n.cc" ]; then
        echo "FAIL $n (build warnings: the programs must build warning-free)"
        head -15 "$work/$n.cc" | sed 's/^/    /'
        fail=$((fail + 1)); continue
    fi
    (cd "$work" && timeout 60 "./$n" </dev/null >"$work/$n.out" 2>"$work/$n.err")
    rc=$?
    if diff -u "$exp" "$work/$n.out" >"$work/$n.diff" && [ $rc -eq 0 ]; then
        echo "PASS $n"
        pass=$((pass + 1))
    else
        why=
        [ $rc -eq 124 ] && why=" (timed out after 60 s)"
        [ $rc -ne 0 ] && [ $rc -ne 124 ] && why=" (exit status $rc)"
        echo "FAIL $n$why"
        sed -e '1,2d' -e 's/^/    /' "$work/$n.diff" | head -40
        [ "$(wc -l <"$work/$n.diff")" -gt 42 ] && echo "    ... ($(grep -c '^[-+][^-+]' "$work/$n.diff") differing lines in all)"
        fail=$((fail + 1))
    fi
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
