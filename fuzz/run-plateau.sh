#!/usr/bin/env bash
# Runs the fuzz targets in rotation until each is at a plateau or the budget
# is spent. Each round gives every target not yet at a plateau one slice:
#   cargo +nightly fuzz run -a -s SANITIZER T -- -timeout=1 -rss_limit_mb=512 -max_total_time=SLICE
# at nice 19, with -dict=dict/T.dict when the target has a dictionary (the
# tokens of its formats, which libFuzzer splices into inputs: a parser's
# keywords are found in minutes instead of hours). DICT=0 runs without. SANITIZER defaults to `none`: the code under test is safe Rust
# (its only `unsafe` is two read-only memory maps), so AddressSanitizer would
# find nothing a panic does not, while it slows the targets about sixfold
# (measured: go 1,850 -> 12,600 runs/s, cargo 1,900 -> 11,500);
# libFuzzer still catches panics, hangs and RSS past the limit. SANITIZER=address
# runs the targets under ASan. The targets are built with
# RUSTFLAGS=-Zub-checks=no (added to any RUSTFLAGS of the caller): `-a` turns
# on debug assertions, which also turn on the standard library's checks of
# unsafe preconditions, and one of them (`copy_nonoverlapping`'s, used by the
# sorts) branches on which of two heap buffers lies higher, so the edges an
# input reached depended on where the allocator had put things: a ruby run
# reached 9 new edges of which a replay of its corpus reproduced 3. Without
# those checks every new edge replays (debug_assert! and overflow checks
# stay on). A target is at a plateau after a whole slice
# that found no new coverage (cov: code edges reached), the usual criterion; with STRICT=1 the
# slice must also find no new features (ft: edge hit-count buckets and value
# profiles, which keep creeping up long after the code reached stops growing).
# A slice that got less than 80 % of a core (the machine was busy) proves
# nothing: it is logged as starved and never counts as a plateau. A slice that ends in a crash, a
# hang (> 1 s) or an out-of-memory leaves its reproducer in
# fuzz/artifacts/T/ and the target keeps its turn in the next round.
#
# Usage: fuzz/run-plateau.sh [TARGET...]   (default: every target)
# Environment: SLICE (seconds per slice, default 180), BUDGET (seconds in
# all, default 3600), LOG (default fuzz/plateau.log; one `slice` line per
# slice, a `total` line per target at the end; libFuzzer's own output goes
# to LOG.d/T.R.log), CPU (pin the fuzzer to this core with taskset: each input
# runs on a thread of its own, see fuzz/src/lib.rs, and when several lanes
# share the cores, handing over to that thread on another, busy core left a
# measured 52 % of the slice idle; pinned, a lane keeps 98 % of its core).
set -uo pipefail

cd "$(dirname "$0")"
SLICE=${SLICE:-180}
STRICT=${STRICT:-}
BUDGET=${BUDGET:-3600}
SANITIZER=${SANITIZER:-none}
LOG=${LOG:-$PWD/plateau.log}
export RUSTFLAGS="${RUSTFLAGS:+$RUSTFLAGS }-Zub-checks=no"
mkdir -p "$LOG.d"

if [ $# -gt 0 ]; then
    targets=("$@")
else
    mapfile -t targets < <(cargo +nightly fuzz list)
fi

log() { echo "$(date -u +%FT%TZ) $*" | tee -a "$LOG"; }

# cov and ft of a libFuzzer log's INITED line (the corpus loaded, before
# any mutation) and of its last status line.
inited() { grep -m1 INITED "$1" | grep -oE 'cov: [0-9]+ ft: [0-9]+' | awk '{print $2, $4}'; }
final() { grep -oE 'cov: [0-9]+ ft: [0-9]+' "$1" | tail -1 | awk '{print $2, $4}'; }

declare -A plateau secs execs
round=0
log "start targets=${targets[*]} slice=${SLICE}s budget=${BUDGET}s sanitizer=$SANITIZER dict=${DICT:-1} cpu=${CPU:-any} rustflags=$RUSTFLAGS"
nice -n 19 cargo +nightly fuzz build -a -s "$SANITIZER" >>"$LOG.d/build.log" 2>&1 || { log "build failed: see $LOG.d/build.log"; exit 1; }
# The budget is fuzzing time: it starts once the targets are built, so a
# budget of whole slices gives each its full SLICE.
start=$(date +%s)
pin=()
[ -n "${CPU:-}" ] && pin=(taskset -c "$CPU")

while :; do
    round=$((round + 1))
    pending=0
    for t in "${targets[@]}"; do
        [ -n "${plateau[$t]:-}" ] && continue
        left=$((BUDGET - ($(date +%s) - start)))
        if [ "$left" -le 0 ]; then
            log "budget spent"
            break 2
        fi
        pending=1
        slice=$((left < SLICE ? left : SLICE))
        out="$LOG.d/$t.$round.log"
        began=$(date +%s)
        dict=()
        [ "${DICT:-1}" != 0 ] && [ -f "dict/$t.dict" ] && dict=("-dict=$PWD/dict/$t.dict")
        TIMEFORMAT='%U %S'
        { time nice -n 19 ${pin[@]+"${pin[@]}"} cargo +nightly fuzz run -a -s "$SANITIZER" "$t" -- -timeout=1 -rss_limit_mb=512 \
            "${dict[@]}" -max_total_time="$slice" -print_final_stats=1 >"$out" 2>&1 ; } 2>"$out.cpu"
        rc=$?
        cpu=$(awk '{printf "%d", $1 + $2}' "$out.cpu")
        took=$(($(date +%s) - began))
        read -r cov0 ft0 < <(inited "$out")
        read -r cov1 ft1 < <(final "$out")
        runs=$(grep -oE 'number_of_executed_units: [0-9]+' "$out" | awk '{print $2}')
        secs[$t]=$((${secs[$t]:-0} + took))
        execs[$t]=$((${execs[$t]:-0} + ${runs:-0}))
        if [ "$rc" -ne 0 ]; then
            status="failed(rc=$rc: $(grep -oE 'ERROR: libFuzzer: [a-z-]+|ALARM|out-of-memory|panicked at [^,]*' "$out" | head -1))"
            status="$status $(grep -oE 'artifacts/[^ ]+' "$out" | head -1)"
        elif [ "$cpu" -lt $((slice * 8 / 10)) ]; then
            status="starved(cpu=${cpu}s)"
        elif [ "${cov0:-}" = "${cov1:-}" ] && { [ -z "$STRICT" ] || [ "${ft0:-}" = "${ft1:-}" ]; } && [ "$slice" -eq "$SLICE" ]; then
            status=plateau
            plateau[$t]=$round
        else
            status=growing
        fi
        log "slice target=$t round=$round secs=$took cpu=${cpu}s execs=${runs:-0} cov=${cov0:-?}->${cov1:-?} ft=${ft0:-?}->${ft1:-?} $status"
    done
    [ "$pending" -eq 0 ] && break
done

for t in "${targets[@]}"; do
    reached=no
    [ -n "${plateau[$t]:-}" ] && reached="yes(round ${plateau[$t]})"
    log "total target=$t secs=${secs[$t]:-0} execs=${execs[$t]:-0} plateau=$reached"
done
