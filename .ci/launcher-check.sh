#!/usr/bin/env bash
# The README's commands on a machine whose default java is older than 25 (issue 11): `./moesaic test`
# must find the JDK 25 beside it, and without any JDK 25 fail in one clear line that says what to install.
set -euo pipefail
cd "$(dirname "$0")/.."
fail() { echo "launcher-check: FAILED: $*" >&2; exit 1; }

old_jdk=""
for d in /usr/lib/jvm/*/; do
  d="${d%/}"
  v="$("$d/bin/java" -version 2>&1 | sed -nE '1s/.*version "([0-9]+).*/\1/p')" || true
  if [ -n "$v" ] && [ "$v" -lt 25 ] 2>/dev/null; then old_jdk="$d"; break; fi
done

# 1. JAVA_HOME naming an older JDK (or unset): the launcher still runs Maven on a JDK 25.
for home in "$old_jdk" ""; do
  if [ -n "$home" ]; then set -- env JAVA_HOME="$home"; else set -- env -u JAVA_HOME; fi
  out="$("$@" ./moesaic test --version 2>&1)" \
    || fail "./moesaic test --version failed with JAVA_HOME=${home:-unset}: $out"
  echo "$out" | grep -qE 'Java version: (2[5-9]|[3-9][0-9])' \
    || fail "Maven did not run on a JDK 25 with JAVA_HOME=${home:-unset}: $out"
done

# 2. No JDK 25 anywhere: exit status 1 and a single line naming what to install.
path_without_jdk25="$(echo "$PATH" | tr ':' '\n' | grep -v -- '-25-\|jdk-25' | paste -sd:)"
set +e
out="$(env -u JAVA_HOME PATH="$path_without_jdk25" MOESAIC_JVM_DIRS=/nonexistent ./moesaic test 2>&1)"
rc=$?
set -e
[ "$rc" = 1 ] || fail "expected exit status 1 without a JDK 25, got $rc: $out"
[ "$(printf '%s\n' "$out" | wc -l)" = 1 ] || fail "expected one line without a JDK 25, got: $out"
echo "$out" | grep -q 'needs a JDK 25' || fail "the message does not say what is missing: $out"
echo "launcher-check: ok (JDK 25 picked with JAVA_HOME=${old_jdk:-unset} and unset; without one: \"$out\")"
