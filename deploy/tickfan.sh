#!/usr/bin/env bash
# Starts the tickfan server with the JVM settings it is run with in production.
#   deploy/tickfan.sh [--config=FILE] [--key=value ...]
# Environment:
#   TICKFAN_JAR        the shaded jar (default: next to this script, else server/target/)
#   TICKFAN_HEAP       heap size, -Xms = -Xmx (default 1g; see docs/operations.md for sizing)
#   TICKFAN_DIRECT     max direct memory: Netty's pooled buffers (default 1g)
#   TICKFAN_GC         g1 (default) or zgc (generational on JDK 24 and newer)
#   TICKFAN_JAVA_OPTS  anything else, appended last
#   JAVA_HOME          the JDK/JRE to use (17 or newer)
# The GC default is G1 on JDK 17, the runtime every test and benchmark here ran on. A G1 (17)
# against generational ZGC (25) comparison under the market shape has not been measured yet on
# a quiet machine: until it has, zgc is an option, not the default.
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
case "${TICKFAN_GC:-g1}" in
  g1)  gc=(-XX:+UseG1GC -XX:MaxGCPauseMillis=20) ;;
  zgc) gc=(-XX:+UseZGC) ;;  # generational on JDK 24+, the only ZGC there
  *)   echo "tickfan.sh: TICKFAN_GC must be g1 or zgc, got: ${TICKFAN_GC}" >&2; exit 2 ;;
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
