#!/usr/bin/env bash
# CPU backend vs ONNX Runtime, in one invocation: the same models, the same input tensors
# (written once as .npy and given to both), the same thread count. Prints a table of median
# latencies and the ratio ours / ORT (below 1.0 means EdgeAgent is faster).
#
#   bench/cpu-vs-ort.sh [THREADS=2] [ITERATIONS=50] [WARMUP=10] [ONLY=substring]   (environment variables;
#   ONLY keeps the models whose name contains it)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
threads="${THREADS:-2}"
iterations="${ITERATIONS:-50}"
warmup="${WARMUP:-10}"

./scripts/setup.sh
./scripts/fetch-models.sh
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build src/Agent -c Release -nologo -v:q -clp:ErrorsOnly
edgeagent="$root/src/Agent/bin/Release/net10.0/edgeagent"
work="$root/.cache/bench"
mkdir -p "$work"
[ -f "$work/zoo/resnet50.onnx" ] && [ -f "$work/zoo/mobilevit_s.onnx" ] || "$edgeagent" engine zoo --out "$work/zoo" >/dev/null

# name | model | input name | shape
models=(
  "PP-OCRv4 det|.cache/models/ch_PP-OCRv4_det_infer.onnx|x|1x3x640x640"
  "PP-OCR cls|.cache/models/ch_ppocr_mobile_v2.0_cls_infer.onnx|x|1x3x48x192"
  "ResNet-50 (zoo)|$work/zoo/resnet50.onnx|input|1x3x224x224"
  "MobileNetV2 (zoo)|$work/zoo/mobilenetv2.onnx|input|1x3x224x224"
  "YOLOv5s (zoo)|$work/zoo/yolov5s.onnx|images|1x3x640x640"
  "ViT-Tiny (zoo)|$work/zoo/vit_tiny.onnx|input|1x3x224x224"
  "MobileViT-style (zoo)|$work/zoo/mobilevit_s.onnx|input|1x3x128x128"
)

median() { sed -E 's/.*"median_ms":([0-9.eE+-]+).*/\1/'; }

echo "date $(date -u +%Y-%m-%d), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $threads threads, $iterations runs after $warmup warm-up"
printf '%-20s %-13s %10s %10s %8s\n' model input "ORT ms" "ours ms" ratio
for entry in "${models[@]}"; do
  IFS='|' read -r name model input shape <<<"$entry"
  [ -n "${ONLY:-}" ] && [[ "$name" != *"$ONLY"* ]] && continue
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
  ort=$(node tests/oracle/ort-run.js --model "$model" --input "$input=$npy" --bench --threads "$threads" \
        --iterations "$iterations" --warmup "$warmup" | median)
  ours=$("$edgeagent" engine bench --model "$model" --input "$input=$npy" --threads "$threads" --timing-cache "$work/timing-cache.txt" \
        --iterations "$iterations" --warmup "$warmup" --json | median)
  ratio=$(awk -v a="$ours" -v b="$ort" 'BEGIN { printf "%.2f", a / b }')
  printf '%-20s %-13s %10.2f %10.2f %8s\n' "$name" "$shape" "$ort" "$ours" "$ratio"
done
