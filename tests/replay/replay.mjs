// tests/replay/replay.mjs: a trawl-made WACZ replayed by ReplayWeb.page in headless Chromium.
//
//   node replay.mjs WACZ URL TEXT PNG
//
// Serves, on 127.0.0.1 with an ephemeral port, an index.html embedding
// <replay-web-page source="archive.wacz" url="URL">, ReplayWeb.page's own ui.js and sw.js (from
// the npm package `replaywebpage`, pinned by package-lock.json) and the WACZ (with Range
// requests, which ReplayWeb.page uses to read a WACZ in place). Debian's Chromium
// (/usr/bin/chromium, or $CHROMIUM), driven by playwright-core (which downloads no browser),
// opens the page; ReplayWeb.page registers its service worker (127.0.0.1 is a secure context),
// loads the WACZ and shows the archived URL in nested iframes. The script waits until one of
// those frames shows TEXT, saves a screenshot of the whole page as PNG and exits 0; after
// REPLAY_TIMEOUT_MS (default 60000) without the text it saves the screenshot all the same,
// prints what each frame showed and exits 1. Exit 2: usage or setup errors.
import { createReadStream, existsSync, statSync } from "node:fs";
import { createServer } from "node:http";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const rwp = join(here, "node_modules", "replaywebpage");
const [wacz, url, text, png] = process.argv.slice(2);
const timeoutMs = Number(process.env.REPLAY_TIMEOUT_MS || 60000);
const chromiumPath = process.env.CHROMIUM || "/usr/bin/chromium";

if (!wacz || !url || !text || !png) {
  console.error("usage: node replay.mjs WACZ URL TEXT PNG");
  process.exit(2);
}
for (const f of [wacz, join(rwp, "ui.js"), join(rwp, "sw.js"), chromiumPath]) {
  if (!existsSync(f)) {
    console.error(`replay: ${f} is missing (scripts/install-deps --replay installs it)`);
    process.exit(2);
  }
}

const attr = (s) => s.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
const index = `<!doctype html>
<html>
<head>
<meta charset="utf-8">
<title>trawl WACZ in ReplayWeb.page</title>
<script src="./ui.js"></script>
<style>html, body { margin: 0; height: 100%; } replay-web-page { display: block; height: 100vh; }</style>
</head>
<body>
<replay-web-page source="archive.wacz" url="${attr(url)}"></replay-web-page>
</body>
</html>
`;

// What ReplayWeb.page's service worker serves at /replay/ (its getIndexHtml, asked for by the
// "serveIndex" parameter the embed registers it with). Served here too, for when the replay
// iframe is requested before the newly installed worker controls it: then it comes from the
// network, starts the app, and the app finds the worker.
const replayIndex = `<!doctype html>
<html>
<head><script src="./ui.js"></script></head>
<body>
<replay-app-main></replay-app-main>
</body></html>
`;

// The static files: the embedding page at /, ui.js beside it and sw.js (with ui.js again) under
// /replay/, where <replay-web-page> registers its service worker by default.
const files = {
  "/replay/": { type: "text/html; charset=utf-8", body: Buffer.from(replayIndex) },
  "/replay/index.html": { type: "text/html; charset=utf-8", body: Buffer.from(replayIndex) },
  "/": { type: "text/html; charset=utf-8", body: Buffer.from(index) },
  "/index.html": { type: "text/html; charset=utf-8", body: Buffer.from(index) },
  "/ui.js": { type: "application/javascript", path: join(rwp, "ui.js") },
  "/replay/ui.js": { type: "application/javascript", path: join(rwp, "ui.js") },
  "/replay/sw.js": { type: "application/javascript", path: join(rwp, "sw.js") },
  "/archive.wacz": { type: "application/wacz+zip", path: wacz },
};
const log = [];

function serve(req, res) {
  const path = new URL(req.url, "http://127.0.0.1").pathname;
  const f = files[path];
  log.push(`${req.method} ${req.url} ${req.headers.range || ""}`.trim());
  if (!f || (req.method !== "GET" && req.method !== "HEAD")) {
    res.writeHead(404, { "Content-Type": "text/plain" });
    res.end("not found");
    return;
  }
  const size = f.body ? f.body.length : statSync(f.path).size;
  const headers = { "Content-Type": f.type, "Accept-Ranges": "bytes", "Cache-Control": "no-store" };
  let start = 0, end = size - 1, status = 200;
  const m = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range || "");
  if (m && (m[1] || m[2])) {
    if (m[1]) {
      start = Number(m[1]);
      if (m[2]) end = Math.min(Number(m[2]), size - 1);
    } else {
      start = Math.max(0, size - Number(m[2]));
    }
    if (start > end || start >= size) {
      res.writeHead(416, { "Content-Range": `bytes */${size}` });
      res.end();
      return;
    }
    status = 206;
    headers["Content-Range"] = `bytes ${start}-${end}/${size}`;
  }
  headers["Content-Length"] = String(end - start + 1);
  res.writeHead(status, headers);
  if (req.method === "HEAD") res.end();
  else if (f.body) res.end(f.body.subarray(start, end + 1));
  else createReadStream(f.path, { start, end }).pipe(res);
}

const server = createServer(serve);
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const origin = `http://127.0.0.1:${server.address().port}`;

// Chromium refuses its sandbox as root; a throwaway profile each run, so no service worker or
// cached archive survives from an earlier run.
const browser = await chromium.launch({
  executablePath: chromiumPath,
  headless: true,
  args: ["--no-sandbox", "--disable-dev-shm-usage"],
});
let found = null, code = 1;
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.on("pageerror", (e) => log.push(`pageerror: ${e.message}`));
  page.on("console", (m) => { if (m.type() === "error") log.push(`console: ${m.text()}`); });
  await page.goto(`${origin}/`, { waitUntil: "load" });
  const deadline = Date.now() + timeoutMs;
  while (!found && Date.now() < deadline) {
    for (const frame of page.frames()) {
      const body = await frame.evaluate(() => document.body ? document.body.innerText : "").catch(() => "");
      if (body.includes(text)) {
        found = frame;
        break;
      }
    }
    if (!found) await page.waitForTimeout(250);
  }
  // let the frame paint what it holds (ReplayWeb.page keeps talking to its worker, so waiting
  // for the network to go idle would only wait for a timeout)
  if (found) await page.waitForTimeout(500);
  await page.screenshot({ path: png });
  if (found) {
    const fallback = log.some((l) => l.startsWith("GET /replay/?") || l.startsWith("GET /replay/index.html"));
    console.log(`ok replay: "${text}" shown in ${found.url()}; screenshot ${png}` +
                (fallback ? " (the replay frame's page came from this server, not the worker)" : ""));
    code = 0;
  } else {
    console.error(`FAIL replay: "${text}" not shown within ${timeoutMs} ms; screenshot ${png}`);
    for (const frame of page.frames()) {
      const body = await frame.evaluate(() => document.body ? document.body.innerText : "").catch((e) => `(${e.message})`);
      console.error(`  frame ${frame.url()}: ${JSON.stringify(body.slice(0, 300))}`);
    }
    for (const l of log) console.error(`  ${l}`);
  }
} finally {
  await browser.close();
  server.close();
}
process.exit(code);
