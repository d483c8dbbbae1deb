# shellcheck shell=bash
# Plumbing shared by the local test servers (local-s3.sh: Ceph RGW; local-swift-s3.sh: OpenStack Swift):
# logging, the per-instance lock, pid bookkeeping, stopping, and the start|stop|status commands.
# Sourced, not run. The including script first sets LOG_TAG, RUN_DIR, ENV_FILE, LOCK_FILE, LOCK_WAIT_S, T0 and
# DIR_GLOB (the pattern of the temp dirs it makes), and defines load_state, is_running, endpoint_line, usage,
# cmd_start, instance_dir and instance_pids.

elapsed() { awk -v a="$T0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}'; }
log() { echo "[$LOG_TAG $(elapsed)s] $*"; }
die() {
  log "$*"
  exit 1
}

# Serialises start and stop of one instance, so two test runs racing to start it do not build two servers.
take_lock() {
  mkdir -p "$RUN_DIR"
  exec 9>"$LOCK_FILE"
  flock -w "$LOCK_WAIT_S" 9 || die "another start/stop of this instance holds $LOCK_FILE"
}

is_port_taken() { (exec 7<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Pid files cover daemons that started before a failed start could record them in the env file.
recorded_pids() {
  local pids dir f
  pids="$(instance_pids)"
  dir="$(instance_dir)"
  for f in "${dir:-/nonexistent}"/run/*.pid; do [ -f "$f" ] && pids="$pids $(cat "$f")"; done
  echo "$pids" | tr ' ' '\n' | grep -E '^[0-9]+$' | sort -u | tr '\n' ' ' || true
}

# TERM (newest pid first), KILL what is left after 10 s, then the instance's temp dir (unless KEEP_DIR=1; only
# a dir matching DIR_GLOB, so never one this script did not make) and its env file.
stop_instance() {
  local pids p alive dir
  pids="$(recorded_pids)"
  for p in $(echo "$pids" | tr ' ' '\n' | sort -rn); do kill -TERM "$p" 2>/dev/null || true; done
  for _ in $(seq 1 100); do
    alive=''
    for p in $pids; do kill -0 "$p" 2>/dev/null && alive="$alive $p"; done
    [ -z "$alive" ] && break
    sleep 0.1
  done
  for p in $pids; do kill -0 "$p" 2>/dev/null && kill -KILL "$p" 2>/dev/null; done
  dir="$(instance_dir)"
  if [ "${KEEP_DIR:-0}" != 1 ]; then
    # shellcheck disable=SC2254
    case "$dir" in $DIR_GLOB) rm -rf "$dir" ;; esac
  fi
  rm -f "$ENV_FILE"
  log "stopped pids: ${pids:-none}"
}

cmd_stop() {
  take_lock
  load_state
  [ -f "$ENV_FILE" ] || {
    log "nothing to stop ($ENV_FILE missing)"
    return 0
  }
  stop_instance
}

cmd_status() {
  load_state
  if is_running; then
    log "running (pids $(instance_pids), dir $(instance_dir))"
    endpoint_line >&3
    return 0
  fi
  log "not running"
  return 1
}

run_command() {
  case "${1:-}" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    *) usage ;;
  esac
}
