// Prints what wire.mjs makes of a task envelope (given as base64 of its JSON in argv[2]) and the
// envelopes it writes, one JSON object a line, then "end". The Java tests check these against the
// specification's JSON Schema: proof that the workers use only fields the specification names.
import { decodeTask, encodeAnnouncement, encodeResult, encodeWithdrawal, run } from './wire.mjs';

const task = decodeTask(Buffer.from(process.argv[2], 'base64'));
const out = (kind, body) => process.stdout.write(`${JSON.stringify({ kind, body })}\n`);
out('decoded', { ...task, payload: task.payload.toString('base64') });
out('result', JSON.parse(encodeResult(task, 'node-1', await run(task, 'node-1'))));
out('result', JSON.parse(encodeResult(task, 'node-1', await run({ ...task, payload: Buffer.from('fail:no-stock') }, 'node-1'))));
out('result', JSON.parse(encodeResult(task, 'node-1', await run({ ...task, deadlineEpochMillis: 1 }, 'node-1'))));
for (const scheme of ['redis', 'amqp', 'kafka']) {
  for (const shared of [false, true]) {
    const s = {
      agentId: 'node-1', capability: task.capability, endpoint: shared ? `${scheme}:capability/${task.capability}` : `${scheme}:node-1`,
      maxConcurrency: 4, leaseMillis: 3000,
    };
    out('announcement', JSON.parse(encodeAnnouncement(s)));
    if (!shared) out('withdrawal', JSON.parse(encodeWithdrawal(s)));
  }
}
process.stdout.write('end\n');
