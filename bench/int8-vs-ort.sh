#!/usr/bin/env bash
# INT8 on the CPU backend vs ONNX Runtime FP32, in one invocation: the same models, the same input
# tensor (.npy, written once), the same thread count. Also our FP32 engine, so the INT8 gain over
# our own kernels shows. INT8 engines are built (and autotuned) first with percentile
# calibration on the rendered calibration images (scripts/render-calib.sh).
#
#   bench/int8-vs-ort.sh [THREADS=2] [ITERATIONS=50] [WARMUP=10] [PRECISION=int8]   (environment variables)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
threads="${THREADS:-2}"
iterations="${ITERATIONS:-50}"
warmup="${WARMUP:-10}"
precision="${PRECISION:-int8}"

./scripts/setup.sh
./scripts/fetch-models.sh
./scripts/render-calib.sh >/dev/null
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build src/Agent -c Release -nologo -v:q -clp:ErrorsOnly
edgeagent="$root/src/Agent/bin/Release/net10.0/edgeagent"
work="$root/.cache/bench"
mkdir -p "$work"

# name | model | input name | shape | calibration folder | pre-processing
models=(
  "PP-OCRv4 det|.cache/models/ch_PP-OCRv4_det_infer.onnx|x|1x3x640x640|.cache/calib/det/calib|ppocr"
  "PP-OCR cls|.cache/models/ch_ppocr_mobile_v2.0_cls_infer.onnx|x|1x3x48x192|.cache/calib/cls/calib|ppocr-cls"
)

median() { sed -E 's/.*"median_ms":([0-9.eE+-]+).*/\1/'; }

echo "date $(date -u +%Y-%m-%d), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $threads threads, $iterations runs after $warmup warm-up, load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-14s %-13s %9s %9s %9s %10s %10s\n' model input "ORT fp32" "ours fp32" "ours $precision" "$precision/ORT" "$precision/fp32"
for entry in "${models[@]}"; do
  IFS='|' read -r name model input shape calib preprocess <<<"$entry"
  npy="$work/$(basename "$model" .onnx)-$shape.npy"
  if [ ! -f "$npy" ]; then
    node -e '
      const { writeNpy } = require(process.argv[1]);
      const shape = process.argv[3].split("x").map(Number);
      const n = shape.reduce((a, b) => a * b, 1);
      let s = 12345; const data = new Float32Array(n);
      for (let i = 0; i < n; i++) { s = (s * 1103515245 + 12345) >>> 0; data[i] = s / 4294967296; }
      require("fs").writeFileSync(process.argv[2], writeNpy("float32", shape, data));
    ' "$root/tests/oracle/npy.js" "$npy" "$shape"
  fi
  engine="$work/$(basename "$model" .onnx)-$shape-$precision.engine"
  "$edgeagent" engine build --model "$model" --out "$engine" --shape "$input:$shape" --threads "$threads" --precision "$precision" \
    --calib "$calib" --calib-count 64 --calib-preprocess "$preprocess" --calib-method percentile \
    --calib-cache "$work/$(basename "$model" .onnx)-$shape.calib" --timing-cache "$work/timing-cache.txt" >/dev/null
  ort=$(node tests/oracle/ort-run.js --model "$model" --input "$input=$npy" --bench --threads "$threads" \
        --iterations "$iterations" --warmup "$warmup" | median)
  fp32=$("$edgeagent" engine bench --model "$model" --input "$input=$npy" --threads "$threads" --timing-cache "$work/timing-cache.txt" \
        --backend cpu --iterations "$iterations" --warmup "$warmup" --json | median)
  int8=$("$edgeagent" engine bench --engine "$engine" --input "$input=$npy" --threads "$threads" \
        --iterations "$iterations" --warmup "$warmup" --json | median)
  printf '%-14s %-13s %9.2f %9.2f %9.2f %10s %10s\n' "$name" "$shape" "$ort" "$fp32" "$int8" \
    "$(awk -v a="$int8" -v b="$ort" 'BEGIN { printf "%.2f", a / b }')" "$(awk -v a="$int8" -v b="$fp32" 'BEGIN { printf "%.2f", a / b }')"
done
