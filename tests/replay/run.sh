#!/usr/bin/env bash
# tests/replay/run.sh BUILD_DIR PNG: crawl tests/replay/site/ with BUILD_DIR's trawl (served on
# 127.0.0.1 by BUILD_DIR's trawl-demo-server) into a WACZ, stop the server, then replay three
# archived pages from the WACZ with ReplayWeb.page in headless Chromium (replay.mjs), each of
# which must show its text; the last one's screenshot goes to PNG.
# Exit 0 when all three were replayed, 1 when one was not, 77 (ctest's skip) when Chromium or
# tests/replay/node_modules is missing (scripts/install-deps --replay installs both).
# Used by scripts/replay-check (Release build) and ctest (replay.wacz_in_chromium).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "$1" && pwd)
png=$(realpath -m "$2")

for need in "${CHROMIUM:-/usr/bin/chromium}" "$here/node_modules/replaywebpage/sw.js" \
            "$here/node_modules/playwright-core/package.json"; do
  if [ ! -e "$need" ]; then
    echo "replay: $need is missing: skipped (scripts/install-deps --replay installs it)" >&2
    exit 77
  fi
done
command -v node >/dev/null || { echo "replay: no node: skipped" >&2; exit 77; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The demo server prints its URL, then serves until its stdin closes.
coproc demo { exec "$build/tools/trawl-demo-server" "$here/site"; }
read -r url <&"${demo[0]}"
echo "replay: crawling $url" >&2
status=0
"$build/app/trawl" crawl -q --warc "$work/crawl" --cdx "$work/index.cdxj" \
  --wacz "$work/crawl.wacz" -o "$work/records.jsonl" "$url" || status=$?
exec {demo[1]}>&-
wait "$demo_PID" 2>/dev/null || true
[ "$status" -eq 0 ] || { echo "replay: trawl crawl exited $status" >&2; exit 1; }

# The server is gone: whatever the browser shows now comes from the WACZ.
mkdir -p "$(dirname "$png")"
node "$here/replay.mjs" "$work/crawl.wacz" "$url" "scripts/replay-check crawls with trawl" \
  "$work/home.png"
node "$here/replay.mjs" "$work/crawl.wacz" "${url}Notes/Egret.html?b=2&a=1" \
  "Yellow feet stirring the mud" "$work/egret.png"
node "$here/replay.mjs" "$work/crawl.wacz" "${url}wading.html" "motionless for eleven minutes" \
  "$png"
