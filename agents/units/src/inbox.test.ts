import { DefaultRequestHandler, InMemoryTaskStore } from '@a2a-js/sdk/server';
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';

import { buildCard } from './card.ts';
import type { AgentResult } from './contract.ts';
import { UnitsExecutor } from './executor.ts';
import { WorkInbox } from './inbox.ts';
import { loadSettings } from './settings.ts';
import { DaprError } from './dapr.ts';
import { EventSigner, EventVerifier } from './signatures.ts';
import { FakeDapr, silent } from './testing.ts';

const STEP = 'c'.repeat(32);
const HUB = new EventSigner('orchestrator', Buffer.alloc(32, 1).toString('base64url'));
const HUB_PUBLIC = 'iojj3XQJ8ZX9UtstPLpdcspnCb8dlBIb83SIAbQPb1w';

function event(text: string, overrides: Record<string, unknown> = {}) {
  return HUB.envelope('agent.requests.units', {
      taskId: 'task-1',
      stepId: STEP,
      agent: 'units',
      deadline: new Date(Date.now() + 60_000).toISOString(),
      request: {
        message: { messageId: STEP, contextId: 'task-1', role: 'ROLE_USER', parts: [{ text }] },
      },
      ...overrides,
  }, 'event-1');
}

let dapr: FakeDapr;
let inbox: WorkInbox;
let executions: number;

beforeEach(() => {
  dapr = new FakeDapr();
  executions = 0;
  const executor = new UnitsExecutor(silent);
  const counted = {
    execute: (...args: Parameters<UnitsExecutor['execute']>) => {
      executions++;
      return executor.execute(...args);
    },
    cancelTask: executor.cancelTask.bind(executor),
  };
  const handler = new DefaultRequestHandler(buildCard(loadSettings({})), new InMemoryTaskStore(), counted);
  const verifier = new EventVerifier(JSON.stringify({ orchestrator: HUB_PUBLIC }));
  inbox = new WorkInbox({
    dapr, handler, store: 'statestore', pubsub: 'pubsub', appId: 'units', verifier, hub: 'orchestrator', log: silent,
  });
});

function state(result: unknown): string {
  return ((result as AgentResult).task as { status: { state: string } }).status.state;
}

describe('WorkInbox', () => {
  it('drops work the hub did not sign, or that was changed after signing, without working on it', async () => {
    const signed = event('convert 5 km to miles');
    const tampered = { ...signed, data: { ...(signed.data as Record<string, unknown>), taskId: 'task-2' } };
    const { hubspokesig: _dropped, ...unsigned } = signed;
    const stranger = new EventSigner('calculator', Buffer.alloc(32, 2).toString('base64url'));
    const forged = stranger.envelope('agent.requests.units', signed.data, 'event-1');
    for (const message of [tampered, unsigned, forged]) {
      assert.equal(await inbox.handle(message), 'DROP');
    }
    assert.equal(executions, 0);
    assert.equal(dapr.published.length, 0);
  });

  it('answers work on its own agent.results.units with the task, keyed by the event id', async () => {
    assert.equal(await inbox.handle(event('convert 5 km to miles')), 'SUCCESS');
    assert.equal(dapr.published.length, 1);
    const [sent] = dapr.published;
    assert.equal(sent?.topic, 'agent.results.units');
    assert.deepEqual(sent?.metadata, { 'cloudevent.id': 'event-1' });
    const result = sent?.data as AgentResult;
    assert.equal(result.stepId, STEP);
    assert.equal(result.taskId, 'task-1');
    assert.equal(result.agent, 'units');
    assert.equal(state(result), 'TASK_STATE_COMPLETED');
  });

  it('answers a delivery of the same step again with the same result, without working again', async () => {
    await inbox.handle(event('convert 5 km to miles'));
    assert.equal(await inbox.handle(event('convert 5 km to miles')), 'SUCCESS');
    assert.equal(executions, 1);
    assert.equal(dapr.published.length, 2);
    assert.deepEqual(dapr.published[1]?.data, dapr.published[0]?.data);
    assert.equal(dapr.state.get(`statestore/answered-${STEP}`)?.ttlSeconds, 86400);
  });

  it('answers duplicates delivered at the same time with one piece of work', async () => {
    const statuses = await Promise.all([inbox.handle(event('convert 5 km to miles')), inbox.handle(event('convert 5 km to miles'))]);
    assert.deepEqual(statuses, ['SUCCESS', 'SUCCESS']);
    assert.equal(executions, 1);
    assert.equal(dapr.published.length, 2);
    assert.deepEqual(dapr.published[1]?.data, dapr.published[0]?.data);
  });

  it('answers nonsense as a rejected task, and a passed deadline as a failed one', async () => {
    await inbox.handle(event('convert 5 km to kg'));
    assert.equal(state(dapr.published[0]?.data), 'TASK_STATE_REJECTED');
    await inbox.handle(event('convert 5 km to miles', { stepId: 'd'.repeat(32), deadline: new Date(Date.now() - 1000).toISOString() }));
    assert.equal(state(dapr.published[1]?.data), 'TASK_STATE_FAILED');
  });

  it('drops what is malformed or addressed to another agent', async () => {
    assert.equal(await inbox.handle({ id: 'x', data: 'text' }), 'DROP');
    assert.equal(await inbox.handle(event('1 km to m', { stepId: 'not-hex' })), 'DROP');
    assert.equal(await inbox.handle(event('1 km to m', { agent: 'calculator' })), 'DROP');
    assert.equal(dapr.published.length, 0);
  });

  it('asks Dapr to retry when the sidecar cannot take the answer', async () => {
    dapr.failing = true;
    assert.equal(await inbox.handle(event('convert 5 km to miles')), 'RETRY');
  });

  it('answers the retried delivery with the answer it could not send, and stores it then', async () => {
    const publish = dapr.publish.bind(dapr);
    let refusals = 1;
    dapr.publish = async (...args) => {
      if (refusals-- > 0) throw new DaprError('broker busy (fake)');
      return publish(...args);
    };
    assert.equal(await inbox.handle(event('convert 5 km to miles')), 'RETRY');
    assert.equal(await inbox.handle(event('convert 5 km to miles')), 'SUCCESS');
    assert.equal(executions, 1);
    assert.equal(dapr.published.length, 1);
    assert.ok(dapr.state.has(`statestore/answered-${STEP}`));
  });

  it('gives up a result too large to publish, with the reason on its own dead letters', async () => {
    dapr.maxMessageBytes = 300;
    assert.equal(await inbox.handle(event('convert 5 km to miles')), 'SUCCESS');
    assert.equal(dapr.published.length, 1);
    const [sent] = dapr.published;
    assert.equal(sent?.topic, 'tasks.deadletter.units');
    const notice = sent?.data as { stepId: string; taskId: string; agent: string; reason: string };
    assert.deepEqual([notice.stepId, notice.taskId, notice.agent], [STEP, 'task-1', 'units']);
    assert.match(notice.reason, /exceeds the limit of 300 bytes/);
  });
});
