#!/bin/sh
# fuzz/run.sh SECONDS — run each libFuzzer harness (build/fuzz/fuzz_*) for
# SECONDS, keeping its corpus in build/fuzz/corpus_NAME.  A harness passes
# when libFuzzer ends its run without a crash, leak, timeout or sanitizer
# report (exit status 0).  Prints the executions per harness and, last,
# "N passed, N failed".
set -u
secs=${1:-60}
dir=$(cd "$(dirname "$0")/.." && pwd)/build/fuzz
pass=0 fail=0
for f in "$dir"/fuzz_*; do
    [ -x "$f" ] || continue
    n=$(basename "$f")
    mkdir -p "$dir/corpus_${n#fuzz_}"
    log="$dir/$n.log"
    (cd "$dir" && "$f" -max_total_time="$secs" -timeout=10 -rss_limit_mb=4096 \
        -print_final_stats=1 "$dir/corpus_${n#fuzz_}" >"$log" 2>&1)
    rc=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    if [ $rc -eq 0 ]; then
        pass=$((pass + 1))
        echo "PASS $n: ${runs:-?} executions in ${secs} s, no crash, leak or sanitizer report"
    else
        fail=$((fail + 1))
        echo "FAIL $n (exit $rc): see $log"
        grep -E "ERROR|SUMMARY|expectation failed|Test unit written" "$log" | head -10 | sed 's/^/    /'
    fi
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
