/**
 * The Hubspoke contract as this agent speaks it (hubspoke.agent/v2, DESIGN-A2A.md).
 *
 * Mirrors chassis/contract.py and chassis/card.py on the Python side: the
 * registration message on `agents.registry.<app-id>` (snake_case, as pydantic writes
 * it), the work and result messages of the custom pub/sub binding
 * (camelCase, carrying A2A proto JSON), and the names of topics and the
 * card extension. Changing a field here is a contract change.
 */

export const CONTRACT_VERSION = 'hubspoke.agent/v2';
export const HUBSPOKE_EXTENSION_URI = 'https://hubspoke.dev/extensions/agent/v2';
export const PUBSUB_BINDING_URI = 'https://hubspoke.dev/a2a/bindings/dapr-pubsub/v1';
export const A2A_PATH = '/a2a';
export const CARD_PATH = '/.well-known/agent-card.json';
export const HEALTH_PATH = '/healthz';
/**
 * The largest event data this agent publishes (chassis.dapr.MAX_MESSAGE_BYTES):
 * subscribers refuse bodies over 1 MiB and Dapr wraps the data in a CloudEvent.
 */
export const MAX_MESSAGE_BYTES = 1_048_576 - 65_536;
/** The header the sidecar presents its app token in (and the app presents its own). */
export const APP_TOKEN_HEADER = 'dapr-api-token';

/**
 * The topic an agent announces itself on (register, heartbeat, deregister); only it may
 * publish there, so the orchestrator takes the sender from the topic.
 */
export function agentRegistryTopic(appId: string): string {
  return `agents.registry.${appId}`;
}

/** The topic an agent takes asynchronous work from (only it may subscribe). */
export function agentRequestsTopic(appId: string): string {
  return `agent.requests.${appId}`;
}

/** The topic an agent publishes its results on (only it may publish there). */
export function agentResultsTopic(appId: string): string {
  return `agent.results.${appId}`;
}

/** Where an agent's sidecar moves work it gave up on, and the agent its own give-ups. */
export function agentDeadLetterTopic(appId: string): string {
  return `tasks.deadletter.${appId}`;
}

/** chassis.contract.WorkGivenUp: work this agent ends without a result, and why. */
export interface WorkGivenUp {
  taskId: string;
  stepId: string;
  agent: string;
  reason: string;
}

export type RegistrationKind = 'register' | 'heartbeat' | 'deregister';

/** chassis.contract.RegistrationMessage, field for field. */
export interface RegistrationMessage {
  kind: RegistrationKind;
  app_id: string;
  instance_id: string;
  card: unknown;
  sent_at: string;
}

/** Work on `agent.requests.<app-id>`: an A2A SendMessageRequest with what the answer quotes. */
export interface AgentWork {
  taskId: string;
  stepId: string;
  agent: string;
  deadline: string;
  /** An A2A SendMessageRequest as proto JSON. */
  request: Record<string, unknown>;
}

/** The answer on `agent.results`, once per stepId. */
export interface AgentResult {
  taskId: string;
  stepId: string;
  agent: string;
  /** An A2A Task as proto JSON. */
  task: unknown;
}

/** A message that is not work of this contract: Dapr drops it to the dead letters. */
export class MalformedWork extends Error {
  override readonly name = 'MalformedWork';
}

const STEP_ID = /^[0-9a-f]{32,64}$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function field(data: Record<string, unknown>, name: string, max: number): string {
  const value = data[name];
  if (typeof value !== 'string' || value.length === 0 || value.length > max) {
    throw new MalformedWork(`${name} must be a string of 1-${max} characters`);
  }
  return value;
}

/** The work in a delivered message's `data`; `MalformedWork` says what is wrong. */
export function parseWork(data: unknown): AgentWork {
  if (!isRecord(data)) throw new MalformedWork('data must be an object');
  const stepId = field(data, 'stepId', 64);
  if (!STEP_ID.test(stepId)) throw new MalformedWork('stepId must be 32-64 hex digits');
  const deadline = field(data, 'deadline', 64);
  if (Number.isNaN(Date.parse(deadline))) throw new MalformedWork('deadline must be RFC 3339');
  const request = data.request;
  if (!isRecord(request) || !isRecord(request.message)) {
    throw new MalformedWork('request must be an A2A SendMessageRequest with a message');
  }
  return {
    taskId: field(data, 'taskId', 64),
    stepId,
    agent: field(data, 'agent', 63),
    deadline,
    request,
  };
}
