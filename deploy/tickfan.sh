#!/usr/bin/env bash
# Starts the tickfan server with the JVM settings it is run with in production.
#   deploy/tickfan.sh [--config=FILE] [--key=value ...]
# Environment:
#   TICKFAN_JAR        the shaded jar (default: next to this script, else server/target/)
#   TICKFAN_HEAP       heap size, -Xms = -Xmx (default 1g; see docs/operations.md for sizing)
#   TICKFAN_DIRECT     max direct memory: Netty's pooled buffers (default 1g)
#   TICKFAN_GC         auto (default: generational ZGC on JDK 21 and newer, G1 on 17), g1 or zgc
#   TICKFAN_JAVA_OPTS  anything else, appended last
#   TICKFAN_CLASS_CACHE the class cache a start maps instead of loading and verifying every class
#                      (default: next to the jar, named for the runtime's build and the GC, used when
#                      it exists and is newer than the jar; "off": none). Made by a training start
#                      that exits (no other arguments; remake it with each new jar or runtime):
#                        deploy/tickfan.sh --make-class-cache
#                      (JDK 17-24: a dynamic CDS archive; JDK 25 and newer: an AOT cache).
#   JAVA_HOME          the JDK/JRE to use (17 or newer)
# The GC default follows the measurement in docs/benchmarks.md (market shape, 2-core VM, three
# interleaved rounds): generational ZGC on JDK 25 had the lowest p99 against G1 on JDK 17 in every
# round at the same server CPU per delivery. On JDK 17 (no generational ZGC) it is G1.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
jar="${TICKFAN_JAR:-}"
if [[ -z "$jar" ]]; then
  for candidate in "$here/tickfan-server.jar" "$here/../server/target/tickfan-server.jar"; do
    if [[ -f "$candidate" ]]; then jar="$candidate"; break; fi
  done
fi
if [[ -z "$jar" || ! -f "$jar" ]]; then
  echo "tickfan.sh: no tickfan-server.jar (set TICKFAN_JAR or build with ./mvnw -DskipTests package)" >&2
  exit 1
fi
# Absolute: a class cache names the jar as it was given when the cache was made.
jar="$(cd "$(dirname "$jar")" && pwd)/$(basename "$jar")"
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"

# Each connection is a file descriptor: admission.maxConnections must stay below this limit.
files="$(ulimit -n)"
if [[ "$files" != "unlimited" && "$files" -lt 65536 ]]; then
  ulimit -n 65536 2>/dev/null || echo "tickfan.sh: open-files limit is $files; raise it (docs/operations.md)" >&2
fi

heap="${TICKFAN_HEAP:-1g}"
direct="${TICKFAN_DIRECT:-1g}"
version_text="$("$java" -version 2>&1 || true)"
# The runtime's feature version: "17.0.15" -> 17, "25.0.3" -> 25.
feature="$(sed -n 's/.* version "\([0-9]*\).*/\1/p' <<<"$version_text" | head -1)"
# Its build ("17.0.15+6-Debian-1deb12u1"), for the class cache's name: a cache serves only the
# runtime that made it.
runtime="$(sed -n 's/.*(build \([^)]*\)).*/\1/p' <<<"$version_text" | head -1)"
runtime="${runtime//[^A-Za-z0-9._+-]/_}"
gc_choice="${TICKFAN_GC:-auto}"
if [[ "$gc_choice" == auto ]]; then
  if [[ "${feature:-17}" -ge 21 ]]; then gc_choice=zgc; else gc_choice=g1; fi
fi
case "$gc_choice" in
  g1)  gc=(-XX:+UseG1GC -XX:MaxGCPauseMillis=20) ;;
  zgc)
    gc=(-XX:+UseZGC)
    # JDK 21-22 need the flag for the generational mode; from 23 it is the default (24: the only one).
    if [[ "${feature:-0}" -ge 21 && "${feature:-0}" -le 22 ]]; then gc+=(-XX:+ZGenerational); fi ;;
  *)   echo "tickfan.sh: TICKFAN_GC must be auto, g1 or zgc, got: ${TICKFAN_GC}" >&2; exit 2 ;;
esac

jvm=(-Xms"$heap" -Xmx"$heap" -XX:MaxDirectMemorySize="$direct"
  "${gc[@]}"
  -XX:+AlwaysPreTouch -XX:+ExitOnOutOfMemoryError -XX:+PerfDisableSharedMem
  -Dio.netty.tryReflectionSetAccessible=true
  --add-exports java.base/jdk.internal.misc=ALL-UNNAMED)

# A class cache holds the classes a start loads, already parsed and verified: on a 2-core VM a pod
# without Redis was ready in a median 1.11 s instead of 1.61 s with G1 on JDK 17
# (docs/benchmarks.md). It is only valid for the runtime, the jar and the GC it was made with, hence
# the name; a cache the JVM finds foreign is ignored (it says so in one line) and the start goes on.
if [[ "${feature:-17}" -ge 25 ]]; then cache_kind=aot; else cache_kind=jsa; fi
cache="${TICKFAN_CLASS_CACHE:-${jar%.jar}-${runtime:-jdk${feature:-17}}-${gc_choice}.${cache_kind}}"

if [[ "${1:-}" == --make-class-cache ]]; then
  [[ $# -eq 1 ]] || { echo "tickfan.sh: --make-class-cache takes no other arguments" >&2; exit 2; }
  [[ "$cache" != off ]] || { echo "tickfan.sh: TICKFAN_CLASS_CACHE=off: nothing to make" >&2; exit 2; }
  # Written beside the cache and moved over it at the end: a pod starting meanwhile never maps half a file.
  making="$cache.making.$$"
  rm -f "$making"
  if [[ "$cache_kind" == aot ]]; then record=(-XX:AOTCacheOutput="$making"); else record=(-XX:ArchiveClassesAtExit="$making"); fi
  out="$(mktemp)"
  # The training start: the demo feed on a free loopback port, one request of each kind a client
  # makes first (/health, an SSE stream for a second), then SIGTERM: the cache is written as the JVM
  # exits. It sees none of the pod's settings (env -i): no Redis to publish demo ticks into, no
  # metrics port to collide with, no key (so it prints the tokens its SSE request uses).
  # shellcheck disable=SC2086
  env -i PATH="$PATH" "$java" "${jvm[@]}" ${TICKFAN_JAVA_OPTS:-} "${record[@]}" -jar "$jar" \
    --host=127.0.0.1 --port=0 --demo.enabled=true --drain.windowMs=100 >"$out" 2>&1 &
  pid=$!
  fail() {
    echo "tickfan.sh: no class cache made: $1; the training start said:" >&2
    cat "$out" >&2
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    rm -f "$out" "$making"
    exit 1
  }
  token=""
  for _ in $(seq 1 600); do
    # The subscriber token is printed after the ready line: wait for it, not for "ready".
    token="$(sed -n 's/^  subscriber (every symbol): *//p' "$out")"
    [[ -n "$token" ]] && break
    kill -0 "$pid" 2>/dev/null || fail "it ended before it was ready"
    sleep 0.1
  done
  [[ -n "$token" ]] || fail "it was not ready within 60 s"
  port="$(sed -n 's/^tickfan ready: listening on [^:]*:\([0-9]*\);.*/\1/p' "$out")"
  [[ -n "$port" ]] || fail "no port in its ready line"
  ( exec 3<>"/dev/tcp/127.0.0.1/$port" \
    && printf 'GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' >&3 \
    && timeout 5 cat <&3 >/dev/null ) || fail "/health did not answer"
  ( exec 3<>"/dev/tcp/127.0.0.1/$port" \
    && printf 'GET /sse?symbols=AAPL HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n\r\n' "$token" >&3 \
    && timeout 1 cat <&3 >/dev/null ) || true # an SSE stream does not end: cut after a second
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" || true
  [[ -s "$making" ]] || fail "the JVM wrote nothing to $making"
  mv -f "$making" "$cache"
  rm -f "$out"
  echo "tickfan.sh: class cache $cache"
  exit 0
fi

if [[ "$cache" != off && -f "$cache" ]]; then
  # A cache older than the jar was made for another build: the JVM would refuse it, and on JDK 17
  # a refused archive also costs the JDK's own (the start is then slower than with none).
  if [[ "$cache" -nt "$jar" ]]; then
    if [[ "$cache_kind" == aot ]]; then jvm+=(-XX:AOTCache="$cache"); else jvm+=(-XX:SharedArchiveFile="$cache"); fi
  else
    echo "tickfan.sh: class cache $cache is older than the jar, not used (remake it: tickfan.sh --make-class-cache)" >&2
  fi
fi

# shellcheck disable=SC2086
exec "$java" "${jvm[@]}" ${TICKFAN_JAVA_OPTS:-} -jar "$jar" "$@"
