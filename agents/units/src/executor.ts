/**
 * The A2A side of the agent: one SendMessage = one step = one conversion.
 *
 * Outcomes are task states (DESIGN-A2A.md): `completed` with the artifact
 * `answer` (a text part, and the conversion as a data part); a refusal
 * (`ConversionRefused`, an unknown skill, no text) is `rejected` with the
 * reason as the status message, a JSON-RPC success, never a transport error,
 * so it is never retried and never trips a circuit breaker; the deadline in
 * `metadata.hubspoke.deadline` passed is `failed` with "deadline passed"; any
 * other error is `failed` (its detail goes to the log, not to the caller).
 */
import { Role, TaskState, type Message, type Part, type Task } from '@a2a-js/sdk';
import { AgentEvent, type AgentExecutor, type ExecutionEventBus, type RequestContext } from '@a2a-js/sdk/server';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';

import { SKILL_ID } from './card.ts';
import { ConversionRefused, convert, convertQuantity, type Conversion } from './convert.ts';

export const DEADLINE_PASSED = 'deadline passed';

/** What the step's metadata asks: `metadata.hubspoke = {deadline, skill}`. */
export interface StepOrders {
  deadline: Date | undefined;
  skill: string | undefined;
}

type Outcome =
  | { state: TaskState.TASK_STATE_COMPLETED; conversion: Conversion }
  | { state: TaskState.TASK_STATE_REJECTED | TaskState.TASK_STATE_FAILED; reason: string };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The step's orders from the message's metadata (or the request's); refuses malformed ones. */
export function stepOrders(...sources: unknown[]): StepOrders {
  const hubspoke = sources.map((m) => (isRecord(m) ? m.hubspoke : undefined)).find(isRecord) ?? {};
  const { deadline, skill } = hubspoke;
  if (deadline !== undefined && (typeof deadline !== 'string' || Number.isNaN(Date.parse(deadline)))) {
    throw new ConversionRefused('metadata.hubspoke.deadline must be an RFC 3339 time');
  }
  if (skill !== undefined && skill !== null && typeof skill !== 'string') {
    throw new ConversionRefused('metadata.hubspoke.skill must be a skill id');
  }
  return {
    deadline: deadline === undefined ? undefined : new Date(deadline),
    skill: typeof skill === 'string' ? skill : undefined,
  };
}

/** The text of a message's text parts, joined by newlines. */
export function messageText(message: Message): string {
  return message.parts
    .flatMap((part) => (part.content?.$case === 'text' ? [part.content.value] : []))
    .join('\n');
}

/** The skill's structured arguments, if a data part carries them: `{value, from, to}`. */
export function messageArguments(message: Message): { value: number; from: string; to: string } | undefined {
  for (const part of message.parts) {
    if (part.content?.$case !== 'data') continue;
    const { value, from, to } = (part.content.value ?? {}) as Record<string, unknown>;
    if (typeof value === 'number' && typeof from === 'string' && typeof to === 'string') {
      return { value, from, to };
    }
  }
  return undefined;
}

function textPart(text: string): Part {
  return { content: { $case: 'text', value: text }, metadata: undefined, filename: '', mediaType: 'text/plain' };
}

function agentMessage(text: string, taskId: string, contextId: string): Message {
  return {
    messageId: randomUUID().replaceAll('-', ''),
    contextId,
    taskId,
    role: Role.ROLE_AGENT,
    parts: [textPart(text)],
    metadata: undefined,
    extensions: [],
    referenceTaskIds: [],
  };
}

export class UnitsExecutor implements AgentExecutor {
  constructor(
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** The step's outcome, without events: the logic the tests drive directly. */
  decide(message: Message, requestMetadata?: unknown): Outcome {
    let orders: StepOrders;
    try {
      orders = stepOrders(message.metadata, requestMetadata);
    } catch (error) {
      return { state: TaskState.TASK_STATE_REJECTED, reason: (error as Error).message };
    }
    const passed = () => orders.deadline !== undefined && orders.deadline.getTime() <= this.now();
    if (passed()) return { state: TaskState.TASK_STATE_FAILED, reason: DEADLINE_PASSED };
    if (orders.skill !== undefined && orders.skill !== SKILL_ID) {
      return { state: TaskState.TASK_STATE_REJECTED, reason: `unknown skill ${JSON.stringify(orders.skill)}; this agent has ${SKILL_ID}` };
    }
    try {
      // Arguments a planner filled (a data part) win over reading them from the text.
      const args = messageArguments(message);
      const conversion = args ? convertQuantity(args.value, args.from, args.to) : convert(messageText(message));
      // The work is bounded (500 characters, one unit conversion); checked again after it.
      if (passed()) return { state: TaskState.TASK_STATE_FAILED, reason: DEADLINE_PASSED };
      return { state: TaskState.TASK_STATE_COMPLETED, conversion };
    } catch (error) {
      if (error instanceof ConversionRefused) {
        return { state: TaskState.TASK_STATE_REJECTED, reason: error.message };
      }
      throw error;
    }
  }

  async execute(ctx: RequestContext, bus: ExecutionEventBus): Promise<void> {
    const { taskId, contextId } = ctx;
    const message = ctx.userMessage;
    const task: Task = {
      id: taskId,
      contextId,
      status: { state: TaskState.TASK_STATE_WORKING, message: undefined, timestamp: new Date().toISOString() },
      artifacts: [],
      history: [message],
      metadata: undefined,
    };
    bus.publish(AgentEvent.task(task));
    let outcome: Outcome;
    try {
      outcome = this.decide(message, ctx.request.metadata);
    } catch (error) {
      this.log.error({ err: String(error), taskId }, 'conversion crashed');
      outcome = { state: TaskState.TASK_STATE_FAILED, reason: 'the agent failed while converting' };
    }
    let status: Message | undefined;
    if (outcome.state === TaskState.TASK_STATE_COMPLETED) {
      const { conversion } = outcome;
      bus.publish(
        AgentEvent.artifactUpdate({
          taskId,
          contextId,
          artifact: {
            artifactId: randomUUID().replaceAll('-', ''),
            name: 'answer',
            description: '',
            parts: [
              textPart(conversion.text),
              { content: { $case: 'data', value: { ...conversion } }, metadata: undefined, filename: '', mediaType: 'application/json' },
            ],
            metadata: undefined,
            extensions: [],
          },
          append: false,
          lastChunk: true,
          metadata: undefined,
        }),
      );
      this.log.info({ taskId }, 'converted');
    } else {
      status = agentMessage(outcome.reason, taskId, contextId);
      this.log.info({ taskId, state: TaskState[outcome.state], reason: outcome.reason }, 'not converted');
    }
    bus.publish(
      AgentEvent.statusUpdate({
        taskId,
        contextId,
        status: { state: outcome.state, message: status, timestamp: new Date().toISOString() },
        metadata: undefined,
      }),
    );
    bus.finished();
  }

  async cancelTask(taskId: string, bus: ExecutionEventBus): Promise<void> {
    // A conversion ends within its call; there is never a running one to stop.
    this.log.info({ taskId }, 'cancel asked for a task that is not running');
    bus.finished();
  }
}
