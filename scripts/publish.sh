#!/usr/bin/env bash
# Builds one self-contained edgeagent binary (no .NET needed where it runs) into publish/RID/;
# native shims (System.IO.Ports) ride inside it and are extracted on first start.
#   scripts/publish.sh [linux-x64|linux-arm64]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
rid="${1:-linux-x64}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet publish "$root/src/Agent" -c Release -r "$rid" --self-contained -p:PublishSingleFile=true \
  -p:EnableCompressionInSingleFile=true -p:IncludeNativeLibrariesForSelfExtract=true -p:InvariantGlobalization=true -o "$root/publish/$rid" -nologo -v:q
ls -la "$root/publish/$rid/edgeagent"
