/**
 * The webhook subscription lifecycle (§8 `webhook-subscriptions`): the workspace's
 * `connector.webhook.subscribe` and `connector.webhook.unsubscribe` run the connector's
 * `webhooks.subscribe` / `webhooks.unsubscribe`. Shared by the runtime and the test harness.
 */
import { ConnectorError } from '../errors.js';
import { WireErrorCode, WorkspaceMethod } from '../protocol/index.js';
import type { Connector, WebhookTarget } from './define.js';
import type { LifecycleContext } from './context.js';
import { isRecord } from '../protocol/json.js';

/** The `webhook` member of a request, checked. @throws ConnectorError `BAD_REQUEST` */
function target(a: Record<string, unknown>, method: string): Omit<WebhookTarget, 'secret'> & { secret: unknown } {
  const webhook = a.webhook;
  if (!isRecord(webhook) || typeof webhook.url !== 'string' || typeof webhook.id !== 'string' || typeof webhook.name !== 'string') {
    throw new ConnectorError('BAD_REQUEST', `${method} needs "webhook": {"id", "name", "url"} (strings)`);
  }
  try {
    new URL(webhook.url);
  } catch {
    throw new ConnectorError('BAD_REQUEST', `${method}: "webhook.url" is not a URL`);
  }
  return { id: webhook.id, name: webhook.name, url: webhook.url, secret: webhook.secret };
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
  const webhook = target(a, method);
  if (method === WorkspaceMethod.webhookSubscribe) {
    const sent = webhook.secret;
    if (sent !== null && sent !== undefined && typeof sent !== 'string') {
      throw new ConnectorError('BAD_REQUEST', `${method}: "webhook.secret" must be a string or null`);
    }
    const secret = typeof sent === 'string' ? await readSecret(sent) : null;
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
    return { state: state ?? null };
  }
  const { secret: _omitted, ...withoutSecret } = webhook;
  await hooks.unsubscribe(ctx, a.state ?? null, withoutSecret);
  return { ok: true };
}
