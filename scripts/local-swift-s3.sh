#!/usr/bin/env bash
# A throw-away single-node OpenStack Swift (Debian 12: 2.30) with the s3api middleware and tempauth on 127.0.0.1:
# the second real S3 implementation the integration tests run against (`npm run test:swift`), to prove the
# uploader is portable beyond Ceph RGW. Rings, config, data, logs and pid files live in the instance's own
# mktemp dir; everything listens on 127.0.0.1 only.
#
#   bash scripts/local-swift-s3.sh start    stdout: ENDPOINT=http://127.0.0.1:PORT ACCESS_KEY=test:tester SECRET_KEY=testing
#   bash scripts/local-swift-s3.sh status   the same line and exit 0 when running; exit 1 when not
#   bash scripts/local-swift-s3.sh stop     stops the servers by PID and deletes the instance's temp dir
#
# env: SWIFT_PORT (S3 endpoint, the proxy; default 8480)
#      SWIFT_BACKEND_PORT (first of three consecutive ports for the object, container and account servers; 6210,
#        clear of the 6200-6202 a packaged Swift would use)
#      SWIFT_MEMCACHED_PORT (11311) SKIP_APT=1 (never run apt-get)
#
# One instance per SWIFT_PORT: state in .run/swift-s3-$SWIFT_PORT.env under the project root.
# Logs go to stderr; stdout carries only the one ENDPOINT line.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SWIFT_PORT="${SWIFT_PORT:-8480}"
SWIFT_BACKEND_PORT="${SWIFT_BACKEND_PORT:-6210}"
SWIFT_MEMCACHED_PORT="${SWIFT_MEMCACHED_PORT:-11311}"
OBJECT_PORT="$SWIFT_BACKEND_PORT"
CONTAINER_PORT=$((SWIFT_BACKEND_PORT + 1))
ACCOUNT_PORT=$((SWIFT_BACKEND_PORT + 2))
RUN_DIR="$ROOT/.run"
ENV_FILE="$RUN_DIR/swift-s3-$SWIFT_PORT.env"
LOCK_FILE="$RUN_DIR/swift-s3-$SWIFT_PORT.lock"
LOCK_WAIT_S=120
LOG_TAG="local-swift-s3 :$SWIFT_PORT"
DIR_GLOB="*/swift-s3-$SWIFT_PORT.*"
ACCESS_KEY='test:tester'
SECRET_KEY='testing'
APT_PACKAGES=(swift swift-proxy swift-account swift-container swift-object python3-swift memcached curl)
T0=$(date +%s.%N)
# shellcheck source=scripts/local-server.sh
. "$ROOT/scripts/local-server.sh"

# fd 3 is the caller's stdout; everything else goes to stderr
exec 3>&1 1>&2

usage() {
  echo "usage: bash scripts/local-swift-s3.sh start|stop|status   (env: SWIFT_PORT SWIFT_BACKEND_PORT SWIFT_MEMCACHED_PORT SKIP_APT)"
  exit 2
}

load_state() {
  SWIFT_DIR='' SWIFT_PIDS=''
  # shellcheck disable=SC1090
  [ -f "$ENV_FILE" ] && . "$ENV_FILE"
  return 0
}

write_state() {
  {
    printf 'SWIFT_DIR=%q\n' "$SWIFT_DIR"
    printf 'SWIFT_PIDS=%q\n' "${SWIFT_PIDS:-}"
  } >"$ENV_FILE"
}

endpoint_line() { echo "ENDPOINT=http://127.0.0.1:$SWIFT_PORT ACCESS_KEY=$ACCESS_KEY SECRET_KEY=$SECRET_KEY"; }

answers() { curl -sf -o /dev/null --max-time 2 "http://127.0.0.1:$1/${2:-}"; }

require_free_ports() {
  local p
  for p in "$SWIFT_PORT" "$OBJECT_PORT" "$CONTAINER_PORT" "$ACCOUNT_PORT" "$SWIFT_MEMCACHED_PORT"; do
    is_port_taken "$p" && die "127.0.0.1:$p is taken by another program; choose other SWIFT_PORT / SWIFT_BACKEND_PORT / SWIFT_MEMCACHED_PORT"
  done
  return 0
}

is_running() {
  local p
  [ -n "${SWIFT_PIDS:-}" ] || return 1
  for p in $SWIFT_PIDS; do kill -0 "$p" 2>/dev/null || return 1; done
  answers "$SWIFT_PORT" healthcheck
}

install_swift() {
  local b missing=0
  for b in swift-proxy-server swift-object-server swift-container-server swift-account-server swift-ring-builder memcached curl; do
    command -v "$b" >/dev/null 2>&1 || missing=1
  done
  [ "$missing" = 0 ] && return 0
  [ "${SKIP_APT:-0}" = 1 ] && die "swift tools missing and SKIP_APT=1; install ${APT_PACKAGES[*]}"
  local sudo=''
  [ "$(id -u)" = 0 ] || sudo='sudo'
  log "apt-get install ${APT_PACKAGES[*]}"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${APT_PACKAGES[@]}" >/dev/null
}

write_configs() {
  cat >"$SWIFT_DIR/swift.conf" <<EOF
[swift-hash]
swift_hash_path_suffix = upload-to-s3-$(date +%s%N)
swift_hash_path_prefix = upload-to-s3
[storage-policy:0]
name = Policy-0
default = yes
EOF
  local server port
  for server in object:$OBJECT_PORT container:$CONTAINER_PORT account:$ACCOUNT_PORT; do
    port="${server##*:}"
    server="${server%%:*}"
    # rings: 1 replica on 1 device, 2^8 partitions
    swift-ring-builder "$SWIFT_DIR/$server.builder" create 8 1 1 >/dev/null
    swift-ring-builder "$SWIFT_DIR/$server.builder" add "r1z1-127.0.0.1:$port/d1" 100 >/dev/null
    swift-ring-builder "$SWIFT_DIR/$server.builder" rebalance >/dev/null
    cat >"$SWIFT_DIR/$server-server.conf" <<EOF
[DEFAULT]
bind_ip = 127.0.0.1
bind_port = $port
workers = 0
mount_check = false
devices = $SWIFT_DIR/srv
swift_dir = $SWIFT_DIR
user = $(id -un)
log_name = $server-server
log_address = $SWIFT_DIR/no-syslog
[pipeline:main]
pipeline = $server-server
[app:$server-server]
use = egg:swift#$server
EOF
  done
  cat >"$SWIFT_DIR/proxy-server.conf" <<EOF
[DEFAULT]
bind_ip = 127.0.0.1
bind_port = $SWIFT_PORT
workers = 0
swift_dir = $SWIFT_DIR
user = $(id -un)
log_name = proxy-server
log_address = $SWIFT_DIR/no-syslog
[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats s3api tempauth copy slo dlo proxy-logging proxy-server
[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true
allow_account_management = true
[filter:tempauth]
use = egg:swift#tempauth
user_test_tester = $SECRET_KEY .admin
[filter:s3api]
use = egg:swift#s3api
location = us-east-1
s3_acl = false
max_upload_part_num = 10000
[filter:catch_errors]
use = egg:swift#catch_errors
[filter:gatekeeper]
use = egg:swift#gatekeeper
[filter:healthcheck]
use = egg:swift#healthcheck
[filter:proxy-logging]
use = egg:swift#proxy_logging
[filter:cache]
use = egg:swift#memcache
memcache_servers = 127.0.0.1:$SWIFT_MEMCACHED_PORT
[filter:listing_formats]
use = egg:swift#listing_formats
[filter:copy]
use = egg:swift#copy
[filter:slo]
use = egg:swift#slo
[filter:dlo]
use = egg:swift#dlo
EOF
}

# Servers run in the background: they must not inherit the caller's stdout (fd 3) or the lock (fd 9).
run_daemon() {
  local name="$1"
  shift
  nohup "$@" </dev/null >"$SWIFT_DIR/log/$name.log" 2>&1 3>&- 9>&- &
  echo $! >"$SWIFT_DIR/run/$name.pid"
}

wait_until() {
  local tries="$1"
  shift
  for _ in $(seq 1 "$tries"); do "$@" && return 0; sleep 0.1; done
  return 1
}

on_start_exit() {
  local rc=$?
  [ "$rc" = 0 ] && return
  log "start FAILED (rc=$rc); logs in $SWIFT_DIR/log"
  local f
  for f in "$SWIFT_DIR"/log/*.log; do [ -f "$f" ] && { echo "== $f"; tail -20 "$f"; }; done
  KEEP_DIR=1 stop_instance
}

cmd_start() {
  take_lock
  load_state
  if is_running; then
    log "already running (pids $SWIFT_PIDS)"
    endpoint_line >&3
    return 0
  fi
  [ -n "$SWIFT_DIR" ] && { log "cleaning up a stale instance in $SWIFT_DIR"; stop_instance; }
  require_free_ports
  install_swift
  SWIFT_DIR="$(mktemp -d "${TMPDIR:-/tmp}/swift-s3-$SWIFT_PORT.XXXXXX")"
  mkdir -p "$SWIFT_DIR"/{srv/d1,run,log}
  write_state
  trap on_start_exit EXIT
  write_configs
  log "config and rings in $SWIFT_DIR"
  # memcached holds tokens and account/container info for the proxy; loopback only, no UDP
  run_daemon memcached memcached -u "$(id -un)" -l 127.0.0.1 -p "$SWIFT_MEMCACHED_PORT" -U 0 -m 64
  local server
  for server in account container object proxy; do
    run_daemon "$server-server" "swift-$server-server" "$SWIFT_DIR/$server-server.conf" -v
  done
  wait_until 300 answers "$SWIFT_PORT" healthcheck || die "the swift proxy does not answer on 127.0.0.1:$SWIFT_PORT"
  for port in "$OBJECT_PORT" "$CONTAINER_PORT" "$ACCOUNT_PORT"; do
    # backend servers answer 4xx to a bare GET once they listen
    wait_until 100 curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/" || die "no swift server on 127.0.0.1:$port"
  done
  SWIFT_PIDS="$(recorded_pids)"
  write_state
  trap - EXIT
  log "started in $(elapsed)s (pids $SWIFT_PIDS)"
  endpoint_line >&3
}

instance_dir() { echo "${SWIFT_DIR:-}"; }
instance_pids() { echo "${SWIFT_PIDS:-}"; }

run_command "${1:-}"
