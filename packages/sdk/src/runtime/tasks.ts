/**
 * `ctx.tasks` (protocol.md §4, connector → workspace).
 */
import { randomUUID } from 'node:crypto';
import { ConnectorMethod, Feature, checkTaskNewAnswer, type TaskNewArgs, type TaskUpdateArgs } from '../protocol/index.js';
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
      const args: TaskNewArgs = idempotent ? { name, a: data, idempotencyKey: options.idempotencyKey ?? randomUUID() } : { name, a: data };
      let answer: unknown;
      try {
        answer = await link.request(ConnectorMethod.taskNew, args);
      } catch (error) {
        if (!idempotent || !(error instanceof ConnectorError) || error.code !== 'CONNECTION_LOST') throw error;
        answer = await link.request(ConnectorMethod.taskNew, args);
      }
      // §4: the bare id string (v1), or `{id, created}` where idempotency keys were negotiated (§8).
      const checked = checkTaskNewAnswer(answer);
      if (!checked.ok) throw new ConnectorError('BAD_ANSWER', `the workspace answered ${ConnectorMethod.taskNew} without a task id`);
      return checked.value.id;
    },
    async update(id, data) {
      const args: TaskUpdateArgs = { id, a: data };
      await link.request(ConnectorMethod.taskUpdate, args);
    },
  };
}
