#!/bin/sh
# bench/suite/run.sh — the side-by-side benchmark of `make bench`: mmf
# (native API and Win32 layer), the plain Linux calls, Boost.Interprocess and
# Wine, the same operations in one run.
#
#   sh bench/suite/run.sh          (from anywhere; works in the project root)
#
# Builds what it can (native.c and win32.c against build/libmmf.a; boost.cpp
# with g++ when libboost-dev is there; win32.c with mingw-w64 for Wine when
# wine64 and gcc-mingw-w64-x86-64 are there), runs every program
# SUITE_REPEAT times (default 3) in turn, each time pinned to one CPU, and
# keeps per operation and implementation the median of the runs' figures
# (each itself a median of interleaved rounds, bench/suite/suite.h).  Then:
#   - prints the machine and a table: ns per operation, the ratio to the
#     plain Linux calls, the targets and ok / MISSED;
#   - writes build/bench/suite.csv and copies it to docs/bench.csv;
#   - renders docs/bench.png with gnuplot (installed from Debian when
#     missing and possible; otherwise the chart is skipped, with a note).
# A missed target never fails the run.  The exit status is 1 only when the
# mmf programs (native, mmf-win32) cannot be built or fail; Boost and Wine
# are optional and are skipped with a note.
#
# Environment: BUILD (default build), MMF_LIB (default $BUILD/libmmf.a),
# CC (default cc), CXX (default g++),
# SUITE_REPEAT (default 3), SUITE_ROUND_MS (round length, default 40),
# SUITE_NO_WINE=1 / SUITE_NO_BOOST=1 to leave them out, SUITE_DOCS=0 to leave
# docs/ untouched.
set -u

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 1
BUILD=${BUILD:-build}
CC=${CC:-cc}
CXX=${CXX:-g++}
MINGW=${MINGW:-x86_64-w64-mingw32-gcc}
REPEAT=${SUITE_REPEAT:-3}
out=$BUILD/bench/suite
csv=$BUILD/bench/suite.csv
lib=${MMF_LIB:-$BUILD/libmmf.a}
status=0
notes=$out/notes.txt

mkdir -p "$out" || exit 1
rm -f "$out"/*.out "$out"/*.err "$out"/*.crlf   # a previous run's figures
: > "$notes"
note() { echo "$*" >> "$notes"; }
say() { echo "suite: $*" >&2; }

# ---------------------------------------------------------------- build

WARN="-Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes"
CFLAGS_SUITE="-std=c11 -D_GNU_SOURCE $WARN -O2 -g -Iinclude -Ibench/suite"

[ -f "$lib" ] || make "$lib" >&2 || { say "cannot build $lib"; exit 1; }

build_native() {
    $CC $CFLAGS_SUITE bench/suite/native.c -o "$out/native" "$lib" -lpthread 2> "$out/native.build" &&
    $CC $CFLAGS_SUITE -Iinclude/win32 -fshort-wchar bench/suite/win32.c -o "$out/mmf-win32" \
        "$lib" -lpthread 2> "$out/mmf-win32.build"
}

have_boost() {
    printf '#include <boost/interprocess/mapped_region.hpp>\nint main(){return 0;}\n' |
        $CXX -x c++ - -o /dev/null 2>/dev/null
}

build_boost() {
    [ "${SUITE_NO_BOOST:-0}" = 1 ] && { note "boost: left out (SUITE_NO_BOOST=1)"; return 1; }
    if ! command -v "$CXX" >/dev/null 2>&1 || ! have_boost; then
        say "g++ or libboost-dev missing: trying scripts/deps.sh bench"
        sh scripts/deps.sh bench >&2 || true
    fi
    if ! command -v "$CXX" >/dev/null 2>&1 || ! have_boost; then
        note "boost: skipped: g++ and libboost-dev are needed (apt-get install g++ libboost-dev)"
        return 1
    fi
    $CXX -std=c++17 -O2 -Wall -Wextra -Werror -Ibench/suite bench/suite/boost.cpp \
        -o "$out/boost" -lrt -lpthread 2> "$out/boost.build" ||
        { note "boost: skipped: build failed (see $out/boost.build)"; return 1; }
}

# Wine: a 64-bit wine (as tests/win32/record.sh finds it) and mingw-w64.
find_wine() {
    if command -v wine64 >/dev/null 2>&1; then WINE=wine64
    elif command -v wine >/dev/null 2>&1 && { [ -x /usr/lib/wine/wine64 ] ||
         [ -x /usr/lib/x86_64-linux-gnu/wine/wine64 ] || [ -x /usr/bin/wine64-stable ]; }; then WINE=wine
    else return 1
    fi
}

build_wine() {
    [ "${SUITE_NO_WINE:-0}" = 1 ] && { note "wine: left out (SUITE_NO_WINE=1)"; return 1; }
    if ! find_wine || ! command -v "$MINGW" >/dev/null 2>&1; then
        note "wine: skipped: needs wine64 and gcc-mingw-w64-x86-64 (apt-get install wine64 gcc-mingw-w64-x86-64)"
        return 1
    fi
    $MINGW -std=c11 -O2 -Wall -Wextra -D__USE_MINGW_ANSI_STDIO=1 -DSUITE_IMPL='"wine"' \
        -Ibench/suite bench/suite/win32.c -o "$out/win32.exe" -lpsapi 2> "$out/wine.build" ||
        { note "wine: skipped: mingw build failed (see $out/wine.build)"; return 1; }
}

if ! build_native; then
    say "build failed:"; cat "$out/native.build" "$out/mmf-win32.build" >&2 2>/dev/null
    exit 1
fi
programs="native mmf-win32"
build_boost && programs="$programs boost"
build_wine && programs="$programs wine"

# ---------------------------------------------------------------- run

# One CPU for every program: a cross-process round trip is then two
# context switches, never a cross-CPU wake-up (whose cost in a VM is the
# hypervisor's); bench/bench_sync.c measures both placements.
cpu=$(sed -n 's/^Cpus_allowed_list:[[:space:]]*\([0-9]*\).*/\1/p' /proc/self/status)
pin=""
if command -v taskset >/dev/null 2>&1 && [ -n "$cpu" ]; then
    pin="taskset -c $cpu"
else
    note "not pinned: taskset (util-linux) missing"
fi
# Room for the 10,000 live names (a descriptor per mmf named handle, and
# one per name of the Linux crowd open beside them).
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
tmo=""
command -v timeout >/dev/null 2>&1 && tmo="timeout 300"

# A private Wine prefix: its own wineserver (started pinned), no sharing
# with other users of ~/.wine.  Made once (about 20 s), not timed.
wine_env() {
    env WINEPREFIX="$root/$out/wine-prefix" WINEDEBUG=-all "$@"
}
wine_ready() {
    [ -d "$out/wine-prefix" ] || say "wine: making a private prefix (first run only)"
    wine_env $tmo $pin $WINE cmd /c exit >/dev/null 2>&1 < /dev/null ||
        say "wine: the warm-up run failed; trying the benchmark anyway"
}

# run_one PROGRAM N: appends its lines to $out/PROGRAM.N.out
run_one() {
    o="$out/$1.$2.out" e="$out/$1.$2.err"
    case $1 in
        native|mmf-win32|boost) $tmo $pin "$out/$1" > "$o" 2> "$e" < /dev/null ;;
        # 100,000 Wine views do not fit vm.max_map_count (see docs/benchmarks.md)
        wine) wine_env SUITE_SKIP=map_unmap_live $tmo $pin $WINE "$out/win32.exe" \
                  > "$o.crlf" 2> "$e" < /dev/null ;;
    esac
    rc=$?
    [ -f "$o.crlf" ] && tr -d '\r' < "$o.crlf" > "$o" && rm -f "$o.crlf"
    if [ $rc != 0 ]; then
        note "$1 (run $2): failed with status $rc: $(tail -n 1 "$e" 2>/dev/null)"
        case $1 in native|mmf-win32) status=1 ;; esac
    fi
}

machine() {
    model=$(sed -n 's/^model name[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo | head -n 1)
    [ -n "$model" ] || model=$(uname -m)
    mem=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
    fs=$(df -PT /tmp 2>/dev/null | awk 'NR == 2 { print $2 }')
    echo "$(uname -sr) $(uname -m), $model, nproc $(nproc), $mem RAM, /tmp on ${fs:-?}"
}

versions() {
    v="$($CC --version | head -n 1)"
    case $programs in *boost*)
        v="$v; Boost $(sed -n 's/^#define BOOST_LIB_VERSION "\(.*\)"/\1/p' /usr/include/boost/version.hpp 2>/dev/null | tr _ .)" ;;
    esac
    case $programs in *wine*) v="$v; $($WINE --version 2>/dev/null)" ;; esac
    echo "$v"
}

began=$(date +%s)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
case $programs in *wine*) wine_ready ;; esac
say "running: $programs; $REPEAT time(s) each, pinned to CPU ${cpu:-?}"
i=1
while [ "$i" -le "$REPEAT" ]; do
    for p in $programs; do
        run_one "$p" "$i"
    done
    i=$((i + 1))
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
for p in $programs; do
    grep '^# ' "$out/$p.1.out" 2>/dev/null | sed 's/^# //' >> "$notes"   # the first run's
done

# ---------------------------------------------------------------- report

# Operation id | label | target (le X: ratio <= X; ge X: at least X times
# faster than linux; - none).  Targets: the issue's and DESIGN.md §8.
cat > "$out/ops.txt" <<'EOF'
map_unmap|map+unmap 64 KiB view|le 1.2
create_close|create+close 1 MiB section|le 1.2
named_create_open|named create+open (64 KiB)|le 1.5
named_open|open+close a held name|-
open_live|open+close, 10,000 live names|-
record_read|record read 125 B (vs pread)|ge 15
record_update|record update 125 B (vs pwrite)|-
scan_mib|scan, per MiB (vs read 1 MiB)|-
flush_page|flush one dirty page|-
mutex|uncontended mutex|le 1.5
semaphore|uncontended semaphore|le 1.5
round_trip|cross-process round trip|le 1.2
map_unmap_live|map+unmap, 100,000 live views|-
EOF

# RUN,operation,implementation,ns lines of every run
for f in "$out"/*.*.out; do
    [ -f "$f" ] || continue
    n=${f%.out}; n=${n##*.}
    grep -E '^[a-z_]+,[a-z0-9@-]+,' "$f" | sed "s/^/$n,/"
done > "$out/all.lines"

impls="linux mmf mmf-win32 boost wine"
machine_txt=$(machine)
versions_txt=$(versions)
echo
echo "machine: $machine_txt"
echo "tools:   $versions_txt"
echo "load:    $load_before before, $load_after after (1, 5, 15 min averages)"
echo "method:  median of $REPEAT runs x 7 interleaved rounds of ~${SUITE_ROUND_MS:-40} ms; pinned to CPU ${cpu:-?}"
echo

awk -F'|' -v impls="$impls" -v csv="$csv" -v dat="$out/chart.dat" -v md="$out/table.md" '
function median(list,   n, v, i, j, t) {
    n = split(list, v, " ")
    for (i = 2; i <= n; i++)
        for (j = i; j > 1 && v[j - 1] + 0 > v[j] + 0; j--) { t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
    if (n == 0) return ""
    return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
}
function human(ns) {
    if (ns == "") return "-"
    if (ns < 1000) return sprintf("%.0f ns", ns)
    if (ns < 1e6) return sprintf("%.2f us", ns / 1e3)
    return sprintf("%.2f ms", ns / 1e6)
}
function ratio(r) { return r >= 100 ? sprintf("%5.0fx", r) : sprintf("%5.2fx", r) }
FNR == NR { nops++; id[nops] = $1; label[$1] = $2; target[$1] = $3; next }
{
    split($0, f, ",")   # run, operation, implementation, ns
    if (f[4] != "-") { vals[f[2], f[3]] = vals[f[2], f[3]] " " f[4]; ns_at[f[1], f[2], f[3]] = f[4] }
    seen[f[2], f[3]] = 1
    if (f[1] > nruns) nruns = f[1]
}
# The ratio of impl to linux for op: the median over the runs of impl /
# linux@impl, the Linux side timed in the same process in interleaved
# rounds; for wine (no Linux side in its process), its median over the
# median of native.c linux.
function ratio_of(op, impl,   run, list, ref, b) {
    ref = (impl == "mmf") ? "linux" : "linux@" impl
    list = ""
    for (run = 1; run <= nruns; run++)
        if ((run, op, impl) in ns_at && (run, op, ref) in ns_at && ns_at[run, op, ref] > 0)
            list = list " " ns_at[run, op, impl] / ns_at[run, op, ref]
    if (list != "") return median(list)
    b = median(vals[op, "linux"])
    if (median(vals[op, impl]) == "" || b == "" || b <= 0) return ""
    return median(vals[op, impl]) / b
}
END {
    ni = split(impls, im, " ")
    printf "%-33s", "operation"
    for (k = 1; k <= ni; k++) printf " %17s", im[k] (k > 1 ? " (x linux)" : "")
    printf "   %-14s %s\n", "target", "mmf / mmf-win32"
    for (k = 0; k < 33 + 18 * ni + 36; k++) printf "-"
    printf "\n"
    print "operation,implementation,ns_per_op,ratio_to_linux" > csv
    printf "operation" > dat
    for (k = 2; k <= ni; k++) printf "\t%s", im[k] > dat
    printf "\n" > dat
    printf "| operation | linux |" > md
    for (k = 2; k <= ni; k++) printf " %s | x linux |", im[k] > md
    printf " target | mmf / mmf-win32 |\n|---|--:|" > md
    for (k = 2; k <= ni; k++) printf "--:|--:|" > md
    printf "---|---|\n" > md
    for (o = 1; o <= nops; o++) {
        op = id[o]
        for (k = 1; k <= ni; k++) med[im[k]] = median(vals[op, im[k]])
        base = med["linux"]
        printf "%-33s", label[op]
        printf "\"%s\"", label[op] > dat
        for (k = 1; k <= ni; k++) {
            m = med[im[k]]
            r = k > 1 ? ratio_of(op, im[k]) : 1
            if (k == 1) cell = human(m)
            else cell = sprintf("%s %s", human(m), r == "" ? "     " : ratio(r))
            printf " %17s", cell
            if (seen[op, im[k]] || m != "")
                printf "%s,%s,%s,%s\n", op, im[k], m == "" ? "-" : sprintf("%.1f", m),
                       r == "" ? "-" : sprintf("%.4f", r) > csv
            if (k > 2 && median(vals[op, "linux@" im[k]]) != "")
                printf "%s,linux@%s,%.1f,1\n", op, im[k], median(vals[op, "linux@" im[k]]) > csv
            if (k > 1) printf "\t%s", r == "" ? "-" : sprintf("%.4f", r) > dat
            mdrow = mdrow sprintf(" %s |", human(m))
            if (k > 1) mdrow = mdrow sprintf(" %s |", r == "" ? "-" : ratio(r))
        }
        printf "\n" > dat
        split(target[op], t, " ")
        if (t[1] == "le") ttxt = sprintf("<= %.1fx", t[2])
        else if (t[1] == "ge") ttxt = sprintf(">= %dx faster", t[2])
        else ttxt = ""
        verdict = ""
        for (k = 2; k <= 3; k++) {
            r = ratio_of(op, im[k])
            if (ttxt == "") v = ""
            else if (r == "") v = "-"
            else if (t[1] == "le") v = (r <= t[2] + 0) ? "ok" : "MISSED"
            else v = (r > 0 && 1 / r >= t[2] + 0) ? sprintf("ok (%.0fx)", 1 / r) : sprintf("MISSED (%.1fx)", 1 / r)
            verdict = verdict (k == 3 && verdict != "" ? " / " : "") v
        }
        printf "   %-14s %s\n", ttxt, verdict
        printf "| %s |%s %s | %s |\n", label[op], mdrow, ttxt, verdict > md
        mdrow = ""
    }
}' "$out/ops.txt" "$out/all.lines"

echo
echo "x linux: time relative to the plain Linux calls (below 1: faster): for mmf, mmf-win32 and boost"
echo "  the median over the runs of the ratio to the Linux calls timed in the same process, interleaved;"
echo "  for wine, to the linux column.  The linux column is native.c's.  \"-\": not measured."
if [ -s "$notes" ]; then
    echo "notes:"
    sed 's/^/  /' "$notes"
fi
echo "csv: $csv (markdown table: $out/table.md)"

# ---------------------------------------------------------------- chart

chart() {
    if ! command -v gnuplot >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        say "installing gnuplot-nox for the chart"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q gnuplot-nox >/dev/null 2>&1 ||
            { apt-get update -q >/dev/null 2>&1 &&
              DEBIAN_FRONTEND=noninteractive apt-get install -y -q gnuplot-nox >/dev/null 2>&1; }
    fi
    if ! command -v gnuplot >/dev/null 2>&1; then
        echo "chart: skipped: gnuplot is not installed (apt-get install gnuplot-nox)"
        return 0
    fi
    rm -f "$out/bench.png"
    title="mmf vs the plain Linux calls, Boost.Interprocess and Wine: time relative to Linux (log scale; below 1 = faster)"
    sub="$machine_txt; $(date -u +%Y-%m-%d)"
    gnuplot 2> "$out/gnuplot.err" <<EOF || { echo "chart: gnuplot failed (see $out/gnuplot.err)"; return 0; }
set terminal pngcairo size 1500,820 font "DejaVu Sans,10" noenhanced
set output "$out/bench.png"
set title "$title\n$sub"
set datafile separator "\t"
set datafile missing "-"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set logscale y
set yrange [0.001:5000]
set format y "%g"
set ylabel "time / plain Linux call"
set grid ytics
set xtics rotate by -30 scale 0 font ",9"
set key top left
set bmargin 9
set rmargin 12
plot "$out/chart.dat" using 2:xtic(1) title columnheader(2) lc rgb "#1f77b4", \
     "" using 3 title columnheader(3) lc rgb "#6baed6", \
     "" using 4 title columnheader(4) lc rgb "#2ca02c", \
     "" using 5 title columnheader(5) lc rgb "#d62728", \
     1 with lines dt 2 lc rgb "black" title "= Linux"
EOF
    echo "chart: $out/bench.png"
}
chart

if [ "${SUITE_DOCS:-1}" != 0 ] && [ $status = 0 ]; then
    cp "$csv" docs/bench.csv
    [ -f "$out/bench.png" ] && cp "$out/bench.png" docs/bench.png
    echo "docs: docs/bench.csv$( [ -f "$out/bench.png" ] && echo ', docs/bench.png') updated"
fi
echo "total time: $(( $(date +%s) - began )) s (plus building)"
exit $status
