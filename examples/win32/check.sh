#!/bin/sh
# check.sh - build the Win32 examples natively against mmf's Win32 layer,
# run them, and check the lines that matter.
#
#   sh examples/win32/check.sh            native only (no Wine needed)
#   sh examples/win32/check.sh --wine     also build with mingw, run under
#                                         Wine, check those outputs too and
#                                         show both outputs side by side
#   sh examples/win32/check.sh --pkg-config
#                                         build against an installed mmf
#                                         (pkg-config mmf-win32) instead
#
# Environment: BUILD_DIR (default build: the library is BUILD_DIR/libmmf.a,
# the programs go to BUILD_DIR/examples/win32), CC (default cc), MINGW_CC
# (default x86_64-w64-mingw32-gcc), WINE (default wine), EXTRA_CFLAGS (added
# to the native compile and link: e.g. the sanitizer flags of a
# BUILD_DIR=build/san-address library).  Run `make` first.
#
# One line per example (and per Wine run); the last line is
# "N passed, N failed"; the exit status is 1 when anything failed.
# Outputs are kept in BUILD_DIR/examples/win32/*.out.

set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root" || exit 2

BUILD_DIR=${BUILD_DIR:-build}
CC=${CC:-cc}
MINGW_CC=${MINGW_CC:-x86_64-w64-mingw32-gcc}
WINE=${WINE:-wine}
out="$BUILD_DIR/examples/win32"
examples="view_within_file processwalker porttool shared_memory filename_from_handle"

wine_mode=0
pkg_mode=0
for arg in "$@"; do
    case $arg in
    --wine) wine_mode=1 ;;
    --pkg-config) pkg_mode=1 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "usage: $0 [--wine] [--pkg-config]" >&2; exit 2 ;;
    esac
done

passed=0
failed=0
mkdir -p "$out" || exit 2
rm -f "$out"/*.out "$out"/*.out.* "$out"/*.build
# A private temporary directory: the programs make and remove files there.
work=$(mktemp -d "${TMPDIR:-/tmp}/mmf-win32-check.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT
# Named objects of the native runs live in a private registry too, so two
# checks at once (or a real "Local\MyFileMappingObject") cannot collide.
mkdir -p "$work/registry" || exit 2

if command -v timeout >/dev/null 2>&1; then to="timeout 120"; else to=""; fi

if [ "$pkg_mode" = 1 ]; then
    native_flags=$(pkg-config --cflags --libs mmf-win32) || exit 2
    native_flags="-std=c11 -Wall -Wextra -Werror $native_flags"
    # The programs link the shared library: let them find it when run.
    libdir=$(pkg-config --variable=libdir mmf-win32)
    LD_LIBRARY_PATH="$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    export LD_LIBRARY_PATH
else
    lib="$BUILD_DIR/libmmf.a"
    if [ ! -f "$lib" ]; then
        echo "check.sh: $lib is missing: run make first" >&2
    fi
    native_flags="-std=c11 -Wall -Wextra -Werror -Iinclude/win32 -Iinclude -fshort-wchar"
fi
native_flags="$native_flags ${EXTRA_CFLAGS:-}"

# ---------------------------------------------------------------- helpers

# result NAME "" (pass) or result NAME "why it failed"
result() {
    if [ -z "$2" ]; then
        echo "PASS  $1"
        passed=$((passed + 1))
    else
        echo "FAIL  $1: $2"
        failed=$((failed + 1))
    fi
}

# why_add TEXT: note one problem (the line shows the first three)
why_add() {
    misses=$((misses + 1))
    if [ "$misses" -le 3 ]; then
        why="${why:+$why; }$1"
    elif [ "$misses" = 4 ]; then
        why="$why; ..."
    fi
}

# need FILE TEXT: TEXT (fixed string) must be in FILE
need() {
    if [ ! -f "$1" ] || ! tr -d '\r' < "$1" | grep -qF -- "$2"; then
        why_add "missing \"$2\""
    fi
}

# need_count FILE TEXT N: TEXT at least N times
need_count() {
    n=$(tr -d '\r' < "$1" | grep -cF -- "$2")
    if [ "$n" -lt "$3" ]; then
        why_add "\"$2\" $n times, not $3"
    fi
}

# need_rc RC WANTED LABEL
need_rc() {
    if [ "$1" != "$2" ]; then
        why_add "$3 exit code $1, not $2"
    fi
}

build_native() {
    if [ "$pkg_mode" = 1 ]; then
        # shellcheck disable=SC2086
        $CC "examples/win32/$1.c" -o "$out/$1" $native_flags > "$out/$1.build" 2>&1
    else
        # shellcheck disable=SC2086
        $CC $native_flags "examples/win32/$1.c" "$BUILD_DIR/libmmf.a" -lpthread \
            -o "$out/$1" > "$out/$1.build" 2>&1
    fi
}

build_wine() {
    "$MINGW_CC" -O2 -Wall "examples/win32/$1.c" -o "$out/$1.exe" -lpsapi \
        > "$out/$1.exe.build" 2>&1
}

# run_prog MODE NAME OUTFILE ARGS... ; MODE native or wine; sets rc
run_prog() {
    mode=$1 name=$2 file=$3
    shift 3
    if [ "$mode" = native ]; then
        TMPDIR="$work" MMF_REGISTRY_DIR="$work/registry" $to "$out/$name" "$@" \
            > "$file" 2>&1
    else
        WINEDEBUG=-all $to "$WINE" "$out/$name.exe" "$@" > "$file" 2>/dev/null
    fi
    rc=$?
    return $rc
}

# ---------------------------------------------------------------- checks
# Each check_NAME MODE sets why ("" when everything was right); its main
# output is left in $out/NAME[.wine].out for the side-by-side view.

check_view_within_file() {
    o="$out/view_within_file$2.out"
    run_prog "$1" view_within_file "$o"
    need_rc "$rc" 0 run
    need "$o" "The system allocation granularity is 65536 bytes."
    need "$o" "The file map view starts at 131072 bytes into the file."
    need "$o" "The file map view is 8192 bytes large."
    need "$o" "The file mapping object is 139264 bytes large."
    need "$o" "The data is 7168 bytes into the view."
    need "$o" "hFile size:     262144"
    need "$o" "The value at the file offset 138240 is 34560,"
    need "$o" "Removed fmtest.txt."
    if [ "$1" = native ] && [ -e "$work/fmtest.txt" ]; then
        why_add "fmtest.txt left behind"
    fi
}

check_processwalker() {
    o="$out/processwalker$2.out"
    run_prog "$1" processwalker "$o"
    need_rc "$rc" 0 run
    need "$o" "done: 0 step(s) failed"
    need "$o" "GetMappedFileName: PW"
    need "$o" "GetMappedFileName: processwalker"
    need "$o" "GetMappedFileName: no file (error 1006, ERROR_FILE_INVALID"
    need "$o" "(the file's size rounded up to a page)"
    need_count "$o" "RegionSize        20971520" 2
    need_count "$o" "Type              MEM_MAPPED" 3
    need_count "$o" "State             MEM_COMMIT" 3
    need_count "$o" "AllocationProtect PAGE_READWRITE" 2
    need "$o" "AllocationProtect PAGE_READONLY"
    need_count "$o" "BaseAddress       view + 0" 3
    need_count "$o" "the view's address is now MEM_FREE" 3
    need "$o" "temporary file is gone"
    if [ "$1" = native ] && ls "$work"/PW*.tmp >/dev/null 2>&1; then
        why_add "a PW*.tmp file was left behind"
    fi
}

check_porttool() {
    o="$out/porttool$2.out"
    run_prog "$1" porttool "$o"
    need_rc "$rc" 0 run
    need "$o" "[first] OpenFileMapping: error 2 (ERROR_FILE_NOT_FOUND), so we create it"
    need "$o" "[first] CreateFileMapping: created Local\\PortToolSharedData"
    need "$o" "[first] initialised the shared porting data: 5 entries"
    need "$o" "[second] OpenFileMapping: opened the existing mapping"
    need "$o" "[second] shared porting data: 5 entries, 2 instance(s) attached"
    need "$o" "[second] CreateFileMapping(existing name): a handle, last error 183 (ERROR_ALREADY_EXISTS)"
    need "$o" "[second]   its view shows the same data: yes"
    need "$o" "[first] the second instance exited with code 0"
    need "$o" "(ERROR_FILE_NOT_FOUND): the name is gone"
}

check_shared_memory() {
    o="$out/shared_memory$2.out"
    msg='client: read "Message from first process."'
    # 1. one command: the server starts the client
    run_prog "$1" shared_memory "$o"
    need_rc "$rc" 0 "both"
    need "$o" 'server: created Local\MyFileMappingObject'
    need "$o" "$msg"
    need "$o" "server: the client signalled that it has read the message"
    need "$o" "server: the client exited with code 0"
    # 2. the same in the Global\ namespace
    run_prog "$1" shared_memory "$o.global" --global
    need_rc "$rc" 0 "--global"
    need "$o.global" 'server: created Global\MyFileMappingObject'
    need "$o.global" "$msg"
    # 3. a client with no server: error 2, as the documentation says
    run_prog "$1" shared_memory "$o.alone" client
    need_rc "$rc" 1 "lone client"
    need "$o.alone" "client: could not open file mapping object (2)"
    # 4. server and client started separately (as from two terminals)
    run_prog "$1" shared_memory "$o.server" server &
    spid=$!
    tries=0
    while :; do
        run_prog "$1" shared_memory "$o.client" client
        if [ "$rc" = 0 ] || [ "$tries" -ge 100 ]; then break; fi
        tries=$((tries + 1))
        sleep 0.2
    done
    wait "$spid"
    srv=$?
    need_rc "$rc" 0 "separate client"
    need_rc "$srv" 0 "separate server"
    need "$o.client" "$msg"
    need "$o.server" "server: the client signalled that it has read the message"
}

check_filename_from_handle() {
    o="$out/filename_from_handle$2.out"
    printf 'some data\n' > "$work/named file.txt"
    : > "$work/empty.txt"
    real=$(cd "$work" && pwd -P)
    run_prog "$1" filename_from_handle "$o" "$work/named file.txt"
    need_rc "$rc" 0 run
    if [ "$1" = native ]; then
        need "$o" "File name is $real/named file.txt"
    else
        # Wine: a drive-letter path ending in the Linux path's last part
        need "$o" "File name is Z:"
        need "$o" "\\named file.txt"
    fi
    run_prog "$1" filename_from_handle "$o.noarg"
    need "$o.noarg" "This sample takes a file name as a parameter."
    run_prog "$1" filename_from_handle "$o.empty" "$work/empty.txt"
    need_rc "$rc" 1 "empty file"
    need "$o.empty" "Cannot map a file with a length of zero."
    run_prog "$1" filename_from_handle "$o.missing" "$work/no such file"
    need_rc "$rc" 1 "missing file"
    need "$o.missing" "CreateFile failed with 2"
}

# ---------------------------------------------------------------- main

for ex in $examples; do
    why="" misses=0
    if build_native "$ex"; then
        "check_$ex" native ""
        [ -n "$why" ] && why="$why (output in $out/$ex.out*)"
    else
        why="native build failed (see $out/$ex.build)"
    fi
    result "$ex" "$why"
done

if [ "$wine_mode" = 1 ]; then
    if ! command -v "$WINE" >/dev/null 2>&1 || ! command -v "$MINGW_CC" >/dev/null 2>&1; then
        echo "check.sh: --wine needs $WINE and $MINGW_CC; skipping the Wine runs" >&2
    else
        for ex in $examples; do
            why="" misses=0
            if build_wine "$ex"; then
                "check_$ex" wine ".wine"
                [ -n "$why" ] && why="$why (output in $out/$ex.wine.out*)"
            else
                why="mingw build failed (see $out/$ex.exe.build)"
            fi
            result "$ex (wine)" "$why"
        done
        for ex in $examples; do
            n="$out/$ex.out" w="$out/$ex.wine.out"
            [ -f "$w" ] || continue
            [ -f "$n" ] || : > "$n"
            tr -d '\r' < "$w" > "$w.lf"
            # wide enough for the longest line on each side
            m=$(cat "$n" "$w.lf" | awk '{ if (length > m) m = length } END { print m + 0 }')
            printf '\n==== %s: native (left) | Wine (right) ====\n' "$ex"
            diff -y -t -W $((2 * m + 3)) "$n" "$w.lf"
        done
        echo
    fi
fi

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
