/* app/crawl/redisfront.c: the shared crawl frontier in Redis (see redisfront.h for the keys,
 * the lease and fencing rules and politeness). Each operation is one Lua script; this file
 * builds its arguments (binary fingerprints, so redis_client_evalv) and reads its reply. */
#include "app/crawl/redisfront.h"

#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ascii.h"
#include "core/buf.h"
#include "core/coro.h"
#include "core/mem.h"
#include "redis/client.h"

#define NAME_MAX_LEN 200
#define ERR_LEN 256

enum {
    S_CREATE, S_JOIN, S_ADD, S_LEASE, S_REAP, S_RELEASE, S_RENEW, S_COMPLETE, S_HOST_DELAY,
    S_STATS, S_STATUS, S_ROBOTS, S_WORKER_LENGTHS, S_N
};

struct redisfront {
    struct redis_client *c;
    /* the scripts, joined from their parts, and their SHA-1s: these depend on the sources
     * only, but there are no mutable globals, so each frontier makes them at create (µs) */
    char *src[S_N];
    struct redis_script scripts[S_N];
    char prefix[NAME_MAX_LEN + 16];   /* "trawl:crawl:NAME:" */
    char err[ERR_LEN];
    char *config;                     /* the joined crawl's config (redisfront_join) */
};

/* --- Lua -------------------------------------------------------------------------------------- */

/* Every script but create and join starts here: Redis's clock in ms, the crawl's options (a
 * crawl that does not exist is an error NOCRAWL), whether any host is held for its robots job
 * (so a crawl with none pays no hold check per host), counters gathered in the script and written
 * once at its end, calls of one command on many members (in chunks: Lua's unpack has a limit),
 * and the rule that keeps a host in the ready set exactly when it has a job queued and a free
 * slot. */
static const char lua_prelude[] =
    "local P = KEYS[1]\n"
    "local t = redis.call('TIME')\n"
    "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"
    "local o = redis.call('HMGET', P..'opts', 'per_host', 'delay_ms', 'lease_ms', 'max_leases')\n"
    "if not o[1] then return redis.error_reply('NOCRAWL no crawl at '..P) end\n"
    "local per_host, delay = tonumber(o[1]), tonumber(o[2])\n"
    "local lease_ms, max_leases = tonumber(o[3]), tonumber(o[4])\n"
    "local stats = {queued = 0, done = 0, failed = 0, dead = 0, requeued = 0}\n"
    "local holding = redis.call('EXISTS', P..'hold') == 1\n"
    "local function flush_stats()\n"
    "  for k, v in pairs(stats) do\n"
    "    if v ~= 0 then redis.call('HINCRBY', P..'stats', k, v) end\n"
    "  end\n"
    "end\n"
    "local function callv(cmd, key, list)\n"
    "  for s = 1, #list, 4000 do\n"
    "    redis.call(cmd, key, unpack(list, s, math.min(s + 3999, #list)))\n"
    "  end\n"
    "end\n"
    "local function mcall(cmd, key, list)\n"
    "  if #list == 0 then return {} end\n"
    "  if #list <= 4000 then return redis.call(cmd, key, unpack(list)) end\n"
    "  local out, n = {}, 0\n"
    "  for s = 1, #list, 4000 do\n"
    "    local r = redis.call(cmd, key, unpack(list, s, math.min(s + 3999, #list)))\n"
    "    for _, v in ipairs(r) do n = n + 1; out[n] = v end\n"
    "  end\n"
    "  return out\n"
    "end\n"
    /* a job record: "KIND DEPTH OLEN LEASES\nURL\nPARENT", unpacked as {url, depth, origin
     * length, kind, parent, leases}; a lease: "TOKEN WORKER" in P lt */
    "local function rec_parse(raw)\n"
    "  local kind, depth, olen, n, rest = string.match(raw, '^(%d+) (%d+) (%d+) (%d+)\\n(.*)$')\n"
    "  local nl = string.find(rest, '\\n', 1, true)\n"
    "  return {string.sub(rest, 1, nl - 1), tonumber(depth), tonumber(olen), tonumber(kind),\n"
    "          string.sub(rest, nl + 1), tonumber(n)}\n"
    "end\n"
    "local function rec_pack(j)\n"
    "  return j[4]..' '..j[2]..' '..j[3]..' '..j[6]..'\\n'..j[1]..'\\n'..j[5]\n"
    "end\n"
    "local function lt_worker(v) return string.sub(v, string.find(v, ' ', 1, true) + 1) end\n"
    "local function host_of(j) return string.sub(j[1], 1, j[3]) end\n"
    "local function load(h, n)\n"
    "  if n ~= 0 and tonumber(redis.call('ZINCRBY', P..'hostload', n, h)) <= 0 then\n"
    "    redis.call('ZREM', P..'hostload', h)\n"
    "  end\n"
    "end\n"
    "local function is_robots(id)\n"
    "  local raw = id and redis.call('HGET', P..'jobs', id)\n"
    "  return raw and string.byte(raw, 1) == 49 and string.byte(raw, 2) == 32\n"
    "end\n"
    /* a held host is ready only while its robots job is at the head of its queue */
    "local function host_wake(h)\n"
    "  if redis.call('ZSCORE', P..'ready', h) then return end\n"
    "  local inf = tonumber(redis.call('HGET', P..'inflight', h) or '0')\n"
    "  if per_host > 0 and inf >= per_host then return end\n"
    "  if redis.call('LLEN', P..'q:'..h) == 0 then return end\n"
    "  if holding and redis.call('SISMEMBER', P..'hold', h) == 1 and\n"
    "     not is_robots(redis.call('LINDEX', P..'q:'..h, 0)) then return end\n"
    "  local nx = tonumber(redis.call('HGET', P..'next', h) or '0')\n"
    "  redis.call('ZADD', P..'ready', nx, h)\n"
    "end\n"
    "local function slots_free(h, n)\n"
    "  if redis.call('HINCRBY', P..'inflight', h, -n) <= 0 then\n"
    "    redis.call('HDEL', P..'inflight', h)\n"
    "  end\n"
    "  host_wake(h)\n"
    "end\n";

/* A request of host h is over (its fetch ended, or its job completed): its next request waits
 * for the host's delay from now too, so that with per_host 1 the delay holds between one
 * request's end and the next one's start, whatever the latencies between Redis and the
 * workers. */
static const char lua_slot_fn[] =
    "local function push_next(h)\n"
    "  local d = delay\n"
    "  if redis.call('EXISTS', P..'hdelay') == 1 then\n"
    "    d = math.max(d, tonumber(redis.call('HGET', P..'hdelay', h) or '0'))\n"
    "  end\n"
    "  if d <= 0 then return end\n"
    "  local nx = math.max(tonumber(redis.call('HGET', P..'next', h) or '0'), now + d)\n"
    "  redis.call('HSET', P..'next', h, nx)\n"
    "  if redis.call('ZSCORE', P..'ready', h) then redis.call('ZADD', P..'ready', nx, h) end\n"
    "end\n"
    /* the fetches of jobs (of hosts hs) leased with these tokens are over: their slots are
     * free before their commits (P over holds them, so a slot is freed once), or go on to
     * the same worker's job leased ahead (succs[k], in P ahead: it holds the slot now) */
    "local function fetch_over(ids, toks, hs, succs)\n"
    "  if #ids == 0 then return end\n"
    "  local lts = mcall('HMGET', P..'lt', ids)\n"
    "  local n, hosts = {}, {}\n"
    "  for k, id in ipairs(ids) do\n"
    "    local t = toks[k]..' '\n"
    "    if lts[k] and string.sub(lts[k], 1, #t) == t and redis.call('SADD', P..'over', id) == 1 and\n"
    "       (succs[k] == '' or redis.call('SREM', P..'ahead', succs[k]) == 0) then\n"
    "      local h = hs[k]\n"
    "      if not n[h] then n[h] = 0; hosts[#hosts + 1] = h end\n"
    "      n[h] = n[h] + 1\n"
    "    end\n"
    "  end\n"
    "  for _, h in ipairs(hosts) do\n"
    "    push_next(h)\n"
    "    slots_free(h, n[h])\n"
    "  end\n"
    "end\n";

/* Queue the URLs not known yet of a batch, each given by the index in ARGV of its (fp, depth,
 * origin length, kind, url) and its parent: one SMISMEMBER for the batch (repeats within it
 * count once), then one SADD, one HSET and an RPUSH per host. A robots job (kind 1) goes to
 * the head of its host's queue instead and puts the host in hold. A 0/1 per URL. */
static const char lua_add_fn[] =
    "local function add_batch(at, parent)\n"
    "  local flags = {}\n"
    "  if #at == 0 then return flags end\n"
    "  local fps = {}\n"
    "  for k, a in ipairs(at) do fps[k] = ARGV[a] end\n"
    "  local known = mcall('SMISMEMBER', P..'seen', fps)\n"
    "  local new, kv, byhost, hosts, seen = {}, {}, {}, {}, {}\n"
    "  for k, a in ipairs(at) do\n"
    "    local fp = fps[k]\n"
    "    if known[k] == 0 and not seen[fp] then\n"
    "      seen[fp] = true\n"
    "      flags[k] = 1\n"
    "      new[#new + 1] = fp\n"
    "      local url, olen, kind = ARGV[a + 4], tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3])\n"
    "      kv[#kv + 1] = fp\n"
    "      kv[#kv + 1] = ARGV[a + 3]..' '..ARGV[a + 1]..' '..ARGV[a + 2]..' 0\\n'..url..'\\n'..\n"
    "                    parent[k]\n"
    "      local h = string.sub(url, 1, olen)\n"
    "      local q = byhost[h]\n"
    "      if not q then\n"
    "        q = {pages = {}, robots = {}}\n"
    "        byhost[h] = q\n"
    "        hosts[#hosts + 1] = h\n"
    "      end\n"
    "      if kind == 1 then\n"
    "        q.robots[#q.robots + 1] = fp\n"
    "      else\n"
    "        q.pages[#q.pages + 1] = fp\n"
    "      end\n"
    "    else\n"
    "      flags[k] = 0\n"
    "    end\n"
    "  end\n"
    "  if #new > 0 then\n"
    "    callv('SADD', P..'seen', new)\n"
    "    callv('HSET', P..'jobs', kv)\n"
    "    for _, h in ipairs(hosts) do\n"
    "      local q = byhost[h]\n"
    "      if #q.pages > 0 then callv('RPUSH', P..'q:'..h, q.pages) end\n"
    "      if #q.robots > 0 then\n"
    "        callv('LPUSH', P..'q:'..h, q.robots)\n"
    "        redis.call('SADD', P..'hold', h)\n"
    "        holding = true\n"
    "      end\n"
    "      load(h, #q.pages + #q.robots)\n"
    "      host_wake(h)\n"
    "    end\n"
    "    stats.queued = stats.queued + #new\n"
    "  end\n"
    "  return flags\n"
    "end\n";

/* requeue: the job of record raw loses its lease: back to the head of its host's queue with
 * its token void, or dead-lettered after max_leases leases (appended to dead, if not nil, as a
 * 4-field entry; a dead robots job releases its host's hold with no rules). A lease is counted in the record when it ends so (not when it is given: a lease
 * and its completion then never rewrite the record). reap: requeue up to lim expired leases.
 * tail writes the counters and builds a lease call's reply. */
static const char lua_reap_fn[] =
    "local function requeue(id, raw, dead)\n"
    "  local j = rec_parse(raw)\n"
    "  local h = host_of(j)\n"
    "  redis.call('ZREM', P..'leases', id)\n"
    "  redis.call('HDEL', P..'lt', id)\n"
    "  local early = redis.call('SREM', P..'over', id) == 1\n"
    "  local ahead = redis.call('SREM', P..'ahead', id) == 1\n"
    /* its request was over and its record written: the worker died after it, not of it; or
     * it was leased ahead, and went back given back (early too) or with its holder. In that
     * last case it may have been started in a slot handed on to it and killed its worker
     * before Redis was told: it is not counted, but suspect, and never leased ahead again
     * (P suspect): its next lease has a slot and counts */
    "  if not early and not ahead then j[6] = j[6] + 1 end\n"
    "  if ahead and not early then redis.call('SADD', P..'suspect', id) end\n"
    "  local back = j[6] < max_leases\n"
    "  if not back then\n"
    "    redis.call('HDEL', P..'jobs', id)\n"
    "    redis.call('SREM', P..'suspect', id)\n"
    "    redis.call('HSET', P..'dead', id, rec_pack(j))\n"
    "    stats.dead = stats.dead + 1\n"
    "    load(h, -1)\n"
    "    if j[4] == 1 then\n"
    "      redis.call('SREM', P..'hold', h)\n"
    "      redis.call('HSET', P..'robots', h, '')\n"
    "    end\n"
    "    if dead then\n"
    "      local e = {id, 0, 0, rec_pack(j)}\n"
    "      for _, v in ipairs(e) do dead[#dead + 1] = v end\n"
    "    end\n"
    "  else\n"
    "    redis.call('HSET', P..'jobs', id, rec_pack(j))\n"
    "    redis.call('LPUSH', P..'q:'..h, id)\n"
    "    stats.queued = stats.queued + 1\n"
    "    stats.requeued = stats.requeued + 1\n"
    "  end\n"
    "  if early or ahead then host_wake(h) else slots_free(h, 1) end\n"
    "  return back\n"
    "end\n"
    "local function reap(lim, dead)\n"
    "  local ids = redis.call('ZRANGEBYSCORE', P..'leases', '-inf', now, 'LIMIT', 0, lim)\n"
    "  local requeued = 0\n"
    "  for _, id in ipairs(ids) do\n"
    "    local raw = redis.call('HGET', P..'jobs', id)\n"
    "    if not raw then\n"
    "      redis.call('ZREM', P..'leases', id)\n"
    "      redis.call('HDEL', P..'lt', id)\n"
    "    elseif requeue(id, raw, dead) then\n"
    "      requeued = requeued + 1\n"
    "    end\n"
    "  end\n"
    "  return requeued\n"
    "end\n"
    "local function tail(requeued, out, dead)\n"
    "  flush_stats()\n"
    "  local r = redis.call('ZRANGE', P..'ready', 0, 0, 'WITHSCORES')\n"
    "  local ready = -1\n"
    "  if #r > 0 then ready = tonumber(r[2]) end\n"
    "  local l = redis.call('ZRANGE', P..'leases', 0, 0, 'WITHSCORES')\n"
    "  local exp = -1\n"
    "  if #l > 0 then exp = tonumber(l[2]) end\n"
    "  local q = tonumber(redis.call('HGET', P..'stats', 'queued') or '0')\n"
    "  return {now, ready, exp, q, redis.call('ZCARD', P..'leases'), requeued, out, dead}\n"
    "end\n";

/* ARGV: per_host, delay_ms, lease_ms, max_leases, config. {1}: created, {0}: same options,
 * {-1, field, stored, asked}: other options. */
static const char lua_create[] =
    "local P = KEYS[1]\n"
    "local f = {'per_host', 'delay_ms', 'lease_ms', 'max_leases', 'config'}\n"
    "if redis.call('EXISTS', P..'opts') == 1 then\n"
    "  local v = redis.call('HMGET', P..'opts', unpack(f))\n"
    "  for i = 1, #f do\n"
    "    if v[i] ~= ARGV[i] then return {-1, f[i], v[i] or '', ARGV[i]} end\n"
    "  end\n"
    "  return {0}\n"
    "end\n"
    "local t = redis.call('TIME')\n"
    "redis.call('HSET', P..'opts', 'per_host', ARGV[1], 'delay_ms', ARGV[2], 'lease_ms', ARGV[3],\n"
    "           'max_leases', ARGV[4], 'config', ARGV[5],\n"
    "           'created_ms', tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000))\n"
    /* a value over Redis's hash-max-listpack-value (64) makes P lt a hash table for good: as
     * a listpack (up to 512 entries) every lookup in it was a linear scan */
    "redis.call('HSET', P..'lt', '', '0 '..string.rep('-', 80))\n"
    "redis.call('HSET', P..'stats', 'queued', 0, 'done', 0, 'failed', 0, 'dead', 0,\n"
    "           'requeued', 0)\n"
    "return {1}\n";

static const char lua_join[] =
    "local v = redis.call('HMGET', KEYS[1]..'opts', 'per_host', 'delay_ms', 'lease_ms',\n"
    "                     'max_leases', 'config')\n"
    "if not v[1] then return redis.error_reply('NOCRAWL no crawl at '..KEYS[1]) end\n"
    "return v\n";

/* ARGV: parent, then (fp, depth, origin length, kind, url) per URL. A string of '0'/'1' flags. */
static const char lua_add[] =
    "local at, parent = {}, {}\n"
    "for i = 2, #ARGV, 5 do\n"
    "  at[#at + 1] = i\n"
    "  parent[#parent + 1] = ARGV[1]\n"
    "end\n"
    "local flags = add_batch(at, parent)\n"
    "flush_stats()\n"
    "return table.concat(flags)\n";

/* ARGV: max, worker, reap limit, call number, lane, how many requests over, then (fp, token,
 * origin, successor's fp or '') per request over, how many jobs leased ahead to give back,
 * then (fp, token) per job given back, then (origin, n) per host to lease ahead for. {now,
 * ready_ms, expiry_ms, queued, in flight, requeued, jobs, dead, ahead}, jobs, dead and ahead as
 * flat 4-field entries (fp, token, expiry, record as stored: its lease count not counting this
 * lease). In turn, the ready host with the lowest next-allowed time gives its queue's head, or
 * with no delay as many jobs as it has free slots (a held host: only its robots job, and then
 * it leaves the ready set); the job records and lease entries are read and written once per
 * batch. A worker whose call finds nothing to lease while jobs are queued and no host is ready
 * or waiting for its time (every slot taken) is hungry for 200 ms: the others' calls take half
 * as many jobs meanwhile, so that the slots their own requests free are not all theirs again.
 * Only a worker that asks for no jobs ahead (no request of its in progress) is marked so. */
static const char lua_lease[] =
    "local max, worker, seq, lane = tonumber(ARGV[1]), ARGV[2], ARGV[4], ARGV[5]\n"
    "local W = P..'w:'..worker\n"
    "if seq ~= '0' and redis.call('HGET', W, 'lease_seq'..lane) == seq then\n"
    "  return cmsgpack.unpack(redis.call('HGET', W, 'lease_reply'..lane))\n"
    "end\n"
    "local fids, ftoks, fhosts, fsuccs = {}, {}, {}, {}\n"
    "local a0 = 7 + 4 * tonumber(ARGV[6])\n"
    "for i = 7, a0 - 1, 4 do\n"
    "  fids[#fids + 1] = ARGV[i]\n"
    "  ftoks[#ftoks + 1] = ARGV[i + 1]\n"
    "  fhosts[#fhosts + 1] = ARGV[i + 2]\n"
    "  fsuccs[#fsuccs + 1] = ARGV[i + 3]\n"
    "end\n"
    "fetch_over(fids, ftoks, fhosts, fsuccs)\n"
    "local dead, out = {}, {}\n"
    /* jobs leased ahead that no request here can hand a slot on to: back to their queues,
     * this lease not counted */
    "local nb = tonumber(ARGV[a0])\n"
    "local bids, btoks = {}, {}\n"
    "for i = a0 + 1, a0 + 2 * nb, 2 do\n"
    "  bids[#bids + 1] = ARGV[i]\n"
    "  btoks[#btoks + 1] = ARGV[i + 1]\n"
    "end\n"
    "a0 = a0 + 1 + 2 * nb\n"
    "if nb > 0 then\n"
    "  local lts = mcall('HMGET', P..'lt', bids)\n"
    "  for k, id in ipairs(bids) do\n"
    "    local t = btoks[k]..' '\n"
    "    local raw = lts[k] and string.sub(lts[k], 1, #t) == t and\n"
    "                redis.call('HGET', P..'jobs', id)\n"
    "    if raw then\n"
    "      redis.call('SADD', P..'over', id)\n"
    "      requeue(id, raw, dead)\n"
    "    end\n"
    "  end\n"
    "end\n"
    "local requeued = reap(tonumber(ARGV[3]), dead)\n"
    /* another worker found nothing free lately: take half, leave it the rest */
    "local hungry = redis.call('GET', P..'hungry')\n"
    "if hungry and hungry ~= worker then max = math.max(1, math.floor(max / 2)) end\n"
    "local ids, exps, toks = {}, {}, {}\n"
    "local tok = tonumber(redis.call('GET', P..'token') or '0')\n"
    "local hdelays = redis.call('EXISTS', P..'hdelay') == 1\n"
    "while #ids < max do\n"
    "  local hs = redis.call('ZRANGEBYSCORE', P..'ready', '-inf', now, 'LIMIT', 0, 1)\n"
    "  if #hs == 0 then break end\n"
    "  local h = hs[1]\n"
    "  local q = P..'q:'..h\n"
    "  local held = holding and redis.call('SISMEMBER', P..'hold', h) == 1\n"
    "  local d = delay\n"
    "  if hdelays then\n"
    "    d = math.max(d, tonumber(redis.call('HGET', P..'hdelay', h) or '0'))\n"
    "  end\n"
    "  local got = false\n"
    "  if held then\n"
    "    local id = redis.call('LINDEX', q, 0)\n"
    "    if is_robots(id) then got = {redis.call('LPOP', q)} end\n"
    "  else\n"
    /* with no delay, a host gives all its free slots at once (one pop for the batch) */
    "    local take = 1\n"
    "    if d <= 0 then\n"
    "      take = max - #ids\n"
    "      if per_host > 0 then\n"
    "        take = math.min(take, per_host - tonumber(redis.call('HGET', P..'inflight', h) or '0'))\n"
    "      end\n"
    "      if take < 1 then take = 1 end\n"
    "    end\n"
    "    got = redis.call('LPOP', q, take)\n"
    "  end\n"
    "  if not got or #got == 0 then\n"
    "    redis.call('ZREM', P..'ready', h)\n"
    "  else\n"
    "    for _, id in ipairs(got) do\n"
    "      tok = tok + 1\n"
    "      ids[#ids + 1] = id\n"
    "      toks[#toks + 1] = tok\n"
    "    end\n"
    "    local inf = redis.call('HINCRBY', P..'inflight', h, #got)\n"
    "    local nx = now\n"
    "    if d > 0 then\n"
    "      nx = now + d\n"
    "      redis.call('HSET', P..'next', h, nx)\n"
    "    end\n"
    "    if held or (per_host > 0 and inf >= per_host) or redis.call('LLEN', q) == 0 then\n"
    "      redis.call('ZREM', P..'ready', h)\n"
    "    else\n"
    "      redis.call('ZADD', P..'ready', nx, h)\n"
    "    end\n"
    "  end\n"
    "end\n"
    /* jobs leased ahead: (origin, n) asked per host whose slots this worker's requests hold,
     * popped without a slot (P ahead), each to take over the slot of one of those requests
     * when it ends; none for a paced, held or waiting host, nor while another worker is
     * hungry (the slots must come back) */
    "local nids = #ids\n"
    "local suspects = redis.call('EXISTS', P..'suspect') == 1\n"
    "if delay <= 0 and not (hungry and hungry ~= worker) then\n"
    "  for i = a0, #ARGV - 1, 2 do\n"
    "    local h, n = ARGV[i], tonumber(ARGV[i + 1])\n"
    "    local q = P..'q:'..h\n"
    "    local ok = n > 0 and not (holding and redis.call('SISMEMBER', P..'hold', h) == 1)\n"
    "    if ok and hdelays and tonumber(redis.call('HGET', P..'hdelay', h) or '0') > 0 then\n"
    "      ok = false\n"
    "    end\n"
    "    if ok and tonumber(redis.call('HGET', P..'next', h) or '0') > now then ok = false end\n"
    "    local got = ok and redis.call('LPOP', q, n)\n"
    "    if got and suspects then\n"
    /* suspects go back to the head of the queue, in their order, for a lease with a slot */
    "      local is, keep, back = mcall('SMISMEMBER', P..'suspect', got), {}, {}\n"
    "      for k, id in ipairs(got) do\n"
    "        if is[k] == 1 then table.insert(back, 1, id) else keep[#keep + 1] = id end\n"
    "      end\n"
    "      if #back > 0 then callv('LPUSH', q, back) end\n"
    "      got = keep\n"
    "    end\n"
    "    if got then\n"
    "      for _, id in ipairs(got) do\n"
    "        tok = tok + 1\n"
    "        ids[#ids + 1] = id\n"
    "        toks[#toks + 1] = tok\n"
    "      end\n"
    "      if redis.call('LLEN', q) == 0 then redis.call('ZREM', P..'ready', h) end\n"
    "    end\n"
    "  end\n"
    "end\n";

static const char lua_lease_tail[] =
    "local aout, aids = {}, {}\n"
    "if #ids > 0 then\n"
    "  local exp = now + lease_ms\n"
    "  local raws = mcall('HMGET', P..'jobs', ids)\n"
    "  local kv, zs = {}, {}\n"
    "  local sw, o, n = ' '..worker, out, 0\n"
    "  for k, id in ipairs(ids) do\n"
    "    if k == nids + 1 then o, n = aout, 0 end\n"
    "    if k > nids then aids[k - nids] = id end\n"
    "    kv[2 * k - 1] = id\n"
    "    kv[2 * k] = toks[k]..sw\n"
    "    zs[2 * k - 1] = exp\n"
    "    zs[2 * k] = id\n"
    "    o[n + 1] = id\n"
    "    o[n + 2] = toks[k]\n"
    "    o[n + 3] = exp\n"
    "    o[n + 4] = raws[k] or ''\n"
    "    n = n + 4\n"
    "  end\n"
    "  callv('HSET', P..'lt', kv)\n"
    "  callv('ZADD', P..'leases', zs)\n"
    "  if #aids > 0 then callv('SADD', P..'ahead', aids) end\n"
    "  redis.call('SET', P..'token', tok)\n"
    "  stats.queued = stats.queued - #ids\n"
    "end\n"
    "local res = tail(requeued, out, dead)\n"
    "res[9] = aout\n"
    "if nids == 0 and a0 > #ARGV and res[4] > 0 and res[2] < 0 then\n"
    "  redis.call('SET', P..'hungry', worker, 'PX', 200)\n"
    "end\n"
    /* kept, so that a retry after a lost reply gets these jobs, not more */
    "if seq ~= '0' then\n"
    "  redis.call('HSET', W, 'lease_seq'..lane, seq, 'lease_reply'..lane, cmsgpack.pack(res))\n"
    "end\n"
    "return res\n";

/* ARGV: reap limit. As lease, with no jobs. */
static const char lua_reap[] =
    "local dead = {}\n"
    "local requeued = reap(tonumber(ARGV[1]), dead)\n"
    "return tail(requeued, {}, dead)\n";

/* ARGV: worker. Every lease the worker holds is requeued (or dead-lettered) as a reap would;
 * the reply is a lease call's, with the count requeued and the dead, and no jobs. */
static const char lua_release[] =
    "local w = ARGV[1]\n"
    "local n, dead = 0, {}\n"
    /* the leases held, every worker's (the jobs in flight), scanned for w's */
    "local all = redis.call('HGETALL', P..'lt')\n"
    "for i = 1, #all, 2 do\n"
    "  local id, v = all[i], all[i + 1]\n"
    "  local raw = lt_worker(v) == w and redis.call('HGET', P..'jobs', id)\n"
    "  if raw and requeue(id, raw, dead) then n = n + 1 end\n"
    "end\n"
    "return tail(n, {}, dead)\n";

/* ARGV: (fp, token) pairs. {now, {new expiry or 0 per pair}}. */
static const char lua_renew[] =
    "local ids, res, zs = {}, {}, {}\n"
    "for i = 1, #ARGV, 2 do ids[#ids + 1] = ARGV[i] end\n"
    "if #ids == 0 then return {now, res} end\n"
    "local lts = mcall('HMGET', P..'lt', ids)\n"
    "local exp = now + lease_ms\n"
    "for k, id in ipairs(ids) do\n"
    "  res[k] = 0\n"
    "  local t = ARGV[2 * k]..' '\n"
    "  if lts[k] and t ~= '0 ' and string.sub(lts[k], 1, #t) == t then\n"
    "    res[k] = exp\n"
    "    zs[#zs + 1] = exp\n"
    "    zs[#zs + 1] = id\n"
    "  end\n"
    "end\n"
    "for s = 1, #zs, 4000 do\n"
    "  redis.call('ZADD', P..'leases', 'XX', unpack(zs, s, math.min(s + 3999, #zs)))\n"
    "end\n"
    "return {now, res}\n";

/* ARGV: worker, has lengths (0/1), lengths, how many requests over, then (fp, token, origin,
 * successor's fp or '') per request over (as a lease call's), then per completion: fp, token,
 * failed (0/1),
 * number of links, has robots (0/1), robots, crawl delay (ms, < 0: none), the job's url,
 * origin length and kind (as leased: a completion with a current token is the worker's, so
 * the record is not read), then (fp, depth, origin length, kind, url) per link. {now, accepted flags ('0'/'1' string), links added,
 * stale (0/1)}. All or nothing: when any token is stale (a job named twice in one call is
 * stale the second time) nothing is written and stale is 1. Otherwise every completion is
 * taken, the links are added as one batch, and the worker's counters and lengths written. */
static const char lua_complete[] =
    "local w = ARGV[1]\n"
    "local ds, ids = {}, {}\n"
    "local i = 5 + 4 * tonumber(ARGV[4])\n"
    "local fids, ftoks, fhosts, fsuccs = {}, {}, {}, {}\n"
    "for f = 5, i - 1, 4 do\n"
    "  fids[#fids + 1] = ARGV[f]\n"
    "  ftoks[#ftoks + 1] = ARGV[f + 1]\n"
    "  fhosts[#fhosts + 1] = ARGV[f + 2]\n"
    "  fsuccs[#fsuccs + 1] = ARGV[f + 3]\n"
    "end\n"
    /* the requests over are told first, whatever becomes of the completions */
    "fetch_over(fids, ftoks, fhosts, fsuccs)\n"
    "while i <= #ARGV do\n"
    /* d: fp, token, failed, links, first link's index, has robots, robots, delay, and the
     * job unpacked as a record is: {url, depth (unused), origin length, kind} */
    "  ds[#ds + 1] = {ARGV[i], ARGV[i + 1], ARGV[i + 2], tonumber(ARGV[i + 3]), i + 10,\n"
    "                 ARGV[i + 4], ARGV[i + 5], tonumber(ARGV[i + 6])}\n"
    "  ds[#ds].j = {ARGV[i + 7], 0, tonumber(ARGV[i + 8]), tonumber(ARGV[i + 9])}\n"
    "  ids[#ids + 1] = ARGV[i]\n"
    "  i = i + 10 + 5 * tonumber(ARGV[i + 3])\n"
    "end\n"
    "local flags, js, taken, stale = {}, {}, {}, 0\n"
    "if #ds > 0 then\n"
    "  local lts = mcall('HMGET', P..'lt', ids)\n"
    "  for k, d in ipairs(ds) do\n"
    "    local t = d[2]..' '\n"
    "    if lts[k] and t ~= '0 ' and not taken[d[1]] and string.sub(lts[k], 1, #t) == t then\n"
    "      taken[d[1]] = true\n"
    "      js[k] = d.j\n"
    "      flags[k] = '1'\n"
    "    else\n"
    "      flags[k] = '0'\n"
    "      stale = stale + 1\n"
    "    end\n"
    "  end\n"
    "end\n"
    "if stale > 0 then return {now, table.concat(flags), 0, 1} end\n";

static const char lua_complete_commit[] =
    "local added, done, failed = 0, 0, 0\n"
    "local freed, gone, hosts, at, parent = {}, {}, {}, {}, {}\n"
    "local over, ah = {}, {}\n"
    "local aheads = #ds > 0 and redis.call('EXISTS', P..'ahead') == 1\n"
    "if #ds > 0 then over = mcall('SMISMEMBER', P..'over', ids) end\n"
    /* a job leased ahead whose slot was never handed on to it holds none */
    "if aheads then ah = mcall('SMISMEMBER', P..'ahead', ids) end\n"
    "for k, d in ipairs(ds) do\n"
    "  local j = js[k]\n"
    "  local h = host_of(j)\n"
    "  if d[3] == '1' then failed = failed + 1 else done = done + 1 end\n"
    "  if not freed[h] then\n"
    "    freed[h] = 0\n"
    "    gone[h] = 0\n"
    "    hosts[#hosts + 1] = h\n"
    "  end\n"
    "  gone[h] = gone[h] + 1\n"

    "  if over[k] == 0 and (ah[k] or 0) == 0 then freed[h] = freed[h] + 1 end\n"

    "  if j[4] == 1 then\n"
    "    local rules = ''\n"
    "    if d[3] ~= '1' and d[6] == '1' then rules = d[7] end\n"
    "    redis.call('HSET', P..'robots', h, rules)\n"
    "    if d[3] ~= '1' then\n"
    "      if d[8] >= 0 then\n"
    "        redis.call('HSET', P..'hdelay', h, d[8])\n"
    "      else\n"
    "        redis.call('HDEL', P..'hdelay', h)\n"
    "      end\n"
    "    end\n"
    "    redis.call('SREM', P..'hold', h)\n"
    "  end\n"
    "  for a = d[5], d[5] + 5 * (d[4] - 1), 5 do\n"
    "    at[#at + 1] = a\n"
    "    parent[#parent + 1] = j[1]\n"
    "  end\n"
    "end\n"
    "if #ds > 0 then\n"
    "  callv('ZREM', P..'leases', ids)\n"
    "  callv('HDEL', P..'jobs', ids)\n"
    "  callv('HDEL', P..'lt', ids)\n"
    "  callv('SREM', P..'over', ids)\n"
    "  if aheads then callv('SREM', P..'ahead', ids) end\n"
    "  if redis.call('EXISTS', P..'suspect') == 1 then callv('SREM', P..'suspect', ids) end\n"
    "  for _, h in ipairs(hosts) do\n"
    "    load(h, -gone[h])\n"
    "    if freed[h] > 0 then\n"
    "      push_next(h)\n"
    "      slots_free(h, freed[h])\n"
    "    else\n"
    "      host_wake(h)\n"
    "    end\n"
    "  end\n"
    "  stats.done = stats.done + done\n"
    "  stats.failed = stats.failed + failed\n"
    "end\n"
    "for _, f in ipairs(add_batch(at, parent)) do added = added + f end\n"
    "local W = P..'w:'..w\n"
    "if #ds > 0 then\n"
    "  if done > 0 then redis.call('HINCRBY', W, 'done', done) end\n"
    "  if failed > 0 then redis.call('HINCRBY', W, 'failed', failed) end\n"
    "  redis.call('HSETNX', W, 'first_ms', now)\n"
    "  redis.call('HSET', W, 'last_ms', now)\n"
    "end\n"
    "if ARGV[2] == '1' then redis.call('HSET', W, 'lengths', ARGV[3]) end\n"
    "if #ds > 0 or ARGV[2] == '1' then redis.call('SADD', P..'workers', w) end\n"
    "flush_stats()\n"
    "return {now, table.concat(flags), added, 0}\n";

/* ARGV: host, delay_ms. {now, next}. */
static const char lua_host_delay[] =
    "local h = ARGV[1]\n"
    "local nx = tonumber(redis.call('HGET', P..'next', h) or '0')\n"
    "nx = math.max(nx, now + tonumber(ARGV[2]))\n"
    "redis.call('HSET', P..'next', h, nx)\n"
    "redis.call('ZADD', P..'ready', 'XX', nx, h)\n"
    "return {now, nx}\n";

/* The counters, as a flat list (11 numbers, now first). */
static const char lua_stats_fn[] =
    "local function stats_row()\n"
    "  local s = redis.call('HMGET', P..'stats', 'queued', 'done', 'failed', 'dead', 'requeued')\n"
    "  return {now, redis.call('SCARD', P..'seen'), tonumber(s[1] or '0'),\n"
    "          redis.call('ZCARD', P..'leases'), tonumber(s[2] or '0'), tonumber(s[3] or '0'),\n"
    "          tonumber(s[4] or '0'), tonumber(s[5] or '0'), redis.call('HLEN', P..'inflight'),\n"
    "          redis.call('ZCARD', P..'ready'), redis.call('SCARD', P..'hold')}\n"
    "end\n";

static const char lua_stats[] = "return stats_row()\n";

/* ARGV: how many hosts. {stats row, workers as flat (id, done, failed, first, last), hosts as
 * flat (origin, queued, in flight)}, workers sorted by id, hosts busiest first. */
static const char lua_status[] =
    "local ws = redis.call('SMEMBERS', P..'workers')\n"
    "table.sort(ws)\n"
    "local wr, hr = {}, {}\n"
    "for _, w in ipairs(ws) do\n"
    "  local v = redis.call('HMGET', P..'w:'..w, 'done', 'failed', 'first_ms', 'last_ms')\n"
    "  wr[#wr + 1] = w\n"
    "  for k = 1, 4 do wr[#wr + 1] = tonumber(v[k] or '0') end\n"
    "end\n"
    "local top = tonumber(ARGV[1])\n"
    "if top > 0 then\n"
    "  for _, h in ipairs(redis.call('ZREVRANGE', P..'hostload', 0, top - 1)) do\n"
    "    hr[#hr + 1] = h\n"
    "    hr[#hr + 1] = redis.call('LLEN', P..'q:'..h)\n"
    "    hr[#hr + 1] = tonumber(redis.call('HGET', P..'inflight', h) or '0')\n"
    "  end\n"
    "end\n"
    "return {stats_row(), wr, hr}\n";

/* ARGV: origins. The stored robots outcome of each, or false (nil). */
static const char lua_robots[] =
    "if #ARGV == 0 then return {} end\n"
    "local o = {}\n"
    "for k = 1, #ARGV do o[k] = ARGV[k] end\n"
    "return mcall('HMGET', P..'robots', o)\n";

/* ARGV: worker. {1, lengths} or {0}. */
static const char lua_worker_lengths[] =
    "local v = redis.call('HGET', P..'w:'..ARGV[1], 'lengths')\n"
    "if not v then return {0} end\n"
    "return {1, v}\n";

#define PARTS_MAX 5

/* Each script: its parts, joined at create (ISO C caps a string literal at 4095 bytes). */
static const char *const script_parts[S_N][PARTS_MAX] = {
    [S_CREATE] = {lua_create},
    [S_JOIN] = {lua_join},
    [S_ADD] = {lua_prelude, lua_add_fn, lua_add},
    [S_LEASE] = {lua_prelude, lua_slot_fn, lua_reap_fn, lua_lease, lua_lease_tail},
    [S_REAP] = {lua_prelude, lua_slot_fn, lua_reap_fn, lua_reap},
    [S_RELEASE] = {lua_prelude, lua_slot_fn, lua_reap_fn, lua_release},
    [S_RENEW] = {lua_prelude, lua_renew},
    [S_COMPLETE] = {lua_prelude, lua_slot_fn, lua_add_fn, lua_complete, lua_complete_commit},
    [S_HOST_DELAY] = {lua_prelude, lua_host_delay},
    [S_STATS] = {lua_prelude, lua_stats_fn, lua_stats},
    [S_STATUS] = {lua_prelude, lua_stats_fn, lua_status},
    [S_ROBOTS] = {lua_prelude, lua_robots},
    [S_WORKER_LENGTHS] = {lua_prelude, lua_worker_lengths},
};

/* --- arguments ------------------------------------------------------------------------------ */

/* A script call's arguments: argv[0] is the key prefix; numbers and fingerprints are written
 * into one arena, sized at init for the most the call can write. */
struct args {
    const char **argv;
    size_t *lens;
    int n, cap;
    char *arena;
    size_t used, arena_cap;
};

#define NUM_BYTES 24   /* a 64-bit number in decimal, with its NUL, or 8 fingerprint bytes */

static int args_init(struct args *a, const struct redisfront *rf, size_t cap, size_t nums)
{
    memset(a, 0, sizeof(*a));
    if (cap > INT_MAX - 1 || nums > SIZE_MAX / NUM_BYTES)
        return -E2BIG;
    a->argv = core_calloc(cap + 1, sizeof(*a->argv));
    a->lens = core_calloc(cap + 1, sizeof(*a->lens));
    a->arena = core_malloc(nums * NUM_BYTES + 1);
    if (!a->argv || !a->lens || !a->arena) {
        core_free(a->argv);
        core_free(a->lens);
        core_free(a->arena);
        return -ENOMEM;
    }
    a->cap = (int)cap + 1;
    a->arena_cap = nums * NUM_BYTES + 1;
    a->argv[0] = rf->prefix;
    a->lens[0] = strlen(rf->prefix);
    a->n = 1;
    return 0;
}

static void args_free(struct args *a)
{
    core_free(a->argv);
    core_free(a->lens);
    core_free(a->arena);
}

static void args_str(struct args *a, const char *s, size_t len)
{
    assert(a->n < a->cap);
    a->argv[a->n] = s;
    a->lens[a->n] = len;
    a->n++;
}

static void args_u64(struct args *a, uint64_t v)
{
    char *end = a->arena + a->used + NUM_BYTES, *p;

    assert(a->used + NUM_BYTES <= a->arena_cap);
    p = core_ascii_u64(v, end);
    a->used += NUM_BYTES;
    args_str(a, p, (size_t)(end - 1 - p));
}

static void args_i64(struct args *a, int64_t v)
{
    char *end = a->arena + a->used + NUM_BYTES, *p;

    assert(a->used + NUM_BYTES <= a->arena_cap);
    p = core_ascii_i64(v, end);
    a->used += NUM_BYTES;
    args_str(a, p, (size_t)(end - 1 - p));
}

/* A fingerprint as 8 bytes, big-endian (so the bytes sort as the numbers do). */
static void args_fp(struct args *a, uint64_t fp)
{
    unsigned char *p = (unsigned char *)a->arena + a->used;

    assert(a->used + NUM_BYTES <= a->arena_cap);
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(fp >> (56 - 8 * i));
    a->used += NUM_BYTES;
    args_str(a, (const char *)p, 8);
}

/* How many requests over, then (fp, token, origin, successor's fp or "") for each. */
static void args_over(struct args *a, const struct redisfront_held *h, size_t n)
{
    args_u64(a, n);
    for (size_t i = 0; i < n; i++) {
        args_fp(a, h[i].fp);
        args_u64(a, h[i].token);
        args_str(a, h[i].origin ? h[i].origin : "", h[i].origin_len);
        if (h[i].has_succ)
            args_fp(a, h[i].succ);
        else
            args_str(a, "", 0);
    }
}

static void args_url(struct args *a, const struct redisfront_url *u)
{
    args_fp(a, u->fp);
    args_u64(a, u->depth);
    args_u64(a, u->origin_len);
    args_u64(a, u->kind);
    args_str(a, u->url, u->len);
}

/* --- replies -------------------------------------------------------------------------------- */

static void set_err(struct redisfront *rf, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(rf->err, sizeof(rf->err), fmt, ap);
    va_end(ap);
}

/* Is an error reply one Redis gives before running anything, for a while: loading its data
 * after a restart, busy with another script, a replica or cluster not ready? */
static bool is_transient_reply(const char *e)
{
    static const char *const codes[] = {"LOADING ", "BUSY ", "MASTERDOWN ", "TRYAGAIN "};

    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
        if (strncmp(e, codes[i], strlen(codes[i])) == 0)
            return true;
    return false;
}

/* Run script s with a's arguments; an error reply becomes -ENOENT (no crawl), -EAGAIN (see
 * is_transient_reply: the script did not run) or CORE_EREPLY, with its text in rf->err. On 0,
 * *out is the reply. */
static int run(struct core_coro *co, struct redisfront *rf, const struct redis_script *s,
               const struct args *a, struct redis_reply **out)
{
    struct redis_reply *r;
    int rc;

    rf->err[0] = '\0';
    rc = redis_client_evalv(co, rf->c, s, 1, a->n - 1, a->argv, a->lens, &r);
    if (rc < 0) {
        set_err(rf, "redis: %s", core_strerror(rc));
        return rc;
    }
    if (r->type == REDIS_T_ERROR) {
        if (strstr(r->str, "NOCRAWL")) {
            set_err(rf, "there is no crawl %.*s in Redis", (int)(strlen(rf->prefix) - 13),
                    rf->prefix + 12);
            rc = -ENOENT;
        } else if (is_transient_reply(r->str)) {
            set_err(rf, "redis: %s", r->str);
            rc = -EAGAIN;
        } else {
            set_err(rf, "redis: %s", r->str);
            rc = CORE_EREPLY;
        }
        redis_reply_free(r);
        return rc;
    }
    *out = r;
    return 0;
}

/* Run script which with one string argument (arg NULL: none). As run. */
static int run_arg(struct core_coro *co, struct redisfront *rf, int which, const char *arg,
                   struct redis_reply **out)
{
    struct args a;
    int rc = args_init(&a, rf, arg ? 1 : 0, 0);

    if (rc < 0)
        return rc;
    if (arg)
        args_str(&a, arg, strlen(arg));
    rc = run(co, rf, &rf->scripts[which], &a, out);
    args_free(&a);
    return rc;
}

static bool is_array(const struct redis_reply *r, size_t min)
{
    return r && r->type == REDIS_T_ARRAY && r->elements >= min;
}

static int64_t int_at(const struct redis_reply *r, size_t i)
{
    const struct redis_reply *e = r->element[i];

    return e->type == REDIS_T_INTEGER ? e->integer : 0;
}

static uint64_t fp_of(const struct redis_reply *e)
{
    uint64_t fp = 0;

    for (size_t i = 0; i < 8 && i < e->len; i++)
        fp = fp << 8 | (unsigned char)e->str[i];
    return fp;
}

static int bad_reply(struct redisfront *rf, struct redis_reply *r, const char *what)
{
    set_err(rf, "redis: unexpected reply to %s", what);
    redis_reply_free(r);
    return CORE_EREPLY;
}

#define JOB_FIELDS 4

/* A decimal number of at most max, ended by c, at *p (moved past c). */
static bool read_num(const char **p, const char *end, char c, uint64_t max, uint64_t *v)
{
    const char *s = *p;

    *v = 0;
    if (s == end || *s < '0' || *s > '9')
        return false;
    for (; s < end && *s >= '0' && *s <= '9'; s++) {
        if (*v > (max - (uint64_t)(*s - '0')) / 10)
            return false;
        *v = *v * 10 + (uint64_t)(*s - '0');
    }
    if (s == end || *s != c)
        return false;
    *p = s + 1;
    return true;
}

bool redisfront_parse_record(char *s, size_t len, struct redisfront_job *j)
{
    const char *p = s, *end = s + len;
    char *nl;
    uint64_t kind, depth, olen, leases;

    if (!read_num(&p, end, ' ', UINT8_MAX, &kind) || !read_num(&p, end, ' ', UINT32_MAX, &depth) ||
        !read_num(&p, end, ' ', SIZE_MAX, &olen) ||
        !read_num(&p, end, '\n', UINT32_MAX - 1, &leases))
        return false;
    nl = memchr(p, '\n', (size_t)(end - p));
    if (!nl || olen > (size_t)(nl - p))
        return false;
    *nl = '\0';
    j->kind = (uint8_t)kind;
    j->depth = (uint32_t)depth;
    j->origin_len = (size_t)olen;
    j->leases = (uint32_t)leases;
    j->url = p;
    j->len = (size_t)(nl - p);
    j->parent = nl + 1 < end ? nl + 1 : NULL;
    return true;
}

/* Fill jobs from a flat array of 4-field entries (fp, token, expiry, record); a leased job's
 * lease count then counts its lease. 0, CORE_EREPLY or -ENOMEM. */
static int read_jobs(const struct redis_reply *flat, struct redisfront_job **out, size_t *n)
{
    struct redisfront_job *jobs = NULL;
    size_t count;

    if (flat->type != REDIS_T_ARRAY || flat->elements % JOB_FIELDS)
        return CORE_EREPLY;
    count = flat->elements / JOB_FIELDS;
    if (count) {
        jobs = core_calloc(count, sizeof(*jobs));
        if (!jobs)
            return -ENOMEM;
    }
    for (size_t i = 0; i < count; i++) {
        struct redis_reply *const *e = flat->element + i * JOB_FIELDS;
        struct redisfront_job *j = &jobs[i];

        if (e[0]->type != REDIS_T_STRING || e[0]->len != 8 || e[1]->type != REDIS_T_INTEGER ||
            e[2]->type != REDIS_T_INTEGER || e[3]->type != REDIS_T_STRING ||
            !redisfront_parse_record(e[3]->str, e[3]->len, j)) {
            core_free(jobs);
            return CORE_EREPLY;
        }
        j->fp = fp_of(e[0]);
        j->token = (uint64_t)e[1]->integer;
        j->expiry_ms = e[2]->integer;
        if (j->token)
            j->leases++;
    }
    *out = jobs;
    *n = count;
    return 0;
}

/* Fill l from a lease or reap reply (which it keeps). */
static int read_lease(struct redisfront *rf, struct redis_reply *r, struct redisfront_lease *l)
{
    struct redisfront_lease v = {0};
    int rc;

    if (!is_array(r, 8) && !is_array(r, 9))
        return bad_reply(rf, r, "a lease");
    v.now_ms = int_at(r, 0);
    v.ready_ms = int_at(r, 1);
    v.expiry_ms = int_at(r, 2);
    v.queued = (uint64_t)int_at(r, 3);
    v.in_flight = (uint64_t)int_at(r, 4);
    v.requeued = (size_t)int_at(r, 5);
    rc = read_jobs(r->element[6], &v.jobs, &v.njobs);
    if (rc < 0)
        goto out_bad;
    rc = read_jobs(r->element[7], &v.dead, &v.ndead);
    if (rc < 0) {
        core_free(v.jobs);
        goto out_bad;
    }
    if (r->elements == 9)
        rc = read_jobs(r->element[8], &v.ahead, &v.nahead);
    if (rc < 0) {
        core_free(v.jobs);
        core_free(v.dead);
        goto out_bad;
    }
    v.reply = r;
    *l = v;
    return 0;

out_bad:
    if (rc == -ENOMEM) {
        redis_reply_free(r);
        return rc;
    }
    return bad_reply(rf, r, "a lease");
}

/* --- the frontier ---------------------------------------------------------------------------- */

static const struct redis_script *script(const struct redisfront *rf, int which)
{
    return &rf->scripts[which];
}

void redisfront_opts_init(struct redisfront_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->per_host = 1;
    o->delay_ms = 0;
    o->lease_ms = 30000;
    o->max_leases = 3;
    o->config = NULL;
}

int redisfront_create(struct redis_client *c, const char *name, struct redisfront **out)
{
    struct redisfront *rf;
    size_t len = strlen(name);

    if (len == 0 || len > NAME_MAX_LEN)
        return -EINVAL;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
            return -EINVAL;
    rf = core_calloc(1, sizeof(*rf));
    if (!rf)
        return -ENOMEM;
    for (int i = 0; i < S_N; i++) {
        size_t n = 1;
        char *p;

        for (int k = 0; k < PARTS_MAX && script_parts[i][k]; k++)
            n += strlen(script_parts[i][k]);
        p = rf->src[i] = core_malloc(n);
        if (!p) {
            redisfront_destroy(rf);
            return -ENOMEM;
        }
        for (int k = 0; k < PARTS_MAX && script_parts[i][k]; k++) {
            size_t part = strlen(script_parts[i][k]);

            memcpy(p, script_parts[i][k], part);
            p += part;
        }
        *p = '\0';
        if (redis_script_init(&rf->scripts[i], rf->src[i]) < 0) {
            redisfront_destroy(rf);
            return -ENOMEM;
        }
    }
    rf->c = c;
    snprintf(rf->prefix, sizeof(rf->prefix), "trawl:crawl:%s:", name);
    *out = rf;
    return 0;
}

void redisfront_destroy(struct redisfront *rf)
{
    if (!rf)
        return;
    for (int i = 0; i < S_N; i++)
        core_free(rf->src[i]);
    core_free(rf->config);
    core_free(rf);
}

const char *redisfront_error(const struct redisfront *rf)
{
    return rf->err;
}

int redisfront_create_crawl(struct core_coro *co, struct redisfront *rf,
                            const struct redisfront_opts *o, bool *created)
{
    const char *config = o->config ? o->config : "";
    struct redis_reply *r;
    struct args a;
    int rc;

    if (o->max_leases < 1 || o->lease_ms < 1 || o->delay_ms < 0)
        return -EINVAL;
    rc = args_init(&a, rf, 5, 4);
    if (rc < 0)
        return rc;
    args_u64(&a, o->per_host);
    args_u64(&a, (uint64_t)o->delay_ms);
    args_u64(&a, (uint64_t)o->lease_ms);
    args_u64(&a, o->max_leases);
    args_str(&a, config, strlen(config));
    rc = run(co, rf, script(rf, S_CREATE), &a, &r);
    args_free(&a);
    if (rc < 0)
        return rc;
    if (!is_array(r, 1))
        return bad_reply(rf, r, "create");
    if (int_at(r, 0) < 0) {
        if (!is_array(r, 4))
            return bad_reply(rf, r, "create");
        set_err(rf, "crawl %.*s exists with other options: %s is \"%.60s\" there, not \"%.60s\"",
                (int)(strlen(rf->prefix) - 13), rf->prefix + 12, r->element[1]->str,
                r->element[2]->str ? r->element[2]->str : "", r->element[3]->str);
        redis_reply_free(r);
        return -EEXIST;
    }
    if (created)
        *created = int_at(r, 0) == 1;
    redis_reply_free(r);
    return 0;
}

static int parse_u64(const struct redis_reply *e, uint64_t *v)
{
    char *end;
    unsigned long long x;

    if (e->type != REDIS_T_STRING || e->len == 0)
        return -1;
    errno = 0;
    x = strtoull(e->str, &end, 10);
    if (errno || *end)
        return -1;
    *v = x;
    return 0;
}

int redisfront_join(struct core_coro *co, struct redisfront *rf, struct redisfront_opts *o)
{
    struct redisfront_opts v;
    struct redis_reply *r;
    uint64_t n[4];
    char *config;
    int rc;

    rc = run_arg(co, rf, S_JOIN, NULL, &r);
    if (rc < 0)
        return rc;
    if (!is_array(r, 5) || r->element[4]->type != REDIS_T_STRING)
        return bad_reply(rf, r, "join");
    for (int i = 0; i < 4; i++)
        if (parse_u64(r->element[i], &n[i]) < 0 || n[i] > INT64_MAX)
            return bad_reply(rf, r, "join");
    config = core_malloc(r->element[4]->len + 1);
    if (!config) {
        redis_reply_free(r);
        return -ENOMEM;
    }
    memcpy(config, r->element[4]->str, r->element[4]->len + 1);
    redis_reply_free(r);
    v.per_host = n[0] > UINT_MAX ? UINT_MAX : (unsigned)n[0];
    v.delay_ms = (int64_t)n[1];
    v.lease_ms = (int64_t)n[2];
    v.max_leases = n[3] > UINT_MAX ? UINT_MAX : (unsigned)n[3];
    v.config = config;
    core_free(rf->config);
    rf->config = config;
    *o = v;
    return 0;
}

int redisfront_add(struct core_coro *co, struct redisfront *rf, const struct redisfront_url *urls,
                   size_t n, const char *parent, size_t *added, bool *is_new)
{
    struct redis_reply *r;
    struct args a;
    size_t count = 0;
    int rc;

    if (n > (SIZE_MAX - 1) / 5)
        return -E2BIG;
    rc = args_init(&a, rf, 1 + 5 * n, 4 * n);
    if (rc < 0)
        return rc;
    args_str(&a, parent ? parent : "", parent ? strlen(parent) : 0);
    for (size_t i = 0; i < n; i++)
        args_url(&a, &urls[i]);
    rc = run(co, rf, script(rf, S_ADD), &a, &r);
    args_free(&a);
    if (rc < 0)
        return rc;
    if ((r->type != REDIS_T_STRING && !(n == 0 && r->type == REDIS_T_NIL)) ||
        (n && r->len != n))
        return bad_reply(rf, r, "add");
    for (size_t i = 0; i < n; i++) {
        if (is_new)
            is_new[i] = r->str[i] == '1';
        count += r->str[i] == '1';
    }
    redis_reply_free(r);
    if (added)
        *added = count;
    return 0;
}

/* Expired leases a call reaps, at most: a lease call reaps a few per job it may hand out, so
 * a backlog of expired leases drains quickly but no single call holds Redis for long. */
#define REAP_PER_JOB 4
#define REAP_MIN 64

int redisfront_lease(struct core_coro *co, struct redisfront *rf, const char *worker, size_t max,
                     struct redisfront_lease *out)
{
    struct redisfront_ask ask = {worker, max, 0, 0, NULL, 0, NULL, 0, NULL, 0};

    return redisfront_lease_ask(co, rf, &ask, out);
}

int redisfront_lease_ask(struct core_coro *co, struct redisfront *rf,
                         const struct redisfront_ask *ask, struct redisfront_lease *out)
{
    struct redis_reply *r;
    struct args a;
    int rc;

    if (ask->max > SIZE_MAX / REAP_PER_JOB - REAP_MIN || ask->nfetched > SIZE_MAX / 8 ||
        ask->nahead > SIZE_MAX / 8 || ask->nback > SIZE_MAX / 8)
        return -E2BIG;
    rc = args_init(&a, rf, 7 + 4 * ask->nfetched + 2 * ask->nback + 2 * ask->nahead,
                   6 + 3 * ask->nfetched + 2 * ask->nback + ask->nahead);
    if (rc < 0)
        return rc;
    args_u64(&a, ask->max);
    args_str(&a, ask->worker, strlen(ask->worker));
    args_u64(&a, ask->max * REAP_PER_JOB + REAP_MIN);
    args_u64(&a, ask->seq);
    args_u64(&a, ask->lane);
    args_over(&a, ask->fetched, ask->nfetched);
    args_u64(&a, ask->nback);
    for (size_t i = 0; i < ask->nback; i++) {
        args_fp(&a, ask->back[i].fp);
        args_u64(&a, ask->back[i].token);
    }
    for (size_t i = 0; i < ask->nahead; i++) {
        args_str(&a, ask->ahead[i].origin, ask->ahead[i].origin_len);
        args_u64(&a, ask->ahead[i].n);
    }
    rc = run(co, rf, script(rf, S_LEASE), &a, &r);
    args_free(&a);
    if (rc < 0)
        return rc;
    return read_lease(rf, r, out);
}

int redisfront_reap(struct core_coro *co, struct redisfront *rf, size_t max,
                    struct redisfront_lease *out)
{
    struct redis_reply *r;
    struct args a;
    int rc;

    rc = args_init(&a, rf, 1, 1);
    if (rc < 0)
        return rc;
    args_u64(&a, max);
    rc = run(co, rf, script(rf, S_REAP), &a, &r);
    args_free(&a);
    if (rc < 0)
        return rc;
    return read_lease(rf, r, out);
}

void redisfront_lease_free(struct redisfront_lease *l)
{
    if (!l)
        return;
    core_free(l->jobs);
    core_free(l->dead);
    core_free(l->ahead);
    redis_reply_free(l->reply);
    memset(l, 0, sizeof(*l));
}

int redisfront_renew(struct core_coro *co, struct redisfront *rf, const struct redisfront_held *h,
                     size_t n, int64_t *expiry)
{
    struct redis_reply *r;
    const struct redis_reply *res;
    struct args a;
    int rc;

    if (n > SIZE_MAX / 2)
        return -E2BIG;
    rc = args_init(&a, rf, 2 * n, 2 * n);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < n; i++) {
        args_fp(&a, h[i].fp);
        args_u64(&a, h[i].token);
    }
    rc = run(co, rf, script(rf, S_RENEW), &a, &r);
    args_free(&a);
    if (rc < 0)
        return rc;
    if (!is_array(r, 2))
        return bad_reply(rf, r, "renew");
    res = r->element[1];
    if (res->type != REDIS_T_ARRAY || res->elements != n)
        return bad_reply(rf, r, "renew");
    for (size_t i = 0; i < n; i++)
        expiry[i] = int_at(res, i);
    redis_reply_free(r);
    return 0;
}

int redisfront_complete(struct core_coro *co, struct redisfront *rf, const char *worker,
                        const struct redisfront_done *d, size_t n, const void *lengths,
                        size_t lengths_len, bool *accepted, size_t *added)
{
    struct redisfront_commit cm = {worker, NULL, 0, d, n, lengths, lengths_len};

    return redisfront_commit(co, rf, &cm, accepted, added);
}

int redisfront_commit(struct core_coro *co, struct redisfront *rf,
                      const struct redisfront_commit *cm, bool *accepted, size_t *added)
{
    const struct redisfront_done *d = cm->done;
    const void *lengths = cm->lengths;
    size_t n = cm->ndone, lengths_len = cm->lengths_len;
    struct redis_reply *r;
    const struct redis_reply *flags;
    size_t nargs = 4, nnums = 1;
    struct args a;
    int rc;

    if (cm->nover > SIZE_MAX / 8)
        return -E2BIG;
    nargs += 4 * cm->nover;
    nnums += 3 * cm->nover;
    for (size_t i = 0; i < n; i++) {
        if (d[i].nlinks > (SIZE_MAX - nargs) / 5 - 10)
            return -E2BIG;
        nargs += 10 + 5 * d[i].nlinks;
        nnums += 7 + 4 * d[i].nlinks;
    }
    rc = args_init(&a, rf, nargs, nnums);
    if (rc < 0)
        return rc;
    args_str(&a, cm->worker, strlen(cm->worker));
    args_str(&a, lengths ? "1" : "0", 1);
    args_str(&a, lengths ? lengths : "", lengths ? lengths_len : 0);
    args_over(&a, cm->over, cm->nover);
    for (size_t i = 0; i < n; i++) {
        args_fp(&a, d[i].fp);
        args_u64(&a, d[i].token);
        args_u64(&a, d[i].failed);
        args_u64(&a, d[i].nlinks);
        args_str(&a, d[i].robots ? "1" : "0", 1);
        args_str(&a, d[i].robots ? d[i].robots : "", d[i].robots ? d[i].robots_len : 0);
        args_i64(&a, d[i].crawl_delay_ms < 0 ? -1 : d[i].crawl_delay_ms);
        args_str(&a, d[i].url ? d[i].url : "", d[i].url ? d[i].len : 0);
        args_u64(&a, d[i].origin_len);
        args_u64(&a, d[i].kind);
        for (size_t k = 0; k < d[i].nlinks; k++)
            args_url(&a, &d[i].links[k]);
    }
    rc = run(co, rf, script(rf, S_COMPLETE), &a, &r);
    args_free(&a);
    if (rc < 0)
        return rc;
    if (!is_array(r, 4))
        return bad_reply(rf, r, "complete");
    flags = r->element[1];
    if ((flags->type != REDIS_T_STRING && !(n == 0 && flags->type == REDIS_T_NIL)) ||
        (n && flags->len != n))
        return bad_reply(rf, r, "complete");
    for (size_t i = 0; i < n; i++)
        accepted[i] = flags->str[i] == '1';
    if (int_at(r, 3)) {
        set_err(rf, "a lease was lost (stale token): nothing was committed");
        redis_reply_free(r);
        return -ESTALE;
    }
    if (added)
        *added = (size_t)int_at(r, 2);
    redis_reply_free(r);
    return 0;
}

struct redisfront_done redisfront_done_of(const struct redisfront_job *j)
{
    return (struct redisfront_done){.fp = j->fp, .token = j->token, .url = j->url,
                                    .len = j->len, .origin_len = j->origin_len, .kind = j->kind,
                                    .crawl_delay_ms = -1};
}

int redisfront_worker_lengths(struct core_coro *co, struct redisfront *rf, const char *worker,
                              struct core_buf *out)
{
    struct redis_reply *r;
    int rc;

    rc = run_arg(co, rf, S_WORKER_LENGTHS, worker, &r);
    if (rc < 0)
        return rc;
    if (!is_array(r, 1))
        return bad_reply(rf, r, "worker lengths");
    if (int_at(r, 0) == 0) {
        set_err(rf, "worker %.100s has committed no lengths", worker);
        redis_reply_free(r);
        return -ENOENT;
    }
    if (!is_array(r, 2) || r->element[1]->type != REDIS_T_STRING)
        return bad_reply(rf, r, "worker lengths");
    rc = core_buf_append(out, r->element[1]->str, r->element[1]->len);
    redis_reply_free(r);
    return rc;
}

int redisfront_release(struct core_coro *co, struct redisfront *rf, const char *worker,
                       struct redisfront_lease *out)
{
    struct redis_reply *r;
    int rc;

    rc = run_arg(co, rf, S_RELEASE, worker, &r);
    if (rc < 0)
        return rc;
    return read_lease(rf, r, out);
}

int redisfront_robots(struct core_coro *co, struct redisfront *rf, const char *const *origins,
                      const size_t *lens, size_t n, struct redisfront_robots *out)
{
    struct redisfront_robots v = {0};
    struct redis_reply *r;
    struct args a;
    int rc;

    rc = args_init(&a, rf, n, 0);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < n; i++)
        args_str(&a, origins[i], lens[i]);
    rc = run(co, rf, script(rf, S_ROBOTS), &a, &r);
    args_free(&a);
    if (rc < 0)
        return rc;
    if (r->type != REDIS_T_ARRAY || r->elements != n)
        return bad_reply(rf, r, "robots");
    if (n) {
        v.hosts = core_calloc(n, sizeof(*v.hosts));
        if (!v.hosts) {
            redis_reply_free(r);
            return -ENOMEM;
        }
    }
    for (size_t i = 0; i < n; i++) {
        const struct redis_reply *e = r->element[i];

        if (e->type == REDIS_T_STRING) {
            v.hosts[i].known = true;
            v.hosts[i].rules = e->len ? e->str : NULL;
            v.hosts[i].len = e->len;
        }
    }
    v.n = n;
    v.reply = r;
    *out = v;
    return 0;
}

void redisfront_robots_free(struct redisfront_robots *r)
{
    if (!r)
        return;
    core_free(r->hosts);
    redis_reply_free(r->reply);
    memset(r, 0, sizeof(*r));
}

int redisfront_host_delay(struct core_coro *co, struct redisfront *rf, const char *origin,
                          size_t len, int64_t delay_ms, int64_t *next_ms)
{
    struct redis_reply *r;
    struct args a;
    int rc;

    if (delay_ms < 0)
        delay_ms = 0;
    rc = args_init(&a, rf, 2, 1);
    if (rc < 0)
        return rc;
    args_str(&a, origin, len);
    args_u64(&a, (uint64_t)delay_ms);
    rc = run(co, rf, script(rf, S_HOST_DELAY), &a, &r);
    args_free(&a);
    if (rc < 0)
        return rc;
    if (!is_array(r, 2))
        return bad_reply(rf, r, "host delay");
    if (next_ms)
        *next_ms = int_at(r, 1);
    redis_reply_free(r);
    return 0;
}

#define STATS_FIELDS 11

/* Fill s from a stats row. */
static int read_stats(const struct redis_reply *r, struct redisfront_stats *s)
{
    if (!is_array(r, STATS_FIELDS))
        return CORE_EREPLY;
    *s = (struct redisfront_stats){
        .now_ms = int_at(r, 0),
        .known = (uint64_t)int_at(r, 1),
        .queued = (uint64_t)int_at(r, 2),
        .in_flight = (uint64_t)int_at(r, 3),
        .done = (uint64_t)int_at(r, 4),
        .failed = (uint64_t)int_at(r, 5),
        .dead = (uint64_t)int_at(r, 6),
        .requeued = (uint64_t)int_at(r, 7),
        .hosts_busy = (uint64_t)int_at(r, 8),
        .hosts_waiting = (uint64_t)int_at(r, 9),
        .hosts_held = (uint64_t)int_at(r, 10),
    };
    return 0;
}

int redisfront_stats(struct core_coro *co, struct redisfront *rf, struct redisfront_stats *out)
{
    struct redisfront_stats s;
    struct redis_reply *r;
    int rc;

    rc = run_arg(co, rf, S_STATS, NULL, &r);
    if (rc < 0)
        return rc;
    if (read_stats(r, &s) < 0)
        return bad_reply(rf, r, "stats");
    *out = s;
    redis_reply_free(r);
    return 0;
}

#define WORKER_FIELDS 5
#define HOST_FIELDS 3

/* Fill the workers and hosts of s from a status reply's two flat lists. */
static int read_status_rows(const struct redis_reply *wr, const struct redis_reply *hr,
                            struct redisfront_status *s)
{
    const int64_t now = s->stats.now_ms;

    if (wr->type != REDIS_T_ARRAY || wr->elements % WORKER_FIELDS || hr->type != REDIS_T_ARRAY ||
        hr->elements % HOST_FIELDS)
        return CORE_EREPLY;
    s->nworkers = wr->elements / WORKER_FIELDS;
    s->nhosts = hr->elements / HOST_FIELDS;
    if (s->nworkers && !(s->workers = core_calloc(s->nworkers, sizeof(*s->workers))))
        return -ENOMEM;
    if (s->nhosts && !(s->hosts = core_calloc(s->nhosts, sizeof(*s->hosts))))
        return -ENOMEM;
    for (size_t i = 0; i < s->nworkers; i++) {
        struct redis_reply *const *e = wr->element + i * WORKER_FIELDS;
        struct redisfront_worker *w = &s->workers[i];

        if (e[0]->type != REDIS_T_STRING)
            return CORE_EREPLY;
        w->id = e[0]->str;
        w->id_len = e[0]->len;
        w->done = (uint64_t)e[1]->integer;
        w->failed = (uint64_t)e[2]->integer;
        w->first_ms = e[3]->integer;
        w->last_ms = e[4]->integer;
        if (w->last_ms > w->first_ms)
            w->pages_per_s = (double)w->done * 1000.0 / (double)(w->last_ms - w->first_ms);
        w->idle_ms = w->last_ms ? now - w->last_ms : 0;
    }
    for (size_t i = 0; i < s->nhosts; i++) {
        struct redis_reply *const *e = hr->element + i * HOST_FIELDS;
        struct redisfront_hostload *h = &s->hosts[i];

        if (e[0]->type != REDIS_T_STRING)
            return CORE_EREPLY;
        h->origin = e[0]->str;
        h->len = e[0]->len;
        h->queued = (uint64_t)e[1]->integer;
        h->in_flight = (uint64_t)e[2]->integer;
    }
    return 0;
}

int redisfront_status(struct core_coro *co, struct redisfront *rf, size_t top_n,
                      struct redisfront_status *out)
{
    struct redisfront_status v = {0};
    struct redis_reply *r;
    struct args a;
    int rc;

    rc = args_init(&a, rf, 1, 1);
    if (rc < 0)
        return rc;
    args_u64(&a, top_n);
    rc = run(co, rf, script(rf, S_STATUS), &a, &r);
    args_free(&a);
    if (rc < 0)
        return rc;
    if (!is_array(r, 3) || read_stats(r->element[0], &v.stats) < 0)
        return bad_reply(rf, r, "status");
    rc = read_status_rows(r->element[1], r->element[2], &v);
    if (rc < 0) {
        core_free(v.workers);
        core_free(v.hosts);
        if (rc == -ENOMEM) {
            redis_reply_free(r);
            return rc;
        }
        return bad_reply(rf, r, "status");
    }
    v.reply = r;
    *out = v;
    return 0;
}

void redisfront_status_free(struct redisfront_status *s)
{
    if (!s)
        return;
    core_free(s->workers);
    core_free(s->hosts);
    redis_reply_free(s->reply);
    memset(s, 0, sizeof(*s));
}
