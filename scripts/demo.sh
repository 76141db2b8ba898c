#!/usr/bin/env bash
# The main job on embedded defaults: fetch the real PaddleOCR models, show what the text
# detector contains, and run it once on a generated input with the reference executor.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

./scripts/setup.sh
./scripts/fetch-models.sh

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
echo "== building edgeagent"
dotnet build src/Agent -c Release -nologo -v:q -clp:ErrorsOnly
edgeagent="$root/src/Agent/bin/Release/net10.0/edgeagent"
model="$root/.cache/models/ch_PP-OCRv4_det_infer.onnx"
out="$root/.cache/demo"

echo
echo "== edgeagent engine inspect --model $(basename "$model")"
"$edgeagent" engine inspect --model "$model" --shape x:1x3x640x640

echo
echo "== edgeagent engine run (PP-OCRv4 text detector, 1x3x640x640 generated input)"
"$edgeagent" engine run --model "$model" --shape x:1x3x640x640 --seed 2026 --output-dir "$out"

echo
echo "The probability map is in $out; 'edgeagent engine --help' lists the other commands."
