/** Test fakes at the agent's ports: an in-memory sidecar and a silent logger. */
import { pino, type Logger } from 'pino';

import { MAX_MESSAGE_BYTES } from './contract.ts';
import { DaprError, checkMessageSize, type DaprPort } from './dapr.ts';

export interface Published {
  pubsub: string;
  topic: string;
  data: unknown;
  metadata: Record<string, string>;
}

/** A `DaprPort` keeping state and published messages in memory; `failing` makes calls fail. */
export class FakeDapr implements DaprPort {
  readonly published: Published[] = [];
  readonly state = new Map<string, { value: unknown; ttlSeconds: number | undefined }>();
  failing = false;
  maxMessageBytes = MAX_MESSAGE_BYTES;

  async publish(pubsub: string, topic: string, data: unknown, metadata: Record<string, string> = {}): Promise<void> {
    if (this.failing) throw new DaprError('sidecar down (fake)');
    checkMessageSize(topic, data, this.maxMessageBytes);
    this.published.push({ pubsub, topic, data: structuredClone(data), metadata });
  }

  async getState(store: string, key: string): Promise<unknown> {
    if (this.failing) throw new DaprError('sidecar down (fake)');
    return structuredClone(this.state.get(`${store}/${key}`)?.value);
  }

  async saveState(store: string, key: string, value: unknown, ttlSeconds?: number): Promise<void> {
    if (this.failing) throw new DaprError('sidecar down (fake)');
    this.state.set(`${store}/${key}`, { value: structuredClone(value), ttlSeconds });
  }
}

export const silent: Logger = pino({ level: 'silent' });
