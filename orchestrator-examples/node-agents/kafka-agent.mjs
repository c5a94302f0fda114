// A worker on the Kafka transport (docs/wire-format.md, "Kafka"): consumes the agent's inbox topic
// or a capability topic as a member of its consumer group, with auto-commit off; produces the
// result to the reply partition the task names, and commits the task's offset only once the broker
// acknowledged the result.
import kafkajs from 'kafkajs';
import {
  Answered, MalformedEnvelope, decodeTask, encodeAnnouncement, encodeResult, log, onStop, run, settings,
} from './wire.mjs';

const { Kafka, logLevel, AssignerProtocol } = kafkajs;
const s = settings('kafka');
const prefix = s.prefix ?? 'ao.';
const topic = s.shared ? `${prefix}capability.${escape(s.capability)}` : `${prefix}agent.${escape(s.agentId)}`;
const agentsTopic = `${prefix}agents`;

/** Topic names keep letters, digits, '.' and '-'; any other character becomes '_' and its code in hex. */
function escape(name) {
  return [...name].map((c) => (/[A-Za-z0-9.-]/.test(c) ? c : `_${c.charCodeAt(0).toString(16).padStart(2, '0')}`)).join('');
}

/**
 * Round-robin under the protocol name "roundrobin", the name of the Java client's RoundRobinAssignor,
 * so that this worker can share a consumer group with Java agents configured with that assignor.
 */
const roundRobin = () => ({
  name: 'roundrobin',
  version: 0,
  protocol({ topics }) {
    return { name: 'roundrobin', metadata: AssignerProtocol.MemberMetadata.encode({ version: 0, topics }) };
  },
  async assign({ members, topics }) {
    const ids = members.map((m) => m.memberId).sort();
    const plan = Object.fromEntries(ids.map((id) => [id, {}]));
    let i = 0;
    for (const t of topics) {
      for (const p of kafka.metadataFor(t)) {
        const id = ids[i++ % ids.length];
        (plan[id][t] ??= []).push(p);
      }
    }
    return ids.map((memberId) => ({
      memberId,
      memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: 0, assignment: plan[memberId], userData: Buffer.alloc(0) }),
    }));
  },
});

const client = new Kafka({ clientId: `node-${s.agentId}`, brokers: s.broker.split(','), logLevel: logLevel.ERROR });
const partitionsOf = new Map();
const kafka = { metadataFor: (t) => partitionsOf.get(t) ?? [0] };
const admin = client.admin();
await admin.connect();
try {
  await admin.createTopics({
    waitForLeaders: true,
    topics: [
      { topic, numPartitions: s.shared ? 12 : 1 },
      { topic: agentsTopic, numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }, { name: 'message.timestamp.type', value: 'LogAppendTime' }] },
    ],
  });
} catch (e) {
  if (!String(e.message).includes('exist')) throw e;
}
const meta = await admin.fetchTopicMetadata({ topics: [topic] });
partitionsOf.set(topic, meta.topics[0].partitions.map((p) => p.partitionId).sort((a, b) => a - b));
await admin.disconnect();

const producer = client.producer({ idempotent: true, maxInFlightRequests: 1 });
await producer.connect();
const consumer = client.consumer({
  groupId: topic, sessionTimeout: s.sessionTimeoutMillis, heartbeatInterval: Math.max(100, Math.floor(s.sessionTimeoutMillis / 3)),
  rebalanceTimeout: Math.max(s.sessionTimeoutMillis, 3000), partitionAssigners: [roundRobin],
  // Short fetch waits: leaving the group on stop waits for the fetch in flight.
  maxWaitTimeInMs: 250,
});
const answered = new Answered();

async function deadLetter(message, partition, reason) {
  const headers = { ...message.headers, 'x-orchestrator-dead-letter-reason': reason, 'x-orchestrator-dead-letter-topic': topic, 'x-orchestrator-dead-letter-partition': String(partition), 'x-orchestrator-dead-letter-offset': message.offset };
  await producer.send({ topic: `${prefix}dead-letter`, acks: -1, messages: [{ key: message.key, value: message.value, headers }] });
}

async function onTask({ partition, message }) {
  let task;
  try {
    task = decodeTask(message.value ?? Buffer.alloc(0));
    if (!task.replyTo) throw new MalformedEnvelope('replyTo must be present');
  } catch (e) {
    if (!(e instanceof MalformedEnvelope)) throw e;
    await deadLetter(message, partition, e.message);
    return;
  }
  if (answered.has(task)) return; // a redelivery of an answered attempt: commit past it
  const outcome = await run(task, s.agentId);
  const instance = message.headers?.['x-orchestrator-instance'];
  const replyPartition = Number.parseInt(message.headers?.['x-orchestrator-reply-partition']?.toString() ?? '', 10);
  await producer.send({
    topic: task.replyTo,
    acks: -1,
    messages: [{
      key: task.taskId, value: encodeResult(task, s.agentId, outcome), partition: Number.isInteger(replyPartition) ? replyPartition : undefined,
      headers: { ...(instance ? { 'x-orchestrator-instance': instance } : {}), 'x-orchestrator-task-id': task.taskId },
    }],
  });
  answered.add(task, true);
  log(`done ${task.taskId} ${task.attempt}`);
}

const announce = () => producer.send({ topic: agentsTopic, acks: -1, messages: [{ key: s.agentId, value: encodeAnnouncement(s) }] });

await consumer.connect();
await consumer.subscribe({ topics: [topic], fromBeginning: true });
let ready = false;
consumer.on(consumer.events.GROUP_JOIN, () => {
  if (!ready) {
    ready = true;
    log(`ready ${s.agentId} ${s.endpoint}`);
  }
});
await consumer.run({
  autoCommit: false,
  partitionsConsumedConcurrently: s.maxConcurrency,
  eachMessage: async (payload) => {
    // Keep the group membership alive while a long task runs, as the Java consumer keeps polling.
    const beat = setInterval(() => payload.heartbeat().catch(() => {}), Math.max(100, Math.floor(s.sessionTimeoutMillis / 3)));
    try {
      await onTask(payload);
    } finally {
      clearInterval(beat);
    }
    // Committed only after the reply is on the broker: a crash before this redelivers the task.
    await consumer.commitOffsets([{ topic, partition: payload.partition, offset: (BigInt(payload.message.offset) + 1n).toString() }]);
  },
});
await announce();
const heartbeat = setInterval(() => announce().catch((e) => log(`heartbeat failed ${e.message}`)), s.heartbeatMillis);
onStop(async () => {
  clearInterval(heartbeat);
  await producer.send({ topic: agentsTopic, acks: -1, messages: [{ key: s.agentId, value: null }] }); // withdrawal: a tombstone
  await consumer.disconnect();
  await producer.disconnect();
});
