import assert from 'node:assert/strict';
import { test } from 'node:test';

import { EventSigner, EventVerifier, KeyError, SIGNATURE_ATTRIBUTE } from './signatures.ts';

// A fixed key (bytes 0..31) and what chassis/signatures.py signs with it: Ed25519 is
// deterministic, so both sides must produce these exact strings.
const PRIVATE = 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8';
const PUBLIC = 'A6EHv_POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg';
const PYTHON_SIGNATURE = '7pO3VdxjQ5Kfako1i8m7pkMg9TJC8K0ZPn0Nn98c-OU8qBCcjxh3uhhYymX-OoMhbAoUOyrP97LuJJ2z9OsXBQ';
const TOPIC = 'agent.requests.units';
const DATA = { a: 1.5, é: [true, null, 'x'], n: 10 };

const verifier = new EventVerifier(JSON.stringify({ orchestrator: PUBLIC }));

test('signs exactly as the Python chassis does (same key id and signature)', () => {
  const signer = new EventSigner('orchestrator', PRIVATE);
  const event = signer.envelope(TOPIC, DATA, 'm1');
  assert.equal(signer.kid, 'orchestrator:56475aa75463474c');
  assert.equal(event[SIGNATURE_ATTRIBUTE], PYTHON_SIGNATURE);
  assert.equal(verifier.refusal(event, 'orchestrator', TOPIC), undefined);
});

test('refuses a message changed after signing, replayed elsewhere, or unsigned', () => {
  const event = new EventSigner('orchestrator', PRIVATE).envelope(TOPIC, DATA, 'm1');
  assert.match(verifier.refusal({ ...event, data: { ...DATA, n: 11 } }, 'orchestrator', TOPIC) ?? '', /changed after signing/);
  assert.match(verifier.refusal(event, 'orchestrator', 'agent.requests.calculator') ?? '', /signature: not/);
  assert.match(verifier.refusal({ ...event, [SIGNATURE_ATTRIBUTE]: undefined }, 'orchestrator', TOPIC) ?? '', /signature: none/);
  assert.match(verifier.refusal(event, 'calculator', TOPIC) ?? '', /no public key known for 'calculator'/);
});

test('refuses a message signed with another key', () => {
  const other = new EventSigner('orchestrator', Buffer.alloc(32, 7).toString('base64url'));
  assert.match(verifier.refusal(other.envelope(TOPIC, DATA, 'm1'), 'orchestrator', TOPIC) ?? '', /another key/);
});

test('accepts anything when verification is off, and refuses keys that are not raw Ed25519', () => {
  assert.equal(new EventVerifier('{}', false).refusal({ id: 'x' }, 'orchestrator', TOPIC), undefined);
  assert.throws(() => new EventSigner('units', 'c2hvcnQ'), KeyError);
  assert.throws(() => new EventVerifier('{"units": "c2hvcnQ"}'), KeyError);
});

test('signs its card: a JWS with its kid whose payload covers every field, securitySchemes too', async () => {
  const { buildCard } = await import('./card.ts');
  const { loadSettings } = await import('./settings.ts');
  const signer = new EventSigner('units', PRIVATE);
  const card = buildCard(loadSettings({ APP_ID: 'units' }));
  const [signature] = signer.signCard(card).signatures;
  assert.ok(signature !== undefined);
  const header = JSON.parse(Buffer.from(signature.protected, 'base64url').toString('utf8')) as unknown;
  assert.deepEqual(header, { alg: 'EdDSA', kid: signer.kid, typ: 'JOSE' });
  // Ed25519 is deterministic: the same card gives the same signature, a changed one not.
  // (That the hub's Python SDK verifies it: the registry accepts units in tests/integration.)
  const again = (c: typeof card): string | undefined => signer.signCard(c).signatures[0]?.signature;
  assert.equal(again(card), signature.signature);
  assert.notEqual(again({ ...card, description: 'changed' }), signature.signature);
  assert.notEqual(again({ ...card, securitySchemes: {} }), signature.signature);
});
