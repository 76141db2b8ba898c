#!/usr/bin/env bash
# The GPU tests, in one call on a machine with an NVIDIA GPU and no .NET SDK.
#   scripts/gpu-test.sh --publish   (here: self-contained linux-x64 test executables, the edgeagent
#                                    binary and the test models in publish/gpu-tests/, packed into
#                                    publish/gpu-tests.tar.xz, the one thing to carry)
#   scripts/gpu-test.sh [--require-sanitizer]
#                                   (there: every GPU test, then the CUDA backend tests again under
#                                    compute-sanitizer memcheck, racecheck, synccheck and initcheck)
# GPU tests are the tests in a namespace ending in ".Cuda" of Engine.Tests and Agent.Tests. On a
# GPU machine none may be skipped. Prints "N passed, N failed, N skipped" for the GPU tests and the
# sanitizer's error count. Exit status: 0 when no GPU test failed or was skipped and every sanitizer
# tool that ran found 0 errors; 1 otherwise; 2 for a usage error or a missing bundle.
# A compute-sanitizer that is missing or refused (gVisor machines refuse it) is reported as such and
# fails the run only with --require-sanitizer.
# Environment: OUT (logs and xunit XML results, default /tmp/gpu-test), WORK (where the archive is
# unpacked when publish/gpu-tests/ is absent), GPU_TESTS (a bundle folder or .tar.xz),
# GPU_TEST_TIMEOUT (seconds per test executable, default 240), SANITIZER_TIMEOUT (seconds per
# sanitizer tool, default 80), SANITIZER_TOOLS (default "memcheck racecheck synccheck initcheck").
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bundle_dir="$root/publish/gpu-tests"
archive="$root/publish/gpu-tests.tar.xz"
executables=(EdgeAgent.Engine.Tests EdgeAgent.Agent.Tests)
# What the GPU tests load from .cache/models (TestModels.OcrDetector); the zoo models are generated.
models=(ch_PP-OCRv4_det_infer.onnx)
gpu_filter=(-namespace "*.Cuda")
sanitizer_filter=(-namespace "EdgeAgent.Engine.Tests.Cuda")

publish() {
  export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
  "$root/scripts/fetch-models.sh" || exit 2
  rm -rf "$bundle_dir" "$archive"
  mkdir -p "$bundle_dir/bin" "$bundle_dir/models"
  local common=(-c Release -r linux-x64 --self-contained -p:InvariantGlobalization=true
    -p:SatelliteResourceLanguages=en -o "$bundle_dir/bin" -nologo -v:q)
  # Both test executables and the agent share one runtime in one folder: three single-file
  # binaries (~40 MB each) would not fit a device call's 64 MiB carry.
  for project in tests/Engine.Tests tests/Agent.Tests src/Agent; do
    dotnet publish "$root/$project" "${common[@]}" || { echo "gpu-test: publishing $project failed" >&2; exit 1; }
  done
  for m in "${models[@]}"; do cp "$root/.cache/models/$m" "$bundle_dir/models/"; done
  XZ_OPT="-6 -T0" tar -C "$root/publish" -cJf "$archive" gpu-tests
  echo "gpu-test: $(du -sh "$bundle_dir" | cut -f1) in $bundle_dir, packed to $(du -h "$archive" | cut -f1) in $archive"
  echo "carry publish/gpu-tests.tar.xz and run: scripts/gpu-test.sh"
}

# Finds the bundle: GPU_TESTS, publish/gpu-tests/, or the archive unpacked into WORK.
locate_bundle() {
  local source="${GPU_TESTS:-}"
  if [ -z "$source" ]; then
    if [ -x "$bundle_dir/bin/${executables[0]}" ]; then echo "$bundle_dir"; return 0; fi
    source="$archive"
  fi
  if [ -d "$source" ]; then echo "$source"; return 0; fi
  [ -f "$source" ] || { echo "gpu-test: no test bundle ($bundle_dir or $archive); run scripts/gpu-test.sh --publish first" >&2; return 1; }
  local work="${WORK:-/tmp/gpu-test-work}"
  rm -rf "$work/gpu-tests"; mkdir -p "$work"
  if ! tar -C "$work" -xJf "$source" 2>/dev/null; then
    # No xz on the machine: Python's tarfile reads it.
    python3 -c 'import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])' "$source" "$work" ||
      { echo "gpu-test: cannot unpack $source (neither tar -J nor python3 worked)" >&2; return 1; }
  fi
  echo "$work/gpu-tests"
}

# Sums passed/failed/skipped over xunit v2+ XML result files; errors (a class or fixture that
# failed outside a test) count as failures.
count_results() {
  cat "$@" 2>/dev/null | tr '>' '\n' | grep '<assembly ' | awk '{
    for (i = 1; i <= NF; i++) {
      split($i, kv, "="); gsub(/"|\//, "", kv[2]);
      if (kv[1] == "passed") p += kv[2];
      if (kv[1] == "failed" || kv[1] == "errors") f += kv[2];
      if (kv[1] == "skipped") s += kv[2];
    }
  } END { printf "%d %d %d\n", p, f, s }'
}

# Names each skipped test with its reason (the XML is one line: one <test> element per line here).
list_skipped() {
  cat "$@" 2>/dev/null | sed 's/<test /\n<test /g' | awk '
    /^<test / && /result="Skip"/ {
      match($0, /name="[^"]*"/); name = substr($0, RSTART + 6, RLENGTH - 7)
      r = $0; sub(/.*<reason>(<!\[CDATA\[)?/, "", r); sub(/(\]\]>)?<\/reason>.*/, "", r)
      line = "  skipped " name ": " r
      gsub(/&quot;/, "\"", line); gsub(/&apos;/, "\047", line); gsub(/&lt;/, "<", line); gsub(/&gt;/, ">", line); gsub(/&amp;/, "\\&", line)
      print line }'
}

find_sanitizer() {
  local candidate
  for candidate in "$(command -v compute-sanitizer 2>/dev/null)" "${CUDA_HOME:+$CUDA_HOME/bin/compute-sanitizer}" \
      /usr/local/cuda/bin/compute-sanitizer /usr/local/cuda/compute-sanitizer /opt/nvidia/compute-sanitizer/compute-sanitizer; do
    [ -n "$candidate" ] && [ -x "$candidate" ] && { echo "$candidate"; return 0; }
  done
  for candidate in /usr/local/cuda-*/bin/compute-sanitizer; do [ -x "$candidate" ] && { echo "$candidate"; return 0; }; done
  return 1
}

require_sanitizer=0
case "${1:-}" in
  --publish) publish; exit 0 ;;
  --require-sanitizer) require_sanitizer=1 ;;
  "") ;;
  *) echo "usage: scripts/gpu-test.sh [--publish | --require-sanitizer]" >&2; exit 2 ;;
esac

bundle="$(locate_bundle)" || exit 2
out="${OUT:-/tmp/gpu-test}"
mkdir -p "$out"
rm -f "$out"/gpu-*.xml "$out"/sanitizer-*.xml
export EDGEAGENT_TEST_MODELS="$bundle/models" DOTNET_CLI_TELEMETRY_OPTOUT=1
test_timeout="${GPU_TEST_TIMEOUT:-240}"
status=0

echo "== device"
"$bundle/bin/edgeagent" devices 2>&1 | head -20

echo "== GPU tests (${gpu_filter[*]})"
for exe in "${executables[@]}"; do
  # A hung test is stopped and named: the runner reports tests running past 60 s, timeout ends it.
  timeout --kill-after=10 "$test_timeout" "$bundle/bin/$exe" "${gpu_filter[@]}" -noColor -noLogo -longRunning 60 \
    -result-xml "$out/gpu-$exe.xml" > "$out/gpu-$exe.txt" 2>&1
  rc=$?
  grep -E '\[FAIL\]|\[SKIP\]|Long running test|Total:|Error|Exception' "$out/gpu-$exe.txt" | head -40
  if [ $rc = 124 ] || [ $rc = 137 ]; then
    echo "gpu-test: $exe ran past ${test_timeout} s and was stopped (see $out/gpu-$exe.txt for the long-running test)"; status=1
  elif [ ! -s "$out/gpu-$exe.xml" ]; then
    echo "gpu-test: $exe wrote no results (exit $rc):"; tail -20 "$out/gpu-$exe.txt"; status=1
  fi
done
read -r passed failed skipped < <(count_results "$out"/gpu-*.xml)
list_skipped "$out"/gpu-*.xml
echo "GPU tests: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -gt 0 ] && status=1
[ $((passed + failed + skipped)) = 0 ] && { echo "gpu-test: no GPU test ran"; status=1; }
if [ "$skipped" -gt 0 ]; then
  echo "gpu-test: $skipped GPU test(s) skipped; on a GPU machine none may be (reasons above)"
  status=1
fi

echo "== compute-sanitizer"
sanitizer_errors=0
if [ "$skipped" -gt 0 ] || [ $((passed + failed)) = 0 ]; then
  echo "sanitizer: not run (the GPU tests did not run on a GPU)"
  [ $require_sanitizer = 1 ] && status=1
elif ! sanitizer="$(find_sanitizer)"; then
  echo "sanitizer: compute-sanitizer not found (PATH, \$CUDA_HOME/bin, /usr/local/cuda/bin); not run"
  [ $require_sanitizer = 1 ] && status=1
else
  echo "sanitizer: $sanitizer ($("$sanitizer" --version 2>/dev/null | grep -i version | head -1))"
  sanitizer_timeout="${SANITIZER_TIMEOUT:-80}"
  for tool in ${SANITIZER_TOOLS:-memcheck racecheck synccheck initcheck}; do
    log="$out/sanitizer-$tool.txt"
    timeout --kill-after=10 "$sanitizer_timeout" "$sanitizer" --tool "$tool" --print-limit 50 \
      "$bundle/bin/EdgeAgent.Engine.Tests" "${sanitizer_filter[@]}" -noColor -noLogo \
      -result-xml "$out/sanitizer-$tool.xml" > "$log" 2>&1
    rc=$?
    # memcheck, synccheck and initcheck end with "ERROR SUMMARY: N errors"; racecheck with
    # "RACECHECK SUMMARY: N hazards displayed (N errors, N warnings)".
    errors=$(sed -n 's/.*ERROR SUMMARY: \([0-9]*\) error.*/\1/p' "$log" | tail -1)
    [ -z "$errors" ] && errors=$(sed -n 's/.*RACECHECK SUMMARY: .*(\([0-9]*\) error.*/\1/p' "$log" | tail -1)
    read -r sp sf ss < <(count_results "$out/sanitizer-$tool.xml")
    if [ -n "$errors" ]; then
      echo "sanitizer $tool: $errors errors ($sp passed, $sf failed, $ss skipped under the tool)"
      sanitizer_errors=$((sanitizer_errors + errors))
      [ "$errors" -gt 0 ] && { grep -E '^========= (Invalid|Error|Race|Barrier|Uninitialized|Program hit)' "$log" | sort | uniq -c | sort -rn | head -10; status=1; }
      [ "$sf" -gt 0 ] && status=1
    elif [ $rc = 124 ] || [ $rc = 137 ]; then
      echo "sanitizer $tool: no verdict, stopped after ${sanitizer_timeout} s (SANITIZER_TIMEOUT)"; status=1
    else
      # No summary at all: the tool could not attach (gVisor machines refuse it).
      echo "sanitizer $tool: refused on this machine (exit $rc): $(grep -m3 -E '^=+ |rror' "$log" | tr '\n' ' ' | cut -c1-300)"
      [ $require_sanitizer = 1 ] && status=1
    fi
  done
  echo "sanitizer errors: $sanitizer_errors"
fi

echo "results in $out"
echo "$passed passed, $failed failed, $skipped skipped"
exit $status
