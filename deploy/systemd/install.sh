#!/usr/bin/env bash
# Installs (or removes) EdgeAgent as a systemd service. Safe to run again: it only changes
# what differs, never overwrites an existing configuration, and restarts the service only
# when the binary or unit changed.
#
#   sudo deploy/systemd/install.sh [--binary PATH] [--config FILE] [--no-start]
#   sudo deploy/systemd/install.sh --uninstall [--purge]
#   deploy/systemd/install.sh --root DIR ...   # stage into DIR (packaging, tests): no users, no systemctl
#
# Without --binary it takes the output of scripts/publish.sh for this machine
# (publish/linux-x64/edgeagent or publish/linux-arm64/edgeagent).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
service_user=edgeagent
unit_name=edgeagent.service

usage() {
  sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'
  cat <<'EOF'

Options:
  --binary PATH    edgeagent executable to install (default: publish/<rid>/edgeagent)
  --config FILE    configuration installed as /etc/edgeagent/agent.json if none exists yet
  --force-config   replace an existing /etc/edgeagent/agent.json (the old one is kept as .bak)
  --no-start       install and enable, but do not start or restart the service
  --uninstall      stop and disable the service, remove the unit and the binary
  --purge          with --uninstall: also remove /etc/edgeagent, /var/lib/edgeagent, /var/log/edgeagent and the user
  --root DIR       install below DIR instead of /; skips user creation and systemctl
  -h, --help       this text
EOF
}

die() {
  echo "install.sh: error: $*" >&2
  exit 2
}

note() { echo "install.sh: $*"; }

binary=""
config=""
force_config=0
start=1
uninstall=0
purge=0
root=""

while [ $# -gt 0 ]; do
  case "$1" in
    --binary) [ $# -ge 2 ] || die "--binary needs a path"; binary="$2"; shift 2 ;;
    --binary=*) binary="${1#*=}"; shift ;;
    --config) [ $# -ge 2 ] || die "--config needs a file"; config="$2"; shift 2 ;;
    --config=*) config="${1#*=}"; shift ;;
    --force-config) force_config=1; shift ;;
    --no-start) start=0; shift ;;
    --uninstall) uninstall=1; shift ;;
    --purge) purge=1; shift ;;
    --root) [ $# -ge 2 ] || die "--root needs a directory"; root="$2"; shift 2 ;;
    --root=*) root="${1#*=}"; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
done

if [ -n "$root" ]; then
  [ -d "$root" ] || die "--root '$root' is not a directory"
  root="$(cd "$root" && pwd)"
  [ "$root" != "/" ] || root=""
fi
[ "$purge" = 0 ] || [ "$uninstall" = 1 ] || die "--purge only goes with --uninstall"

# With --root the system itself is not touched, so root privileges are not needed.
if [ -z "$root" ] && [ "$(id -u)" != 0 ]; then
  die "run as root (sudo $0 ...), or stage into a directory with --root DIR"
fi
if [ -z "$root" ]; then
  command -v systemctl >/dev/null || die "systemctl not found: this installer needs systemd"
fi

bin_path="$root/usr/local/bin/edgeagent"
unit_path="$root/etc/systemd/system/$unit_name"
config_dir="$root/etc/edgeagent"
config_path="$config_dir/agent.json"
doc_dir="$root/usr/local/share/doc/edgeagent"

systemd_running() { [ -z "$root" ] && [ -d /run/systemd/system ]; }

run_systemctl() {
  if [ -n "$root" ]; then
    note "skipped (--root): systemctl $*"
  elif systemd_running; then
    systemctl "$@"
  else
    note "systemd is not running here; skipped: systemctl $*"
  fi
}

# Copies only when the content differs; prints whether it changed so reruns are quiet.
install_file() {
  local source="$1" target="$2" mode="$3"
  if [ -f "$target" ] && cmp -s "$source" "$target"; then
    chmod "$mode" "$target"
    note "unchanged $target"
    return 1
  fi
  mkdir -p "$(dirname "$target")"
  # Copy next to the target, then rename: a running service never sees a half-written binary.
  local temp
  temp="$(mktemp "$(dirname "$target")/.install.XXXXXX")"
  cp "$source" "$temp"
  chmod "$mode" "$temp"
  mv -f "$temp" "$target"
  note "installed $target"
  return 0
}

if [ "$uninstall" = 1 ]; then
  if [ -f "$unit_path" ]; then
    run_systemctl disable --now "$unit_name" || note "could not stop/disable $unit_name (continuing)"
  fi
  for path in "$unit_path" "$bin_path"; do
    if [ -e "$path" ]; then rm -f "$path"; note "removed $path"; fi
  done
  rm -rf "$doc_dir"
  run_systemctl daemon-reload
  if [ "$purge" = 1 ]; then
    for path in "$config_dir" "$root/var/lib/edgeagent" "$root/var/log/edgeagent"; do
      if [ -e "$path" ]; then rm -rf "$path"; note "removed $path"; fi
    done
    if [ -z "$root" ] && id "$service_user" >/dev/null 2>&1; then
      userdel "$service_user" && note "removed user $service_user"
    fi
  else
    note "kept $config_dir and /var/lib/edgeagent (engines, deployment state); --purge removes them"
  fi
  exit 0
fi

# The binary: given, or scripts/publish.sh's output for this machine's architecture.
if [ -z "$binary" ]; then
  case "$(uname -m)" in
    x86_64|amd64) rid=linux-x64 ;;
    aarch64|arm64) rid=linux-arm64 ;;
    *) die "no published binary for architecture $(uname -m); pass --binary PATH" ;;
  esac
  binary="$repo/publish/$rid/edgeagent"
  [ -f "$binary" ] || die "no binary at $binary: run scripts/publish.sh $rid first, or pass --binary PATH"
fi
[ -f "$binary" ] || die "binary '$binary' does not exist"
[ -r "$binary" ] || die "binary '$binary' is not readable"
head -c 4 "$binary" | cmp -s - <(printf '\177ELF') ||
  die "'$binary' is not an ELF executable; pass the edgeagent binary from scripts/publish.sh"

if [ -n "$config" ]; then
  [ -f "$config" ] || die "config '$config' does not exist"
  if command -v python3 >/dev/null && ! python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$config" 2>/dev/null; then
    die "config '$config' is not valid JSON"
  fi
elif [ ! -f "$config_path" ]; then
  if [ -f "$repo/config/agent.json" ]; then
    config="$repo/config/agent.json"
  else
    die "no configuration at $config_path and none given: pass --config FILE"
  fi
fi

# The service user: no login, no home, in the groups that own cameras (video) and serial ports (dialout).
if [ -z "$root" ]; then
  if ! id "$service_user" >/dev/null 2>&1; then
    useradd --system --no-create-home --home-dir /var/lib/edgeagent --shell /usr/sbin/nologin \
      --user-group "$service_user" || die "could not create user $service_user"
    note "created system user $service_user"
  fi
  for group in video dialout render; do
    if getent group "$group" >/dev/null && ! id -nG "$service_user" | tr ' ' '\n' | grep -qx "$group"; then
      usermod -a -G "$group" "$service_user"
      note "added $service_user to group $group"
    fi
  done
else
  note "skipped (--root): user $service_user with groups video, dialout"
fi

changed=0
install_file "$binary" "$bin_path" 0755 && changed=1
install_file "$here/$unit_name" "$unit_path" 0644 && changed=1
if [ -f "$here/../../docs/operations.md" ]; then
  install_file "$repo/docs/operations.md" "$doc_dir/operations.md" 0644 || true
fi

mkdir -p "$config_dir"
chmod 0750 "$config_dir"
if [ -n "$config" ]; then
  if [ -f "$config_path" ] && [ "$force_config" = 0 ]; then
    if cmp -s "$config" "$config_path"; then
      note "unchanged $config_path"
    else
      note "kept existing $config_path (it differs from $config; --force-config replaces it)"
    fi
  else
    if [ -f "$config_path" ]; then cp -p "$config_path" "$config_path.bak"; note "saved $config_path.bak"; fi
    install_file "$config" "$config_path" 0640 && changed=1
  fi
fi
# The service reads its configuration (and a fleet public key kept next to it) as its own group.
if [ -z "$root" ]; then
  chgrp -R "$service_user" "$config_dir"
fi

run_systemctl daemon-reload
if [ "$start" = 1 ]; then
  run_systemctl enable --now "$unit_name"
  # enable --now leaves a running service alone; a new binary or unit needs a restart.
  if [ "$changed" = 1 ]; then run_systemctl try-restart "$unit_name"; fi
  if systemd_running; then
    note "status: $(systemctl is-active "$unit_name" || true) (journalctl -u edgeagent -f for the log)"
  fi
else
  run_systemctl enable "$unit_name"
fi
note "done"
