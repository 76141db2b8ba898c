#!/usr/bin/env bash
# The GPU check, in one call on a machine with an NVIDIA GPU: every model on --backend cuda
# (fp32 and fp16) against the reference executor, then benchmarks with the PyTorch peer timed
# in the same call. Needs the self-contained binary (scripts/publish.sh) and the PP-OCR models
# (scripts/fetch-models.sh); generates the zoo models itself.
#   scripts/gpu-check.sh [--quick] [--no-peer] [--models resnet50,ppocr-det] [--precisions fp16]
# Exit status: 0 when every accuracy check passed, 1 otherwise. Results also go to $OUT (or
# /tmp/gpu-check) as text and JSON.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
edgeagent="${EDGEAGENT:-$root/publish/linux-x64/edgeagent}"
models="${MODELS:-$root/.cache/models}"
out="${OUT:-/tmp/gpu-check}"     # text results
work="${WORK:-/tmp/gpu-check-work}"  # engines, zoo models, kernel and timing caches
quick=0; peer=1; only=""; precisions="fp32 fp16"
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1 ;;
    --no-peer) peer=0 ;;
    --models) only=",$2,"; shift ;;
    --precisions) precisions="${2//,/ }"; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
mkdir -p "$out" "$work"
export EDGEAGENT_KERNEL_CACHE="$work/kernels"
failures=0
elapsed() { awk -v s="$1" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }'; }

[ -x "$edgeagent" ] || { echo "error: $edgeagent not found; run scripts/publish.sh first" >&2; exit 2; }
"$edgeagent" devices --check || exit 1
"$edgeagent" engine zoo --out "$work/zoo" >/dev/null

# name | model file | shape | fp32 rel-L2 limit | fp16 cosine limit
cases=(
  "resnet50|$work/zoo/resnet50.onnx|input:1x3x224x224|1e-3|0.999"
  "mobilenetv2|$work/zoo/mobilenetv2.onnx|input:1x3x224x224|1e-3|0.999"
  "yolov5s|$work/zoo/yolov5s.onnx|images:1x3x640x640|1e-3|0.999"
  "ppocr-det|$models/ch_PP-OCRv4_det_infer.onnx|x:1x3x640x640|1e-3|0.999"
  "ppocr-cls|$models/ch_ppocr_mobile_v2.0_cls_infer.onnx|x:1x3x48x192|1e-3|0.999"
  "ppocr-rec|$models/ch_PP-OCRv4_rec_infer.onnx|x:1x3x48x320|1e-3|0.999"
)
summary="$out/summary.txt"; : > "$summary"
details="$out/details.txt"; : > "$details"
for precision in $precisions; do
  for c in "${cases[@]}"; do
    IFS='|' read -r name file shape l2limit coslimit <<<"$c"
    [ -n "$only" ] && [[ "$only" != *",$name,"* ]] && continue
    [ -f "$file" ] || { echo "skip $name: $file missing" | tee -a "$summary"; continue; }
    engine="$work/$name.$precision.engine"
    tune=(); [ $quick = 1 ] && tune=(--no-autotune)
    start=$(date +%s.%N)
    if ! "$edgeagent" engine build --model "$file" --backend cuda --precision $precision --shapes "$shape" --out "$engine" \
         --timing-cache "$work/timing-cache.txt" "${tune[@]}" > "$work/$name.$precision.build.txt" 2>&1; then
      echo "FAIL $name $precision: build failed: $(tail -3 "$work/$name.$precision.build.txt" | tr '\n' ' ')" | tee -a "$summary"
      failures=$((failures+1)); continue
    fi
    build_s=$(elapsed $start)
    "$edgeagent" engine compare --engine "$engine" --model "$file" --seed 7 > "$work/$name.$precision.compare.txt" 2>&1
    verdict=$(awk -v p=$precision -v l2=$l2limit -v cs=$coslimit '
      $1 == "output" { n++; rel = $(NF-1) + 0; cosine = $NF + 0;
        if (p == "fp32") bad = rel > l2; else bad = cosine < cs;
        if (bad) fail++;
        if (rel > worst) worst = rel;
        if (n == 1 || cosine < mincos) mincos = cosine }
      END { if (n == 0) print "FAIL no-outputs"; else printf "%s relL2<=%.2e cos>=%.6f", (fail ? "FAIL" : "ok"), worst, mincos }' "$work/$name.$precision.compare.txt")
    { echo "== $name $precision"; tail -6 "$work/$name.$precision.build.txt"; cat "$work/$name.$precision.compare.txt"; } >> "$details"
    case "$verdict" in FAIL*) failures=$((failures+1)) ;; esac
    bench=$("$edgeagent" engine bench --engine "$engine" --iterations 200 --warmup 20 --json 2>&1 | tail -1)
    median=$(echo "$bench" | sed -n 's/.*"median_ms":\([0-9.]*\).*/\1/p')
    echo "$verdict  $name $precision  build ${build_s}s  median ${median:-?} ms end-to-end" | tee -a "$summary"
  done
done

[ -f "$work/ppocr-det.fp16.engine" ] && { echo "== ppocr-det fp16 per-layer profile"; "$edgeagent" engine bench --engine "$work/ppocr-det.fp16.engine" --iterations 50 --profile 2>&1 | tail -30; } >> "$details"

# Batch 32 throughput and cold/warm build time of ResNet-50 FP16.
rm -rf "$work/kernels" "$work/cold-cache.txt"
start=$(date +%s.%N)
"$edgeagent" engine build --model "$work/zoo/resnet50.onnx" --backend cuda --precision fp16 --shapes input:1x3x224x224 \
  --out "$work/r50-cold.engine" --timing-cache "$work/cold-cache.txt" > "$work/r50-cold.txt" 2>&1
cold=$(elapsed $start)
start=$(date +%s.%N)
"$edgeagent" engine build --model "$work/zoo/resnet50.onnx" --backend cuda --precision fp16 --shapes input:1x3x224x224 \
  --out "$work/r50-warm.engine" --timing-cache "$work/cold-cache.txt" > "$work/r50-warm.txt" 2>&1
warm=$(elapsed $start)
echo "resnet50 fp16 build: cold ${cold} s, warm ${warm} s" | tee -a "$summary"
{ echo "== resnet50 fp16 cold build"; tail -8 "$work/r50-cold.txt"; echo "== warm build"; tail -8 "$work/r50-warm.txt";
  echo "== resnet50 fp16 batch 1 per-layer profile"; "$edgeagent" engine bench --engine "$work/r50-cold.engine" --iterations 50 --profile 2>&1 | tail -40; } >> "$details"
if "$edgeagent" engine build --model "$work/zoo/resnet50.onnx" --backend cuda --precision fp16 --shapes input:32x3x224x224 \
     --out "$work/r50-b32.engine" --timing-cache "$work/timing-cache.txt" > "$work/r50-b32.build.txt" 2>&1; then
  b32=$("$edgeagent" engine bench --engine "$work/r50-b32.engine" --iterations 100 --warmup 10 --json 2>&1 | tail -1)
  echo "resnet50 fp16 batch 32: $b32" | tee -a "$summary"
  { echo "== resnet50 fp16 batch 32"; tail -6 "$work/r50-b32.build.txt";
    "$edgeagent" engine bench --engine "$work/r50-b32.engine" --iterations 20 --profile 2>&1 | tail -22; } >> "$details"
else
  echo "FAIL resnet50 batch 32 build: $(tail -3 "$work/r50-b32.build.txt" | tr '\n' ' ')" | tee -a "$summary"; failures=$((failures+1))
fi

if [ $peer = 1 ]; then
  python3 "$root/bench/gpu/torch_peer.py" > "$out/torch.json" 2> "$work/torch.err" && echo "torch: $(cat "$out/torch.json")" | tee -a "$summary" \
    || echo "torch peer failed: $(tail -3 "$work/torch.err")" | tee -a "$summary"
fi
echo "$failures accuracy failure(s)" | tee -a "$summary"
[ $failures = 0 ]
