/**
 * The one wiring module: settings -> telemetry, logs -> sidecar -> A2A handler,
 * inbox -> HTTP edge -> registration. `node dist/main.js` (or `npm start`).
 */
import { DefaultRequestHandler, InMemoryTaskStore } from '@a2a-js/sdk/server';
import { AgentCard } from '@a2a-js/sdk';
import type { Server } from 'node:http';

import { createApi } from './api.ts';
import { AGENT_VERSION, buildCard } from './card.ts';
import { DaprSidecar } from './dapr.ts';
import { EventSigner, EventVerifier } from './signatures.ts';
import { UnitsExecutor } from './executor.ts';
import { WorkInbox } from './inbox.ts';
import { createLogger } from './logs.ts';
import { Registrar } from './registration.ts';
import { loadSettings } from './settings.ts';
import { startTelemetry } from './telemetry.ts';

async function main(): Promise<void> {
  const settings = loadSettings();
  const telemetry = startTelemetry({
    service: settings.appId,
    version: AGENT_VERSION,
    otlpEndpoint: settings.otlpEndpoint,
    exportDelayMs: settings.spanExportDelayMs,
  });
  const secrets = [settings.appApiToken, settings.daprApiToken].filter((s): s is string => s !== undefined);
  const log = createLogger({ service: settings.appId, level: settings.logLevel, secrets });

  const signer = settings.signingKey === undefined ? undefined : new EventSigner(settings.appId, settings.signingKey);
  const built = buildCard(settings);
  const card = signer === undefined ? built : signer.signCard(built);
  // Tasks live only for the call that runs them (blocking, one step each): memory suffices.
  const handler = new DefaultRequestHandler(card, new InMemoryTaskStore(), new UnitsExecutor(log.child({ logger: 'executor' })));
  if (settings.signingKey === undefined) log.warn('no HUBSPOKE_SIGNING_KEY: messages go out unsigned');
  if (!settings.verifySignatures) {
    log.warn('HUBSPOKE_VERIFY_SIGNATURES is off: work is taken without checking who signed it');
  }
  const verifier = new EventVerifier(settings.signingPublicKeys, settings.verifySignatures);
  const dapr = new DaprSidecar(settings.daprHttpPort, settings.daprApiToken, telemetry.tracer, signer);
  const inbox = settings.asyncWork
    ? new WorkInbox({
        dapr,
        handler,
        store: settings.stateStore,
        pubsub: settings.pubsub,
        appId: settings.appId,
        verifier,
        hub: settings.hubAppId,
        log: log.child({ logger: 'inbox' }),
      })
    : undefined;
  const app = createApi({
    appId: settings.appId,
    card,
    handler,
    inbox,
    pubsub: settings.pubsub,
    appApiToken: settings.appApiToken,
    maxRequestBytes: settings.maxRequestBytes,
    tracer: telemetry.tracer,
    log,
  });

  await dapr.waitUntilReady();
  const server: Server = await new Promise((resolve) => {
    const listening = app.listen(settings.appPort, settings.appHost, () => resolve(listening));
  });
  log.info({ port: settings.appPort }, 'serving');

  const registrar = settings.selfRegister
    ? new Registrar({
        dapr,
        pubsub: settings.pubsub,
        appId: settings.appId,
        card: AgentCard.toJSON(card),
        intervalMs: settings.heartbeatSeconds * 1000,
        log: log.child({ logger: 'registration' }),
      })
    : undefined;
  registrar?.start();

  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    await registrar?.stop();
    // The sidecar keeps connections alive: close the idle ones, so close() can finish.
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
    await telemetry.shutdown();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(`units agent failed to start: ${String(error)}\n`);
  process.exit(1);
});
