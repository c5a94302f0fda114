// A worker on the Redis transport (docs/wire-format.md, "Redis"): reads tasks from the agent's own
// streams or a capability's shared streams through the consumer group "agents", runs them, and
// writes the reply, marks the attempt done and acknowledges the entry in one script.
import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import {
  Answered, MalformedEnvelope, decodeTask, encodeAnnouncement, encodeResult, encodeWithdrawal, descriptor, log, onStop, run, settings,
} from './wire.mjs';

const s = settings('redis');
const prefix = s.prefix ?? 'ao';
const GROUP = 'agents';
const DONE_TTL_MS = 3600000;
const REPLY_STREAM_TTL_MS = 600000;
const base = s.shared ? `${prefix}:capability:${s.capability}` : `${prefix}:agent:${s.agentId}`;
const streams = [9, 8, 7, 6, 5, 4, 3, 2, 1, 0].map((p) => `${base}:p${p}`);
const consumer = `${s.agentId}-${randomBytes(4).toString('hex')}`;

// The scripts of the specification: each runs atomically on the server.
const COMMIT_REPLY = `
local result = 0
if redis.call('SET', KEYS[3], '1', 'NX', 'PX', ARGV[4]) then
  if redis.call('EXISTS', KEYS[1]) == 1 then result = 1 else result = 2 end
  redis.call('XADD', KEYS[1], '*', 'reply', ARGV[3])
  if result == 2 then redis.call('PEXPIRE', KEYS[1], ARGV[5]) end
end
pcall(redis.call, 'XACK', KEYS[2], ARGV[1], ARGV[2])
return result`;
const ANNOUNCE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[3]), ARGV[1])
redis.call('PUBLISH', ARGV[4], ARGV[5])
return now`;
const READ_BY_PRIORITY = `
local want = tonumber(ARGV[3])
local out = {}
for i = 1, #KEYS do
  if want <= 0 then break end
  local r = redis.call('XREADGROUP', 'GROUP', ARGV[1], ARGV[2], 'COUNT', want, 'STREAMS', KEYS[i], '>')
  if r then
    for _, e in ipairs(r[1][2]) do
      table.insert(out, {KEYS[i], e[1], e[2]})
      want = want - 1
    end
  end
end
return out`;
const WITHDRAW = `
redis.call('ZREM', KEYS[2], ARGV[1])
if redis.call('HDEL', KEYS[1], ARGV[1]) == 1 then
  redis.call('PUBLISH', ARGV[2], ARGV[3])
  return 1
end
return 0`;

const redis = new Redis(s.broker, { lazyConnect: true, maxRetriesPerRequest: 3 });
const reader = new Redis(s.broker, { lazyConnect: true, maxRetriesPerRequest: null });
const held = new Map(); // '<stream>|<entry id>' -> [stream, entry id], from the read until the reply is committed
const answered = new Answered();
let inFlight = 0;
let stopping = false;

async function announce() {
  await redis.eval(ANNOUNCE, 2, `${prefix}:registry`, `${prefix}:registry:leases`, s.agentId, JSON.stringify(descriptor(s)),
    s.leaseMillis, `${prefix}:registry:events`, encodeAnnouncement(s));
}

async function deadLetter(stream, id, fields, reason) {
  const out = ['source', stream, 'id', id, 'reason', reason];
  for (let i = 0; i + 1 < fields.length; i += 2) out.push(`field.${fields[i]}`, fields[i + 1]);
  await redis.xadd(`${prefix}:dead-letter`, 'MAXLEN', '~', 10000, '*', ...out);
  await redis.xack(stream, GROUP, id);
}

async function take(stream, id, fields) {
  if (!fields) { // the entry was trimmed or deleted while pending
    await redis.xack(stream, GROUP, id);
    return;
  }
  let task;
  try {
    const at = fields.indexOf('task');
    if (at < 0 || at % 2 !== 0) throw new MalformedEnvelope("entry must have a field 'task'");
    task = decodeTask(Buffer.from(fields[at + 1], 'utf8'));
    if (!task.replyTo || !task.replyTo.startsWith(`${prefix}:replies:`)) {
      throw new MalformedEnvelope(`replyTo must be a key under ${prefix}:replies:, but was ${JSON.stringify(task.replyTo)}`);
    }
  } catch (e) {
    if (!(e instanceof MalformedEnvelope)) throw e;
    await deadLetter(stream, id, fields, e.message);
    return;
  }
  const done = `${prefix}:done:${task.taskId}:${task.attempt}`;
  if (answered.has(task) || await redis.exists(done)) {
    await redis.xack(stream, GROUP, id); // a redelivery of an attempt already answered
    return;
  }
  const outcome = await run(task, s.agentId);
  await redis.eval(COMMIT_REPLY, 3, task.replyTo, stream, done, GROUP, id, encodeResult(task, s.agentId, outcome),
    DONE_TTL_MS, REPLY_STREAM_TTL_MS);
  answered.add(task, true);
  log(`done ${task.taskId} ${task.attempt}`);
}

// Entries read but not started yet wait here, highest priority first; they stay in `held` (and
// are touched) from the read until their reply is committed.
const waiting = [];

function hold(stream, id, fields) {
  if (held.has(`${stream}|${id}`)) return; // our own entry, reclaimed while we hold it
  held.set(`${stream}|${id}`, [stream, id]);
  waiting.push({ stream, id, fields });
  waiting.sort((a, b) => Number(b.stream.at(-1)) - Number(a.stream.at(-1)));
  pump();
}

function pump() {
  while (inFlight < s.maxConcurrency && waiting.length > 0) {
    const { stream, id, fields } = waiting.shift();
    inFlight++;
    take(stream, id, fields).catch((e) => log(`error ${e.message}`)).finally(() => {
      held.delete(`${stream}|${id}`);
      inFlight--;
      pump();
    });
  }
}

async function readLoop() {
  while (!stopping) {
    const free = s.maxConcurrency - inFlight - waiting.length;
    if (free <= 0) {
      await new Promise((r) => setTimeout(r, 20));
      continue;
    }
    // Up to `free` entries, highest priority first; when all are empty, block until one arrives.
    const rows = await redis.eval(READ_BY_PRIORITY, streams.length, ...streams, GROUP, consumer, free);
    for (const [stream, id, fields] of rows) hold(stream, id, fields);
    if (rows.length === 0) {
      const batch = await reader.xreadgroup('GROUP', GROUP, consumer, 'COUNT', 1, 'BLOCK', 500, 'STREAMS', ...streams,
        ...streams.map(() => '>'));
      for (const [stream, entries] of batch ?? []) {
        for (const [id, fields] of entries) hold(stream, id, fields);
      }
    }
  }
}

// Entries a crashed consumer left pending are taken over once idle for claimIdle; the ones this
// worker holds are touched well before that, so a long task is not taken from it.
async function claimLoop() {
  const free = () => s.maxConcurrency - inFlight - waiting.length;
  for (const stream of streams) {
    const ids = [...held.values()].filter(([st]) => st === stream).map(([, id]) => id);
    if (ids.length > 0) await redis.xclaim(stream, GROUP, consumer, 0, ...ids, 'JUSTID');
    if (free() > 0) {
      const [, entries, deleted] = await redis.xautoclaim(stream, GROUP, consumer, s.claimIdleMillis, '0-0', 'COUNT', free());
      for (const [id, fields] of entries) hold(stream, id, fields);
      for (const id of deleted ?? []) await redis.xack(stream, GROUP, id);
    }
  }
}

await redis.connect();
await reader.connect();
for (const stream of streams) {
  try {
    await redis.xgroup('CREATE', stream, GROUP, '0', 'MKSTREAM');
  } catch (e) {
    if (!String(e.message).includes('BUSYGROUP')) throw e;
  }
}
await announce();
const heartbeat = setInterval(() => announce().catch((e) => log(`heartbeat failed ${e.message}`)), s.heartbeatMillis);
const claims = setInterval(() => claimLoop().catch((e) => log(`claim failed ${e.message}`)), Math.max(100, Math.floor(s.claimIdleMillis / 3)));
onStop(async () => {
  stopping = true;
  clearInterval(heartbeat);
  clearInterval(claims);
  await redis.eval(WITHDRAW, 2, `${prefix}:registry`, `${prefix}:registry:leases`, s.agentId, `${prefix}:registry:events`,
    encodeWithdrawal(s));
  reader.disconnect();
  await redis.quit();
});
log(`ready ${s.agentId} ${s.endpoint}`);
readLoop().catch((e) => {
  if (!stopping) {
    log(`read failed ${e.message}`);
    process.exit(1);
  }
});
