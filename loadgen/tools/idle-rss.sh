#!/bin/bash
# Marginal RSS per idle WebSocket connection: start a server, hold 2,000 idle connections (JIT,
# classes and buffer pools warm), read VmRSS, add 10,000 more, read VmRSS again.
# Usage (from the repository root, after ./mvnw -q -DskipTests install): loadgen/tools/idle-rss.sh PORT [server args...]
# The server runs with the JVM's defaults (SERVER_JAVA_OPTS adds options, e.g. -Xlog:gc, or -Xms1g to
# set the heap's initial size as deploy/tickfan.sh does). At the defaults the figure of one run moves
# by a kilobyte or more with how far G1 grows the heap during the 10,000 upgrades (each growth moves
# the young generation onto untouched pages; docs/benchmarks.md, "Idle memory").
# RUNS=N repeats the measurement with a fresh server each time and prints the median.
# Runs are not independent: of two back to back, the second came out larger in six of seven pairs
# (2026-12-07), whichever jar it was; compare two jars alternating in both orders.
# LG_ARGS adds loadgen options, e.g. LG_ARGS="--transport sse-h2 --streams-per-connection 100" for
# SSE streams on HTTP/2; FDS_1 and FDS_2 are the server's open files to wait for at 2,000 and at
# 12,000 clients (defaults 2010 and 12010: one per WebSocket; with 100 streams per HTTP/2
# connection use FDS_1=30 FDS_2=130). TICKFAN_JAR runs another server jar (a before/after comparison).
set -u
PORT=$1; shift
SECRET=idle-rss-secret-idle-rss-secret-0123
LG="java -Xmx1g -jar loadgen/target/tickfan-loadgen.jar subscribe --url ws://127.0.0.1:$PORT/ws --symbols 1 --per-client 1 --connect-rate 2000 --warmup 1s --secret $SECRET --quiet ${LG_ARGS:-}"
SPID=
trap '[ -n "$SPID" ] && kill $SPID 2>/dev/null' EXIT

measure() {
  java ${SERVER_JAVA_OPTS:-} -jar "${TICKFAN_JAR:-server/target/tickfan-server.jar}" --port="$PORT" --demo.enabled=false \
    --auth.hs256Secret=$SECRET --admission.connectionsPerSecondPerIp=100000 --admission.connectionBurstPerIp=100000 "$@" \
    > "/tmp/idle-rss-server-$PORT.log" 2>&1 &
  SPID=$!
  sleep 4
  $LG --clients 2000 --duration 40s > /dev/null 2>&1 &
  local l1=$!
  for _ in $(seq 1 60); do [ "$(ls /proc/$SPID/fd | wc -l)" -ge ${FDS_1:-2010} ] && break; sleep 1; done
  sleep 6
  local before after
  before=$(awk '/VmRSS/{print $2}' /proc/$SPID/status)
  $LG --clients 10000 --duration 25s > /dev/null 2>&1 &
  local l2=$!
  for _ in $(seq 1 60); do [ "$(ls /proc/$SPID/fd | wc -l)" -ge ${FDS_2:-12010} ] && break; sleep 1; done
  sleep 8
  after=$(awk '/VmRSS/{print $2}' /proc/$SPID/status)
  echo "fds=$(ls /proc/$SPID/fd | wc -l) rss_at_2000=${before}KiB rss_at_12000=${after}KiB delta=$((after-before))KiB per_connection=$(( (after-before)*1024/10000 ))B"
  wait $l2 $l1
  kill $SPID 2>/dev/null
  wait $SPID 2>/dev/null
  SPID=
}

results=()
for _ in $(seq 1 "${RUNS:-1}"); do
  line=$(measure "$@")
  echo "$line"
  results+=("${line##*per_connection=}")
done
if [ "${RUNS:-1}" -gt 1 ]; then
  printf '%s\n' "${results[@]}" | tr -d B | sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; print "median per_connection=" m "B over " NR " runs"}'
fi
