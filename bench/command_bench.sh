#!/usr/bin/env bash
# Compares the ringpipe command with its peers (mbuffer with the same buffer and block size, pv, socat,
# cat) on the pipelines of issue 13, in alternating rounds; prints each contender's median wall time
# and CPU seconds per GiB (user + system of the whole pipeline, from bash's `times`).
#
#   bench/command_bench.sh RINGPIPE [--mib N] [--rounds N] [--csv FILE]   (defaults: 2048 MiB, 5 rounds)
#
# --csv also writes the medians as CSV (pipeline,tool,median_s,gib_per_s,cpu_s_per_gib), which
# bench/plots/command.gp draws as command.png.
#
# Pipelines: `head -c N /dev/zero | TOOL | cat > /dev/null`; a file to a file (on the file system of
# $TMPDIR); a file -> TCP loopback -> file with two instances of the tool. Run it on a quiet machine.
# `ring-only` is ringpipe with --no-splice: every byte through the ring's memory, no kernel copies.
set -euo pipefail
ringpipe=${1:?usage: command_bench.sh RINGPIPE [--mib N] [--rounds N] [--csv FILE]}
shift
mib=2048
rounds=5
csv=
while [ $# -gt 0 ]; do
  case $1 in
  --mib) mib=$2; shift 2 ;;
  --rounds) rounds=$2; shift 2 ;;
  --csv) csv=$2; shift 2 ;;
  *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
for tool in mbuffer pv socat; do
  command -v "$tool" >/dev/null || { echo "needs $tool (bash scripts/setup.sh installs it)" >&2; exit 1; }
done
ring=64M
block=128k
work=$(mktemp -d "${TMPDIR:-/tmp}/ringpipe-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
head -c $((mib << 20)) /dev/urandom > "$work/in"
port=$((30000 + RANDOM % 20000))

# Each contender: a pipe filter, a file-to-file copy, and a TCP receiver / sender pair.
pipe_filter() {
  case $1 in
  ringpipe) "$ringpipe" -q -m $ring -s $block ;;
  ring-only) "$ringpipe" -q --no-splice -m $ring -s $block ;;
  mbuffer) mbuffer -q -m $ring -s $block 2>/dev/null ;;
  pv) pv -q -B $ring ;;
  socat) socat -u -b 131072 - - ;;
  cat) cat ;;
  esac
}
file_copy() {
  case $1 in
  ringpipe) "$ringpipe" -q -m $ring -s $block -i "$work/in" -o "$work/out" ;;
  ring-only) "$ringpipe" -q --no-splice -m $ring -s $block -i "$work/in" -o "$work/out" ;;
  mbuffer) mbuffer -q -f -m $ring -s $block -i "$work/in" -o "$work/out" 2>/dev/null ;;
  pv) pv -q -B $ring "$work/in" > "$work/out" ;;
  socat) socat -u -b 131072 "FILE:$work/in" "CREATE:$work/out" ;;
  cat) cat "$work/in" > "$work/out" ;;
  esac
}
tcp_receive() {
  case $1 in
  ringpipe | ring-only) "$ringpipe" -q -m $ring -s $block -i "tcp-listen:127.0.0.1:$port" -o "$work/out" ;;
  mbuffer) mbuffer -q -f -m $ring -s $block -I "127.0.0.1:$port" -o "$work/out" 2>/dev/null ;;
  socat) socat -u -b 131072 "TCP-LISTEN:$port,bind=127.0.0.1,reuseaddr" "CREATE:$work/out" ;;
  esac
}
tcp_send() {
  case $1 in
  ringpipe) "$ringpipe" -q -m $ring -s $block -i "$work/in" -o "tcp:127.0.0.1:$port" ;;
  ring-only) "$ringpipe" -q --no-splice -m $ring -s $block -i "$work/in" -o "tcp:127.0.0.1:$port" ;;
  mbuffer) mbuffer -q -m $ring -s $block -i "$work/in" -O "127.0.0.1:$port" 2>/dev/null ;;
  socat) socat -u -b 131072 "FILE:$work/in" "TCP:127.0.0.1:$port" ;;
  esac
}
wait_listening() {
  local hex
  hex=$(printf ':%04X ' "$port")
  for _ in $(seq 100); do
    grep -q "$hex[0-9A-F:]* 0A " /proc/net/tcp /proc/net/tcp6 2>/dev/null && return 0
    sleep 0.05
  done
  echo "nothing listens on $port" >&2
  exit 1
}
run_pipeline() {
  case $1 in
  pipe) head -c $((mib << 20)) /dev/zero | pipe_filter "$2" | cat > /dev/null ;;
  file) file_copy "$2" ;;
  tcp)
    port=$((port + 1))
    tcp_receive "$2" &
    local receiver=$!
    wait_listening
    tcp_send "$2"
    wait "$receiver"
    ;;
  esac
  [ "$1" = pipe ] || [ "$(stat -c %s "$work/out")" = $((mib << 20)) ] || { echo "$1 $2 moved the wrong size" >&2; exit 1; }
}
# Wall milliseconds and CPU milliseconds of one run (user + system of the children this subshell
# reaped: every process of the pipeline), as "wall cpu".
measure() {
  local before after start end self=$BASHPID # this subshell, not the command substitutions' own
  before=$(awk '{print $14 + $15 + $16 + $17}' "/proc/$self/stat")
  start=$(date +%s%N)
  run_pipeline "$@"
  end=$(date +%s%N)
  after=$(awk '{print $14 + $15 + $16 + $17}' "/proc/$self/stat")
  echo "$(((end - start) / 1000000)) $(((after - before) * 1000 / $(getconf CLK_TCK)))"
}
median() { sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }

printf '%-6s %-9s %10s %10s %12s\n' pipeline tool "median s" "GiB/s" "CPU s/GiB"
[ -z "$csv" ] || echo "pipeline,tool,median_s,gib_per_s,cpu_s_per_gib" > "$csv"
for pipeline in pipe file tcp; do
  tools=(ringpipe ring-only mbuffer pv socat cat)
  [ "$pipeline" = tcp ] && tools=(ringpipe ring-only mbuffer socat)
  declare -A walls=() cpus=()
  for ((round = 0; round < rounds; round++)); do
    for tool in "${tools[@]}"; do # alternating: every round runs every contender once
      read -r wall cpu < <(measure "$pipeline" "$tool")
      walls[$tool]+="$wall "
      cpus[$tool]+="$cpu "
    done
  done
  for tool in "${tools[@]}"; do
    wall=$(tr ' ' '\n' <<<"${walls[$tool]}" | grep . | median)
    cpu=$(tr ' ' '\n' <<<"${cpus[$tool]}" | grep . | median)
    awk -v p="$pipeline" -v t="$tool" -v w="$wall" -v c="$cpu" -v m="$mib" -v csv="$csv" \
      'BEGIN {g = m / 1024; printf "%-6s %-9s %10.3f %10.2f %12.2f\n", p, t, w / 1000, g / (w / 1000), c / 1000 / g
              if (csv != "") printf "%s,%s,%.3f,%.3f,%.3f\n", p, t, w / 1000, g / (w / 1000), c / 1000 / g >> csv}'
  done
  unset walls cpus
done
