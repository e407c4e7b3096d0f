#!/bin/bash
# Marginal RSS per idle WebSocket connection: start a server, hold 2,000 idle connections (JIT,
# classes and buffer pools warm), read VmRSS, add 10,000 more, read VmRSS again.
# Usage (from the repository root, after ./mvnw -q -DskipTests install): loadgen/tools/idle-rss.sh PORT [server args...]
# LG_ARGS adds loadgen options, e.g. LG_ARGS="--transport sse-h2 --streams-per-connection 100" for
# SSE streams on HTTP/2; FDS_1 and FDS_2 are the server's open files to wait for at 2,000 and at
# 12,000 clients (defaults 2010 and 12010: one per WebSocket; with 100 streams per HTTP/2
# connection use FDS_1=30 FDS_2=130). TICKFAN_JAR runs another server jar (a before/after comparison).
set -u
PORT=$1; shift
SECRET=idle-rss-secret-idle-rss-secret-0123
java -Xmx2g ${SERVER_JAVA_OPTS:-} -jar "${TICKFAN_JAR:-server/target/tickfan-server.jar}" --port="$PORT" --demo.enabled=false \
  --auth.hs256Secret=$SECRET --admission.connectionsPerSecondPerIp=100000 --admission.connectionBurstPerIp=100000 "$@" \
  > "/tmp/idle-rss-server-$PORT.log" 2>&1 &
SPID=$!
trap 'kill $SPID 2>/dev/null' EXIT
sleep 4
LG="java -Xmx1g -jar loadgen/target/tickfan-loadgen.jar subscribe --url ws://127.0.0.1:$PORT/ws --symbols 1 --per-client 1 --connect-rate 2000 --warmup 1s --secret $SECRET --quiet ${LG_ARGS:-}"
$LG --clients 2000 --duration 40s > /dev/null 2>&1 &
L1=$!
for _ in $(seq 1 60); do [ "$(ls /proc/$SPID/fd | wc -l)" -ge ${FDS_1:-2010} ] && break; sleep 1; done
sleep 6
BEFORE=$(awk '/VmRSS/{print $2}' /proc/$SPID/status)
$LG --clients 10000 --duration 25s > /dev/null 2>&1 &
L2=$!
for _ in $(seq 1 60); do [ "$(ls /proc/$SPID/fd | wc -l)" -ge ${FDS_2:-12010} ] && break; sleep 1; done
sleep 8
AFTER=$(awk '/VmRSS/{print $2}' /proc/$SPID/status)
echo "fds=$(ls /proc/$SPID/fd | wc -l) rss_at_2000=${BEFORE}KiB rss_at_12000=${AFTER}KiB delta=$((AFTER-BEFORE))KiB per_connection=$(( (AFTER-BEFORE)*1024/10000 ))B"
wait $L2 $L1
