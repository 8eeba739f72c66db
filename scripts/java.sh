# Sourced by ./stopguard and bench/run: find_java prints a java binary >= $min (default 21),
# looking at JAVA_HOME, then java on PATH, then /usr/lib/jvm/* and /opt/java/*.
java_major() { # the feature version of a java binary, or nothing
  "$1" -XshowSettings:properties -version 2>&1 \
    | sed -n 's/^ *java\.specification\.version = \([0-9][0-9]*\).*/\1/p' | head -n 1
}

find_java() {
  local min="${1:-21}" c v best="" bestv=0
  local candidates=()
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME/bin/java")
  command -v java >/dev/null 2>&1 && candidates+=("$(command -v java)")
  for d in /usr/lib/jvm/*/ /opt/java/*/; do
    [ -x "${d}bin/java" ] && candidates+=("${d}bin/java")
  done
  for c in "${candidates[@]}"; do
    [ -x "$c" ] || continue
    v="$(java_major "$c")"
    [ -n "$v" ] || continue
    if [ "$v" -ge "$min" ]; then echo "$c"; return 0; fi
    if [ "$v" -gt "$bestv" ]; then best="$c"; bestv="$v"; fi
  done
  echo "stopguard: needs Java $min or newer; found ${best:-no java}${best:+ (Java $bestv)}." >&2
  echo "stopguard: install a JDK >= $min under /usr/lib/jvm or set JAVA_HOME to one." >&2
  return 1
}
