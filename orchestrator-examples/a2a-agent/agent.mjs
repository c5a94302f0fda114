// An A2A agent built only with the official @a2a-js/sdk (A2A protocol 1.0, with the SDK's
// v0.3 compatibility layer switched on). The Java interop test starts it with
//   node agent.mjs [port]
// on 127.0.0.1 (port 0, the default, picks a free one) and reads the line
//   A2A agent listening on <port>
// from its standard output. It stops on SIGTERM or when its standard input closes, so it never
// outlives the JVM that started it.
//
// Its skills, chosen by the "capability" metadata of the incoming message (the Java transport
// sets it to the task's capability):
//   echo     completes with an artifact holding the message text upper-cased
//   fail     fails, with the message text as the reason
//   slow     works until it is cancelled (tasks/cancel), then reports canceled
//   ask      stops in input-required
//   refuse   rejects the task
//   bytes    completes with an artifact holding the bytes of the message's raw parts, reversed
import express from 'express';
import { AgentEvent, DefaultRequestHandler, InMemoryTaskStore } from '@a2a-js/sdk/server';
import { agentCardHandler, jsonRpcHandler, UserBuilder } from '@a2a-js/sdk/server/express';
import { Role, TaskState } from '@a2a-js/sdk';

const port = Number(process.argv[2] ?? process.env.PORT ?? 0);

function textOf(message) {
  return (message?.parts ?? [])
    .map((p) => (p.content?.$case === 'text' ? p.content.value : ''))
    .join('');
}

function textPart(text) {
  return { content: { $case: 'text', value: text }, metadata: undefined, filename: '', mediaType: 'text/plain' };
}

function agentMessage(ctx, text) {
  return {
    messageId: crypto.randomUUID(),
    contextId: ctx.contextId,
    taskId: ctx.taskId,
    role: Role.ROLE_AGENT,
    parts: [textPart(text)],
    metadata: undefined,
    extensions: [],
    referenceTaskIds: [],
  };
}

function status(ctx, state, text) {
  return AgentEvent.statusUpdate({
    taskId: ctx.taskId,
    contextId: ctx.contextId,
    status: { state, message: text === undefined ? undefined : agentMessage(ctx, text), timestamp: new Date().toISOString() },
    metadata: undefined,
  });
}

// Tasks of the "slow" skill waiting to be cancelled: taskId -> function that ends them.
const running = new Map();

const executor = {
  async execute(ctx, bus) {
    const message = ctx.userMessage;
    const capability = message.metadata?.capability ?? 'echo';
    const text = textOf(message);
    bus.publish(AgentEvent.task({
      id: ctx.taskId,
      contextId: ctx.contextId,
      status: { state: TaskState.TASK_STATE_SUBMITTED, message: undefined, timestamp: new Date().toISOString() },
      artifacts: [],
      history: [message],
      metadata: undefined,
    }));
    bus.publish(status(ctx, TaskState.TASK_STATE_WORKING));
    switch (capability) {
      case 'echo':
        bus.publish(AgentEvent.artifactUpdate({
          taskId: ctx.taskId,
          contextId: ctx.contextId,
          artifact: { artifactId: 'result', name: 'result', description: '', parts: [textPart(text.toUpperCase())], metadata: undefined, extensions: [] },
          append: false,
          lastChunk: true,
          metadata: undefined,
        }));
        bus.publish(status(ctx, TaskState.TASK_STATE_COMPLETED));
        break;
      case 'bytes': {
        const raw = (message.parts ?? []).filter((p) => p.content?.$case === 'raw').map((p) => Buffer.from(p.content.value));
        const reversed = Buffer.from(Buffer.concat(raw)).reverse();
        bus.publish(AgentEvent.artifactUpdate({
          taskId: ctx.taskId,
          contextId: ctx.contextId,
          artifact: {
            artifactId: 'result', name: 'result', description: '', metadata: undefined, extensions: [],
            parts: [{ content: { $case: 'raw', value: reversed }, metadata: undefined, filename: '', mediaType: 'application/octet-stream' }],
          },
          append: false,
          lastChunk: true,
          metadata: undefined,
        }));
        bus.publish(status(ctx, TaskState.TASK_STATE_COMPLETED));
        break;
      }
      case 'fail':
        bus.publish(status(ctx, TaskState.TASK_STATE_FAILED, text || 'failed on purpose'));
        break;
      case 'ask':
        bus.publish(status(ctx, TaskState.TASK_STATE_INPUT_REQUIRED, 'Which city?'));
        break;
      case 'refuse':
        bus.publish(status(ctx, TaskState.TASK_STATE_REJECTED, 'not my kind of task'));
        break;
      case 'slow':
        await new Promise((resolve) => running.set(ctx.taskId, resolve));
        running.delete(ctx.taskId);
        bus.publish(status(ctx, TaskState.TASK_STATE_CANCELED, 'cancelled on request'));
        break;
      default:
        bus.publish(status(ctx, TaskState.TASK_STATE_FAILED, 'unknown skill ' + capability));
    }
    bus.finished();
  },
  async cancelTask(taskId, bus) {
    const end = running.get(taskId);
    if (end) {
      end();
    }
  },
};

function skill(id, description) {
  return { id, name: id, description, tags: [id], examples: [], inputModes: [], outputModes: [], securityRequirements: [] };
}

const app = express();
const server = app.listen(port, '127.0.0.1', () => {
  const actual = server.address().port;
  const base = `http://127.0.0.1:${actual}`;
  const card = {
    name: 'interop-echo-agent',
    description: 'Test agent for the Agent Orchestrator A2A interop test',
    supportedInterfaces: [
      { url: `${base}/a2a/jsonrpc`, protocolBinding: 'JSONRPC', tenant: '', protocolVersion: '1.0' },
      { url: `${base}/a2a/jsonrpc`, protocolBinding: 'JSONRPC', tenant: '', protocolVersion: '0.3' },
    ],
    provider: { url: base, organization: 'Agent Orchestrator tests' },
    version: '1.2.3',
    documentationUrl: `${base}/docs`,
    capabilities: { streaming: true, pushNotifications: false, extensions: [], extendedAgentCard: false },
    securitySchemes: {},
    securityRequirements: [],
    defaultInputModes: ['text/plain'],
    defaultOutputModes: ['text/plain'],
    skills: [
      skill('echo', 'Upper-cases the text it is sent'),
      skill('fail', 'Always fails'),
      skill('slow', 'Works until cancelled'),
      skill('ask', 'Asks for more input'),
      skill('refuse', 'Rejects every task'),
      skill('bytes', 'Reverses the bytes it is sent'),
    ],
    signatures: [],
  };
  const handler = new DefaultRequestHandler(card, new InMemoryTaskStore(), executor);
  app.use('/.well-known/agent-card.json', agentCardHandler({ agentCardProvider: handler, legacyCompat: { enabled: true } }));
  app.use('/a2a/jsonrpc', express.json(), jsonRpcHandler({ requestHandler: handler, userBuilder: UserBuilder.noAuthentication, legacyCompat: { enabled: true } }));
  console.log(`A2A agent listening on ${actual}`);
});

function stop() {
  server.close();
  server.closeAllConnections?.();
  process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.resume();
