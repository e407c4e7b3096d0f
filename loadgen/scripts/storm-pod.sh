#!/usr/bin/env bash
# Starts, drains, kills and restarts tickfan pods for loadgen's storm drills (docs/loadgen.md).
#
#   storm-pod.sh start NAME PORT          start a pod, wait until it is ready (PID in /tmp/tickfan-NAME.pid)
#   storm-pod.sh drain-restart NAME PORT  SIGTERM (drain), wait for the exit, start a new pod on PORT
#   storm-pod.sh kill-restart NAME PORT   SIGKILL, wait for the exit, start a new pod on PORT
#   storm-pod.sh handoff NAME PORT        start a successor on PORT beside the pod and wait until it is
#                                         ready, then SIGTERM (drain) the pod; the successor becomes
#                                         NAME (needs STORM_REUSE_PORT=1 for both: transport.reusePort)
#   storm-pod.sh kill NAME                SIGKILL, wait for the exit
#   storm-pod.sh stop NAME                SIGTERM, wait for the exit
#
# Environment: TICKFAN_SECRET (required), STORM_SERVER_ARGS (extra server flags, appended),
# STORM_REDIS (default redis://127.0.0.1:6379; empty: no bridge), STORM_REDIS_PREFIX (key prefix), STORM_JAVA_OPTS (default -Xmx3g),
# TICKFAN_SERVER_JAR (default server/target/tickfan-server.jar), STORM_REUSE_PORT=1 (pods listen with
# transport.reusePort, so that a successor can listen beside them; off by default, so that a pod left
# running on the port makes a new start fail instead of sharing the port unnoticed).
set -euo pipefail

: "${TICKFAN_SECRET:?set TICKFAN_SECRET}"
jar=${TICKFAN_SERVER_JAR:-server/target/tickfan-server.jar}
redis=${STORM_REDIS-redis://127.0.0.1:6379}
args=(--auth.hs256Secret="$TICKFAN_SECRET" --demo.enabled=false
  --admission.connectionsPerSecondPerIp=100000 --admission.connectionBurstPerIp=100000
  --drain.windowMs=2000 --transport.backlog=16384)
if [ "${STORM_REUSE_PORT:-}" = 1 ]; then
  args+=(--transport.reusePort=true)
fi
if [ -n "$redis" ]; then
  # One key prefix for every pod of a drill: a restarted pod carries on the same numbering.
  # A busy machine may need more than the default 10 s to reach Redis at start.
  args+=(--redis.uri="$redis" --redis.keyPrefix="${STORM_REDIS_PREFIX:-tickfan-storm}" --redis.startupTimeoutMs=30000)
fi

pidfile() { echo "/tmp/tickfan-$1.pid"; }

start() {
  local name=$1 port=$2 log=${3:-/tmp/tickfan-$1.log}
  # Empty the log first: the "ready" line of the pod this one replaces must not count.
  : >"$log"
  # shellcheck disable=SC2086
  java ${STORM_JAVA_OPTS:--Xmx3g} -jar "$jar" --port="$port" "${args[@]}" ${STORM_SERVER_ARGS:-} >"$log" 2>&1 &
  echo $! >"$(pidfile "$name")"
  for _ in $(seq 1 600); do
    grep -q "tickfan ready" "$log" && return 0
    kill -0 "$(cat "$(pidfile "$name")")" 2>/dev/null || { tail -20 "$log" >&2; return 1; }
    sleep 0.1
  done
  echo "pod $name not ready after 60 s" >&2
  return 1
}

signal_and_wait() {
  local sig=$1 name=$2 pid
  pid=$(cat "$(pidfile "$name")")
  kill "-$sig" "$pid"
  while kill -0 "$pid" 2>/dev/null; do sleep 0.02; done
}

case "${1:-}" in
  start) start "$2" "$3" ;;
  drain-restart) signal_and_wait TERM "$2"; start "$2" "$3" ;;
  kill-restart) signal_and_wait KILL "$2"; start "$2" "$3" ;;
  handoff)
    [ "${STORM_REUSE_PORT:-}" = 1 ] || { echo "handoff needs STORM_REUSE_PORT=1 (for the running pod too)" >&2; exit 2; }
    old=$(cat "$(pidfile "$2")")
    # The successor logs to a file of its own: the running pod still writes to its log.
    start "$2" "$3" "/tmp/tickfan-$2.$(date +%s%N).log" || { echo "$old" >"$(pidfile "$2")"; exit 1; }
    kill -TERM "$old"
    while kill -0 "$old" 2>/dev/null; do sleep 0.02; done
    ;;
  kill) signal_and_wait KILL "$2" ;;
  stop) signal_and_wait TERM "$2" ;;
  *) sed -n '2,20p' "$0" >&2; exit 2 ;;
esac
