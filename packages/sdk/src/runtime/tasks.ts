/**
 * `ctx.tasks` (protocol.md §4, connector → workspace).
 */
import { randomUUID } from 'node:crypto';
import { ConnectorMethod, Feature } from '../protocol/index.js';
import { ConnectorError } from '../errors.js';
import type { TaskApi } from '../connector/context.js';

/** The part of the link that task requests need. */
export interface RequestSender {
  request(m: string, a: Record<string, unknown>): Promise<Record<string, unknown>>;
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
      let answer: Record<string, unknown>;
      try {
        answer = await link.request(ConnectorMethod.taskNew, args);
      } catch (error) {
        if (!idempotent || !(error instanceof ConnectorError) || error.code !== 'CONNECTION_LOST') throw error;
        answer = await link.request(ConnectorMethod.taskNew, args);
      }
      // §4 says "the new task id": accept `{id}` and the bare-string forms workspaces use.
      const id = typeof answer.id === 'string' ? answer.id : typeof answer.task === 'string' ? answer.task : undefined;
      if (id === undefined) throw new ConnectorError('BAD_ANSWER', `the workspace answered ${ConnectorMethod.taskNew} without a task id`);
      return id;
    },
    async update(id, data) {
      await link.request(ConnectorMethod.taskUpdate, { id, a: data });
    },
  };
}
