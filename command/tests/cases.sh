#!/usr/bin/env bash
# End-to-end tests of the ringpipe command against real programs: `cases.sh RINGPIPE CASE` runs one
# case (CTest registers each, command/tests/CMakeLists.txt). A case fails with a message; a peer tool
# that is missing is a failure, not a skip: scripts/setup.sh installs them.
set -euo pipefail
ringpipe=$1
case_name=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/ringpipe-test.XXXXXX")
ring_name="ringpipe-test-$$-$RANDOM"
children=()
cleanup() {
  for pid in "${children[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  "$ringpipe" rm "$ring_name" 2>/dev/null || true
  umount "$work/tiny" 2>/dev/null || true # full_disk's tmpfs, before its folder goes
  rm -rf "$work"
}
trap cleanup EXIT

# Bytes through the big transfers: 1 GiB by default, as 64 MiB of random data repeated.
total_mib=${RINGPIPE_TEST_MIB:-1024}
fail() { echo "FAIL ($case_name): $*" >&2; exit 1; }
need() { command -v "$1" >/dev/null || fail "needs $1 (bash scripts/setup.sh installs it)"; }
sum() { sha256sum | cut -d' ' -f1; }
make_block() { head -c $((64 << 20)) /dev/urandom > "$work/block"; }
generate() { for ((i = 0; i < total_mib / 64; i++)); do cat "$work/block"; done; }
expected_sum() { generate | sum; }
free_port() { echo $((20000 + (RANDOM % 20000))); }
# Waits until something listens on TCP `port` (from /proc: no tool needed), for at most 10 s.
wait_listening() {
  local hex
  hex=$(printf ':%04X ' "$1")
  for _ in $(seq 100); do
    grep -q "$hex[0-9A-F:]* 0A " /proc/net/tcp /proc/net/tcp6 2>/dev/null && return 0
    sleep 0.1
  done
  fail "nothing listens on port $1"
}
# Waits until a UNIX stream socket listens on `path` (from /proc: flag __SO_ACCEPTCON), for at most
# 10 s: the path exists from bind(2), but a connect before listen(2) is refused.
wait_unix_listening() {
  for _ in $(seq 100); do
    grep -q " 00010000 0001 01 [0-9]* $1\$" /proc/net/unix && return 0
    sleep 0.1
  done
  fail "nothing listens on $1"
}
wait_ring() {
  for _ in $(seq 100); do "$ringpipe" inspect "$ring_name" >/dev/null 2>&1 && return 0; sleep 0.1; done
  fail "ring $ring_name never appeared"
}
# expect_status STATUS TEXT COMMAND...: runs COMMAND, checks its exit status and that stderr has TEXT.
expect_status() {
  local want=$1 text=$2 status=0
  shift 2
  "$@" 2>"$work/stderr" || status=$?
  [ "$status" = "$want" ] || fail "expected status $want, got $status from $*: $(cat "$work/stderr")"
  grep -qF -- "$text" "$work/stderr" || fail "expected '$text' in: $(cat "$work/stderr")"
}

case_tar() {
  mkdir -p "$work/tree/a/b" "$work/copy"
  head -c 3000000 /dev/urandom > "$work/tree/a/big"
  echo small > "$work/tree/a/b/small"
  ln -s ../big "$work/tree/a/b/link"
  tar -C "$work/tree" -c . | "$ringpipe" -q -m 64K -s 4K | tar -C "$work/copy" -x
  diff -r "$work/tree" "$work/copy" || fail "the copied tree differs"
}

case_stdio() {
  make_block
  local want got
  want=$(expected_sum)
  got=$(generate | "$ringpipe" -q | sum)
  [ "$want" = "$got" ] || fail "checksum differs through stdin/stdout"
}

case_tcp_pair() {
  make_block
  local port want
  port=$(free_port)
  want=$(expected_sum)
  "$ringpipe" -q --hash xxh3 -i "tcp-listen:127.0.0.1:$port" 2>"$work/recv.err" | sum > "$work/got" &
  children+=($!)
  wait_listening "$port"
  generate | "$ringpipe" -q --hash xxh3 -o "tcp:127.0.0.1:$port" 2>"$work/send.err"
  wait "${children[@]}"
  [ "$want" = "$(cat "$work/got")" ] || fail "checksum differs through tcp"
  cmp "$work/send.err" "$work/recv.err" || fail "the two ends' xxh3 differ"
}

case_shm_pair() {
  make_block
  local want
  want=$(expected_sum)
  "$ringpipe" -q --create -m 8M -i "shm:$ring_name" | sum > "$work/got" &
  children+=($!)
  wait_ring
  generate | "$ringpipe" -q -o "shm:$ring_name"
  wait "${children[@]}"
  [ "$want" = "$(cat "$work/got")" ] || fail "checksum differs through shm"
}

case_socat_nc_mbuffer() {
  need socat
  need nc
  need mbuffer
  head -c $((32 << 20)) /dev/urandom > "$work/data"
  local want port
  want=$(sum < "$work/data")
  port=$(free_port) # ringpipe listens, socat connects
  "$ringpipe" -q -i "tcp-listen:127.0.0.1:$port" -o "$work/out1" &
  children+=($!)
  wait_listening "$port"
  socat -u "FILE:$work/data" "TCP:127.0.0.1:$port"
  wait "${children[-1]}"
  [ "$want" = "$(sum < "$work/out1")" ] || fail "socat -> ringpipe tcp-listen"
  port=$(free_port) # socat listens, ringpipe connects
  socat -u "TCP-LISTEN:$port,bind=127.0.0.1,reuseaddr" "CREATE:$work/out2" &
  children+=($!)
  wait_listening "$port"
  "$ringpipe" -q -i "$work/data" -o "tcp:127.0.0.1:$port"
  wait "${children[-1]}"
  [ "$want" = "$(sum < "$work/out2")" ] || fail "ringpipe tcp -> socat"
  port=$(free_port) # ringpipe listens, nc connects
  "$ringpipe" -q -i "tcp-listen:127.0.0.1:$port" -o "$work/out3" &
  children+=($!)
  wait_listening "$port"
  nc -N 127.0.0.1 "$port" < "$work/data"
  wait "${children[-1]}"
  [ "$want" = "$(sum < "$work/out3")" ] || fail "nc -> ringpipe tcp-listen"
  port=$(free_port) # nc listens, ringpipe connects
  nc -l 127.0.0.1 "$port" > "$work/out4" &
  children+=($!)
  wait_listening "$port"
  "$ringpipe" -q -i "$work/data" -o "tcp:127.0.0.1:$port"
  wait "${children[-1]}"
  [ "$want" = "$(sum < "$work/out4")" ] || fail "ringpipe tcp -> nc"
  port=$(free_port) # mbuffer listens, ringpipe connects
  mbuffer -q -m 8M -s 128k -I "127.0.0.1:$port" -o "$work/out5" 2>/dev/null &
  children+=($!)
  wait_listening "$port"
  "$ringpipe" -q -i "$work/data" -o "tcp:127.0.0.1:$port"
  wait "${children[-1]}"
  [ "$want" = "$(sum < "$work/out5")" ] || fail "ringpipe tcp -> mbuffer"
}

# The highest resident memory (KiB, in $highest_rss) of a ringpipe with a ring of $1 feeding a 10 MiB/s
# consumer $2 MiB. Not in a subshell: its children must stay known to the cleanup.
highest_rss_with_ring() {
  rm -f "$work/fifo"
  mkfifo "$work/fifo"
  head -c $(($2 << 20)) /dev/zero | "$ringpipe" -q -m "$1" -o "$work/fifo" &
  local pid=$! highest=0 rss
  children+=($pid)
  pv -q -L 10M < "$work/fifo" > /dev/null &
  local reader=$!
  children+=($reader)
  while kill -0 "$pid" 2>/dev/null; do
    rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
    [ "${rss:-0}" -gt "$highest" ] && highest=$rss
    sleep 0.2
  done
  wait "$pid" "$reader"
  highest_rss=$highest
}

# A slow consumer: the command's memory grows by about its ring and no more. Measured against the same
# build with a 64 KiB ring, so that a sanitizer's own memory does not count.
case_slow_consumer() {
  need pv
  local baseline highest
  highest_rss_with_ring 64K 8
  baseline=$highest_rss
  highest_rss_with_ring 16M 60
  highest=$highest_rss
  echo "highest RSS ${highest} KiB with a 16 MiB ring, ${baseline} KiB with a 64 KiB one"
  [ "$highest" -lt $((baseline + (16 + 8) * 1024)) ] || fail "RSS $highest KiB is far above the 16 MiB ring"
}

# Kills one side of an shm: transfer: the other reports it within a second and exits non-zero; the
# reader delivered a prefix of the stream.
case_shm_kill() {
  need pv
  head -c $((64 << 20)) /dev/urandom > "$work/data"
  "$ringpipe" -q --create -m 1M -i "shm:$ring_name" -o "$work/out" 2>"$work/reader.err" &
  local reader=$!
  children+=($reader)
  wait_ring
  pv -q -L 8M < "$work/data" | "$ringpipe" -q -o "shm:$ring_name" &
  local writer=$!
  children+=($writer)
  sleep 1
  kill -9 "$writer"
  local start status=0
  start=$(date +%s%N)
  wait "$reader" || status=$?
  local took=$((($(date +%s%N) - start) / 1000000))
  [ "$status" = 2 ] || fail "reader exit status $status, expected 2: $(cat "$work/reader.err")"
  grep -q "died" "$work/reader.err" || fail "no dead-peer message: $(cat "$work/reader.err")"
  [ "$took" -lt 1000 ] || fail "the dead writer was reported after $took ms"
  local got
  got=$(stat -c %s "$work/out")
  [ "$got" -gt 0 ] || fail "nothing delivered before the kill"
  cmp -s -n "$got" "$work/data" "$work/out" || fail "what was delivered is not the stream's prefix"
  # Every committed byte was consumed: the ring's two positions agree.
  "$ringpipe" inspect --json "$ring_name" | grep -q "\"write_position\":$got,\"read_position\":$got," ||
    fail "committed bytes were not all delivered: $("$ringpipe" inspect --json "$ring_name")"
  echo "reader reported the dead writer after $took ms, $got bytes delivered"
  # And the other way: the reader dies, the writer reports it.
  "$ringpipe" rm "$ring_name"
  "$ringpipe" -q --create -m 1M -i "shm:$ring_name" -o /dev/null --rate-limit 1M &
  reader=$!
  children+=($reader)
  wait_ring
  "$ringpipe" -q -i "$work/data" -o "shm:$ring_name" 2>"$work/writer.err" &
  writer=$!
  sleep 1
  kill -9 "$reader"
  status=0
  timeout 5 tail --pid="$writer" -f /dev/null || fail "the writer did not notice the dead reader"
  wait "$writer" || status=$?
  [ "$status" = 3 ] || fail "writer exit status $status, expected 3: $(cat "$work/writer.err")"
}

case_errors() {
  expect_status 2 "ringpipe: input $work/missing: No such file or directory" "$ringpipe" -i "$work/missing"
  expect_status 3 "ringpipe: output $work/no/dir/file: No such file or directory" \
    "$ringpipe" -i /dev/null -o "$work/no/dir/file"
  head -c 1M /dev/zero > "$work/data"
  expect_status 3 "ringpipe: output /dev/full: No space left on device" "$ringpipe" -i "$work/data" -o /dev/full
  expect_status 3 "Connection refused" "$ringpipe" -i "$work/data" -o "tcp:127.0.0.1:1"
  expect_status 105 "--ring-size: Value 0 not in range" "$ringpipe" -m 0
  expect_status 105 "expected tcp:HOST:PORT" "$ringpipe" -o tcp:nowhere
  expect_status 109 "--bogus" "$ringpipe" --bogus
  expect_status 109 "stray" "$ringpipe" stray
  expect_status 114 "--input" "$ringpipe" -i
  expect_status 106 "NAME is required" "$ringpipe" inspect
  expect_status 105 "--hash: md5 not in {xxh3}" "$ringpipe" --hash md5
  expect_status 2 "ringpipe: input tcp:127.0.0.1:1: Connection refused" "$ringpipe" -i tcp:127.0.0.1:1
  expect_status 2 "ringpipe: input $work: Is a directory" "$ringpipe" -i "$work" -o /dev/null
  expect_status 2 "ringpipe: input shm:$ring_name: No such file or directory" "$ringpipe" -i "shm:$ring_name"
  # A closed pipe is a clean output error, not a SIGPIPE death.
  local status=0
  head -c 64M /dev/zero | "$ringpipe" -q 2>"$work/stderr" | head -c 1 > /dev/null || status=$?
  [ "${PIPESTATUS[1]:-$status}" != 141 ] || fail "killed by SIGPIPE"
  grep -q "Broken pipe" "$work/stderr" || fail "no broken pipe message: $(cat "$work/stderr")"
  "$ringpipe" --help | grep -q "Usage: ringpipe" || fail "--help"
  "$ringpipe" --version | grep -q "ringpipe " || fail "--version"
}

case_empty() {
  [ "$("$ringpipe" -q < /dev/null | wc -c)" = 0 ] || fail "bytes out of nothing"
  "$ringpipe" -q --hash xxh3 -i /dev/null -o "$work/out" 2>"$work/hash"
  [ ! -s "$work/out" ] || fail "empty input, non-empty output"
  grep -q "99aa06d3014798d86001c324468d497f  xxh3-128" "$work/hash" || fail "xxh3 of nothing: $(cat "$work/hash")"
}

# How many threads the command runs while its input is quiet: `threads_while_waiting [OPTION...]`.
threads_while_waiting() {
  (sleep 2; echo x) | "$ringpipe" -q "$@" > "$work/quiet" &
  local pid=$!
  sleep 0.5
  ls "/proc/$pid/task" | wc -l
  wait "$pid" || fail "the quiet transfer failed"
  [ "$(cat "$work/quiet")" = x ] || fail "the quiet transfer lost its byte"
}

case_one_thread() {
  # One descriptor in and one out move on one thread (relay.cpp); --rate-limit keeps the two sides'.
  local relay two
  relay=$(threads_while_waiting)
  two=$(threads_while_waiting --rate-limit 1G)
  [ "$relay" -lt "$two" ] || fail "threads: $relay for a plain transfer, $two with --rate-limit"
  # The relay makes a pipe non-blocking while it runs; a process sharing that pipe afterwards finds it
  # blocking again.
  # The file status flags of this shell's standard output, in octal; O_NONBLOCK is 04000.
  { printf abc | "$ringpipe" -q; shell=$BASHPID flags=$(awk '/^flags/ {print $2}' "/proc/$shell/fdinfo/1")
    echo $((8#$flags & 8#4000)) > "$work/mode"; } | cat > "$work/shared"
  [ "$(cat "$work/mode")" = 0 ] || fail "standard output left non-blocking ($(cat "$work/mode"))"
  [ "$(head -c 3 "$work/shared")" = abc ] || fail "the bytes before the check are missing"
}

# kernel_bytes FILE: bytes_in_kernel from a --stats-json line.
kernel_bytes() { grep -o '"bytes_in_kernel":[0-9]*' "$1" | cut -d: -f2; }

case_kernel_copy() {
  need pv
  head -c $((16 << 20)) /dev/urandom > "$work/data"
  local size=$((16 << 20)) want
  want=$(sum < "$work/data")
  # While the ring is empty the kernel moves the bytes (kernel_copy.hpp), between every pair but two
  # pipes; --no-splice and --hash keep every byte in the ring.
  "$ringpipe" -q --stats-json -i "$work/data" -o "$work/out" 2>"$work/stats"
  cmp "$work/data" "$work/out" || fail "file to file differs"
  [ "$(kernel_bytes "$work/stats")" = $size ] || fail "file to file, not in the kernel: $(cat "$work/stats")"
  "$ringpipe" -q --stats-json -i "$work/data" 2>"$work/stats" | cat > "$work/out"
  cmp "$work/data" "$work/out" || fail "file to pipe differs"
  [ "$(kernel_bytes "$work/stats")" -gt 0 ] || fail "file to pipe, not in the kernel: $(cat "$work/stats")"
  cat "$work/data" | "$ringpipe" -q --stats-json -o "$work/out" 2>"$work/stats"
  cmp "$work/data" "$work/out" || fail "pipe to file differs"
  [ "$(kernel_bytes "$work/stats")" -gt 0 ] || fail "pipe to file, not in the kernel: $(cat "$work/stats")"
  cat "$work/data" | "$ringpipe" -q --stats-json 2>"$work/stats" | cat > "$work/out"
  cmp "$work/data" "$work/out" || fail "pipe to pipe differs"
  [ "$(kernel_bytes "$work/stats")" = 0 ] || fail "pipe to pipe went through the kernel: $(cat "$work/stats")"
  "$ringpipe" -q --no-splice --stats-json -i "$work/data" -o "$work/out" 2>"$work/stats"
  cmp "$work/data" "$work/out" || fail "--no-splice differs"
  [ "$(kernel_bytes "$work/stats")" = 0 ] || fail "--no-splice went through the kernel: $(cat "$work/stats")"
  "$ringpipe" -q --hash xxh3 --stats-json -i "$work/data" -o "$work/out" 2>"$work/stats"
  [ "$(kernel_bytes "$work/stats")" = 0 ] || fail "--hash went through the kernel: $(cat "$work/stats")"
  # An output slower than the input: the ring takes what the output cannot, then empties, and the
  # kernel copies again; every byte arrives once, in order.
  "$ringpipe" -q --stats-json -m 1M -s 64K -i "$work/data" 2>"$work/stats" | pv -q -L 32M | sum > "$work/got"
  [ "$want" = "$(cat "$work/got")" ] || fail "file to a slow pipe differs"
  grep -Eq '"highest_fill":[1-9]' "$work/stats" || fail "the ring never filled: $(cat "$work/stats")"
  # The kernel's refusals fall back to read(2) and write(2): an appending output (copy_file_range
  # refuses O_APPEND: EBADF), and a procfs file to another file system (EXDEV).
  printf head > "$work/appended"
  "$ringpipe" -q -i "$work/data" >> "$work/appended"
  [ "$(head -c 4 "$work/appended")" = head ] && cmp -s -i 4:0 "$work/appended" "$work/data" ||
    fail "appending to a file differs"
  [ "$(stat -c %s "$work/appended")" = $((size + 4)) ] || fail "appending: $(stat -c %s "$work/appended") bytes"
  "$ringpipe" -q -i /proc/self/mountinfo -o "$work/proc"
  [ -s "$work/proc" ] && grep -q ' / ' "$work/proc" || fail "a procfs input came out empty or wrong"
}

case_sigint() {
  # The producer keeps stdin open; its stderr is not the test's, so CTest does not wait for it.
  (head -c 10M /dev/zero; exec sleep 10) 2>/dev/null | "$ringpipe" -q -o "$work/out" &
  local pid=$! status=0
  children+=($pid)
  sleep 1
  kill -INT "$pid"
  timeout 5 tail --pid="$pid" -f /dev/null || fail "no exit within 5 s of SIGINT"
  wait "$pid" || status=$?
  [ "$status" = 130 ] || fail "exit status $status after SIGINT, expected 130"
  [ "$(stat -c %s "$work/out")" = $((10 << 20)) ] || fail "the buffered bytes were not delivered"
}

case_outputs() {
  head -c $((20 << 20)) /dev/urandom > "$work/data"
  local want
  want=$(sum < "$work/data")
  "$ringpipe" -q -m 1M -s 64K -i "$work/data" -o "$work/a" -o "$work/b" -o - | sum > "$work/c"
  for f in a b; do [ "$want" = "$(sum < "$work/$f")" ] || fail "output $f differs"; done
  [ "$want" = "$(cat "$work/c")" ] || fail "stdout differs"
  expect_status 0 "dropped" "$ringpipe" -q -i "$work/data" -o /dev/full -o "$work/d" --on-output-error=drop
  [ "$want" = "$(sum < "$work/d")" ] || fail "the output left after a drop differs"
  expect_status 3 "/dev/full" "$ringpipe" -q -i "$work/data" -o /dev/full -o "$work/e"
}

case_options() {
  head -c 2M /dev/urandom > "$work/data"
  local start took
  start=$(date +%s%N)
  "$ringpipe" -q --rate-limit 4M -i "$work/data" -o "$work/out"
  took=$((($(date +%s%N) - start) / 1000000))
  [ "$took" -ge 400 ] || fail "2 MiB at 4 MiB/s took only $took ms"
  cmp "$work/data" "$work/out" || fail "rate-limited copy differs"
  "$ringpipe" -q --start-at 50 -m 8M -i "$work/data" -o "$work/out2"
  cmp "$work/data" "$work/out2" || fail "--start-at copy differs"
  # --no-splice: every byte through the ring, whose counters are checked below.
  "$ringpipe" -q --no-splice --stats --stats-json -i "$work/data" -o /dev/null 2>"$work/stats"
  grep -q '"bytes_out":2097152' "$work/stats" || fail "stats: $(cat "$work/stats")"
  grep -q 'waited' "$work/stats" || fail "stats: $(cat "$work/stats")"
  # The middle ring's own counters (ringpipe::endpoint_statistics), in words and in JSON.
  grep -Eq 'ring writer: [0-9]+ operations, [0-9]+ waits on a full ring' "$work/stats" || fail "stats: $(cat "$work/stats")"
  grep -Eq 'ring reader: [0-9]+ operations' "$work/stats" || fail "stats: $(cat "$work/stats")"
  grep -q '"ring_writer":{"bytes":2097152,' "$work/stats" || fail "stats json: $(cat "$work/stats")"
  grep -q '"ring_reader":{"bytes":2097152,' "$work/stats" || fail "stats json: $(cat "$work/stats")"
}

case_rings() {
  "$ringpipe" -q --create -m 1M -o "shm:$ring_name" < /dev/null
  "$ringpipe" ls | grep -q "^$ring_name .*closed" || fail "ls: $("$ringpipe" ls)"
  "$ringpipe" inspect --json "$ring_name" | grep -q '"writer":"closed","reader":"absent"' || fail "inspect"
  local foreign="ringpipe-test-foreign-$$"
  head -c 10000 /dev/urandom > "/dev/shm/$foreign"
  "$ringpipe" ls > /dev/null || fail "ls with a foreign object"
  expect_status 1 "not a ringpipe ring" "$ringpipe" inspect "$foreign"
  expect_status 1 "not a ringpipe ring" "$ringpipe" rm "$foreign"
  rm -f "/dev/shm/$foreign"
  "$ringpipe" rm "$ring_name"
  expect_status 1 "No such file" "$ringpipe" inspect "$ring_name"
}

# --progress: a line with bytes, rates, fill, elapsed time and (for a file input) the ETA, updated while
# the transfer runs; the output is untouched. -q silences it, even with --progress or on a terminal.
case_progress() {
  need script
  head -c 3M /dev/urandom > "$work/data"
  "$ringpipe" --progress --rate-limit 2M -i "$work/data" -o "$work/out" 2>"$work/progress"
  cmp "$work/data" "$work/out" || fail "the output differs with --progress"
  local line='^in [0-9.]+ [KMG]?i?B \([0-9.]+ [KMG]?i?B/s\), out [0-9.]+ [KMG]?i?B \([0-9.]+ [KMG]?i?B/s\), fill [0-9]+%, [0-9]+:[0-9]{2}:[0-9]{2}'
  [ "$(grep -cE "$line, ETA [0-9]+:[0-9]{2}:[0-9]{2}$" "$work/progress")" -ge 2 ] ||
    fail "no live lines with an ETA while the transfer ran: $(cat "$work/progress")"
  tail -n 1 "$work/progress" | grep -qE "${line}$" || fail "no final line: $(cat "$work/progress")"
  tail -n 1 "$work/progress" | grep -q "^in 3.00 MiB .*, out 3.00 MiB " || fail "final totals: $(cat "$work/progress")"
  # A pipe's size is unknown: no ETA.
  "$ringpipe" --progress --rate-limit 2M < <(cat "$work/data") 2>"$work/progress" | cmp - "$work/data" ||
    fail "the output differs with --progress from a pipe"
  grep -qE "$line" "$work/progress" || fail "no progress from a pipe: $(cat "$work/progress")"
  ! grep -q ETA "$work/progress" || fail "an ETA for an input of unknown size: $(cat "$work/progress")"
  "$ringpipe" -q --progress --rate-limit 4M -i "$work/data" -o "$work/out" 2>"$work/progress"
  [ ! -s "$work/progress" ] || fail "-q --progress printed: $(cat "$work/progress")"
  cmp "$work/data" "$work/out" || fail "the output differs with -q"
  # On a terminal (script(1) gives one) the line is shown by default and redraws itself in place.
  timeout 20 script -qec "'$ringpipe' --rate-limit 2M -i '$work/data' -o '$work/out'" /dev/null \
    < /dev/null > "$work/terminal"
  grep -q $'\r\033\\[Kin .*fill' "$work/terminal" || fail "no progress on a terminal: $(cat -A "$work/terminal")"
  timeout 20 script -qec "'$ringpipe' -q --rate-limit 4M -i '$work/data' -o '$work/out'" /dev/null \
    < /dev/null > "$work/terminal"
  [ ! -s "$work/terminal" ] || fail "-q printed on a terminal: $(cat -A "$work/terminal")"
}

# unix:PATH and unix-listen:PATH, as input and as output, with socat as the far end and between two
# ringpipe processes.
case_unix() {
  need socat
  head -c $((16 << 20)) /dev/urandom > "$work/data"
  local want sock=$work/sock
  want=$(sum < "$work/data")
  "$ringpipe" -q -i "unix-listen:$sock" -o "$work/out1" & # input listens, socat connects
  children+=($!)
  wait_unix_listening "$sock"
  socat -u "FILE:$work/data" "UNIX-CONNECT:$sock"
  wait "${children[-1]}"
  [ "$want" = "$(sum < "$work/out1")" ] || fail "socat -> ringpipe -i unix-listen:"
  [ ! -e "$sock" ] || fail "unix-listen: left its socket behind"
  "$ringpipe" -q -i "$work/data" -o "unix-listen:$sock" & # output listens, socat connects
  children+=($!)
  wait_unix_listening "$sock"
  socat -u "UNIX-CONNECT:$sock" "CREATE:$work/out2"
  wait "${children[-1]}"
  [ "$want" = "$(sum < "$work/out2")" ] || fail "ringpipe -o unix-listen: -> socat"
  socat -u "UNIX-LISTEN:$sock" "CREATE:$work/out3" & # socat listens, output connects
  children+=($!)
  wait_unix_listening "$sock"
  "$ringpipe" -q -i "$work/data" -o "unix:$sock"
  wait "${children[-1]}"
  [ "$want" = "$(sum < "$work/out3")" ] || fail "ringpipe -o unix: -> socat"
  socat -u "FILE:$work/data" "UNIX-LISTEN:$sock" & # socat listens, input connects
  children+=($!)
  wait_unix_listening "$sock"
  "$ringpipe" -q -i "unix:$sock" -o "$work/out4"
  wait "${children[-1]}"
  [ "$want" = "$(sum < "$work/out4")" ] || fail "socat -> ringpipe -i unix:"
  "$ringpipe" -q --hash xxh3 -i "unix-listen:$sock" 2>"$work/recv.err" | sum > "$work/got" & # two ringpipes
  children+=($!)
  wait_unix_listening "$sock"
  "$ringpipe" -q --hash xxh3 -i "$work/data" -o "unix:$sock" 2>"$work/send.err"
  wait "${children[-1]}"
  [ "$want" = "$(cat "$work/got")" ] || fail "ringpipe -> ringpipe through unix:"
  cmp "$work/send.err" "$work/recv.err" || fail "the two ends' xxh3 differ"
  expect_status 2 "ringpipe: input unix:$work/none: No such file or directory" "$ringpipe" -i "unix:$work/none"
  expect_status 3 "ringpipe: output unix:$work/none: No such file or directory" \
    "$ringpipe" -i "$work/data" -o "unix:$work/none"
}

# --help names what a user types, not CLI11's internals (a value map, a unit table).
case_help() {
  "$ringpipe" --help > "$work/help"
  grep -q -- "--on-output-error drop|fail " "$work/help" || fail "--on-output-error in --help: $(cat "$work/help")"
  grep -q -- "--ring-size SIZE=" "$work/help" || fail "--ring-size in --help: $(cat "$work/help")"
  ! grep -qE -- "->|kb\(=1024b\)" "$work/help" || fail "CLI11 internals in --help: $(cat "$work/help")"
  expect_status 105 "--on-output-error: maybe not in {drop,fail}" "$ringpipe" --on-output-error maybe
  head -c 1M /dev/zero > "$work/data"
  expect_status 0 "dropped" "$ringpipe" -q -i "$work/data" -o /dev/full -o /dev/null --on-output-error DROP
}

# --start-at with an input that lasts: a producer writes 64 KiB every 50 ms, logging how many chunks it
# wrote; the output must stay empty until the ring (1 MiB, 50%: 512 KiB, 8 chunks) got that full, and
# start before the input ends. $1: the output, a file or a shm: ring read into $work/out by a reader.
start_at_check() {
  local output=$1 chunks=40 threshold=$((512 << 10)) written=0
  head -c 64K /dev/urandom > "$work/chunk"
  : > "$work/out"
  rm -f "$work/written"
  (for ((i = 1; i <= chunks; i++)); do cat "$work/chunk"; echo "$i" > "$work/written"; sleep 0.05; done) |
    "$ringpipe" -q --start-at 50 -m 1M -s 64K -o "$output" &
  local pid=$!
  children+=($pid)
  for _ in $(seq 1000); do
    [ -s "$work/out" ] && break
    sleep 0.01
  done
  written=$(cat "$work/written" 2>/dev/null || echo 0)
  [ -s "$work/out" ] || fail "nothing reached the output"
  # The chunk that crossed the threshold may be in the ring before the producer logs it.
  [ $(((written + 1) * (64 << 10))) -ge "$threshold" ] ||
    fail "the output started after only $written chunks of 64 KiB, below the $threshold bytes asked"
  [ "$written" -lt "$chunks" ] || fail "the output started only when the input ended"
  wait "$pid"
  echo "output $output started after $written of $chunks chunks"
}

case_start_at() {
  start_at_check "$work/out"
  [ "$(stat -c %s "$work/out")" = $((40 << 16)) ] || fail "not every byte reached the output"
  # A shm: output's reader is another program: the command holds it back with a ring of its own.
  "$ringpipe" -q --create -m 4M -i "shm:$ring_name" -o "$work/out" &
  local reader=$!
  children+=($reader)
  wait_ring
  start_at_check "shm:$ring_name"
  wait "$reader"
  [ "$(stat -c %s "$work/out")" = $((40 << 16)) ] || fail "not every byte reached the shm: output's reader"
}

# A full disk: a 1 MiB tmpfs, mounted in a private mount namespace (it vanishes with the test) as root,
# in a user namespace, or through sudo -n. Skipped (status 77, CTest's SKIP_RETURN_CODE) when none
# can mount; /dev/full in the errors case still covers ENOSPC then.
case_full_disk() {
  local how
  if unshare --mount true 2>/dev/null; then
    how=(unshare --mount)
  elif unshare --user --map-root-user --mount true 2>/dev/null; then
    how=(unshare --user --map-root-user --mount)
  elif sudo -n unshare --mount true 2>/dev/null; then
    how=(sudo -n unshare --mount)
  else
    echo "SKIP: cannot mount a tmpfs here (no root, no user namespaces, no sudo -n); /dev/full in command.errors covers a full disk"
    exit 77
  fi
  local status=0
  "${how[@]}" bash "${BASH_SOURCE[0]}" "$ringpipe" full_disk_in_namespace || status=$?
  exit "$status"
}

case_full_disk_in_namespace() {
  mkdir "$work/tiny"
  if ! mount -t tmpfs -o size=1m tmpfs "$work/tiny" 2>"$work/mount.err"; then
    echo "SKIP: mount -t tmpfs failed: $(cat "$work/mount.err"); /dev/full in command.errors covers a full disk"
    exit 77
  fi
  head -c 3M /dev/urandom > "$work/data"
  expect_status 3 "ringpipe: output $work/tiny/out: No space left on device" \
    "$ringpipe" -q -i "$work/data" -o "$work/tiny/out"
  local got
  got=$(stat -c %s "$work/tiny/out")
  [ "$got" -gt 0 ] && cmp -s -n "$got" "$work/data" "$work/tiny/out" ||
    fail "what fit on the disk ($got bytes) is not the stream's prefix"
  rm "$work/tiny/out"
  expect_status 0 "dropped" "$ringpipe" -q -i "$work/data" -o "$work/tiny/out" -o "$work/other" \
    --on-output-error=drop
  cmp "$work/data" "$work/other" || fail "the output left after the full disk was dropped differs"
}

"case_$case_name"
