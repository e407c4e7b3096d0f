#!/usr/bin/env bash
# Runs one loadgen shape against several server variants, interleaved round by round, and prints
# one line per run: variant, p50/p99 ms, deliveries received/expected, server CPU s per million
# deliveries owed. Every run gets a fresh server on its own port; nothing else should be running.
#
#   compare-servers.sh ROUNDS "LOADGEN ARGS" NAME=ENV... 
#
# Each NAME=ENV is a variant: ENV is a space-separated list of VAR=value set for deploy/tickfan.sh
# (JAVA_HOME, TICKFAN_GC, TICKFAN_HEAP, TICKFAN_JAR, TICKFAN_JAVA_OPTS). Example (docs/benchmarks.md):
#   loadgen/scripts/compare-servers.sh 2 "--preset market --rate 2500" \
#     "g1-17=JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64 TICKFAN_GC=g1" \
#     "zgc-25=JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64 TICKFAN_GC=zgc"
# LOADGEN_JAR=path runs another loadgen build (default loadgen/target/tickfan-loadgen.jar).
# Every server serves /metrics on PORT+1000 (metrics.port); COMPARE_SCRAPE_S=N scrapes it every N s
# during the run, as a Prometheus would (N=1 is fifteen times a typical scrape rate).
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=$1; shape=$2; shift 2
secret=compare-$RANDOM$RANDOM
port=18300
out=${COMPARE_OUT:-/tmp/tickfan-compare}
mkdir -p "$out"
for round in $(seq 1 "$rounds"); do
  for variant in "$@"; do
    name=${variant%%=*}; envs=${variant#*=}
    port=$((port + 1))
    log="$out/$name-$round.server.log"
    # shellcheck disable=SC2086
    env $envs TICKFAN_HEAP=${TICKFAN_HEAP:-2g} deploy/tickfan.sh --port=$port --host=127.0.0.1 \
      --demo.enabled=false --auth.hs256Secret=$secret \
      --admission.connectionsPerSecondPerIp=100000 --admission.connectionBurstPerIp=100000 \
      --metrics.port=$((port + 1000)) >"$log" 2>&1 &
    pid=$!
    for _ in $(seq 1 100); do
      curl -sf "http://127.0.0.1:$port/ready" >/dev/null 2>&1 && break
      sleep 0.2
    done
    dir="$out/$name-$round"
    scraper=
    if [ -n "${COMPARE_SCRAPE_S:-}" ]; then
      ( while sleep "$COMPARE_SCRAPE_S"; do curl -s "http://127.0.0.1:$((port + 1000))/metrics" >/dev/null || true; done ) &
      scraper=$!
    fi
    # shellcheck disable=SC2086
    java -Xmx2g -jar "${LOADGEN_JAR:-loadgen/target/tickfan-loadgen.jar}" run $shape --url "ws://127.0.0.1:$port/ws" \
      --warmup 3s --duration 10s --server-pid $pid --secret $secret --report-dir "$dir" >"$dir.loadgen.log" 2>&1 || true
    [ -n "$scraper" ] && kill $scraper 2>/dev/null || true
    kill -TERM $pid 2>/dev/null || true
    wait $pid 2>/dev/null || true
    python3 - "$name" "$round" "$dir/report.json" <<'PY'
import json, sys
name, rnd, path = sys.argv[1:4]
try:
    r = json.load(open(path))
except Exception as e:
    print(f"{name} round {rnd}: no report ({e})"); sys.exit(0)
lat, d, cpu = r["latency"], r["deliveries"], r["cpu"]
per_m = cpu["server_cpu_s"] / (d["expected"] / 1e6) if d["expected"] else float("nan")
print(f"{name} round {rnd}: p50 {lat['p50_ms']:.2f} ms  p99 {lat['p99_ms']:.2f} ms  "
      f"received {d['received']}/{d['expected']}  server CPU {per_m:.2f} s/M  passed {r.get('passed')}")
PY
  done
done
