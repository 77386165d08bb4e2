#!/usr/bin/env bash
# Every flag `switchyard -h` lists has an entry in the man page's OPTIONS, and every OPTIONS entry is a flag
# -h lists: the page cannot drift from the command line. (The directive list is checked against the
# directive table by Tests/ConfigTests/ManPageDirectiveTests.swift.)
# Usage: scripts/check-man.sh [BINARY [MANPAGE]]   (default: .build/debug/switchyard packaging/switchyard.8)
set -euo pipefail
cd "$(dirname "$0")/.."
binary=${1:-.build/debug/switchyard}
page=${2:-packaging/switchyard.8}
text=$(case $page in *.gz) zcat "$page" ;; *) cat "$page" ;; esac)
help_flags=$("$binary" -h | grep -oE '^  -[a-zA-Z]' | sed 's/^  //' | sort -u)
[ -n "$help_flags" ] || { echo "check-man: no flags in $binary -h" >&2; exit 1; }
# OPTIONS entries are `.TP` followed by `.B \-x` or `.BI \-x "…"`, up to the next section.
man_flags=$(printf '%s\n' "$text" | sed -n '/^\.SH OPTIONS/,/^\.SH /p' | grep -oE '^\.BI? \\-[a-zA-Z]' | sed 's/.*\\//' | sort -u)
if [ "$help_flags" != "$man_flags" ]; then
  echo "check-man: flags of -h and of $page's OPTIONS differ (< -h, > man page):" >&2
  diff <(echo "$help_flags") <(echo "$man_flags") >&2 || true
  exit 1
fi
echo "check-man: $(echo "$help_flags" | wc -l) flags match"
