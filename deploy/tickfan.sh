#!/usr/bin/env bash
# Starts the tickfan server with the JVM settings it is run with in production.
#   deploy/tickfan.sh [--config=FILE] [--key=value ...]
# Environment:
#   TICKFAN_JAR        the shaded jar (default: next to this script, else server/target/)
#   TICKFAN_HEAP       heap size, -Xms = -Xmx (default 1g; see docs/operations.md for sizing)
#   TICKFAN_DIRECT     max direct memory: Netty's pooled buffers (default 1g)
#   TICKFAN_GC         auto (default: generational ZGC on JDK 21 and newer, G1 on 17), g1 or zgc
#   TICKFAN_JAVA_OPTS  anything else, appended last
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

# shellcheck disable=SC2086
exec "$java" \
  -Xms"$heap" -Xmx"$heap" -XX:MaxDirectMemorySize="$direct" \
  "${gc[@]}" \
  -XX:+AlwaysPreTouch -XX:+ExitOnOutOfMemoryError -XX:+PerfDisableSharedMem \
  -Dio.netty.tryReflectionSetAccessible=true \
  --add-exports java.base/jdk.internal.misc=ALL-UNNAMED \
  ${TICKFAN_JAVA_OPTS:-} \
  -jar "$jar" "$@"
