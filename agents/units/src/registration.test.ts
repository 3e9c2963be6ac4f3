import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { Registrar } from './registration.ts';
import { FakeDapr, silent } from './testing.ts';

describe('Registrar', () => {
  it('registers, then heartbeats with the card, then deregisters without it', async () => {
    const dapr = new FakeDapr();
    const registrar = new Registrar({ dapr, pubsub: 'pubsub', appId: 'units', card: { name: 'Units' }, intervalMs: 20, log: silent });
    registrar.start();
    await new Promise((resolve) => setTimeout(resolve, 70));
    await registrar.stop();
    const kinds = dapr.published.map((p) => (p.data as { kind: string }).kind);
    assert.equal(kinds[0], 'register');
    assert.ok(kinds.slice(1, -1).length >= 1 && kinds.slice(1, -1).every((k) => k === 'heartbeat'), kinds.join());
    assert.equal(kinds.at(-1), 'deregister');
    assert.ok(dapr.published.every((p) => p.topic === 'agents.registry.units'));
    const first = dapr.published[0]?.data as Record<string, unknown>;
    // chassis.contract.RegistrationMessage, field for field (snake_case, as pydantic writes it).
    assert.deepEqual(Object.keys(first).sort(), ['app_id', 'card', 'instance_id', 'kind', 'sent_at']);
    assert.deepEqual(first.card, { name: 'Units' });
    assert.equal((dapr.published.at(-1)?.data as Record<string, unknown>).card, null);
  });

  it('keeps beating while the sidecar refuses, and registers once it takes messages', async () => {
    const dapr = new FakeDapr();
    dapr.failing = true;
    const registrar = new Registrar({ dapr, pubsub: 'pubsub', appId: 'units', card: {}, intervalMs: 10, log: silent });
    registrar.start();
    await new Promise((resolve) => setTimeout(resolve, 30));
    dapr.failing = false;
    await new Promise((resolve) => setTimeout(resolve, 30));
    await registrar.stop();
    assert.equal((dapr.published[0]?.data as { kind: string }).kind, 'register');
  });
});
