/**
 * The webhook subscription lifecycle (§8 `webhook-subscriptions`): the workspace's
 * `connector.webhook.subscribe` and `connector.webhook.unsubscribe` run the connector's
 * `webhooks.subscribe` / `webhooks.unsubscribe`. Shared by the runtime and the test harness.
 */
import { ConnectorError } from '../errors.js';
import {
  WireErrorCode,
  WorkspaceMethod,
  checkWebhookSubscribeArgs,
  checkWebhookUnsubscribeArgs,
  type Checked,
  type WebhookSubscribeAnswer,
} from '../protocol/index.js';
import type { Connector, WebhookTarget } from './define.js';
import type { LifecycleContext } from './context.js';

/**
 * The checked value of a webhook request (protocol/workspace-calls.ts).
 * @throws ConnectorError `BAD_REQUEST` naming the method and the member that is wrong
 */
function argsOf<T>(method: string, result: Checked<T>): T {
  if (!result.ok) throw new ConnectorError(WireErrorCode.badRequest, `${method}: ${result.problem.message}`);
  return result.value;
}

/**
 * Runs a webhook lifecycle request and resolves to its answer: `{state}` for subscribe (the
 * hook's return value, `null` for none), `{ok: true}` for unsubscribe. `readSecret` turns the
 * secret as sent (a JWE from the workspace) into the `whsec_…` text.
 * @throws ConnectorError `METHOD_NOT_FOUND` without `webhooks`, `BAD_REQUEST`, or what the hook threw
 */
export async function runWebhookRequest(
  connector: Connector,
  method: string,
  a: Record<string, unknown>,
  ctx: LifecycleContext<never>,
  readSecret: (sent: string) => Promise<string>,
): Promise<Record<string, unknown>> {
  const hooks = connector.definition.webhooks;
  if (hooks === undefined) {
    throw new ConnectorError(WireErrorCode.methodNotFound, `${method}: this connector defines no webhooks (subscribe/unsubscribe)`);
  }
  if (method === WorkspaceMethod.webhookSubscribe) {
    const { webhook } = argsOf(method, checkWebhookSubscribeArgs(a));
    const secret = webhook.secret === null ? null : await readSecret(webhook.secret);
    const state = await hooks.subscribe(ctx, { ...webhook, secret });
    // The workspace keeps it as JSON: check now, while the connector can still say why.
    try {
      JSON.stringify(state ?? null);
    } catch (error) {
      throw new ConnectorError(
        'DEFINITION_INVALID',
        `webhooks.subscribe returned state that JSON cannot carry: ${(error as Error).message}`,
      );
    }
    const answer: WebhookSubscribeAnswer = { state: state ?? null };
    return answer;
  }
  const { webhook, state } = argsOf(method, checkWebhookUnsubscribeArgs(a));
  await hooks.unsubscribe(ctx, state, webhook);
  return { ok: true };
}
