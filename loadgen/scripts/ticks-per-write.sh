#!/bin/bash
# Ticks per write (write coalescing) at several rates: a fresh server per rate, one loadgen shape, then
# /metrics: tickfan_ticks_written_total over tickfan_tick_batches_written_total (WebSocket).
# usage, from the repository root: loadgen/scripts/ticks-per-write.sh "--preset market" 500 2500
set -u
cd "$(dirname "$0")/../.."
shape=$1; shift
secret=coalesce-$RANDOM$RANDOM
port=18400
for rate in "$@"; do
  port=$((port+1))
  TICKFAN_HEAP=2g deploy/tickfan.sh --port=$port --host=127.0.0.1 --demo.enabled=false --auth.hs256Secret=$secret \
    --admission.connectionsPerSecondPerIp=100000 --admission.connectionBurstPerIp=100000 --metrics.port=$((port+1000)) >/tmp/coalesce-$rate.log 2>&1 &
  pid=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/ready" >/dev/null 2>&1 && break; sleep 0.2; done
  java -Xmx2g -jar loadgen/target/tickfan-loadgen.jar run $shape --rate $rate --url "ws://127.0.0.1:$port/ws" \
    --warmup 3s --duration 10s --server-pid $pid --secret $secret --report-dir /tmp/coalesce-$rate >/tmp/coalesce-$rate.loadgen.log 2>&1
  m=$(curl -s http://127.0.0.1:$((port+1000))/metrics)
  kill -TERM $pid; wait $pid 2>/dev/null
  t=$(echo "$m" | awk '/^tickfan_ticks_written_total\{transport="ws"\}/{print $2}')
  b=$(echo "$m" | awk '/^tickfan_tick_batches_written_total\{transport="ws"\}/{print $2}')
  python3 - "$rate" "$t" "$b" /tmp/coalesce-$rate/report.json <<'PY'
import json,sys
rate,t,b,rep=sys.argv[1:5]
r=json.load(open(rep)); lat=r["latency"]; d=r["deliveries"]; cpu=r["cpu"]
print(f"rate {rate}: ticks {float(t):.0f} batches {float(b):.0f} ticks/write {float(t)/float(b):.2f}  p50 {lat['p50_ms']:.1f} p99 {lat['p99_ms']:.1f} ms  received {d['received']}/{d['expected']}  server CPU {cpu['server_cpu_s']/(d['expected']/1e6):.2f} s/M")
PY
done
