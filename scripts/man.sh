#!/usr/bin/env bash
# Makes the man page, cniso.1, from the command table (lib/cli/commands.ts): lib/cli/man_page.ts
# writes it as pandoc markdown, and pandoc (Debian 12's 2.17) turns that into roff. The page has
# no date, so the same table gives the same file. Usage: scripts/man.sh [OUTPUT] (default:
# cniso.1 at the top of the repository; lib/cli/man_page_test.ts checks that file is current).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-cniso.1}
command -v pandoc >/dev/null || { echo "man.sh: needs pandoc (apt-get install pandoc)" >&2; exit 1; }
trap 'rm -f "$out.tmp"' EXIT
markdown=$(deno run --no-prompt lib/cli/man_page.ts)
# Pandoc 2.17 writes "-" as is, a hyphen groff may break a line at (--payload-\nformat) and
# shows as U+2010 in some locales; "\-" is the ASCII minus options are typed with.
pandoc --standalone --from markdown-smart --to man --wrap=none <<<"$markdown" |
  sed -e '/^\./!s/-/\\-/g' >"$out.tmp"
mv "$out.tmp" "$out"
