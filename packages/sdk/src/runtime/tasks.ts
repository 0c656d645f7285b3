/**
 * `ctx.tasks` (protocol.md §4, connector → workspace).
 */
import { randomUUID } from 'node:crypto';
import { ConnectorMethod, Feature, isRecord } from '../protocol/index.js';
import { ConnectorError } from '../errors.js';
import type { TaskApi } from '../connector/context.js';

/** The part of the link that task requests need. */
export interface RequestSender {
  /** Resolves to the answer's `a`: any JSON value (§3). */
  request(m: string, a: Record<string, unknown>): Promise<unknown>;
  /** Extensions negotiated with the workspace (§8). */
  readonly features: ReadonlySet<string>;
}

/**
 * Tasks over `connector.task.new` / `connector.task.update`. When the workspace supports it,
 * every `task.new` carries an idempotency key (reliability.md item 5), so a request lost with
 * the link is sent again once without risking a second task.
 */
export function createTaskApi(link: RequestSender): TaskApi {
  return {
    async create(name, data, options = {}) {
      // The key is an extension (§8): sent, and the request repeated, only when the workspace announced it.
      const idempotent = link.features.has(Feature.idempotencyKeys);
      const args = idempotent ? { name, a: data, idempotencyKey: options.idempotencyKey ?? randomUUID() } : { name, a: data };
      let answer: unknown;
      try {
        answer = await link.request(ConnectorMethod.taskNew, args);
      } catch (error) {
        if (!idempotent || !(error instanceof ConnectorError) || error.code !== 'CONNECTION_LOST') throw error;
        answer = await link.request(ConnectorMethod.taskNew, args);
      }
      const id = taskIdOf(answer);
      if (id === undefined) {
        throw new ConnectorError('BAD_ANSWER', `the workspace answered ${ConnectorMethod.taskNew} without a task id`);
      }
      return id;
    },
    async update(id, data) {
      await link.request(ConnectorMethod.taskUpdate, { id, a: data });
    },
  };
}

/**
 * The task id in a `connector.task.new` answer (§4): a v1 workspace answers the bare id string;
 * ours answers `{id, created}` where idempotency keys were negotiated (§8).
 */
function taskIdOf(answer: unknown): string | undefined {
  if (typeof answer === 'string') return answer === '' ? undefined : answer;
  if (isRecord(answer)) {
    const { id, task } = answer;
    if (typeof id === 'string' && id !== '') return id;
    if (typeof task === 'string' && task !== '') return task;
  }
  return undefined;
}
