#!/usr/bin/env bash
# The GPU time of every kernel of one engine run, from Nsight Compute (ncu), against the run's
# end-to-end time: says whether a batch-1 engine is bound by its kernels or by the gaps between them.
#   bench/gpu/kernel-times.sh ENGINE [OUT_DIR]     (EDGEAGENT: the edgeagent binary)
# Caches are not flushed between kernels (--cache-control none), as in a real run where the
# weights of a batch-1 engine stay in L2. Writes OUT_DIR/<engine>.kernels.csv (ncu's raw rows) and prints a summary: kernels per run, the
# sum of their durations, the ten slowest and the time per kernel name.
set -uo pipefail
engine="$1"; out="${2:-${OUT:-/tmp/kernel-times}}"
edgeagent="${EDGEAGENT:-$(cd "$(dirname "$0")/../.." && pwd)/publish/linux-x64/edgeagent}"
command -v ncu >/dev/null || { echo "kernel-times: ncu not found" >&2; exit 2; }
[ -f "$engine" ] || { echo "kernel-times: no engine $engine" >&2; exit 2; }
mkdir -p "$out"
name="$(basename "$engine" .engine)"
raw="$out/$name.kernels.csv"
# Three runs, so the summary can take the last whole one (loading may launch kernels of its own).
ncu --clock-control none --cache-control none --metrics gpu__time_duration.sum --csv --print-units base \
  "$edgeagent" engine bench --engine "$engine" --iterations 3 --warmup 0 > "$raw" 2> "$out/$name.ncu.err" \
  || { echo "kernel-times: ncu failed: $(tail -3 "$out/$name.ncu.err" | tr '\n' ' ')" >&2; exit 1; }
python3 "$(dirname "$0")/kernel_times.py" "$raw" "$name"
