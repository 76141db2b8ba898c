#!/usr/bin/env bash
# The main job on embedded defaults: fetch the real PaddleOCR models, show what the text
# detector contains, run it once with the reference executor, build a tuned engine for this
# machine, check it against the reference and measure it; then run the agent as a device on a
# loopback broker, deploy a second version to it over the air mid-run, watch it, and stop.
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
echo "The probability map and the engine are in $out."

# ---- Reading text: detector, direction classifier and recognizer on a rendered label ----------
echo
echo "== edgeagent ocr (PP-OCR detector -> line crops -> direction classifier -> recognizer)"
fonts=/usr/share/fonts/truetype/dejavu
ffmpeg -v error -y -f lavfi -i "color=c=0xf2efe6:s=640x360" -frames:v 1 \
  -vf "drawtext=fontfile=$fonts/DejaVuSans-Bold.ttf:text='LOT 4417-B':fontsize=44:fontcolor=0x101010:x=40:y=60,drawtext=fontfile=$fonts/DejaVuSansMono.ttf:text='EXPIRY 2027-03-31':fontsize=36:fontcolor=0x202060:x=40:y=160,drawtext=fontfile=$fonts/DejaVuSerif.ttf:text='NET 250 g':fontsize=40:fontcolor=0x602010:x=40:y=250" \
  "$out/label.png"
"$edgeagent" ocr --image "$out/label.png" --models "$root/.cache/models" --backend cpu --no-autotune --annotate "$out/ocr" 2>/dev/null
echo "(boxes and text drawn: $out/ocr/label.png)"

# ---- The agent: a device serving the detector, updated over the air mid-run -------------------
echo
echo "== edgeagent run: a device serving the detector on a synthetic 640x480 camera"
demo="$out/agent"
rm -rf "$demo"
mkdir -p "$demo"
port=$((20000 + RANDOM % 20000))
while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done   # first free port from a random start
broker="mqtt://127.0.0.1:$port"
printf 'listener %s 127.0.0.1\nallow_anonymous true\nset_tcp_nodelay true\n' "$port" > "$demo/mosquitto.conf"
mosquitto -c "$demo/mosquitto.conf" > "$demo/mosquitto.log" 2>&1 &
mosquitto_pid=$!
agent_pid=""
stop_all() {
  [ -n "$agent_pid" ] && kill -TERM "$agent_pid" 2>/dev/null && wait "$agent_pid" 2>/dev/null
  kill -TERM "$mosquitto_pid" 2>/dev/null && wait "$mosquitto_pid" 2>/dev/null
  return 0
}
trap stop_all EXIT

"$edgeagent" engine keygen --out "$demo/fleet.pem" > /dev/null
cat > "$demo/agent.json" <<JSON
{
  "DeviceId": "demo-01",
  "StateDirectory": "$demo/state",
  "Mqtt": { "Broker": "$broker", "PayloadFormat": "json" },
  "Camera": { "Source": "synthetic:640x480@15", "RingCapacity": 2, "Name": "demo-cam" },
  "Model": {
    "Id": "ppocr-det", "Version": "1", "Onnx": "$model", "Postprocess": "text",
    "Preprocess": { "Width": 640, "Height": 480, "Resize": "Stretch", "Channels": "Bgr",
                    "Mean": [0.485, 0.456, 0.406], "Std": [0.229, 0.224, 0.225] }
  },
  "Engine": { "Backend": "auto", "Threads": 1 },
  "Deployment": { "FleetPublicKey": "$demo/fleet.pem.pub", "ProbationSeconds": 10, "RollbackOnDrift": false },
  "Telemetry": { "IntervalSeconds": 2 },
  "Logging": { "Directory": "$demo/logs" }
}
JSON
"$edgeagent" run --config "$demo/agent.json" > "$demo/agent.log" 2>&1 &
agent_pid=$!
for _ in $(seq 1 120); do
  grep -q "streaming" "$demo/agent.log" && break
  kill -0 "$agent_pid" 2>/dev/null || { echo "the agent stopped:"; cat "$demo/agent.log"; exit 1; }
  sleep 0.5
done
sed -n '1,6p' "$demo/agent.log"
sleep 6

echo
echo "== edgeagent fleet watch (the device as the fleet sees it)"
"$edgeagent" fleet watch --broker "$broker" --device demo-01 --once

echo
echo "== edgeagent fleet deploy: version 2 of the detector, signed, chunked over MQTT, mid-run"
"$edgeagent" fleet deploy --broker "$broker" --device demo-01 --model "$model" --model-id ppocr-det --version 2 \
  --sign-key "$demo/fleet.pem" --timeout 300

echo
echo "== edgeagent fleet watch (now serving version 2)"
"$edgeagent" fleet watch --broker "$broker" --device demo-01 --once

echo
echo "== edgeagent fleet status"
"$edgeagent" fleet status --broker "$broker" --device demo-01

echo
echo "== stopping the agent (SIGTERM) and the broker"
stop_all
agent_pid=""
trap - EXIT
tail -n 3 "$demo/agent.log"
echo
echo "Agent log, engine store and deployment journal: $demo ('edgeagent --help' lists the other commands)."
