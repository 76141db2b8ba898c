#!/usr/bin/env bash
# Installs what the build, the tests and the demo need, idempotently and quietly:
#   Debian packages: mosquitto (the broker tests and the demo run against), ffmpeg (camera sources, test clips),
#   socat (serial tests), openssl (test certificates), graphviz (graph dumps), nodejs + npm,
#   systemd (systemd-analyze checks the service unit), fonts-dejavu-core (scripts/render-calib.sh
#   draws the INT8 calibration images with it).
#   npm: onnxruntime-node (test oracle and benchmark peer only) into .cache/ort.
# Run as root on Debian/Ubuntu. Safe to run again: it only installs what is missing.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

apt_packages=(mosquitto ffmpeg socat openssl graphviz ca-certificates fonts-dejavu-core)
command -v node >/dev/null 2>&1 || apt_packages+=(nodejs)
command -v npm >/dev/null 2>&1 || apt_packages+=(npm)
command -v systemd-analyze >/dev/null 2>&1 || apt_packages+=(systemd)

missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "setup: missing Debian packages: ${missing[*]} (run as root, or install them)" >&2
    exit 2
  fi
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# The broker from apt may have been started as a system service; tests start their own.

ort_version=1.30.0
ort_dir="$root/.cache/ort"
if [ ! -f "$ort_dir/node_modules/onnxruntime-node/package.json" ] || \
   ! grep -q "\"version\": \"$ort_version\"" "$ort_dir/node_modules/onnxruntime-node/package.json"; then
  echo "setup: installing onnxruntime-node@$ort_version (test oracle)"
  mkdir -p "$ort_dir"
  [ -f "$ort_dir/package.json" ] || echo '{"name":"edgeagent-ort-oracle","private":true}' > "$ort_dir/package.json"
  (cd "$ort_dir" && npm install --silent --no-audit --no-fund --no-save --ignore-scripts \
      "onnxruntime-node@$ort_version" >/dev/null 2>&1)
fi
