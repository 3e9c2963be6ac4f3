import { DefaultRequestHandler, InMemoryTaskStore } from '@a2a-js/sdk/server';
import { trace } from '@opentelemetry/api';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';

import { createApi, eventsRoute } from './api.ts';
import { buildCard } from './card.ts';
import { UnitsExecutor } from './executor.ts';
import { WorkInbox } from './inbox.ts';
import { EventVerifier } from './signatures.ts';
import { loadSettings } from './settings.ts';
import { FakeDapr, silent } from './testing.ts';

const TOKEN = 'app-token-for-tests-0123456789';
const settings = loadSettings({ APP_ID: 'units', APP_API_TOKEN: TOKEN });
const card = buildCard(settings);
const handler = new DefaultRequestHandler(card, new InMemoryTaskStore(), new UnitsExecutor(silent));
const dapr = new FakeDapr();
const app = createApi({
  appId: 'units',
  card,
  handler,
  inbox: new WorkInbox({
    dapr, handler, store: 'statestore', pubsub: 'pubsub', appId: 'units',
    verifier: new EventVerifier('{}', false), hub: 'orchestrator', log: silent,
  }),
  pubsub: 'pubsub',
  appApiToken: TOKEN,
  maxRequestBytes: 4096,
  tracer: trace.getTracer('test'),
  log: silent,
});

let base = '';
let server: ReturnType<typeof app.listen>;
before(async () => {
  await new Promise<void>((resolve) => {
    server = app.listen(0, '127.0.0.1', () => resolve());
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  server.closeAllConnections();
  server.close();
});

const fromSidecar = { 'dapr-api-token': TOKEN };

function rpc(method: string, params: unknown, headers: Record<string, string> = fromSidecar) {
  return fetch(`${base}/a2a`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'A2A-Version': '1.0', ...headers },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
}

/** GET `path` exactly as written: fetch() would normalise `..`, `\\` and `//`. */
function getRaw(path: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}/`, { path, headers: fromSidecar }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'] ?? '', body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const message = (text: string) => ({
  message: { messageId: 'b'.repeat(32), contextId: 'task-9', role: 'ROLE_USER', parts: [{ text }] },
});

describe('the HTTP edge', () => {
  it('refuses every route but /healthz without the app token, as problem JSON', async () => {
    for (const path of ['/.well-known/agent-card.json', '/dapr/subscribe']) {
      const reply = await fetch(`${base}${path}`);
      assert.equal(reply.status, 401, path);
      assert.equal(reply.headers.get('content-type'), 'application/problem+json; charset=utf-8');
      assert.equal(((await reply.json()) as { status: number }).status, 401);
    }
    assert.equal((await rpc('SendMessage', message('5 km to m'), { 'dapr-api-token': 'wrong' })).status, 401);
    const health = await fetch(`${base}/healthz`);
    assert.equal(health.status, 200);
    assert.equal(((await health.json()) as { app_id: string }).app_id, 'units');
  });

  it('serves the card as A2A proto JSON', async () => {
    const body = (await (await fetch(`${base}/.well-known/agent-card.json`, { headers: fromSidecar })).json()) as {
      supportedInterfaces: { url: string; protocolBinding: string }[];
      securitySchemes: Record<string, unknown>;
    };
    assert.equal(body.supportedInterfaces[0]?.url, 'http://localhost:3500/v1.0/invoke/units/method/a2a');
    assert.deepEqual(Object.keys(body.securitySchemes).sort(), ['daprApiToken', 'daprMtls']);
  });

  it('answers A2A SendMessage on POST /a2a with a completed task', async () => {
    const reply = await rpc('SendMessage', message('convert 2 km to m'));
    assert.equal(reply.status, 200);
    const body = (await reply.json()) as { result: { task: { status: { state: string }; artifacts: unknown[] } } };
    assert.equal(body.result.task.status.state, 'TASK_STATE_COMPLETED');
    assert.equal(body.result.task.artifacts.length, 1);
  });

  it('answers a refusal as a rejected task inside a JSON-RPC success (HTTP 200)', async () => {
    const reply = await rpc('SendMessage', message('convert 2 km to kg'));
    assert.equal(reply.status, 200);
    const body = (await reply.json()) as { result: { task: { status: { state: string } } }; error?: unknown };
    assert.equal(body.error, undefined);
    assert.equal(body.result.task.status.state, 'TASK_STATE_REJECTED');
  });

  it('refuses bodies over the size limit with 413 problem JSON before the handler', async () => {
    const reply = await rpc('SendMessage', message(`1 km to m ${'x'.repeat(5000)}`));
    assert.equal(reply.status, 413);
    assert.equal(((await reply.json()) as { status: number }).status, 413);
  });

  it('answers malformed JSON with the JSON-RPC parse error', async () => {
    const reply = await fetch(`${base}/a2a`, {
      method: 'POST',
      headers: { ...fromSidecar, 'content-type': 'application/json' },
      body: '{"jsonrpc": ',
    });
    assert.equal(reply.status, 200);
    assert.deepEqual(await reply.json(), {
      jsonrpc: '2.0',
      id: null,
      error: { code: -32700, message: 'Invalid JSON payload.' },
    });
  });

  it('serves A2A at exactly POST /a2a', async () => {
    const get = await fetch(`${base}/a2a`, { headers: fromSidecar });
    assert.equal(get.status, 405);
    assert.equal(get.headers.get('allow'), 'POST');
    const other = await fetch(`${base}/v1/invoke`, { method: 'POST', headers: fromSidecar });
    assert.equal(other.status, 404);
  });

  it('subscribes to its own work topic with the dead-letter topic', async () => {
    const body = await (await fetch(`${base}/dapr/subscribe`, { headers: fromSidecar })).json();
    assert.deepEqual(body, [
      {
        pubsubname: 'pubsub',
        topic: 'agent.requests.units',
        route: eventsRoute('pubsub', 'agent.requests.units'),
        deadLetterTopic: 'tasks.deadletter.units',
      },
    ]);
  });

  it('takes a CloudEvent delivery and answers with Dapr status DROP for garbage', async () => {
    const reply = await fetch(`${base}${eventsRoute('pubsub', 'agent.requests.units')}`, {
      method: 'POST',
      headers: { ...fromSidecar, 'content-type': 'application/cloudevents+json' },
      body: JSON.stringify({ id: 'x', data: { nonsense: true } }),
    });
    assert.deepEqual(await reply.json(), { status: 'DROP' });
  });

  it('refuses a raw path that could name another route once decoded, before routing', async () => {
    const tricks = [
      '/.well-known%2Fagent-card.json',
      '/.well-known%2fagent-card.json',
      '/.well-known%252Fagent-card.json',
      '/.well-known%5Cagent-card.json',
      '/.well-known/x/../agent-card.json',
      '/.well-known/x/%2E%2E/agent-card.json',
      '/.well-known//agent-card.json',
      '/%61%32%61',
      '/healthz%23x',
      '/healthz%3Fx',
      '/healthz%00',
      '/healthz%1F',
      '/healthz%0A',
      '/healthz/',
      '/a\\b',
      `/${eventsRoute('pubsub', 'agent.requests.units').slice(1).replaceAll('/', '%2F')}`,
    ];
    for (const path of tricks) {
      const reply = await getRaw(path);
      assert.equal(reply.status, 400, `${path}: ${reply.body}`);
      assert.equal(reply.type, 'application/problem+json; charset=utf-8', path);
      assert.match(JSON.parse(reply.body).detail, /sidecar authorised/, path);
    }
    assert.equal((await getRaw('/.well-known/agent-card.json')).status, 200);
  });
});
