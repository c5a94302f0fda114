// The Agent Orchestrator wire format (docs/wire-format.md), as a Node worker needs it: read a task
// envelope, write result and directory envelopes. Written from the specification alone; it shares
// no code with the Java library.

export const WIRE_VERSION = 1;

/** The worker's settings, from environment variables (see README.md beside this file). */
export function settings(scheme) {
  const env = process.env;
  const agentId = required(env, 'AO_AGENT_ID');
  const capability = required(env, 'AO_CAPABILITY');
  const shared = (env.AO_ENDPOINT || 'own') === 'shared';
  const heartbeatMillis = int(env.AO_HEARTBEAT_MS, 1000);
  return {
    broker: required(env, 'AO_BROKER'),
    prefix: env.AO_PREFIX,
    agentId,
    capability,
    shared,
    endpoint: shared ? `${scheme}:capability/${capability}` : `${scheme}:${agentId}`,
    maxConcurrency: int(env.AO_MAX_CONCURRENCY, 4),
    heartbeatMillis,
    leaseMillis: 3 * heartbeatMillis,
    claimIdleMillis: int(env.AO_CLAIM_IDLE_MS, 30000),
    queueExpiresMillis: int(env.AO_QUEUE_EXPIRES_MS, 0),
    maxPriority: int(env.AO_MAX_PRIORITY, 2),
    sessionTimeoutMillis: int(env.AO_SESSION_TIMEOUT_MS, 10000),
  };
}

function required(env, name) {
  const v = env[name];
  if (!v) {
    throw new Error(`environment variable ${name} must be set`);
  }
  return v;
}

function int(text, dflt) {
  if (text === undefined || text === '') return dflt;
  const n = Number.parseInt(text, 10);
  if (!Number.isInteger(n) || n < 0) throw new Error(`expected a whole number, but was '${text}'`);
  return n;
}

/** A task envelope that breaks the specification; its message names the field, as the Java side's do. */
export class MalformedEnvelope extends Error {}

/** Parses and checks a task envelope (a Buffer or string of JSON); unknown fields are ignored. */
export function decodeTask(bytes) {
  let o;
  try {
    o = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw new MalformedEnvelope(`task must be a JSON object (${e.message})`);
  }
  if (o === null || typeof o !== 'object' || Array.isArray(o)) throw new MalformedEnvelope('task must be a JSON object');
  if (!Number.isInteger(o.version) || o.version < 1) throw new MalformedEnvelope(`version must be an integer >= 1, but was ${JSON.stringify(o.version)}`);
  if (o.version > WIRE_VERSION) throw new MalformedEnvelope(`version must be at most ${WIRE_VERSION}, but was ${o.version}`);
  str(o, 'taskId', true);
  str(o, 'capability', true);
  str(o, 'payload', true);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(o.payload) || o.payload.length % 4 !== 0) throw new MalformedEnvelope('payload must be standard base64');
  integer(o, 'priority', 0, 9);
  integer(o, 'deadlineEpochMillis', 0, Number.MAX_SAFE_INTEGER);
  integer(o, 'attempt', 1, 2147483647);
  str(o, 'key', false);
  str(o, 'replyTo', false);
  const headers = o.headers ?? {};
  if (typeof headers !== 'object' || Array.isArray(headers)) throw new MalformedEnvelope('headers must be an object of strings');
  for (const [k, v] of Object.entries(headers)) {
    if (typeof v !== 'string') throw new MalformedEnvelope(`headers['${k}'] must be a string`);
  }
  return {
    version: o.version, taskId: o.taskId, capability: o.capability, payload: Buffer.from(o.payload, 'base64'),
    priority: o.priority, deadlineEpochMillis: o.deadlineEpochMillis, key: o.key ?? null, headers,
    attempt: o.attempt, replyTo: o.replyTo ?? null,
  };
}

function str(o, field, needed) {
  const v = o[field];
  if (v === undefined || v === null) {
    if (needed) throw new MalformedEnvelope(`${field} must be present`);
    return;
  }
  if (typeof v !== 'string') throw new MalformedEnvelope(`${field} must be a string, but was ${JSON.stringify(v)}`);
  if (needed && field !== 'payload' && v.length === 0) throw new MalformedEnvelope(`${field} must not be empty`);
}

function integer(o, field, min, max) {
  const v = o[field];
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new MalformedEnvelope(`${field} must be an integer between ${min} and ${max}, but was ${JSON.stringify(v)}`);
  }
}

/** The result envelope for a task, as JSON text. */
export function encodeResult(task, agentId, outcome) {
  const r = { version: WIRE_VERSION, taskId: task.taskId, attempt: task.attempt, agentId, success: outcome.success };
  r.payload = outcome.success ? outcome.payload.toString('base64') : '';
  if (!outcome.success) {
    r.errorCode = outcome.errorCode;
    r.errorMessage = outcome.errorMessage;
    r.retryable = outcome.retryable;
  }
  return JSON.stringify(r);
}

/** The agent descriptor this worker announces. */
export function descriptor(s) {
  return {
    id: s.agentId, name: `${s.agentId} (node)`, capabilities: [s.capability], endpoint: s.endpoint,
    weight: 1, maxConcurrency: s.maxConcurrency, metadata: { language: 'node' }, version: '1.0',
  };
}

/** An announcement (and heartbeat) envelope, as JSON text. */
export function encodeAnnouncement(s) {
  return JSON.stringify({ version: WIRE_VERSION, type: 'announce', agentId: s.agentId, ttlMillis: s.leaseMillis, agent: descriptor(s) });
}

/** A withdrawal envelope, as JSON text. */
export function encodeWithdrawal(s) {
  return JSON.stringify({ version: WIRE_VERSION, type: 'withdraw', agentId: s.agentId, reason: 'withdrawn' });
}

/** Parses a directory envelope; null when it is not one this worker understands. */
export function decodeDirectory(bytes) {
  try {
    const o = JSON.parse(bytes.toString('utf8'));
    return Number.isInteger(o.version) && o.version <= WIRE_VERSION ? o : null;
  } catch {
    return null;
  }
}

/**
 * The work itself. Text payloads: "fail:<code>" fails with that code (not retryable),
 * "sleep:<ms>:<text>" waits, anything else comes back upper-cased, prefixed with the agent id.
 */
export async function handle(task, agentId) {
  let text = task.payload.toString('utf8');
  if (text.startsWith('fail:')) {
    return { success: false, errorCode: text.substring(5), errorMessage: `node agent ${agentId} refused '${text}'`, retryable: false };
  }
  if (text.startsWith('sleep:')) {
    const [, ms, rest] = text.split(':');
    await new Promise((resolve) => setTimeout(resolve, Number(ms)));
    text = rest ?? '';
  }
  return { success: true, payload: Buffer.from(`${agentId}:${text.toUpperCase()}`, 'utf8') };
}

/** Runs a task as AgentRuntime does: a task past its deadline is answered without running the handler. */
export async function run(task, agentId) {
  if (task.deadlineEpochMillis > 0 && Date.now() > task.deadlineEpochMillis) {
    return { success: false, errorCode: 'deadline-exceeded', errorMessage: `task ${task.taskId} arrived after its deadline`, retryable: false };
  }
  log(`task ${task.taskId} ${task.attempt}`);
  try {
    return await handle(task, agentId);
  } catch (e) {
    return { success: false, errorCode: 'handler-error', errorMessage: String(e?.message ?? e), retryable: false };
  }
}

/** Remembers the last answered task attempts, so a redelivered one is not run twice. */
export class Answered {
  constructor(capacity = 10000) {
    this.capacity = capacity;
    this.keys = new Map();
  }

  has(task) {
    return this.keys.has(`${task.taskId}#${task.attempt}`);
  }

  add(task, result) {
    this.keys.set(`${task.taskId}#${task.attempt}`, result);
    if (this.keys.size > this.capacity) this.keys.delete(this.keys.keys().next().value);
  }

  get(task) {
    return this.keys.get(`${task.taskId}#${task.attempt}`);
  }
}

/** One line on stdout; the Java tests read these ("ready ...", "task <id> <attempt>"). */
export function log(line) {
  process.stdout.write(`${line}\n`);
}

/** Calls stop() once when stdin closes (the parent process is done with us) or on SIGTERM/SIGINT. */
export function onStop(stop) {
  let stopping = false;
  const once = async () => {
    if (stopping) return;
    stopping = true;
    try {
      await stop();
    } finally {
      process.exit(0);
    }
  };
  process.stdin.on('end', once);
  process.stdin.on('close', once);
  process.stdin.resume();
  process.on('SIGTERM', once);
  process.on('SIGINT', once);
}
