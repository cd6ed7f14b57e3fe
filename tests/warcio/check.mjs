// tests/warcio/check.mjs: trawl's WARC, CDXJ and WACZ output read back by an independent reader.
//
// Run by tests/test_app_warc_interop.c after it has written a crawl's worth of WARC files with
// app/export/. Nothing here shares code with trawl: the WARC files are parsed by webrecorder's
// warcio.js (tests/warcio/node_modules, pinned by package-lock.json), the digests are
// recomputed with Node's crypto and a de-chunker written here, and the WACZ is read with
// Info-ZIP's unzip/zipinfo.
//
//   node check.mjs cdx   CDXJ WARC...   warcio's cdx-index (its own CLI, as a user would run
//                                       it) prints nothing on stderr and agrees with trawl's
//                                       CDXJ on url, timestamp, digest, offset, length, mime,
//                                       status and filename; trawl's CDXJ is sorted bytewise
//   node check.mjs digests WARC...      every record's WARC-Block-Digest and
//                                       WARC-Payload-Digest, recomputed; record ids, dates,
//                                       Concurrent-To and Refers-To links, warcinfo first with
//                                       its WARC-Filename, HTTP/1.1 status lines only
//   node check.mjs wacz  WACZ WARC...   entries stored, datapackage.json hashes and sizes,
//                                       datapackage-digest.json, pages.jsonl, and each index
//                                       line's member inflates to a record of that URL
//   node check.mjs summary JSON WARC... the "warc" object of trawl's --summary file counts
//                                       the files, their records (by warcio), responses,
//                                       revisits and bytes as they are
//
// Prints "ok ..." and exits 0, or prints every problem on stderr and exits 1.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { createReadStream, readFileSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { WARCParser } from "warcio";

const here = dirname(fileURLToPath(import.meta.url));
const warcioCli = join(here, "node_modules", "warcio", "dist", "cli.js");
const problems = [];
const fail = (msg) => problems.push(msg);

function base32(buf) {
  const abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = 0, value = 0, out = "";
  for (const byte of buf) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += abc[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += abc[(value << (5 - bits)) & 31];
  return out;
}

const sha1 = (buf) => "sha1:" + base32(createHash("sha1").update(buf).digest());
const sha256 = (buf) => "sha256:" + createHash("sha256").update(buf).digest("hex");

function headerEnd(buf) {
  const i = buf.indexOf("\r\n\r\n");
  return i < 0 ? -1 : i + 4;
}

function httpHeaders(text) {
  const lines = text.split("\r\n");
  const headers = [];
  for (const line of lines.slice(1)) {
    const c = line.indexOf(":");
    if (c > 0) headers.push([line.slice(0, c).trim().toLowerCase(), line.slice(c + 1).trim()]);
  }
  return { first: lines[0], headers };
}

function isChunked(headers) {
  const codings = headers
    .filter(([k]) => k === "transfer-encoding")
    .flatMap(([, v]) => v.split(","))
    .map((s) => s.split(";")[0].trim().toLowerCase())
    .filter((s) => s);
  return codings.length > 0 && codings[codings.length - 1] === "chunked";
}

// RFC 9112 chunked decoding, written for this test; a body cut short gives what is there.
function dechunk(body) {
  const out = [];
  let pos = 0;
  for (;;) {
    const nl = body.indexOf("\n", pos);
    if (nl < 0) break;
    const line = body.subarray(pos, nl).toString("latin1").replace(/\r$/, "");
    const m = /^([0-9a-fA-F]+)[ \t]*(;.*)?$/.exec(line);
    if (!m) throw new Error(`bad chunk size line ${JSON.stringify(line)}`);
    const size = parseInt(m[1], 16);
    pos = nl + 1;
    if (size === 0) break;
    out.push(body.subarray(pos, Math.min(pos + size, body.length)));
    pos += size;
    if (pos >= body.length) break;
    if (body[pos] === 13) pos++;
    if (body[pos] === 10) pos++;
  }
  return Buffer.concat(out);
}

async function records(file, parseHttp) {
  const parser = new WARCParser(createReadStream(file), { parseHttp });
  const out = [];
  for await (const record of parser) {
    const block = Buffer.from(await record.readFully(false));
    out.push({
      offset: parser.offset,
      length: parser.recordLength,
      h: (name) => record.warcHeaders.headers.get(name),
      type: record.warcType,
      block,
    });
  }
  return out;
}

function warcioCdx(file, all) {
  const args = [warcioCli, "cdx-index", ...(all ? ["--all"] : []), file];
  const r = spawnSync(process.execPath, args, { encoding: "utf8" });
  if (r.status !== 0) fail(`warcio cdx-index ${file}: exit ${r.status}`);
  if (r.stderr.trim()) fail(`warcio cdx-index ${file} printed: ${r.stderr.trim()}`);
  return r.stdout
    .split("\n")
    .filter((l) => l)
    .map((l) => {
      const m = /^(\S+) (\d{14}) (\{.*\})$/.exec(l);
      if (!m) {
        fail(`warcio line does not parse: ${l}`);
        return null;
      }
      return { key: m[1], ts: m[2], ...JSON.parse(m[3]) };
    })
    .filter((e) => e);
}

async function checkCdx(cdxjPath, warcs) {
  const text = readFileSync(cdxjPath, "utf8");
  const lines = text.split("\n").filter((l) => l);
  for (let i = 1; i < lines.length; i++)
    if (Buffer.compare(Buffer.from(lines[i - 1]), Buffer.from(lines[i])) > 0)
      fail(`CDXJ not sorted at line ${i + 1}`);
  const ours = new Map();
  for (const l of lines) {
    const m = /^(\S+) (\d{14}) (\{.*\})$/.exec(l);
    if (!m) {
      fail(`trawl CDXJ line does not parse: ${l}`);
      continue;
    }
    const e = { key: m[1], ts: m[2], ...JSON.parse(m[3]) };
    ours.set(`${e.filename} ${e.offset}`, e);
  }
  const paired = new Map(), all = new Map();
  for (const w of warcs) {
    for (const e of warcioCdx(w, false)) paired.set(`${e.filename} ${e.offset}`, e);
    for (const e of warcioCdx(w, true)) all.set(`${e.filename} ${e.offset}`, e);
  }
  let compared = 0;
  // every response and revisit warcio indexes is in trawl's CDXJ, with the same fields
  for (const [at, theirs] of paired) {
    const e = ours.get(at);
    if (!e) {
      fail(`warcio indexes ${theirs.url} at ${at}; trawl's CDXJ does not`);
      continue;
    }
    for (const f of ["url", "ts", "mime", "status", "length", "offset", "filename"])
      if (String(e[f]) !== String(theirs[f]))
        fail(`${at} ${f}: trawl ${e[f]}, warcio ${theirs[f]}`);
    if ((e.digest || "").replace(/^sha1:/, "") !== theirs.digest)
      fail(`${at} digest: trawl ${e.digest}, warcio ${theirs.digest}`);
    compared++;
  }
  // every line of trawl's is a record warcio finds at that offset with that length
  for (const [at, e] of ours) {
    const theirs = all.get(at);
    if (!theirs) {
      fail(`trawl indexes ${e.url} at ${at}; warcio finds no record there`);
      continue;
    }
    for (const f of ["url", "ts", "length"])
      if (String(e[f]) !== String(theirs[f]))
        fail(`${at} ${f}: trawl ${e[f]}, warcio --all ${theirs[f]}`);
    if (!paired.has(at) && theirs.mime !== e.mime)
      fail(`${at} mime: trawl ${e.mime}, warcio --all ${theirs.mime}`);
  }
  console.log(`ok cdx: ${ours.size} trawl lines, ${compared} matched warcio's index, ` +
              `${all.size} records in all`);
}

async function checkDigests(warcs) {
  const ids = new Map(), payloadById = new Map(), pending = [];
  let n = 0;
  for (const w of warcs) {
    const recs = await records(w, false);
    if (!recs.length || recs[0].type !== "warcinfo") fail(`${w}: does not start with warcinfo`);
    else if (recs[0].h("WARC-Filename") !== basename(w))
      fail(`${w}: WARC-Filename is ${recs[0].h("WARC-Filename")}`);
    for (const r of recs) {
      n++;
      const id = r.h("WARC-Record-ID");
      if (!/^<urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}>$/.test(id))
        fail(`bad record id ${id}`);
      if (ids.has(id)) fail(`record id ${id} used twice`);
      ids.set(id, r);
      if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(r.h("WARC-Date")))
        fail(`bad WARC-Date ${r.h("WARC-Date")}`);
      if (Number(r.h("Content-Length")) !== r.block.length) fail(`${id}: Content-Length`);
      if (sha1(r.block) !== r.h("WARC-Block-Digest"))
        fail(`${id} (${r.type} ${r.h("WARC-Target-URI")}): block digest ${r.h("WARC-Block-Digest")}, recomputed ${sha1(r.block)}`);
      const uri = r.h("WARC-Target-URI");
      if (uri && /[<>\s]/.test(uri)) fail(`${id}: WARC-Target-URI ${uri}`);
      const t = r.h("WARC-Truncated");
      if (t && !["length", "time", "disconnect"].includes(t)) fail(`${id}: WARC-Truncated ${t}`);
      if (r.type === "request" || r.type === "response" || r.type === "revisit") {
        const end = headerEnd(r.block);
        if (end < 0) {
          fail(`${id}: no HTTP header block`);
          continue;
        }
        const { first, headers } = httpHeaders(r.block.subarray(0, end).toString("latin1"));
        if (r.type === "request" ? !/ HTTP\/1\.[01]$/.test(first) : !/^HTTP\/1\.[01] \d{3} /.test(first))
          fail(`${id}: first line ${JSON.stringify(first)} is not HTTP/1.x`);
        const body = r.block.subarray(end);
        if (r.type === "revisit") {
          if (body.length) fail(`${id}: revisit with a body`);
          if (r.h("WARC-Profile") !== "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest")
            fail(`${id}: WARC-Profile ${r.h("WARC-Profile")}`);
          pending.push(r);
        } else {
          const payload = isChunked(headers) ? dechunk(body) : body;
          if (sha1(payload) !== r.h("WARC-Payload-Digest"))
            fail(`${id} (${r.type} ${uri}): payload digest ${r.h("WARC-Payload-Digest")}, recomputed ${sha1(payload)}`);
          payloadById.set(id, sha1(payload));
        }
        for (const c of [r.h("WARC-Concurrent-To")].filter((x) => x)) pending.push({ concurrent: c, id });
      }
      if (r.type === "metadata" && r.h("WARC-Refers-To")) pending.push({ refers: r.h("WARC-Refers-To"), id });
    }
  }
  for (const p of pending) {
    if (p.concurrent && !ids.has(p.concurrent)) fail(`${p.id}: WARC-Concurrent-To ${p.concurrent} names no record`);
    if (p.refers && !ids.has(p.refers)) fail(`${p.id}: WARC-Refers-To ${p.refers} names no record`);
    if (p.type === "revisit") {
      const orig = ids.get(p.h("WARC-Refers-To"));
      if (!orig) fail(`revisit ${p.h("WARC-Record-ID")}: WARC-Refers-To names no record`);
      else {
        if (payloadById.get(p.h("WARC-Refers-To")) !== p.h("WARC-Payload-Digest"))
          fail(`revisit ${p.h("WARC-Record-ID")}: payload digest differs from the original's`);
        if (orig.h("WARC-Target-URI") !== p.h("WARC-Refers-To-Target-URI"))
          fail(`revisit ${p.h("WARC-Record-ID")}: WARC-Refers-To-Target-URI`);
        if (orig.h("WARC-Date") !== p.h("WARC-Refers-To-Date"))
          fail(`revisit ${p.h("WARC-Record-ID")}: WARC-Refers-To-Date`);
      }
    }
  }
  console.log(`ok digests: ${n} records in ${warcs.length} files`);
}

function run(cmd, args) {
  const r = spawnSync(cmd, args, { maxBuffer: 1 << 30 });
  if (r.status !== 0) fail(`${cmd} ${args.join(" ")}: exit ${r.status} ${r.stderr}`);
  return r.stdout;
}

function checkWacz(wacz, warcs) {
  const listing = run("zipinfo", [wacz]).toString();
  const entries = new Map();
  for (const line of listing.split("\n")) {
    // -rw-r--r--  3.0 unx     1234 bx stor 26-Dec-07 05:00 archive/x.warc.gz
    const m = /^\S{10}\s+\S+\s+\S+\s+(\d+)\s+\S+\s+(\S+)\s+\S+\s+\S+\s+(.+)$/.exec(line);
    if (m) entries.set(m[3], { size: Number(m[1]), method: m[2] });
  }
  for (const [name, e] of entries) if (e.method !== "stor") fail(`${name} is ${e.method}, not stored`);
  const read = (name) => run("unzip", ["-p", wacz, name]);
  const dp = read("datapackage.json");
  const pkg = JSON.parse(dp.toString());
  const digest = JSON.parse(read("datapackage-digest.json").toString());
  if (digest.path !== "datapackage.json" || digest.hash !== sha256(dp)) fail("datapackage-digest.json");
  if (pkg.profile !== "data-package" || pkg.wacz_version !== "1.1.1") fail("datapackage profile/version");
  const want = new Set([...entries.keys()].filter((n) => !n.startsWith("datapackage")));
  for (const res of pkg.resources) {
    const data = read(res.path);
    if (sha256(data) !== res.hash) fail(`${res.path}: hash ${res.hash}, recomputed ${sha256(data)}`);
    if (data.length !== res.bytes) fail(`${res.path}: bytes ${res.bytes}, really ${data.length}`);
    want.delete(res.path);
  }
  for (const n of want) fail(`${n} is not in datapackage.json`);
  for (const w of warcs)
    if (sha256(read("archive/" + basename(w))) !== sha256(readFileSync(w))) fail(`archive/${basename(w)} differs from ${w}`);
  const pages = read("pages/pages.jsonl").toString().split("\n").filter((l) => l);
  if (pages[0] !== '{"format":"json-pages-1.0","id":"pages","title":"All Pages"}') fail(`pages header ${pages[0]}`);
  for (const p of pages.slice(1).map((l) => JSON.parse(l)))
    if (!p.url || !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(p.ts)) fail(`page ${JSON.stringify(p)}`);
  // the replay path: index line -> member in archive/ -> a record of that URL
  const index = read("indexes/index.cdxj").toString().split("\n").filter((l) => l);
  const files = new Map();
  for (const l of index) {
    const e = JSON.parse(l.slice(l.indexOf("{")));
    if (!files.has(e.filename)) files.set(e.filename, read("archive/" + e.filename));
    const member = files.get(e.filename).subarray(Number(e.offset), Number(e.offset) + Number(e.length));
    const text = gunzipSync(member).toString("latin1");
    if (!text.startsWith("WARC/1.1\r\n") || !text.includes(`\r\nWARC-Target-URI: ${e.url}\r\n`))
      fail(`index line for ${e.url} does not lead to its record`);
  }
  console.log(`ok wacz: ${entries.size} entries stored, ${pkg.resources.length} hashes, ` +
              `${pages.length - 1} pages, ${index.length} index lines followed`);
}

async function checkSummary(summaryPath, warcs) {
  const got = JSON.parse(readFileSync(summaryPath, "utf8")).warc;
  const want = { files: warcs.length, records: 0, responses: 0, revisits: 0, bytes: 0 };
  for (const w of warcs) {
    want.bytes += statSync(w).size;
    for (const r of await records(w, false)) {
      want.records++;
      if (r.type === "response") want.responses++;
      if (r.type === "revisit") want.revisits++;
    }
  }
  for (const k of Object.keys(want))
    if (!got || got[k] !== want[k]) fail(`summary warc.${k}: ${got && got[k]}, really ${want[k]}`);
  if (got && Object.keys(got).length !== Object.keys(want).length)
    fail(`summary warc has ${Object.keys(got).join(",")}`);
  console.log(`ok summary: ${JSON.stringify(want)}`);
}

const [mode, ...rest] = process.argv.slice(2);
try {
  if (mode === "cdx") await checkCdx(rest[0], rest.slice(1));
  else if (mode === "digests") await checkDigests(rest);
  else if (mode === "wacz") checkWacz(rest[0], rest.slice(1));
  else if (mode === "summary") await checkSummary(rest[0], rest.slice(1));
  else fail(`usage: check.mjs cdx|digests|wacz|summary ...`);
} catch (e) {
  fail(`exception: ${e.stack || e}`);
}
if (problems.length) {
  for (const p of problems) console.error("FAIL " + p);
  process.exit(1);
}
