/**
 * The sidecar, through Dapr's HTTP API: the only Dapr APIs an agent's role
 * allows (dapr-config/agent.yaml): publish and state. Calls carry
 * `dapr-api-token` (the sidecar refuses others) and the trace context.
 *
 * `DaprPort` is the seam: tests swap in an in-memory fake of the same
 * interface; the integration tests run this adapter against a real daprd.
 */
import type { Tracer } from '@opentelemetry/api';

import { APP_TOKEN_HEADER, MAX_MESSAGE_BYTES } from './contract.ts';
import type { EventSigner } from './signatures.ts';
import { inClientSpan } from './telemetry.ts';

/** The sidecar did not do what was asked (unreachable, or an HTTP error). */
export class DaprError extends Error {
  override readonly name: string = 'DaprError';
}

/** An event's data is over MAX_MESSAGE_BYTES: refused before anything was published. */
export class MessageTooLarge extends DaprError {
  override readonly name = 'MessageTooLarge';
}

/** Throw MessageTooLarge if `data`, as JSON, could not be delivered to any subscriber. */
export function checkMessageSize(topic: string, data: unknown, limit = MAX_MESSAGE_BYTES): void {
  const size = Buffer.byteLength(JSON.stringify(data) ?? '');
  if (size > limit) {
    throw new MessageTooLarge(`a message of ${size} bytes for ${topic} exceeds the limit of ${limit} bytes`);
  }
}

export interface DaprPort {
  /** Publish `data` (JSON) on `topic`; `metadata` goes to Dapr as is (e.g. `cloudevent.id`). */
  publish(pubsub: string, topic: string, data: unknown, metadata?: Record<string, string>): Promise<void>;
  /** The JSON stored under `key`, or undefined when there is none. */
  getState(store: string, key: string): Promise<unknown>;
  /** Store `value` (JSON) under `key`, expiring after `ttlSeconds` when given. */
  saveState(store: string, key: string, value: unknown, ttlSeconds?: number): Promise<void>;
}

const TIMEOUT_MS = 5000;

export class DaprSidecar implements DaprPort {
  private readonly base: string;

  constructor(
    port: number,
    private readonly token: string | undefined,
    private readonly tracer: Tracer,
    /** Signs every message published (chassis/signatures.py's scheme); undefined = unsigned. */
    private readonly signer?: EventSigner,
  ) {
    this.base = `http://127.0.0.1:${port}`;
  }

  private async send(
    name: string,
    method: string,
    path: string,
    body?: unknown,
    contentType = 'application/json',
  ): Promise<Response> {
    const headers: Record<string, string> = {};
    if (this.token !== undefined) headers[APP_TOKEN_HEADER] = this.token;
    if (body !== undefined) headers['content-type'] = contentType;
    return inClientSpan(this.tracer, name, headers, async (span) => {
      let reply: Response;
      try {
        reply = await fetch(`${this.base}${path}`, {
          method,
          headers,
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(TIMEOUT_MS),
        });
      } catch (error) {
        throw new DaprError(`${name}: sidecar unreachable (${String(error)})`);
      }
      span.setAttribute('http.response.status_code', reply.status);
      return reply;
    });
  }

  async publish(pubsub: string, topic: string, data: unknown, metadata: Record<string, string> = {}): Promise<void> {
    checkMessageSize(topic, data);
    const { 'cloudevent.id': eventId, ...rest } = metadata;
    // Our own envelope when signing: Dapr keeps a CloudEvent's extension attributes.
    const signed = this.signer?.envelope(topic, data, eventId);
    const query = new URLSearchParams(
      Object.entries(signed === undefined ? metadata : rest).map(([key, value]): [string, string] => [`metadata.${key}`, value]),
    ).toString();
    const path = `/v1.0/publish/${encodeURIComponent(pubsub)}/${encodeURIComponent(topic)}`;
    const target = query ? `${path}?${query}` : path;
    const reply = signed === undefined
      ? await this.send(`publish ${topic}`, 'POST', target, data)
      : await this.send(`publish ${topic}`, 'POST', target, signed, 'application/cloudevents+json');
    if (!reply.ok) {
      throw new DaprError(`publishing to ${pubsub}/${topic}: HTTP ${reply.status} ${await reply.text()}`);
    }
  }

  async getState(store: string, key: string): Promise<unknown> {
    const path = `/v1.0/state/${encodeURIComponent(store)}/${encodeURIComponent(key)}`;
    const reply = await this.send('state get', 'GET', path);
    if (reply.status === 204) return undefined;
    if (!reply.ok) throw new DaprError(`reading ${store}/${key}: HTTP ${reply.status} ${await reply.text()}`);
    return reply.json();
  }

  async saveState(store: string, key: string, value: unknown, ttlSeconds?: number): Promise<void> {
    const item: Record<string, unknown> = { key, value };
    if (ttlSeconds !== undefined) item.metadata = { ttlInSeconds: String(ttlSeconds) };
    const reply = await this.send('state save', 'POST', `/v1.0/state/${encodeURIComponent(store)}`, [item]);
    if (!reply.ok) throw new DaprError(`saving ${store}/${key}: HTTP ${reply.status} ${await reply.text()}`);
  }

  /** Wait until the sidecar's outbound side is up (components loaded), at most `timeoutMs`. */
  async waitUntilReady(timeoutMs = 60_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      try {
        const reply = await fetch(`${this.base}/v1.0/healthz/outbound`, { signal: AbortSignal.timeout(2000) });
        if (reply.ok) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > until) throw new DaprError(`sidecar not ready after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}
