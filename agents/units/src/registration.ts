/**
 * Self-registration on `agents.registry.<app-id>`: register, heartbeat every interval,
 * deregister on shutdown (chassis/registration.py's behaviour and message).
 * Heartbeats carry the card too, so an orchestrator that lost the record gets
 * it back without a restart.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';

import { agentRegistryTopic, type RegistrationKind, type RegistrationMessage } from './contract.ts';
import type { DaprPort } from './dapr.ts';

export class Registrar {
  readonly instanceId = randomUUID().replaceAll('-', '');
  private timer: NodeJS.Timeout | undefined;
  private kind: RegistrationKind = 'register';
  private stopped = false;

  constructor(
    private readonly opts: {
      dapr: DaprPort;
      pubsub: string;
      appId: string;
      card: unknown;
      intervalMs: number;
      log: Logger;
    },
  ) {}

  /** The message of `kind` this instance sends now. */
  message(kind: RegistrationKind): RegistrationMessage {
    return {
      kind,
      app_id: this.opts.appId,
      instance_id: this.instanceId,
      card: kind === 'deregister' ? null : this.opts.card,
      sent_at: new Date().toISOString(),
    };
  }

  private async send(kind: RegistrationKind): Promise<void> {
    await this.opts.dapr.publish(this.opts.pubsub, agentRegistryTopic(this.opts.appId), this.message(kind));
  }

  private async beat(): Promise<void> {
    try {
      await this.send(this.kind);
      this.kind = 'heartbeat';
    } catch (error) {
      // Keep trying: the orchestrator learns of us at the next beat that gets through.
      this.opts.log.warn({ err: String(error) }, `registration ${this.kind} not published`);
    }
    if (!this.stopped) this.timer = setTimeout(() => void this.beat(), this.opts.intervalMs);
  }

  start(): void {
    void this.beat();
  }

  /** Stop heartbeating and deregister this instance (best effort, 3 s at most). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    try {
      await Promise.race([
        this.send('deregister'),
        new Promise((_, reject) => setTimeout(() => reject(new Error('timed out')), 3000).unref()),
      ]);
    } catch (error) {
      this.opts.log.warn({ err: String(error) }, 'deregistration not published');
    }
  }
}
