/**
 * Per-app Ed25519 signatures on the CloudEvents this agent publishes and
 * receives: the same scheme as chassis/signatures.py (see docs/security.md
 * "Signatures"). A signature covers the RFC 8785 canonical JSON of
 * {producer, topic, id, data} and travels in the CloudEvent extension
 * attributes `hubspokesig` (base64url) and `hubspokekid` (`<app-id>:<fingerprint>`).
 * Keys are raw Ed25519 keys in base64url: the `d` and `x` of a JWK (RFC 8037).
 */
import { createHash, createPrivateKey, createPublicKey, randomUUID, sign, verify, type KeyObject } from 'node:crypto';

import { AgentCard } from '@a2a-js/sdk';
import canonicalizeModule from 'canonicalize';

// A CommonJS package whose module.exports is the function: Node's default import is the
// function itself, while its typings describe an ES module's `default` export.
const canonicalize = canonicalizeModule as unknown as (input: unknown) => string | undefined;

export const SIGNATURE_ATTRIBUTE = 'hubspokesig';
export const KID_ATTRIBUTE = 'hubspokekid';

/** A key that is set but cannot be read: the process refuses to start. */
export class KeyError extends Error {
  override readonly name = 'KeyError';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// A raw Ed25519 key in the DER wrappers Node imports (RFC 8410: PKCS #8 and SPKI).
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

function rawKey(encoded: string, what: string): Buffer {
  const raw = Buffer.from(encoded, 'base64url');
  if (raw.length !== 32) throw new KeyError(`${what} is not 32 bytes (base64url, raw)`);
  return raw;
}

/** The bytes a signature covers (RFC 8785). Throws if `data` has no canonical form. */
export function canonicalEvent(producer: string, topic: string, id: string, data: unknown): Buffer {
  const text = canonicalize({ producer, topic, id, data });
  if (text === undefined) throw new KeyError('the message has no canonical JSON form');
  return Buffer.from(text, 'utf8');
}

/** Signs what `appId` publishes. */
export class EventSigner {
  readonly kid: string;
  private readonly key: KeyObject;

  constructor(
    readonly appId: string,
    privateKey: string,
  ) {
    const seed = rawKey(privateKey, 'HUBSPOKE_SIGNING_KEY');
    this.key = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
    const spki = createPublicKey(this.key).export({ format: 'der', type: 'spki' });
    const fingerprint = createHash('sha256').update(spki.subarray(SPKI_PREFIX.length)).digest('hex').slice(0, 16);
    this.kid = `${appId}:${fingerprint}`;
  }

  /**
   * The agent's card with a signature by this key (A2A 1.0 "Agent Card Signing": a JWS
   * with detached payload over the RFC 8785 canonical card). The payload is what the
   * Python SDK (a2a.utils.signing) verifies: the card's proto JSON without `signatures`
   * and without empty values. Not @a2a-js/sdk's generateAgentCardSignature: its canonical
   * form leaves `securitySchemes` out, so the Python SDK (the hub's registry) refuses it.
   */
  signCard(card: AgentCard): AgentCard {
    const { signatures: _previous, ...unsigned } = AgentCard.toJSON(card) as Record<string, unknown>;
    const payload = canonicalize(withoutEmpty(unsigned));
    if (payload === undefined) throw new KeyError('the card has no canonical JSON form');
    const header = { alg: 'EdDSA', kid: this.kid, typ: 'JOSE' };
    const protectedHeader = Buffer.from(JSON.stringify(header), 'utf8').toString('base64url');
    const input = `${protectedHeader}.${Buffer.from(payload, 'utf8').toString('base64url')}`;
    const signature = sign(null, Buffer.from(input, 'ascii'), this.key).toString('base64url');
    return { ...card, signatures: [...card.signatures, { protected: protectedHeader, signature, header: undefined }] };
  }

  /** A signed CloudEvent carrying `data`, to publish as application/cloudevents+json. */
  envelope(topic: string, data: unknown, id: string = randomUUID()): Record<string, unknown> {
    const signature = sign(null, canonicalEvent(this.appId, topic, id, data), this.key).toString('base64url');
    return {
      specversion: '1.0',
      id,
      source: this.appId,
      type: 'com.dapr.event.sent',
      datacontenttype: 'application/json',
      data,
      [SIGNATURE_ATTRIBUTE]: signature,
      [KID_ATTRIBUTE]: this.kid,
    };
  }
}

/** `value` without empty strings, lists and objects, recursively (as a2a.utils.signing does). */
function withoutEmpty(value: unknown): unknown {
  if (Array.isArray(value)) {
    const kept = value.map(withoutEmpty).filter((v) => v !== undefined);
    return kept.length > 0 ? kept : undefined;
  }
  if (isRecord(value)) {
    const kept = Object.entries(value)
      .map(([k, v]): [string, unknown] => [k, withoutEmpty(v)])
      .filter(([, v]) => v !== undefined);
    return kept.length > 0 ? Object.fromEntries(kept) : undefined;
  }
  return value === '' || value === null ? undefined : value;
}

/** Checks a delivered CloudEvent against its topic owner's public key. */
export class EventVerifier {
  private readonly keys = new Map<string, KeyObject>();

  /** `publicKeys`: JSON object, app id -> base64url raw public key. */
  constructor(
    publicKeys: string,
    readonly enabled = true,
  ) {
    const listed: unknown = JSON.parse(publicKeys || '{}');
    if (!isRecord(listed)) throw new KeyError('HUBSPOKE_SIGNING_PUBLIC_KEYS is not a JSON object');
    for (const [appId, x] of Object.entries(listed)) {
      const raw = rawKey(String(x), `the public key of '${appId}'`);
      this.keys.set(appId, createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' }));
    }
  }

  /** Why `event` is not `producer`'s signed message for `topic`, or undefined if it is. */
  refusal(event: unknown, producer: string, topic: string): string | undefined {
    if (!this.enabled) return undefined;
    if (!isRecord(event)) return 'signature: the message is not a CloudEvent object';
    const signature = event[SIGNATURE_ATTRIBUTE];
    if (typeof signature !== 'string' || signature === '') {
      return `signature: none on a message of '${producer}''s topic ${topic}`;
    }
    const key = this.keys.get(producer);
    if (key === undefined) return `signature: no public key known for '${producer}'`;
    try {
      const signed = canonicalEvent(producer, topic, String(event.id), event.data);
      if (verify(null, signed, key, Buffer.from(signature, 'base64url'))) return undefined;
    } catch {
      // no canonical form: the same answer as a wrong signature
    }
    return `signature: not '${producer}''s for this message on ${topic} (signed by another key, or changed after signing)`;
  }
}
