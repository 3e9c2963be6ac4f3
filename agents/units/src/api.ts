/**
 * The agent's HTTP edge: what its sidecar may reach, and nothing else.
 *
 *   GET  /healthz                      liveness (open: the sidecar and kubelet probe it)
 *   GET  /.well-known/agent-card.json  the A2A card
 *   POST /a2a                          A2A JSON-RPC 2.0 (the SDK's handler)
 *   GET  /dapr/subscribe               the programmatic subscription (async work)
 *   POST /events/<pubsub>/<topic>      work deliveries from the sidecar
 *
 * Every route but /healthz needs the app token (`dapr-api-token` ==
 * APP_API_TOKEN): a request without it did not come through the sidecar.
 * Errors leave as problem JSON (RFC 9457), as in the Python services. A raw
 * path that could name another route once decoded gets 400 first (raw-path.ts).
 */
import { AgentCard } from '@a2a-js/sdk';
import type { A2ARequestHandler } from '@a2a-js/sdk/server';
import { UserBuilder, jsonRpcHandler } from '@a2a-js/sdk/server/express';
import type { Tracer } from '@opentelemetry/api';
import express, { type ErrorRequestHandler, type Express, type RequestHandler, type Response } from 'express';
import { timingSafeEqual } from 'node:crypto';
import type { Logger } from 'pino';

import {
  A2A_PATH,
  APP_TOKEN_HEADER,
  CARD_PATH,
  HEALTH_PATH,
  agentDeadLetterTopic,
  agentRequestsTopic,
} from './contract.ts';
import type { WorkInbox } from './inbox.ts';
import { rawPathGuard } from './raw-path.ts';
import { traceRequests } from './telemetry.ts';

export const PROBLEM_JSON = 'application/problem+json';

const TITLES: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  405: 'Method Not Allowed',
  413: 'Content Too Large',
  500: 'Internal Server Error',
};

/** Answer `status` with a problem JSON body. */
export function problem(res: Response, status: number, detail: string): void {
  res
    .status(status)
    .type(PROBLEM_JSON)
    .send(JSON.stringify({ type: 'about:blank', title: TITLES[status] ?? 'Error', status, detail }));
}

/** 401 for every path but /healthz unless the request carries the app token. */
export function appTokenGuard(token: string | undefined): RequestHandler {
  const expected = token === undefined ? undefined : Buffer.from(token);
  return (req, res, next) => {
    if (expected === undefined || req.path === HEALTH_PATH) {
      next();
      return;
    }
    const presented = Buffer.from(req.header(APP_TOKEN_HEADER) ?? '');
    if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) {
      problem(res, 401, 'this app accepts calls from its Dapr sidecar only (no or wrong app token)');
      return;
    }
    next();
  };
}

export interface ApiOptions {
  appId: string;
  card: AgentCard;
  handler: A2ARequestHandler;
  inbox: WorkInbox | undefined;
  pubsub: string;
  appApiToken: string | undefined;
  maxRequestBytes: number;
  tracer: Tracer;
  log: Logger;
}

/** The route Dapr delivers `topic` of `pubsub` to. */
export function eventsRoute(pubsub: string, topic: string): string {
  return `/events/${pubsub}/${topic}`;
}

export function createApi(opts: ApiOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(rawPathGuard((res, detail) => problem(res, 400, detail)));
  app.use(appTokenGuard(opts.appApiToken));
  app.use(traceRequests(opts.tracer));

  // The same shape as every Python service's /healthz.
  const health = { status: 'ok', app_id: opts.appId, version: opts.card.version };
  app.get(HEALTH_PATH, (_req, res) => {
    res.json(health);
  });

  const cardJson = AgentCard.toJSON(opts.card);
  app.get(CARD_PATH, (_req, res) => {
    res.json(cardJson);
  });

  // Exactly POST /a2a: the SDK's router would take other methods and /a2a/... too.
  const rpc = jsonRpcHandler({ requestHandler: opts.handler, userBuilder: UserBuilder.noAuthentication });
  // Parsed here with the agent's size limit (413 beyond it); the SDK's own parser then
  // finds the body read and keeps it.
  const body = express.json({ limit: opts.maxRequestBytes });
  app.all(A2A_PATH, (req, res, next) => {
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST');
      problem(res, 405, `${req.method} ${A2A_PATH} is not served; A2A JSON-RPC takes POST`);
      return;
    }
    body(req, res, (error?: unknown) => {
      if (error instanceof SyntaxError) {
        // JSON-RPC's parse error, as the SDK's own parser answers it.
        res.json({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Invalid JSON payload.' } });
        return;
      }
      if (error !== undefined) {
        next(error); // 413 and other body errors: problem JSON
        return;
      }
      req.url = '/';
      rpc(req, res, next);
    });
  });

  if (opts.inbox !== undefined) {
    const inbox = opts.inbox;
    const topic = agentRequestsTopic(opts.appId);
    const route = eventsRoute(opts.pubsub, topic);
    app.get('/dapr/subscribe', (_req, res) => {
      res.json([{ pubsubname: opts.pubsub, topic, route, deadLetterTopic: agentDeadLetterTopic(opts.appId) }]);
    });
    app.post(
      route,
      express.json({ type: ['application/json', 'application/*+json'], limit: opts.maxRequestBytes }),
      async (req, res) => {
        res.json({ status: await inbox.handle(req.body) });
      },
    );
  }

  app.use((req, res) => {
    problem(res, 404, `no route ${req.method} ${req.path}`);
  });
  const onError: ErrorRequestHandler = (error: unknown, req, res, _next) => {
    const status = (error as { status?: unknown }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      problem(res, status, (error as Error).message);
      return;
    }
    opts.log.error({ err: String(error), path: req.path }, 'unhandled error');
    problem(res, 500, 'the agent failed; see its log');
  };
  app.use(onError);
  return app;
}
