#!/usr/bin/env bash
# A throw-away single-node Ceph cluster (1 mon, 1 osd, no mgr) with a radosgw on 127.0.0.1: the real S3
# implementation behind the demo and the integration tests (it has ListParts and ListMultipartUploads, which
# resume needs, and it enforces SigV4 and Content-MD5).
#
#   bash scripts/local-s3.sh start    stdout: ENDPOINT=http://127.0.0.1:PORT ACCESS_KEY=... SECRET_KEY=...
#   bash scripts/local-s3.sh status   the same line and exit 0 when running; exit 1 when not
#   bash scripts/local-s3.sh stop     stops the daemons by PID and deletes the instance's temp dir
#
# env: RGW_PORT (7480) MON_PORT (6789) OBJECTSTORE (bluestore|memstore, default bluestore)
#      STORE_GIB (size of the sparse bluestore file, or the memstore RAM cap; default 24)
#      S3_ACCESS_KEY S3_SECRET_KEY (fixed test keys by default) SKIP_APT=1 (never run apt-get)
#
# One instance per RGW_PORT, so a demo server (7480/6789) and a test server (7481/6790) can run side by side:
# state in .run/ceph-rgw-$RGW_PORT.env under the project root; config, keyrings, data, logs, admin sockets and
# pid files in the instance's own mktemp dir. Logs go to stderr; stdout carries only the one ENDPOINT line.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RGW_PORT="${RGW_PORT:-7480}"
MON_PORT="${MON_PORT:-6789}"
OBJECTSTORE="${OBJECTSTORE:-bluestore}"
STORE_GIB="${STORE_GIB:-24}"
RUN_DIR="$ROOT/.run"
ENV_FILE="$RUN_DIR/ceph-rgw-$RGW_PORT.env"
LOCK_FILE="$RUN_DIR/ceph-rgw-$RGW_PORT.lock"
LOCK_WAIT_S=300
LOG_TAG="local-s3 :$RGW_PORT"
DIR_GLOB="*/ceph-rgw-$RGW_PORT.*"
T0=$(date +%s.%N)
# shellcheck source=scripts/local-server.sh
. "$ROOT/scripts/local-server.sh"

# fd 3 is the caller's stdout; everything else, ceph's chatter included, goes to stderr
exec 3>&1 1>&2

usage() {
  echo "usage: bash scripts/local-s3.sh start|stop|status   (env: RGW_PORT MON_PORT OBJECTSTORE STORE_GIB SKIP_APT)"
  exit 2
}

load_state() {
  CEPH_DIR='' CEPH_PIDS='' ACCESS_KEY='' SECRET_KEY=''
  # shellcheck disable=SC1090
  [ -f "$ENV_FILE" ] && . "$ENV_FILE"
  return 0
}

write_state() {
  {
    printf 'CEPH_DIR=%q\n' "$CEPH_DIR"
    printf 'CEPH_PIDS=%q\n' "${CEPH_PIDS:-}"
    printf 'RGW_ENDPOINT=%q\n' "http://127.0.0.1:$RGW_PORT"
    printf 'ACCESS_KEY=%q\n' "$ACCESS_KEY"
    printf 'SECRET_KEY=%q\n' "$SECRET_KEY"
  } >"$ENV_FILE"
}

endpoint_line() {
  echo "ENDPOINT=http://127.0.0.1:$RGW_PORT ACCESS_KEY=$ACCESS_KEY SECRET_KEY=$SECRET_KEY"
}

rgw_answers() { curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$RGW_PORT/"; }

# ceph-mon would retry a taken port for 10 s before failing, so say it plainly up front
require_free_ports() {
  is_port_taken "$RGW_PORT" && die "127.0.0.1:$RGW_PORT is taken by another program; choose another RGW_PORT"
  is_port_taken "$MON_PORT" && die "127.0.0.1:$MON_PORT is taken by another program; choose another MON_PORT"
  return 0
}

is_running() {
  local p pids
  [ -n "${CEPH_PIDS:-}" ] || return 1
  for p in $CEPH_PIDS; do kill -0 "$p" 2>/dev/null || return 1; done
  rgw_answers
}

has_ceph_tools() {
  local b
  for b in ceph-mon ceph-osd radosgw radosgw-admin ceph monmaptool ceph-authtool uuidgen curl; do
    command -v "$b" >/dev/null 2>&1 || return 1
  done
}

install_ceph() {
  has_ceph_tools && return 0
  [ "${SKIP_APT:-0}" = 1 ] && die "ceph tools missing and SKIP_APT=1; install ceph-mon ceph-osd radosgw ceph-common uuid-runtime curl"
  local sudo=''
  [ "$(id -u)" = 0 ] || sudo='sudo'
  log "apt-get install ceph-mon ceph-osd radosgw ceph-common uuid-runtime curl"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    ceph-mon ceph-osd radosgw ceph-common uuid-runtime curl >/dev/null
}

# a 32-byte AES key in base64 for the test KMS: test data only, never a secret
TEST_KMS_KEY='dGVzdC1vbmx5LWttcy1rZXktZm9yLXVwbG9hZC10b3M='

write_ceph_conf() {
  local store_bytes=$((STORE_GIB * 1024 * 1024 * 1024))
  cat >"$CONF" <<EOF
[global]
fsid = $FSID
mon initial members = a
mon host = v1:127.0.0.1:$MON_PORT
public addr = 127.0.0.1
cluster addr = 127.0.0.1
public network = 127.0.0.0/8
cluster network = 127.0.0.0/8
mon warn on insecure global id reclaim allowed = false
ms bind ipv4 = true
ms bind ipv6 = false
ms bind msgr2 = false
auth cluster required = cephx
auth service required = cephx
auth client required = cephx
run dir = $CEPH_DIR/run
admin socket = $CEPH_DIR/run/\$cluster-\$name.asok
pid file = $CEPH_DIR/run/\$cluster-\$name.pid
log file = $CEPH_DIR/log/\$cluster-\$name.log
crash dir = $CEPH_DIR/crash
keyring = $CEPH_DIR/\$cluster.\$name.keyring
mon data = $CEPH_DIR/mon/\$cluster-\$id
osd data = $CEPH_DIR/osd/\$cluster-\$id
osd objectstore = $OBJECTSTORE
memstore device bytes = $store_bytes
bluestore block path = $CEPH_DIR/osd/ceph-0/block.img
bluestore block create = true
bluestore block size = $store_bytes
bluestore fsck on mount = false
bluestore cache autotune = false
bluestore cache size = 268435456
osd memory target = 1073741824
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon allow pool delete = true
mon warn on pool no redundancy = false
mon max pg per osd = 1000
osd op num shards = 2
osd op num threads per shard = 1
mon osd full ratio = 0.97
mon osd nearfull ratio = 0.95
mon osd backfillfull ratio = 0.96
mon data avail warn = 1
mon data avail crit = 0

[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:$RGW_PORT
rgw data = $CEPH_DIR/rgw/ceph-rgw.a
rgw thread pool size = 128
rgw enable usage log = false
rgw s3 auth use keystone = false
# deleted objects and aborted parts are freed after 30 s instead of 2 h, so repeated test runs do not fill the store
rgw gc obj min wait = 30
rgw gc processor period = 30
# SSE-KMS and SSE-C for the integrity tests: a built-in test KMS (key id testkey-1, a fixed test-only key) and
# encryption over plain HTTP, which is all a loopback test server has
rgw crypt s3 kms backend = testing
rgw crypt s3 kms encryption keys = testkey-1=$TEST_KMS_KEY
rgw crypt require ssl = false
EOF
}

# Daemons fork into the background: they must not inherit the caller's stdout (fd 3) or the lock (fd 9),
# or a caller reading our output would wait for them forever and the lock would never be released.
run_daemon() {
  local name="$1"
  shift
  "$@" </dev/null >>"$CEPH_DIR/log/$name-start.log" 2>&1 3>&- 9>&-
}

ceph_cli() { ceph -c "$CONF" --connect-timeout 5 "$@"; }

wait_until() {
  local tries="$1"
  shift
  for _ in $(seq 1 "$tries"); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
  return 1
}

start_mon() {
  ceph-authtool --create-keyring "$CEPH_DIR/ceph.mon.keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
  ceph-authtool --create-keyring "$CEPH_DIR/ceph.client.admin.keyring" --gen-key -n client.admin \
    --cap mon 'allow *' --cap osd 'allow *' --cap mds 'allow *' --cap mgr 'allow *' >/dev/null
  ceph-authtool "$CEPH_DIR/ceph.mon.keyring" --import-keyring "$CEPH_DIR/ceph.client.admin.keyring" >/dev/null
  # an explicit v1 address: `--add a 127.0.0.1:PORT` makes a v2-only address for any port but 6789, which this
  # msgr1-only config never answers (clients then hang in auth)
  monmaptool --create --addv a "[v1:127.0.0.1:$MON_PORT]" --fsid "$FSID" "$CEPH_DIR/monmap" >/dev/null
  ceph-mon -c "$CONF" --mkfs -i a --monmap "$CEPH_DIR/monmap" --keyring "$CEPH_DIR/ceph.mon.keyring" \
    >"$CEPH_DIR/log/mon-mkfs.log" 2>&1
  run_daemon mon ceph-mon -c "$CONF" -i a
  wait_until 100 ceph_cli mon stat || die "monitor does not answer on 127.0.0.1:$MON_PORT"
  log "mon up on 127.0.0.1:$MON_PORT"
}

start_osd() {
  local osd_uuid osd_key osd_id keyring
  osd_uuid="$(uuidgen)"
  osd_key="$(ceph-authtool --gen-print-key)"
  echo "{\"cephx_secret\": \"$osd_key\"}" >"$CEPH_DIR/osd-secrets.json"
  osd_id="$(ceph_cli osd new "$osd_uuid" -i "$CEPH_DIR/osd-secrets.json")"
  keyring="$CEPH_DIR/osd/ceph-$osd_id/keyring"
  printf '[osd.%s]\n\tkey = %s\n' "$osd_id" "$osd_key" >"$keyring"
  ceph-osd -c "$CONF" -i "$osd_id" --mkfs --osd-uuid "$osd_uuid" --keyring "$keyring" >"$CEPH_DIR/log/osd-mkfs.log" 2>&1
  run_daemon osd ceph-osd -c "$CONF" -i "$osd_id" --keyring "$keyring"
  wait_until 300 osd_is_up || die "osd.$osd_id did not come up"
  log "osd.$osd_id up ($OBJECTSTORE, ${STORE_GIB} GiB)"
}

osd_is_up() { ceph_cli osd stat 2>/dev/null | grep -q '1 up'; }

start_rgw() {
  ceph_cli auth get-or-create client.rgw.a mon 'allow rw' osd 'allow rwx' >"$CEPH_DIR/ceph.client.rgw.a.keyring"
  run_daemon rgw radosgw -c "$CONF" -n client.rgw.a
  # radosgw creates its pools before it answers; that takes most of the start-up time
  wait_until 600 rgw_answers || die "radosgw did not answer on 127.0.0.1:$RGW_PORT"
  log "radosgw answers on 127.0.0.1:$RGW_PORT"
}

# A second storage class (COLD, its own pool) in the default placement, so settings tests can store an object in
# one class and move it to another. radosgw creates the default zone on its first start and reads placement only
# when it starts, so the class is added then and radosgw started again.
add_storage_class() {
  radosgw-admin -c "$CONF" zonegroup placement add --rgw-zonegroup default --placement-id default-placement \
    --storage-class COLD >/dev/null
  radosgw-admin -c "$CONF" zone placement add --rgw-zone default --placement-id default-placement \
    --storage-class COLD --data-pool default.rgw.cold.data >/dev/null
  local pid_file="$CEPH_DIR/run/ceph-client.rgw.a.pid" pid
  pid="$(cat "$pid_file")"
  kill "$pid"
  wait_until 150 bash -c "! kill -0 $pid" || die "radosgw (pid $pid) did not stop for its restart"
  rm -f "$pid_file"
  run_daemon rgw radosgw -c "$CONF" -n client.rgw.a
  wait_until 600 rgw_answers || die "radosgw did not answer on 127.0.0.1:$RGW_PORT after its restart"
  log "storage class COLD added to default-placement"
}

create_s3_user() {
  radosgw-admin -c "$CONF" user create --uid=s3test --display-name="upload-to-s3 tests" \
    --access-key="$ACCESS_KEY" --secret-key="$SECRET_KEY" >/dev/null
  log "S3 user s3test created"
}

# On failure: show the newest log lines, stop what was started (by PID), keep the dir for inspection.
on_start_exit() {
  local rc=$?
  [ "$rc" = 0 ] && return
  log "start FAILED (rc=$rc); logs in $CEPH_DIR/log"
  local f
  for f in "$CEPH_DIR"/log/*.log; do [ -f "$f" ] && { echo "== $f"; tail -15 "$f"; }; done
  KEEP_DIR=1 stop_instance
}

make_instance_dir() {
  CEPH_DIR="$(mktemp -d "${TMPDIR:-/tmp}/ceph-rgw-$RGW_PORT.XXXXXX")"
  mkdir -p "$CEPH_DIR"/{run,log,mon/ceph-a,osd/ceph-0,rgw/ceph-rgw.a,crash}
  CONF="$CEPH_DIR/ceph.conf"
  FSID="$(uuidgen)"
}

collect_pids() {
  local f pids=''
  for f in "$CEPH_DIR"/run/*.pid; do pids="$pids $(cat "$f")"; done
  CEPH_PIDS="${pids# }"
}

cmd_start() {
  take_lock
  load_state
  if is_running; then
    log "already running (pids $CEPH_PIDS)"
    endpoint_line >&3
    return 0
  fi
  [ -n "$CEPH_DIR" ] && { log "cleaning up a stale instance in $CEPH_DIR"; stop_instance; }
  require_free_ports
  ACCESS_KEY="${S3_ACCESS_KEY:-UPLOADTOS3TESTKEY001}"
  SECRET_KEY="${S3_SECRET_KEY:-uploadToS3TestSecretKey000000000000000001}"
  install_ceph
  make_instance_dir
  write_state
  trap on_start_exit EXIT
  log "ceph $(ceph --version | awk '{print $3, $5}') in $CEPH_DIR"
  write_ceph_conf
  start_mon
  start_osd
  start_rgw
  add_storage_class
  create_s3_user
  collect_pids
  write_state
  trap - EXIT
  log "started in $(elapsed)s (pids $CEPH_PIDS)"
  endpoint_line >&3
}

instance_dir() { echo "${CEPH_DIR:-}"; }
instance_pids() { echo "${CEPH_PIDS:-}"; }

run_command "${1:-}"
