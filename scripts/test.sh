#!/usr/bin/env bash
# Builds the solution and runs every test project. Installs what it needs first.
# Ends with one line: "N passed, N failed" (", N skipped" when any were skipped).
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

./scripts/setup.sh || exit 1
./scripts/fetch-models.sh || exit 1
# The rendered scenes several test projects read; made here once, so parallel projects never race to make them.
./scripts/render-calib.sh 300 >/dev/null || exit 1

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
if ! dotnet build EdgeAgent.sln -c Release -nologo -clp:ErrorsOnly -v:q; then
  echo "build failed"
  echo "0 passed, 1 failed"
  exit 1
fi

results="$root/.cache/test-results"
rm -rf "$results"
mkdir -p "$results"
status=0
# A test that hangs is stopped after 8 minutes and named (blame), instead of stalling the run.
dotnet test EdgeAgent.sln -c Release --no-build --nologo -v:q --blame-hang-timeout 8m --blame-hang-dump-type none \
  --logger "trx" --logger "console;verbosity=normal" --results-directory "$results" || status=$?

# Sum the counters of every project's TRX report, so a run that executed nothing shows 0.
read -r passed failed skipped < <(
  cat "$results"/*.trx 2>/dev/null | tr '>' '\n' | grep '<Counters ' |
  awk '{
    for (i = 1; i <= NF; i++) {
      split($i, kv, "=");
      gsub(/"|\//, "", kv[2]);
      if (kv[1] == "passed") p += kv[2];
      if (kv[1] == "failed") f += kv[2];
      # Skipped tests (e.g. GPU tests on a machine without one) are counted but not executed.
      if (kv[1] == "total") s += kv[2];
      if (kv[1] == "executed") s -= kv[2];
      if (kv[1] == "error") f += kv[2];
      if (kv[1] == "timeout") f += kv[2];
      if (kv[1] == "aborted") f += kv[2];
    }
  } END { printf "%d %d %d\n", p, f, s }')
# Name each skipped test with its reason (the console logger prints only the name).
cat "$results"/*.trx 2>/dev/null | awk '
  /<UnitTestResult / && /outcome="NotExecuted"/ {
    match($0, /testName="[^"]*"/); name = substr($0, RSTART + 10, RLENGTH - 11); open = 1; next }
  open && /<Message>/ { m = $0; sub(/.*<Message>/, "", m); sub(/<\/Message>.*/, "", m); print "skipped " name ": " m; open = 0 }
  open && /<\/UnitTestResult>/ { print "skipped " name; open = 0 }'
# Name each failed test with the first line of its message, so a CI log's tail says what broke.
cat "$results"/*.trx 2>/dev/null | awk '
  /<UnitTestResult / && /outcome="Failed"/ {
    match($0, /testName="[^"]*"/); name = substr($0, RSTART + 10, RLENGTH - 11); open = 1; next }
  open && /<Message>/ { m = $0; sub(/.*<Message>/, "", m); sub(/<\/Message>.*/, "", m); print "FAILED " name ": " substr(m, 1, 400); open = 0 }
  open && /<\/UnitTestResult>/ { print "FAILED " name; open = 0 }'
projects=$(ls "$results"/*.trx 2>/dev/null | wc -l)
if [ "$projects" -lt 4 ] && [ "$status" = 0 ]; then
  echo "only $projects of 4 test projects reported results"
  status=1
fi
[ "$status" != 0 ] && [ "$failed" = 0 ] && failed=1
line="$passed passed, $failed failed"
[ "$skipped" -gt 0 ] && line="$line, $skipped skipped"
echo "$line"
exit "$status"
