#!/usr/bin/env bash
# The main job on embedded defaults: fetch the real PaddleOCR models, show what the text
# detector contains, run it once with the reference executor, then build a tuned engine for
# this machine, check it against the reference and measure it.
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
echo "== edgeagent engine build (tuned for this CPU; timing cache kept for the next run)"
"$edgeagent" engine build --model "$model" --shapes x:1x3x640x640 --out "$out/det.engine" --timing-cache "$out/timing-cache.txt"

echo
echo "== edgeagent engine compare (engine vs the reference executor)"
"$edgeagent" engine compare --engine "$out/det.engine" --model "$model" --seed 2026 | tail -1

echo
echo "== edgeagent engine bench"
"$edgeagent" engine bench --engine "$out/det.engine" --iterations 20 --warmup 3 | tail -3

echo
echo "The probability map and the engine are in $out; 'edgeagent --help' lists the other commands."
