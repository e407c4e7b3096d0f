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
#                      (default: next to the jar, named for the runtime and the GC, used when it
#                      exists; "off": none). Made by a training start that exits:
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
# The runtime's feature version: "17.0.15" -> 17, "25.0.3" -> 25.
feature="$("$java" -version 2>&1 | sed -n 's/.* version "\([0-9]*\).*/\1/p' | head -1)"
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
# without Redis was ready in 1.0 s instead of 1.5 s with G1 on JDK 17 (docs/benchmarks.md). It is
# only valid for the runtime, the jar and the GC it was made with, hence the name; a cache that
# does not match is ignored (the JVM says so in one line) and the start goes on without it.
if [[ "${feature:-17}" -ge 25 ]]; then cache_kind=aot; else cache_kind=jsa; fi
cache="${TICKFAN_CLASS_CACHE:-${jar%.jar}-jdk${feature:-17}-${gc_choice}.${cache_kind}}"

if [[ "${1:-}" == --make-class-cache ]]; then
  [[ "$cache" != off ]] || { echo "tickfan.sh: TICKFAN_CLASS_CACHE=off: nothing to make" >&2; exit 2; }
  rm -f "$cache"
  if [[ "$cache_kind" == aot ]]; then record=(-XX:AOTCacheOutput="$cache"); else record=(-XX:ArchiveClassesAtExit="$cache"); fi
  out="$(mktemp)"
  # The training start: the demo feed on a free loopback port, no Redis; one request of each kind
  # a client makes first (/health, an SSE stream for a second), then SIGTERM: the cache is
  # written as the JVM exits.
  # shellcheck disable=SC2086
  "$java" "${jvm[@]}" ${TICKFAN_JAVA_OPTS:-} "${record[@]}" -jar "$jar" \
    --host=127.0.0.1 --port=0 --demo.enabled=true --drain.windowMs=100 >"$out" 2>&1 &
  pid=$!
  for _ in $(seq 1 600); do
    grep -q "tickfan ready" "$out" && break
    kill -0 "$pid" 2>/dev/null || { cat "$out" >&2; rm -f "$out"; exit 1; }
    sleep 0.1
  done
  port="$(sed -n 's/^tickfan ready: listening on [^:]*:\([0-9]*\);.*/\1/p' "$out")"
  token="$(sed -n 's/^  subscriber (every symbol): *//p' "$out")"
  if [[ -n "$port" ]]; then
    ( exec 3<>"/dev/tcp/127.0.0.1/$port" && printf 'GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' >&3 && cat <&3 >/dev/null ) || true
    ( exec 3<>"/dev/tcp/127.0.0.1/$port" \
      && printf 'GET /sse?symbols=AAPL HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n\r\n' "$token" >&3 \
      && timeout 1 cat <&3 >/dev/null ) || true
  fi
  kill -TERM "$pid"
  wait "$pid" || true
  rm -f "$out"
  [[ -s "$cache" ]] || { echo "tickfan.sh: no class cache was written to $cache" >&2; exit 1; }
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
