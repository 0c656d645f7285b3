/**
 * Arguments and answers of the workspace → connector methods (protocol.md §4 "Workspace →
 * connector", and the §8 extensions `cancellation` and `webhook-subscriptions`), each with its
 * check: the SDK checks what the workspace sends, the workspace checks what a connector answers.
 */
import type { ConnectorSchema } from './config-schema.js';
import { checked, fail, object, optionalString, requiredString, shown, type Checked } from './check.js';
import { isRecord } from './json.js';

/** Answer `a` of `connector.introspect` (§4). */
export type IntrospectAnswer = Pick<ConnectorSchema, 'configSchema' | 'introspect'>;

/** `a` of `connector.set-config` (§4): each field's value, secret ones as JWE (§5). */
export type SetConfigArgs = {
  secrets: Record<string, unknown>;
};

/** `a` of `connector.query` (§4), with the members extensions add where negotiated (§8). */
export type QueryArgs = {
  /** A dotted method name or its segments. */
  query: string | readonly string[];
  variables?: unknown;
  taskId?: string;
  namespace?: string;
  sticky?: boolean;
  /** §8 `deadlines`: milliseconds the call has left when it was sent. */
  timeoutMs?: number;
  /** §8 `progress` (with `deadlines`): the call's longest total time, up to which progress notices extend it. */
  maxTimeoutMs?: number;
  /** §8 `trace-context`. */
  traceparent?: string;
  tracestate?: string;
};

/** What a connector reads from `connector.query` beside the method name and variables. */
export type QueryOptions = {
  taskId?: string;
  timeoutMs?: number;
  maxTimeoutMs?: number;
  traceparent?: string;
  tracestate?: string;
};

/** Answer `a` of `connector.start-oauth` (§4, §6 step 1). */
export type StartOAuthAnswer = {
  /** Authorization URL with the placeholders `{{redirectURI}}` and `{{codeChallenge}}` left in. */
  url: string;
  useCodeChallenge: boolean;
};

/** `a` of `connector.finish-oauth` (§4, §6 step 3). */
export type FinishOAuthArgs = {
  code: string;
  redirectURI: string;
  codeVerifier?: string;
};

/** Answer `a` of `connector.finish-oauth`: the JWE of the token response (§5, §6 step 4). */
export type FinishOAuthAnswer = {
  value: string;
};

/** `a` of the notice `connector.cancel` (§8 `cancellation`). */
export type CancelArgs = {
  /** Callback id of the query nobody waits for any more. */
  c: string;
  /** `caller`: the caller gave up; `timeout`: the workspace's deadline passed. */
  reason: 'caller' | 'timeout';
};

/** The webhook of `connector.webhook.subscribe` / `unsubscribe` (§8 `webhook-subscriptions`). */
export type WebhookTargetArgs = {
  id: string;
  name: string;
  /** The workspace URL the provider is to post to. */
  url: string;
};

/** `a` of `connector.webhook.subscribe`: `secret` is a JWE to the connector's key, or null. */
export type WebhookSubscribeArgs = {
  webhook: WebhookTargetArgs & { secret: string | null };
};

/** Answer `a` of `connector.webhook.subscribe`: whatever the connector needs to unsubscribe later. */
export type WebhookSubscribeAnswer = {
  state: unknown;
};

/** `a` of `connector.webhook.unsubscribe`: the `state` that subscribe answered. */
export type WebhookUnsubscribeArgs = {
  webhook: WebhookTargetArgs;
  state: unknown;
};

/** Checks `a` of `connector.set-config`: `secrets` is an object; left out, there is no config. */
export function checkSetConfigArgs(a: unknown): Checked<SetConfigArgs> {
  return checked(() => {
    const secrets = object(a ?? {}, '').secrets;
    return { secrets: secrets === undefined || secrets === null ? {} : object(secrets, 'secrets', 'an object {field: value}') };
  });
}

/**
 * Reads the options of a `connector.query` as a connector uses them, never failing: a member of
 * the wrong type is left out (the method name and variables are the dispatcher's to check).
 * `timeoutMs` and `maxTimeoutMs` only when positive finite numbers.
 */
export function readQueryOptions(a: Record<string, unknown>): QueryOptions {
  const options: QueryOptions = {};
  if (typeof a.taskId === 'string') options.taskId = a.taskId;
  if (typeof a.timeoutMs === 'number' && Number.isFinite(a.timeoutMs) && a.timeoutMs > 0) options.timeoutMs = a.timeoutMs;
  if (typeof a.maxTimeoutMs === 'number' && Number.isFinite(a.maxTimeoutMs) && a.maxTimeoutMs > 0) options.maxTimeoutMs = a.maxTimeoutMs;
  if (typeof a.traceparent === 'string') {
    options.traceparent = a.traceparent;
    if (typeof a.tracestate === 'string') options.tracestate = a.tracestate;
  }
  return options;
}

/** Checks a `connector.start-oauth` answer: `url` a string; `useCodeChallenge` true only when sent as `true`. */
export function checkStartOAuthAnswer(a: unknown): Checked<StartOAuthAnswer> {
  return checked(() => {
    const answer = object(a, '', 'an object {"url": …, "useCodeChallenge": …}');
    if (typeof answer.url !== 'string') fail('url', `"url" must be the authorization URL (a string), got ${shown(answer.url)}`);
    return { url: answer.url, useCodeChallenge: answer.useCodeChallenge === true };
  });
}

/** Checks `a` of `connector.finish-oauth`. */
export function checkFinishOAuthArgs(a: unknown): Checked<FinishOAuthArgs> {
  return checked(() => {
    const args = object(a ?? {}, '');
    const code = requiredString(args, 'code', '', ' (the authorization code from the callback)');
    const redirectURI = requiredString(args, 'redirectURI', '', ' (the callback URL used in the authorization request)');
    const codeVerifier = optionalString(args, 'codeVerifier');
    return codeVerifier === undefined ? { code, redirectURI } : { code, redirectURI, codeVerifier };
  });
}

/** Checks a `connector.finish-oauth` answer: `value` is the JWE of the token set (never shown: it is secret). */
export function checkFinishOAuthAnswer(a: unknown): Checked<FinishOAuthAnswer> {
  return checked(() => {
    const value = isRecord(a) ? a.value : undefined;
    if (typeof value !== 'string' || value === '') fail('value', `"value" must be a non-empty string (a JWE), got ${typeof value}`);
    return { value };
  });
}

/** Checks `a` of `connector.cancel`; `reason` is `caller` unless it says `timeout`. */
export function checkCancelArgs(a: unknown): Checked<CancelArgs> {
  return checked(() => {
    const args = object(a, '');
    const c = args.c;
    if (typeof c !== 'string') fail('c', `"c" must be the callback id of the call to cancel (a string), got ${shown(c)}`);
    return { c, reason: args.reason === 'timeout' ? 'timeout' : 'caller' };
  });
}

/** The `webhook` member of a webhook request: `id`, `name` and `url` (a URL) strings. */
function webhookTarget(args: Record<string, unknown>): WebhookTargetArgs & { secret: unknown } {
  const webhook = args.webhook;
  if (!isRecord(webhook) || typeof webhook.url !== 'string' || typeof webhook.id !== 'string' || typeof webhook.name !== 'string') {
    fail('webhook', '"webhook" must be {"id", "name", "url"} (strings)');
  }
  try {
    new URL(webhook.url);
  } catch {
    fail('webhook.url', '"webhook.url" is not a URL');
  }
  return { id: webhook.id, name: webhook.name, url: webhook.url, secret: webhook.secret };
}

/** Checks `a` of `connector.webhook.subscribe`. */
export function checkWebhookSubscribeArgs(a: unknown): Checked<WebhookSubscribeArgs> {
  return checked(() => {
    const { secret, ...target } = webhookTarget(object(a, ''));
    if (secret !== null && secret !== undefined && typeof secret !== 'string')
      fail('webhook.secret', '"webhook.secret" must be a string or null');
    return { webhook: { ...target, secret: typeof secret === 'string' ? secret : null } };
  });
}

/** Checks `a` of `connector.webhook.unsubscribe`; a missing `state` is null. */
export function checkWebhookUnsubscribeArgs(a: unknown): Checked<WebhookUnsubscribeArgs> {
  return checked(() => {
    const args = object(a, '');
    const { secret: _ignored, ...webhook } = webhookTarget(args);
    return { webhook, state: args.state ?? null };
  });
}

/** Reads a `connector.webhook.subscribe` answer's state: null when there is none. */
export function readWebhookSubscribeAnswer(a: unknown): WebhookSubscribeAnswer {
  return { state: isRecord(a) ? (a.state ?? null) : null };
}
