/**
 * Asynchronous work: `agent.requests.<app-id>` in, `agent.results.<app-id>` out (the
 * custom binding https://hubspoke.dev/a2a/bindings/dapr-pubsub/v1).
 *
 * Each work message carries an A2A SendMessageRequest; it is answered by the
 * same request handler that serves POST /a2a, called in-process, so work that
 * arrives over pub/sub gets exactly the validation, deadline and outcomes of
 * a call through service invocation. Delivery is at-least-once: once a result
 * is published it is kept in the state store under the step id (with a TTL),
 * so a message delivered again, even to another replica, is answered with the
 * same result without being worked on again; a duplicate arriving while the
 * first is being answered (or before its answer is stored) gets that answer.
 * What does not parse is answered DROP, and Dapr moves it to the agent's
 * dead letters; a result too large to publish is given up with the reason
 * there (a WorkGivenUp), and the orchestrator fails the step with it.
 */
import { Role, SendMessageRequest, Task, TaskState, type Message } from '@a2a-js/sdk';
import { ServerCallContext, UnauthenticatedUser, type A2ARequestHandler } from '@a2a-js/sdk/server';
import type { Logger } from 'pino';

import {
  MalformedWork,
  agentDeadLetterTopic,
  agentRequestsTopic,
  agentResultsTopic,
  parseWork,
  type AgentResult,
  type AgentWork,
  type WorkGivenUp,
} from './contract.ts';
import { DaprError, MessageTooLarge, type DaprPort } from './dapr.ts';
import type { EventVerifier } from './signatures.ts';

export type DeliveryStatus = 'SUCCESS' | 'RETRY' | 'DROP';

const ANSWERED_TTL_S = 24 * 3600; // far longer than any redelivery window
const RECENT_ANSWERS = 1024;

function answeredKey(work: AgentWork): string {
  return `answered-${work.stepId}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export class WorkInbox {
  /** Steps being answered now, so a duplicate arriving meanwhile waits for the same answer. */
  private readonly inFlight = new Map<string, Promise<{ result: AgentResult; fresh: boolean }>>();
  /** Answers of late, until the state store surely has them (a duplicate may come first). */
  private readonly recent = new Map<string, AgentResult>();

  constructor(
    private readonly opts: {
      dapr: DaprPort;
      handler: A2ARequestHandler;
      store: string;
      pubsub: string;
      appId: string;
      /** Checks that the hub (`hub`) signed the work; a refused message is dropped. */
      verifier: EventVerifier;
      hub: string;
      log: Logger;
    },
  ) {}

  /** Work on one delivered CloudEvent; returns Dapr's status for it. */
  async handle(event: unknown): Promise<DeliveryStatus> {
    const { log } = this.opts;
    const eventId = isRecord(event) && typeof event.id === 'string' ? event.id : undefined;
    let work: AgentWork;
    try {
      work = parseWork(isRecord(event) ? event.data : undefined);
    } catch (error) {
      if (!(error instanceof MalformedWork)) throw error;
      log.warn({ eventId, reason: error.message }, 'dropping malformed work message');
      return 'DROP';
    }
    // Only the hub gives work: Dapr moves a refused message to our dead-letter topic,
    // where the hub records it without failing any step (it is not the hub's).
    const refused = this.opts.verifier.refusal(event, this.opts.hub, agentRequestsTopic(this.opts.appId));
    if (refused !== undefined) {
      log.warn({ eventId, reason: refused }, 'dropping work message');
      return 'DROP';
    }
    if (work.agent !== this.opts.appId) {
      log.warn({ eventId, agent: work.agent }, 'dropping work addressed to another agent');
      return 'DROP';
    }
    try {
      // Whether this delivery stores the answer: not when the store gave it, nor when
      // another delivery of the step (that stores it) did.
      let fresh = this.recent.has(work.stepId);
      let result = this.recent.get(work.stepId);
      if (result === undefined) {
        const running = this.inFlight.get(work.stepId);
        if (running !== undefined) {
          result = (await running).result; // a duplicate at the same time: the same answer
        } else {
          const lookup = this.lookUpOrAnswer(work);
          this.inFlight.set(work.stepId, lookup);
          try {
            ({ result, fresh } = await lookup);
          } finally {
            this.inFlight.delete(work.stepId);
          }
        }
      }
      try {
        await this.opts.dapr.publish(this.opts.pubsub, agentResultsTopic(this.opts.appId), result, {
          'cloudevent.id': eventId ?? work.stepId,
        });
      } catch (error) {
        if (!(error instanceof MessageTooLarge)) throw error;
        await this.giveUp(work, `the result was not published: ${error.message}`);
        return 'SUCCESS';
      }
      if (fresh) {
        await this.opts.dapr.saveState(this.opts.store, answeredKey(work), result, ANSWERED_TTL_S);
        this.recent.delete(work.stepId);
      }
    } catch (error) {
      if (!(error instanceof DaprError)) throw error;
      log.warn({ stepId: work.stepId, err: error.message }, 'work not answered yet');
      return 'RETRY';
    }
    return 'SUCCESS';
  }

  /** Record on our dead-letter topic why this work ends without a result. */
  private async giveUp(work: AgentWork, reason: string): Promise<void> {
    this.opts.log.warn({ stepId: work.stepId, reason }, 'giving up work');
    const notice: WorkGivenUp = { taskId: work.taskId, stepId: work.stepId, agent: this.opts.appId, reason };
    await this.opts.dapr.publish(this.opts.pubsub, agentDeadLetterTopic(this.opts.appId), notice);
  }

  /** The stored answer of the step, or a new one (`fresh`); one per step at a time. */
  private async lookUpOrAnswer(work: AgentWork): Promise<{ result: AgentResult; fresh: boolean }> {
    const stored = await this.opts.dapr.getState(this.opts.store, answeredKey(work));
    if (stored !== undefined) {
      // Sent again (the orchestrator ran the step again after a restart): answer
      // with what was answered, without working on it again.
      this.opts.log.info({ stepId: work.stepId }, 'work answered already; sending the answer again');
      return { result: stored as AgentResult, fresh: false };
    }
    const result = await this.answer(work);
    // Until the store has it (after the publish), a redelivery finds it here, even when
    // the publish failed and Dapr delivers the work again.
    this.recent.set(work.stepId, result);
    if (this.recent.size > RECENT_ANSWERS) {
      this.recent.delete(this.recent.keys().next().value as string); // the oldest
    }
    return { result, fresh: true };
  }

  private async answer(work: AgentWork): Promise<AgentResult> {
    const request = SendMessageRequest.fromJSON(work.request);
    const message = request.message;
    if (message !== undefined) {
      // The work's deadline binds even when the message does not repeat it.
      const metadata = isRecord(message.metadata) ? message.metadata : {};
      const hubspoke = isRecord(metadata.hubspoke) ? metadata.hubspoke : {};
      message.metadata = { ...metadata, hubspoke: { deadline: work.deadline, ...hubspoke } };
    }
    // Blocking: the answer is the task in its final state.
    request.configuration = {
      acceptedOutputModes: [],
      taskPushNotificationConfig: undefined,
      ...request.configuration,
      returnImmediately: false,
    };
    const context = new ServerCallContext({ user: new UnauthenticatedUser(), requestedVersion: '1.0' });
    let task: Task;
    try {
      const reply = await this.opts.handler.sendMessage(request, context);
      // A plain Message answer is not this agent's way; taken as a completed task all the same.
      task = 'status' in reply ? reply : finalTask(work, TaskState.TASK_STATE_COMPLETED, reply);
    } catch (error) {
      // The handler refused the request itself (no message, no parts...): the input is the
      // problem, so the answer is a rejected task, as it would be through POST /a2a.
      const reason = error instanceof Error ? error.message : String(error);
      task = finalTask(work, TaskState.TASK_STATE_REJECTED, statusMessage(work, reason));
    }
    return { taskId: work.taskId, stepId: work.stepId, agent: this.opts.appId, task: Task.toJSON(task) };
  }
}

function statusMessage(work: AgentWork, text: string): Message {
  return {
    messageId: `${work.stepId}-status`,
    contextId: work.taskId,
    taskId: work.stepId,
    role: Role.ROLE_AGENT,
    parts: [{ content: { $case: 'text', value: text }, metadata: undefined, filename: '', mediaType: 'text/plain' }],
    metadata: undefined,
    extensions: [],
    referenceTaskIds: [],
  };
}

function finalTask(work: AgentWork, state: TaskState, message: Message): Task {
  return {
    id: message.taskId || work.stepId,
    contextId: message.contextId || work.taskId,
    status: { state, message, timestamp: new Date().toISOString() },
    artifacts: [],
    history: [],
    metadata: undefined,
  };
}
