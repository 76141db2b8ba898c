#!/usr/bin/env bash
# The GPU check, in one call on a machine with an NVIDIA GPU: every model on --backend cuda
# (fp32 and fp16) against the reference executor, then benchmarks with the PyTorch peer timed
# in the same call. Needs the self-contained binary (scripts/publish.sh) and the PP-OCR models
# (scripts/fetch-models.sh); generates the zoo models itself.
#   scripts/gpu-check.sh [--quick] [--no-peer] [--no-extras] [--models resnet50,ppocr-det] [--precisions fp16,int8]
#     --no-extras skips the batch-32, build-time, carried-kernel and PyTorch parts
#     (the PyTorch peer times ResNet-50, and the ViT-Tiny when vit_tiny is checked)
#     --max-autotune also times torch.compile(mode="max-autotune") (several minutes of compiling)
#   scripts/gpu-check.sh --prepare   (here, before the GPU call: renders text images and converts
#                                     the detector's INT8 calibration/validation set to .npy in
#                                     .cache/gpu-calib, to carry along; the GPU machine has no ffmpeg)
# Exit status: 0 when every accuracy check passed, 1 otherwise. Results also go to $OUT (or
# /tmp/gpu-check) as text and JSON.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
edgeagent="${EDGEAGENT:-$root/publish/linux-x64/edgeagent}"
models="${MODELS:-$root/.cache/models}"
out="${OUT:-/tmp/gpu-check}"     # text results
work="${WORK:-/tmp/gpu-check-work}"  # engines, zoo models, kernel and timing caches
quick=0; peer=1; extras=1; autotune_peer=0; only=""; precisions="fp32 fp16 int8"
while [ $# -gt 0 ]; do
  case "$1" in
    --prepare)
      "$root/scripts/render-calib.sh" >/dev/null
      rm -rf "$root/.cache/gpu-calib"; mkdir -p "$root/.cache/gpu-calib"
      python3 "$root/bench/gpu/images_to_npy.py" --height 320 --width 320 --count 4 "$root/.cache/calib/det/calib" "$root/.cache/gpu-calib/ppocr-det-calib"
      python3 "$root/bench/gpu/images_to_npy.py" --height 320 --width 320 --count 2 "$root/.cache/calib/det/val" "$root/.cache/gpu-calib/ppocr-det-val"
      python3 "$root/bench/gpu/images_to_npy.py" --height 48 --width 192 --count 16 --preset ppocr-cls "$root/.cache/calib/cls/calib" "$root/.cache/gpu-calib/ppocr-cls-calib"
      python3 "$root/bench/gpu/images_to_npy.py" --height 48 --width 192 --count 30 --preset ppocr-cls "$root/.cache/calib/cls/val" "$root/.cache/gpu-calib/ppocr-cls-val"
      echo "x:1x3x48x192" > "$root/.cache/gpu-calib/ppocr-cls-shape"
      # One full-size text page for comparing the float engines at the benchmark shape.
      python3 "$root/bench/gpu/images_to_npy.py" --height 640 --width 640 --count 1 "$root/.cache/calib/det/val" "$root/.cache/gpu-calib/page640"
      mv "$root"/.cache/gpu-calib/page640/*.npy "$root/.cache/gpu-calib/ppocr-det-page.npy"; rmdir "$root/.cache/gpu-calib/page640"
      echo "x:1x3x320x320" > "$root/.cache/gpu-calib/ppocr-det-shape"
      du -sh "$root/.cache/gpu-calib"; exit 0 ;;
    --quick) quick=1 ;;
    --no-peer) peer=0 ;;
    --max-autotune) autotune_peer=1 ;;
    --no-extras) extras=0; peer=0 ;;
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

# name | model file | shape | fp32 rel-L2 limit | fp16 rel-L2 limit | int8 calibration data (and the
# kind of input the float engines are compared on: the detector on a document-like page, since
# on pure noise its probability map is all near zero and only rounding noise is compared)
cases=(
  "resnet18|$work/zoo/resnet18.onnx|input:1x3x224x224|1e-3|1e-2|noise"
  "resnet50|$work/zoo/resnet50.onnx|input:1x3x224x224|1e-3|1e-2|noise"
  "mobilenetv2|$work/zoo/mobilenetv2.onnx|input:1x3x224x224|1e-3|1e-2|noise"
  "yolov5s|$work/zoo/yolov5s.onnx|images:1x3x640x640|1e-3|1e-2|noise"
  "ppocr-det|$models/ch_PP-OCRv4_det_infer.onnx|x:1x3x640x640|1e-3|1e-2|document"
  "ppocr-cls|$models/ch_ppocr_mobile_v2.0_cls_infer.onnx|x:1x3x48x192|1e-3|1e-2|noise"
  "ppocr-rec|$models/ch_PP-OCRv4_rec_infer.onnx|x:1x3x48x320|1e-3|1e-2|noise"
  "vit_tiny|$work/zoo/vit_tiny.onnx|input:1x3x224x224|1e-3|1e-2|noise"
  "mobilevit_s|$work/zoo/mobilevit_s.onnx|input:1x3x128x128|1e-3|1e-2|noise"
)
# INT8 engines are judged by cosine against the FP32 reference on a held-out input.
int8_cosine=0.99
summary="$out/summary.txt"; : > "$summary"
details="$out/details.txt"; : > "$details"
for precision in $precisions; do
  for c in "${cases[@]}"; do
    IFS='|' read -r name file shape l2limit l2half calibkind <<<"$c"
    coslimit=0
    [ -n "$only" ] && [[ "$only" != *",$name,"* ]] && continue
    [ -f "$file" ] || { echo "skip $name: $file missing" | tee -a "$summary"; continue; }
    engine="$work/$name.$precision.engine"
    tune=(); [ $quick = 1 ] && tune=(--no-autotune)
    extra=(); compare_input=(--seed 7)
    if [ "$calibkind" = document ] && [ -f "$root/.cache/gpu-calib/$name-page.npy" ] && [ "${shape#*:}" = 1x3x640x640 ]; then
      compare_input=(--input "${shape%%:*}=$root/.cache/gpu-calib/$name-page.npy")
    elif [ "$calibkind" = document ]; then
      [ -f "$work/doc/$name.npy" ] || { python3 "$root/bench/gpu/make_calib.py" --out "$work/doc/$name" --shape "${shape#*:}" --count 1 --kind document --seed 7 \
        && mv "$work/doc/$name/0000.npy" "$work/doc/$name.npy"; }
      compare_input=(--input "${shape%%:*}=$work/doc/$name.npy")
    fi
    if { [ $precision = int8 ] || [ $precision = best ]; } && [ -d "$root/.cache/gpu-calib/$name-calib" ]; then
      # Real data carried along (bench/gpu/images_to_npy.py from scripts/render-calib.sh's images):
      # the accuracy report over the validation inputs, with the task metric.
      shape="$(cat "$root/.cache/gpu-calib/$name-shape")"
      extra=(--calib "$root/.cache/gpu-calib/$name-calib" --calib-cache "$work/$name.calib-cache")
      compare_input=(--data "$root/.cache/gpu-calib/$name-val")
      coslimit=$int8_cosine
    elif [ $precision = int8 ] || [ $precision = best ]; then
      dims="${shape#*:}"; input="${shape%%:*}"
      if [ ! -d "$work/calib/$name" ]; then
        python3 "$root/bench/gpu/make_calib.py" --out "$work/calib/$name" --shape "$dims" --count 16 --kind $calibkind --seed 1
        python3 "$root/bench/gpu/make_calib.py" --out "$work/valid/$name" --shape "$dims" --count 1 --kind $calibkind --seed 99
      fi
      extra=(--calib "$work/calib/$name" --calib-cache "$work/calib/$name.cache")
      compare_input=(--input "$input=$work/valid/$name/0000.npy")
      coslimit=$int8_cosine
    fi
    start=$(date +%s.%N)
    if ! "$edgeagent" engine build --model "$file" --backend cuda --precision $precision --shapes "$shape" --out "$engine" \
         --timing-cache "$work/timing-cache.txt" "${tune[@]}" "${extra[@]}" > "$work/$name.$precision.build.txt" 2>&1; then
      echo "FAIL $name $precision: build failed: $(tail -3 "$work/$name.$precision.build.txt" | tr '\n' ' ')" | tee -a "$summary"
      failures=$((failures+1)); continue
    fi
    build_s=$(elapsed $start)
    "$edgeagent" engine compare --engine "$engine" --model "$file" "${compare_input[@]}" > "$work/$name.$precision.compare.txt" 2>&1
    [ $precision = fp16 ] && l2limit=$l2half
    verdict=$(awk -v p=$precision -v l2=$l2limit -v cs=$coslimit '
      /^accuracy of/ { report = 1; next }
      report && NF >= 5 && $2 ~ /^[0-9.]+$/ { n++; cosine = $3 + 0; rel = $5 + 0;
        if (rel > worst) worst = rel;
        if (n == 1 || cosine < mincos) mincos = cosine;
        # The DB detector is judged by its task metric (binarized-map IoU >= 0.95), others by cosine.
        if (match($0, /IoU mean [0-9.]+/)) { iou = substr($0, RSTART + 9, RLENGTH - 9) + 0; if (iou < 0.95) fail++ }
        else if ($0 ~ /top-1 agreement/ && match($0, /\([0-9.]+%\)/)) { agree = substr($0, RSTART + 1, RLENGTH - 3) + 0; if (agree < 99) fail++ }
        else if (cosine < cs) fail++ }
      !report && $1 == "output" { n++; rel = $(NF-1) + 0; cosine = $NF + 0;
        if (p == "fp32" || p == "fp16") bad = rel > l2; else bad = cosine < cs;
        if (bad) fail++;
        if (rel > worst) worst = rel;
        if (n == 1 || cosine < mincos) mincos = cosine }
      END { if (n == 0) print "FAIL no-outputs"; else printf "%s relL2<=%.2e cos>=%.6f%s", (fail ? "FAIL" : "ok"), worst, mincos, (iou ? sprintf(" IoU %.4f", iou) : "") (agree ? sprintf(" top-1 agreement %.2f%%", agree) : "") }' "$work/$name.$precision.compare.txt")
    { echo "== $name $precision"; tail -6 "$work/$name.$precision.build.txt"; cat "$work/$name.$precision.compare.txt"; } >> "$details"
    case "$verdict" in FAIL*) failures=$((failures+1)) ;; esac
    bench=$("$edgeagent" engine bench --engine "$engine" --iterations 200 --warmup 20 --json 2>&1 | tail -1)
    median=$(echo "$bench" | sed -n 's/.*"median_ms":\([0-9.]*\).*/\1/p')
    echo "$verdict  $name $precision  build ${build_s}s  median ${median:-?} ms end-to-end" | tee -a "$summary"
  done
done

page="$root/.cache/gpu-calib/ppocr-det-page.npy"; [ -f "$page" ] || page="$work/doc/ppocr-det.npy"
[ -f "$work/ppocr-det.fp16.engine" ] && [ -f "$page" ] && { echo "== ppocr-det fp16 per layer vs the reference ($(basename "$page"))";
  "$edgeagent" engine compare --engine "$work/ppocr-det.fp16.engine" --model "$models/ch_PP-OCRv4_det_infer.onnx" --per-layer \
    --input "x=$page" 2>&1 | sort -g -k5 | tail -25; } >> "$details"
[ -f "$work/ppocr-det.int8.engine" ] && { echo "== ppocr-det int8 per layer vs the reference";
  "$edgeagent" engine compare --engine "$work/ppocr-det.int8.engine" --model "$models/ch_PP-OCRv4_det_infer.onnx" --per-layer \
    --input "x=$(ls "$root"/.cache/gpu-calib/ppocr-det-val/*.npy 2>/dev/null | head -1)" 2>&1 | head -80; } >> "$details"
[ -f "$work/ppocr-det.fp16.engine" ] && { echo "== ppocr-det fp16 per-layer profile"; "$edgeagent" engine bench --engine "$work/ppocr-det.fp16.engine" --iterations 50 --profile 2>&1 | tail -30; } >> "$details"

if [ $extras = 0 ]; then echo "$failures accuracy failure(s)" | tee -a "$summary"; [ $failures = 0 ]; exit; fi

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
# An engine file carries its CUBINs: with the kernel cache gone, loading it compiles nothing.
rm -rf "$work/kernels"
carried=$("$edgeagent" engine bench --engine "$work/r50-warm.engine" --iterations 5 --warmup 1 2>&1 | grep "kernel modules:")
echo "resnet50 fp16 engine loaded with an empty kernel cache: ${carried:-no kernel line}" | tee -a "$summary"
case "$carried" in *", 0 compiled") ;; *) echo "FAIL the engine's carried kernels were not used" | tee -a "$summary"; failures=$((failures+1)) ;; esac
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

if [ -f "$work/calib/resnet50.cache" ]; then
  # The batch-1 build's calibration cache answers for batch 32 (scales are per tensor, not per shape).
  if "$edgeagent" engine build --model "$work/zoo/resnet50.onnx" --backend cuda --precision int8 --shapes input:32x3x224x224 \
       --calib-cache "$work/calib/resnet50.cache" --calib "$work/calib/resnet50" --out "$work/r50-b32-int8.engine" > "$work/r50-b32-int8.build.txt" 2>&1; then
    echo "resnet50 int8 batch 32: $("$edgeagent" engine bench --engine "$work/r50-b32-int8.engine" --iterations 100 --warmup 10 --json 2>&1 | tail -1)" | tee -a "$summary"
  else
    echo "FAIL resnet50 int8 batch 32 build: $(tail -3 "$work/r50-b32-int8.build.txt" | tr '\n' ' ')" | tee -a "$summary"
  fi
  { echo "== resnet50 int8 batch 1"; tail -12 "$work/resnet50.int8.build.txt";
    "$edgeagent" engine bench --engine "$work/resnet50.int8.engine" --iterations 50 --profile 2>&1 | tail -24; } >> "$details"
fi

if [ $peer = 1 ]; then
  # The same architectures in PyTorch: ResNet-50 always, the ViT when it is among the models checked.
  for m in resnet50 vit_tiny; do
    [ $m != resnet50 ] && [ -n "$only" ] && [[ "$only" != *",$m,"* ]] && continue
    python3 "$root/bench/gpu/torch_peer.py" --model $m $([ $autotune_peer = 1 ] && echo --max-autotune) > "$out/torch-$m.json" 2> "$work/torch.err" \
      && echo "torch $m: $(cat "$out/torch-$m.json")" | tee -a "$summary" \
      || echo "torch peer $m failed: $(tail -3 "$work/torch.err")" | tee -a "$summary"
  done
fi
echo "$failures accuracy failure(s)" | tee -a "$summary"
[ $failures = 0 ]
