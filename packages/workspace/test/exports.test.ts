import { describe, expect, it } from 'vitest';
import * as root from '../src/index.js';

describe("the workspace's entry point (issue 12 item 3)", () => {
  it('exports startWorkspace, the errors and signWebhook, and none of the server internals', () => {
    // An export is public API: adding one here is a conscious change. The hub, the store, the
    // migrations and the limits are internal (the package's tests import their modules).
    expect(Object.keys(root).sort()).toMatchInlineSnapshot(`
      [
        "RequestRejected",
        "WebhookRejected",
        "WorkspaceError",
        "WorkspaceErrorCode",
        "signWebhook",
        "startWorkspace",
      ]
    `);
  });
});
