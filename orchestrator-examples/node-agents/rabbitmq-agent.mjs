// A worker on the RabbitMQ transport (docs/wire-format.md, "RabbitMQ"): consumes the agent's own
// queue or a capability's shared queue with manual acks, publishes the result to the task's
// reply_to queue on a confirm channel, and acks the task only once the broker confirmed the reply.
import amqp from 'amqplib';
import {
  Answered, MalformedEnvelope, decodeDirectory, decodeTask, encodeAnnouncement, encodeResult, encodeWithdrawal, log, onStop, run, settings,
} from './wire.mjs';

const s = settings('amqp');
const prefix = s.prefix ?? 'orchestrator';
const DELIVERY_LIMIT = 5;
const queue = s.shared ? `${prefix}.capability.${s.capability}` : `${prefix}.agent.${s.agentId}`;
const routingKey = s.shared ? `capability.${s.capability}` : `agent.${s.agentId}`;
const json = { contentType: 'application/json' };

const connection = await amqp.connect(s.broker);
const publisher = await connection.createConfirmChannel();
const consumer = await connection.createChannel();
const answered = new Answered();
const running = new Map(); // task#attempt -> delivery tags of copies that arrived while it ran

// Same declarations as the Java side, with the same argument types (AMQP field tables are typed).
await publisher.assertExchange(`${prefix}.tasks`, 'direct', { durable: true });
await publisher.assertExchange(`${prefix}.dead-letter`, 'fanout', { durable: true });
await publisher.assertExchange(`${prefix}.directory`, 'fanout', { durable: true });
await publisher.assertExchange(`${prefix}.directory-queries`, 'fanout', { durable: true });
const args = { 'x-dead-letter-exchange': `${prefix}.dead-letter` };
// maxPriority 0: a plain queue, as the Java side declares it with the same option.
if (s.maxPriority > 0) args['x-max-priority'] = { '!': 'int', value: s.maxPriority };
if (s.queueExpiresMillis > 0) args['x-expires'] = { '!': 'long', value: s.queueExpiresMillis };
await publisher.assertQueue(queue, { durable: true, arguments: args });
await publisher.bindQueue(queue, `${prefix}.tasks`, routingKey);

function confirmed(exchange, key, body, props) {
  return new Promise((resolve, reject) => {
    publisher.publish(exchange, key, Buffer.from(body), props, (err) => (err ? reject(err) : resolve()));
  });
}

async function deadLetter(msg, reason, detail) {
  const headers = {
    ...(msg.properties.headers ?? {}), 'x-orchestrator-dead-letter-reason': reason, 'x-orchestrator-dead-letter-detail': detail,
    'x-orchestrator-dead-letter-queue': queue,
  };
  await confirmed(`${prefix}.dead-letter`, '', msg.content, { ...msg.properties, headers });
  consumer.ack(msg);
}

async function reply(task, replyTo, outcome, tags) {
  const body = encodeResult(task, s.agentId, outcome);
  await confirmed('', replyTo, body, { ...json, correlationId: task.taskId, type: 'result', deliveryMode: 1 });
  for (const m of tags) consumer.ack(m);
}

async function onTask(msg) {
  let task;
  try {
    task = decodeTask(msg.content);
  } catch (e) {
    if (!(e instanceof MalformedEnvelope)) throw e;
    await deadLetter(msg, 'malformed', e.message);
    return;
  }
  const key = `${task.taskId}#${task.attempt}`;
  const replyTo = msg.properties.replyTo || task.replyTo;
  if (running.has(key)) {
    running.get(key).push(msg); // acked with the first copy
    return;
  }
  if (answered.has(task)) {
    await reply(task, replyTo, answered.get(task), [msg]);
    return;
  }
  if (msg.fields.redelivered) {
    // Classic queues count no deliveries: count them in a header, as the Java agents do.
    const count = Math.max(1, Number(msg.properties.headers?.['x-orchestrator-delivery-count'] ?? 1)) + 1;
    if (count > DELIVERY_LIMIT) {
      await deadLetter(msg, 'delivery-limit', `task ${task.taskId} was delivered ${count} times`);
      return;
    }
    const headers = { ...(msg.properties.headers ?? {}), 'x-orchestrator-delivery-count': { '!': 'int', value: count } };
    await confirmed('', queue, msg.content, { ...msg.properties, headers });
    consumer.ack(msg);
    return;
  }
  running.set(key, [msg]);
  const outcome = await run(task, s.agentId);
  const tags = running.get(key);
  running.delete(key);
  answered.add(task, outcome);
  await reply(task, replyTo, outcome, tags);
  log(`done ${task.taskId} ${task.attempt}`);
}

// The directory: announce on the fanout exchange, and again whenever a watcher asks.
const announce = () => confirmed(`${prefix}.directory`, '', encodeAnnouncement(s), { ...json, type: 'announce', deliveryMode: 1 });
const queries = await consumer.assertQueue('', { exclusive: true, autoDelete: true });
await consumer.bindQueue(queries.queue, `${prefix}.directory-queries`, '');
await consumer.consume(queries.queue, (msg) => {
  if (msg && decodeDirectory(msg.content)?.type === 'query') announce().catch((e) => log(`announce failed ${e.message}`));
}, { noAck: true });

await consumer.prefetch(s.maxConcurrency);
const { consumerTag } = await consumer.consume(queue, (msg) => {
  if (msg) onTask(msg).catch((e) => log(`error ${e.message}`));
}, { noAck: false, exclusive: !s.shared });
await announce();
const heartbeat = setInterval(() => announce().catch((e) => log(`heartbeat failed ${e.message}`)), s.heartbeatMillis);
onStop(async () => {
  clearInterval(heartbeat);
  await consumer.cancel(consumerTag);
  await confirmed(`${prefix}.directory`, '', encodeWithdrawal(s), { ...json, type: 'withdraw', deliveryMode: 1 });
  await connection.close();
});
log(`ready ${s.agentId} ${s.endpoint}`);
