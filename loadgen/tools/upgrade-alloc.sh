#!/bin/bash
# Bytes the server's event loops allocate per WebSocket upgrade (with its subscribe and ack): start a
# server with JFR's per-thread allocation counters (jdk.ThreadAllocationStatistics, every second),
# hold 2,000 idle connections (JIT and classes warm), add 10,000 more, and divide what the
# tickfan-io threads allocated between the two points by 10,000.
# Usage (from the repository root, after ./mvnw -q -DskipTests install): loadgen/tools/upgrade-alloc.sh PORT
# TICKFAN_JAR runs another server jar (a before/after comparison); SERVER_JAVA_OPTS adds JVM options.
set -eu
PORT=$1
SECRET=upgrade-alloc-secret-upgrade-alloc-0123
WORK=$(mktemp -d)
SPID=
trap '[ -n "$SPID" ] && kill $SPID 2>/dev/null; rm -rf "$WORK"' EXIT
cat > "$WORK/alloc.jfc" <<'JFC'
<?xml version="1.0" encoding="UTF-8"?>
<configuration version="2.0">
  <event name="jdk.ThreadAllocationStatistics"><setting name="enabled">true</setting><setting name="period">1 s</setting></event>
</configuration>
JFC
java ${SERVER_JAVA_OPTS:-} -XX:StartFlightRecording=filename="$WORK/rec.jfr",settings="$WORK/alloc.jfc" \
  -jar "${TICKFAN_JAR:-server/target/tickfan-server.jar}" --port="$PORT" --demo.enabled=false --auth.hs256Secret=$SECRET \
  --admission.connectionsPerSecondPerIp=100000 --admission.connectionBurstPerIp=100000 > "$WORK/server.log" 2>&1 &
SPID=$!
sleep 4
LG="java -Xmx1g -jar loadgen/target/tickfan-loadgen.jar subscribe --url ws://127.0.0.1:$PORT/ws --symbols 1 --per-client 1 --connect-rate 2000 --warmup 1s --secret $SECRET --quiet"
$LG --clients 2000 --duration 40s > /dev/null 2>&1 &
L1=$!
for _ in $(seq 1 60); do [ "$(ls /proc/$SPID/fd | wc -l)" -ge 2010 ] && break; sleep 1; done
sleep 5
T1=$(date +%s.%N)
$LG --clients 10000 --duration 20s > /dev/null 2>&1 &
L2=$!
for _ in $(seq 1 60); do [ "$(ls /proc/$SPID/fd | wc -l)" -ge 12010 ] && break; sleep 1; done
sleep 5
T2=$(date +%s.%N)
jcmd $SPID JFR.dump filename="$WORK/rec.jfr" > /dev/null
wait $L2 $L1 || true
kill $SPID; wait $SPID 2>/dev/null || true; SPID=
jfr print --json --events jdk.ThreadAllocationStatistics "$WORK/rec.jfr" > "$WORK/rec.json"
python3 - "$T1" "$T2" "$WORK/rec.json" <<'PY'
import datetime, json, sys
t1, t2, path = float(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
threads = {}
for e in json.load(open(path))["recording"]["events"]:
    v = e["values"]
    name = (v.get("thread") or {}).get("javaName") or ""
    if name.startswith("tickfan-io"):
        t = datetime.datetime.fromisoformat(v["startTime"].replace("Z", "+00:00")).timestamp()
        threads.setdefault(name, []).append((t, v["allocated"]))
total = 0
for samples in threads.values():
    at = lambda when: max([a for t, a in samples if t <= when] or [0])
    total += at(t2) - at(t1)
print(f"allocated_per_upgrade={total / 10000:.0f}B threads={len(threads)}")
PY
