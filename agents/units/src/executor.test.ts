import { Role, TaskState, type Message, type Task } from '@a2a-js/sdk';
import { DefaultRequestHandler, InMemoryTaskStore, ServerCallContext, UnauthenticatedUser } from '@a2a-js/sdk/server';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { buildCard } from './card.ts';
import { DEADLINE_PASSED, UnitsExecutor } from './executor.ts';
import { loadSettings } from './settings.ts';
import { silent } from './testing.ts';

function step(text: string, hubspoke?: Record<string, unknown>): Message {
  return {
    messageId: 'a'.repeat(32),
    contextId: 'task-1',
    taskId: '',
    role: Role.ROLE_USER,
    parts: [{ content: { $case: 'text', value: text }, metadata: undefined, filename: '', mediaType: 'text/plain' }],
    metadata: hubspoke === undefined ? undefined : { hubspoke },
    extensions: [],
    referenceTaskIds: [],
  };
}

async function send(message: Message, now?: () => number): Promise<Task> {
  const handler = new DefaultRequestHandler(
    buildCard(loadSettings({})),
    new InMemoryTaskStore(),
    new UnitsExecutor(silent, now),
  );
  const reply = await handler.sendMessage(
    { tenant: '', message, configuration: undefined, metadata: undefined },
    new ServerCallContext({ user: new UnauthenticatedUser(), requestedVersion: '1.0' }),
  );
  assert.ok('status' in reply, 'a blocking SendMessage answers with a task');
  return reply;
}

function statusText(task: Task): string {
  const part = task.status?.message?.parts[0]?.content;
  return part?.$case === 'text' ? part.value : '';
}

const inAMinute = () => new Date(Date.now() + 60_000).toISOString();

describe('UnitsExecutor through the SDK request handler', () => {
  it('completes a conversion with the artifact answer: text and data parts', async () => {
    const task = await send(step('convert 5 km to miles', { deadline: inAMinute(), skill: 'convert-units' }));
    assert.equal(task.status?.state, TaskState.TASK_STATE_COMPLETED);
    assert.equal(task.contextId, 'task-1');
    const [answer] = task.artifacts;
    assert.equal(answer?.name, 'answer');
    assert.deepEqual(answer?.parts.map((p) => p.content?.$case), ['text', 'data']);
    const data = answer?.parts[1]?.content;
    assert.ok(data?.$case === 'data');
    assert.equal(data.value.to, 'miles');
  });

  it('rejects nonsense with the reason as the status message', async () => {
    const task = await send(step('convert 1 km to kg'));
    assert.equal(task.status?.state, TaskState.TASK_STATE_REJECTED);
    assert.match(statusText(task), /cannot convert km to kg/);
    assert.equal(task.artifacts.length, 0);
  });

  it('fails a step whose deadline passed, without converting', async () => {
    const past = new Date(Date.now() - 1000).toISOString();
    const task = await send(step('convert 5 km to miles', { deadline: past }));
    assert.equal(task.status?.state, TaskState.TASK_STATE_FAILED);
    assert.equal(statusText(task), DEADLINE_PASSED);
    assert.equal(task.artifacts.length, 0);
  });

  it('fails when the deadline passes while converting', async () => {
    const deadline = Date.now() + 50;
    let calls = 0;
    // The first look at the clock is before the deadline, the second after it.
    const clock = () => (calls++ === 0 ? deadline - 10 : deadline + 10);
    const task = await send(step('convert 5 km to miles', { deadline: new Date(deadline).toISOString() }), clock);
    assert.equal(task.status?.state, TaskState.TASK_STATE_FAILED);
  });

  it('rejects a skill it does not have, and a malformed deadline', async () => {
    const wrong = await send(step('convert 5 km to miles', { skill: 'summarize' }));
    assert.equal(wrong.status?.state, TaskState.TASK_STATE_REJECTED);
    assert.match(statusText(wrong), /unknown skill "summarize"/);
    const malformed = await send(step('convert 5 km to miles', { deadline: 'tomorrow' }));
    assert.equal(malformed.status?.state, TaskState.TASK_STATE_REJECTED);
  });

  it('converts the structured arguments of a data part rather than reading the text', async () => {
    const message = step('how far is that?');
    message.parts.push({
      content: { $case: 'data', value: { value: 3, from: 'm', to: 'ft' } },
      metadata: undefined,
      filename: '',
      mediaType: 'application/json',
    });
    const task = await send(message);
    assert.equal(task.status?.state, TaskState.TASK_STATE_COMPLETED);
    const data = task.artifacts[0]?.parts[1]?.content;
    assert.ok(data?.$case === 'data');
    assert.ok(Math.abs(Number(data.value.result) - 9.84252) < 1e-5);
  });
});
