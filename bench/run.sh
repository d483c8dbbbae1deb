#!/usr/bin/env bash
# npm run bench [-- --quick] [--rounds N] [--sets small,large,mixed] [--sink] [--clients a,b] [--no-rerun] [--no-rss]
#                  [--rss-rounds N] [--startup] [--no-startup] [--no-plan-scale]   (options: bench/options.mjs)
#
# Installs the peers when missing (Debian's awscli, which is AWS CLI v2, at /usr/bin/aws, and rclone), as root
# or through passwordless sudo; BENCH_SKIP_APT=1 never installs, and a peer that is still missing is skipped
# with a note. Then runs bench/main.mjs, which starts its own Ceph RGW on BENCH_RGW_PORT/BENCH_MON_PORT
# (7494/6784), writes bench/.results/ and, unless --quick, docs/BENCHMARKS.md and docs/bench-chart.svg.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
AWS_BIN="${BENCH_AWS_BIN:-/usr/bin/aws}"

note() { echo "[bench] $*" >&2; }

missing_packages() {
  [ -x "$AWS_BIN" ] || echo awscli
  command -v rclone >/dev/null 2>&1 || echo rclone
}

install_peers() {
  local packages sudo=''
  packages="$(missing_packages | tr '\n' ' ')"
  [ -n "${packages// /}" ] || return 0
  if [ "${BENCH_SKIP_APT:-0}" = 1 ]; then
    note "not installing $packages(BENCH_SKIP_APT=1); those peers are skipped"
    return 0
  fi
  if [ "$(id -u)" != 0 ]; then
    sudo -n true 2>/dev/null || { note "not root and no passwordless sudo: not installing $packages; skipped"; return 0; }
    sudo='sudo'
  fi
  note "apt-get install $packages"
  if ! $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $packages >/dev/null 2>&1; then
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null 2>&1 || true
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $packages >/dev/null 2>&1 ||
      note "apt-get install $packages failed; those peers are skipped"
  fi
}

case " $* " in *" --report-only "* | *" --startup "*) ;; *) install_peers ;; esac
exec node "$ROOT/bench/main.mjs" "$@"
