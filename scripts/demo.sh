#!/usr/bin/env bash
# `npm run demo`: uploads a generated sample survey project to a local Ceph RGW, runs the upload again to show
# that nothing is sent twice, and lists the bucket. The server is left running for a closer look.
#
# env: RGW_PORT / MON_PORT (7480 / 6789) and the rest of scripts/local-s3.sh's settings.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUCKET=survey-demo
PROJECT_KEY=RMI25320
RUN_DIR="$ROOT/.run"
CONFIG="$RUN_DIR/demo-config.yaml"
# the SDK's Node 20 end-of-support notice would clutter every step of the demo
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

require_build() {
  [ -f "$ROOT/dist/cli.js" ] || { echo "dist/cli.js is missing; run 'npm run demo' (it builds first)" >&2; exit 1; }
}

# Sets ENDPOINT, ACCESS_KEY and SECRET_KEY from the server's one-line answer.
start_server() {
  local line word
  line="$(bash "$ROOT/scripts/local-s3.sh" start)"
  for word in $line; do
    case "$word" in
      ENDPOINT=*) ENDPOINT="${word#*=}" ;;
      ACCESS_KEY=*) ACCESS_KEY="${word#*=}" ;;
      SECRET_KEY=*) SECRET_KEY="${word#*=}" ;;
    esac
  done
  echo "S3 endpoint $ENDPOINT"
}

write_config() {
  mkdir -p "$RUN_DIR"
  rm -f "$RUN_DIR/demo-status.json" "$RUN_DIR/demo-log.csv"
  cat >"$CONFIG" <<EOF
# written by scripts/demo.sh for the local Ceph RGW
bucket: $BUCKET
region: us-east-1
endpoint_url: "$ENDPOINT"
force_path_style: true
auth_mode: config
aws_access_key_id: "$ACCESS_KEY"
aws_secret_access_key: "$SECRET_KEY"
max_concurrency: 4
status_json: "$RUN_DIR/demo-status.json"
status_interval: 1
log_csv: "$RUN_DIR/demo-log.csv"
EOF
  chmod 600 "$CONFIG" # it holds the test server's keys
  echo "config $CONFIG"
}

run_upload() {
  (cd "$ROOT" && node dist/cli.js --config "$CONFIG" --folder "$SAMPLE_DIR" --project-key "$PROJECT_KEY" \
    --custom-timestamp "$TIMESTAMP")
}

print_stop_hint() {
  local port_env=''
  [ -n "${RGW_PORT:-}" ] && port_env="RGW_PORT=$RGW_PORT "
  printf '\nThe local S3 server is still running at %s (keys %s / %s).\nStop it with: %sbash scripts/local-s3.sh stop\n' \
    "${ENDPOINT:-http://127.0.0.1:${RGW_PORT:-7480}}" "${ACCESS_KEY:-?}" "${SECRET_KEY:-?}" "$port_env"
}

main() {
  require_build
  step "Starting the local S3 server (Ceph RGW; about 20 s the first time)"
  start_server
  trap print_stop_hint EXIT
  step "Creating bucket $BUCKET"
  node "$ROOT/scripts/create-bucket.mjs" "$ENDPOINT" "$ACCESS_KEY" "$SECRET_KEY" "$BUCKET"
  step "Generating the sample project"
  SAMPLE_DIR="$(node "$ROOT/scripts/make-sample-project.mjs")"
  echo "sample project $SAMPLE_DIR"
  write_config
  # a timestamp folder (YYYYMMDD_HHMM) in every key, as --timestamp would add; pinning it keeps the second run on
  # the same keys even when the first one ends in a later minute
  TIMESTAMP="$(date +%Y%m%d_%H%M)"
  step "First upload: every file is new"
  run_upload
  step "Second upload: every file is already in the bucket and is skipped"
  run_upload
  step "Objects in s3://$BUCKET/$PROJECT_KEY/"
  node "$ROOT/scripts/list-bucket.mjs" "$ENDPOINT" "$ACCESS_KEY" "$SECRET_KEY" "$BUCKET" "$PROJECT_KEY/"
  echo "status JSON: $RUN_DIR/demo-status.json   CSV log: $RUN_DIR/demo-log.csv"
}

main "$@"
