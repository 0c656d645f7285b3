import { describe, expect, it } from 'vitest';
import * as root from '../src/index.js';
import * as internal from '../src/internal/index.js';
import * as testing from '../src/testing/index.js';
import * as protocol from '../src/protocol/index.js';
import * as secrets from '../src/secrets/index.js';
import * as controller from '../src/controller/index.js';

/**
 * The runtime values each entry point exports (issue 12 item 3). An export is public API: adding
 * one here is a conscious change, and what only the kit itself needs goes to `./internal`.
 * Types are not listed (they leave no trace at run time); `npm run typecheck` covers their users.
 */
const names = (mod: object): string[] => Object.keys(mod).sort();

describe("the SDK's entry points (issue 12 item 3)", () => {
  it('`.` exports the authoring API, runConnector, the errors and the HTTP client, and nothing of the runtime', () => {
    expect(names(root)).toMatchInlineSnapshot(`
      [
        "AUTH_METHOD_FIELD",
        "ConnectorError",
        "DEFAULT_MAX_BINARY_BYTES",
        "DEFAULT_MAX_ITEMS",
        "HttpError",
        "LocalErrorCode",
        "OAUTH_RESULT_FIELD",
        "ProxyError",
        "REAUTHORIZATION_REQUIRED",
        "RemoteError",
        "apiKey",
        "authChoice",
        "basic",
        "buildManifest",
        "callOperation",
        "collectPages",
        "createHttpClient",
        "defineConnector",
        "defineMethod",
        "describeAutocomplete",
        "describeMethods",
        "field",
        "isConnector",
        "nextLink",
        "oauth2",
        "parseRetryAfter",
        "proxyFor",
        "requireAuthScheme",
        "runConnector",
        "session",
        "validationFailed",
        "z",
      ]
    `);
  });

  it('`./internal` holds the runtime, the link and env reading, for the kit only', () => {
    expect(names(internal)).toMatchInlineSnapshot(`
      [
        "ConnectorError",
        "ConnectorRuntime",
        "DEFAULT_DEVICE_ENDPOINT",
        "DEFAULT_WEBSOCKET_ENDPOINT",
        "SDK_FEATURES",
        "STATE_DIR",
        "WorkspaceLink",
        "brandErrorClass",
        "createLogger",
        "fileKeyStore",
        "fullJitterBackoff",
        "loadDotEnv",
        "readRuntimeEnv",
        "stateFileName",
      ]
    `);
    for (const name of names(internal).filter((n) => n !== 'ConnectorError')) expect(names(root)).not.toContain(name);
  });

  it('`./testing`, `./protocol`, `./secrets` and `./controller` export what they did', () => {
    expect({ testing: names(testing), protocol: names(protocol), secrets: names(secrets), controller: names(controller) })
      .toMatchInlineSnapshot(`
      {
        "controller": [
          "Controller",
          "controllerMethods",
          "controllerSchemasOf",
          "defineController",
          "isControllerConnector",
        ],
        "protocol": [
          "AUTH_SCHEME",
          "AnswerFallbackCode",
          "BLOB_FRAME_RESERVE",
          "CONNECTOR_NAME_PATTERN",
          "CONNECTOR_REQUEST_PREFIX",
          "ConnectorMethod",
          "DEFAULT_FRAME_BYTES",
          "ENDPOINT_TOKEN_FIELD",
          "ENDPOINT_TOKEN_SCHEMA",
          "FORBIDDEN_SEGMENTS",
          "Feature",
          "HEARTBEAT_INTERVAL_MS",
          "HEARTBEAT_TOLERANCE_MS",
          "KEY_PROOF_HEADER",
          "Liveness",
          "MAX_FRAME_BYTES",
          "MAX_FRAME_CHARS",
          "MAX_IDEMPOTENCY_KEY_LENGTH",
          "MAX_PACKETS_PER_FRAME",
          "MAX_PROGRESS_MESSAGE_BYTES",
          "MIN_PROGRESS_INTERVAL_MS",
          "PROGRESS_INTERVAL_MS",
          "SEND_HIGH_WATER_MARK",
          "SpecialQuery",
          "WEBSOCKET_SUBPROTOCOL",
          "WireErrorCode",
          "WorkspaceMethod",
          "checkBlobContentAnswer",
          "checkBlobCreateAnswer",
          "checkBlobCreateArgs",
          "checkBlobIdArgs",
          "checkBlobMetadata",
          "checkCancelArgs",
          "checkConfigUpdateArgs",
          "checkConnectBody",
          "checkFinishOAuthAnswer",
          "checkFinishOAuthArgs",
          "checkMethodName",
          "checkProgressNotice",
          "checkRegisterAnswer",
          "checkRegisterBody",
          "checkSetConfigArgs",
          "checkStartOAuthAnswer",
          "checkTaskNewAnswer",
          "checkTaskNewArgs",
          "checkTaskUpdateArgs",
          "checkWebhookSubscribeArgs",
          "checkWebhookUnsubscribeArgs",
          "cleanTracestate",
          "connectorNameOf",
          "createIdGenerator",
          "decodeBase64",
          "defaultToleranceMs",
          "encodeFrame",
          "errorAnswer",
          "errorFromAnswer",
          "extendedDeadline",
          "formatTraceparent",
          "frameIsFull",
          "isErrorAnswer",
          "isRecord",
          "maxBlobBytes",
          "negotiateFeatures",
          "normalizeQueryName",
          "parseFrame",
          "parseTraceparent",
          "progressIntervalMs",
          "readConnectAnswer",
          "readHealthCheckArgs",
          "readQueryOptions",
          "readWebhookSubscribeAnswer",
        ],
        "secrets": [
          "JWE_ALG",
          "JWE_ENC",
          "JWE_ISSUER",
          "MIN_RSA_BITS",
          "decryptSecret",
          "encryptSecret",
          "generateKeyPair",
          "importPrivateKey",
          "importPublicKey",
          "keyId",
          "keyProofMessage",
          "signKeyProof",
          "verifyKeyProof",
        ],
        "testing": [
          "createTestClock",
          "createTestHarness",
        ],
      }
    `);
  });
});
