# Sourced by ./stopguard and bench/*: find_java prints a java binary >= $min (default 21): JAVA_HOME's
# or the one on PATH if new enough (an explicit choice wins), else the newest under /usr/lib/jvm and
# /opt/java. Versions come from each JDK's `release` file, so finding one starts no JVM (starting
# every JDK with -XshowSettings cost about a second per command); a JDK without that file is asked.

java_home_of() { # the JDK directory of a java binary (one readlink; no subshell, dirname or cd)
  local j
  j="$(readlink -f "$1")"
  j="${j%/*}"
  echo "${j%/*}"
}

java_major() { # the feature version of a java binary, or nothing
  local rel v
  rel="$(java_home_of "$1")/release"
  if [ -f "$rel" ]; then
    while IFS= read -r v || [ -n "$v" ]; do # read in bash: no sed or head per candidate
      case "$v" in
        JAVA_VERSION=\"[0-9]*)
          v="${v#JAVA_VERSION=\"}"
          v="${v%%[!0-9]*}"
          [ -n "$v" ] && { echo "$v"; return 0; }
          ;;
      esac
    done < "$rel"
  fi
  "$1" -XshowSettings:properties -version 2>&1 \
    | sed -n 's/^ *java\.specification\.version = \([0-9][0-9]*\).*/\1/p' | head -n 1
}

find_java() {
  local min="${1:-21}" c v best="" bestv=0 newest="" newestv=0
  local chosen=() found=()
  [ -n "${JAVA_HOME:-}" ] && chosen+=("$JAVA_HOME/bin/java")
  command -v java >/dev/null 2>&1 && chosen+=("$(command -v java)")
  for c in "${chosen[@]}"; do
    [ -x "$c" ] || continue
    v="$(java_major "$c")"
    [ -n "$v" ] || continue
    if [ "$v" -ge "$min" ]; then echo "$c"; return 0; fi
    if [ "$v" -gt "$bestv" ]; then best="$c"; bestv="$v"; fi
  done
  for c in /usr/lib/jvm/*/bin/java /opt/java/*/bin/java; do
    [ -x "$c" ] && found+=("$c")
  done
  for c in "${found[@]}"; do
    v="$(java_major "$c")"
    [ -n "$v" ] || continue
    if [ "$v" -gt "$newestv" ]; then newest="$c"; newestv="$v"; fi
  done
  if [ "$newestv" -ge "$min" ]; then echo "$newest"; return 0; fi
  if [ "$newestv" -gt "$bestv" ]; then best="$newest"; bestv="$newestv"; fi
  echo "stopguard: needs Java $min or newer; found ${best:-no java}${best:+ (Java $bestv)}." >&2
  echo "stopguard: install a JDK >= $min under /usr/lib/jvm or set JAVA_HOME to one." >&2
  return 1
}
