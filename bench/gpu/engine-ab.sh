#!/usr/bin/env bash
# Times two builds of the engine library in one device call: the GPU-test bundle as it is (B, the
# change) and the same bundle with a baseline EdgeAgent.Engine.dll swapped in (A, the kernels and
# tactics before the change), on the same models and precisions, then Nsight Compute's kernel
# times of one engine of each. Prints A and B side by side.
#   bench/gpu/engine-ab.sh BUNDLE_DIR BASE_ENGINE_DLL MODELS PRECISIONS [KERNEL_ENGINES]
#     e.g. engine-ab.sh /tmp/gpu-tests publish/base/EdgeAgent.Engine.dll resnet50,yolov5s int8 resnet50.int8
# Environment: OUT (results; default /tmp/engine-ab).
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
bundle="$1"; base_dll="$2"; models="$3"; precisions="$4"; kernels="${5:-}"
out="${OUT:-/tmp/engine-ab}"; mkdir -p "$out"
[ -x "$bundle/bin/edgeagent" ] && [ -f "$base_dll" ] || { echo "engine-ab: need $bundle/bin/edgeagent and $base_dll" >&2; exit 2; }
rm -rf "$bundle-base"; cp -r "$bundle" "$bundle-base"; cp "$base_dll" "$bundle-base/bin/EdgeAgent.Engine.dll"
for side in A B; do
  dir="$bundle"; [ $side = A ] && dir="$bundle-base"
  echo "== $side ($dir)"
  EDGEAGENT="$dir/bin/edgeagent" OUT="$out/$side" WORK="/tmp/ab-$side" MODELS="$dir/models" \
    "$root/scripts/gpu-check.sh" --no-extras --models "$models" --precisions "$precisions" > "$out/$side.log" 2>&1
  grep -E "median|cosine|FAIL" "$out/$side/summary.txt" | head -20
  for e in ${kernels//,/ }; do
    [ -f "/tmp/ab-$side/$e.engine" ] && EDGEAGENT="$dir/bin/edgeagent" "$root/bench/gpu/kernel-times.sh" "/tmp/ab-$side/$e.engine" "/tmp/ab-$side/kt" 2>&1 | head -24
  done
done
