/**
 * What the generated README says about the project's auth kind: its config fields, and the
 * commands that set them, so each project shows only the commands that work for it.
 */
import type { AuthKind } from './options.js';

/** The auth-specific placeholders of the templates. */
export interface AuthDocs {
  /** Markdown: what `auth` in `src/index.ts` is and which config fields it adds. */
  AUTH_SECTION: string;
  /** Appended to `connector call items.get '…'`: the `--config` options a real call needs (empty for `none`). */
  CALL_CONFIG: string;
  /** Lines of `workspace` commands that give the connector its config (empty for `none`); `WS` and `NAME` filled in. */
  CONFIG_COMMANDS: string;
}

/**
 * The placeholders for `auth`. `workspace` is how the project runs the workspace CLI (e.g.
 * `npx workspace`), `name` the connector's name in the workspace.
 */
export function authDocs(auth: AuthKind, workspace: string, name: string): AuthDocs {
  const set = (pairs: string): string => `${workspace} config set ${name} ${pairs}   # secret values travel encrypted`;
  switch (auth) {
    case 'none':
      return {
        AUTH_SECTION: 'It signs in to nothing (`--auth none`): no credentials, no config fields to set.',
        CALL_CONFIG: '',
        CONFIG_COMMANDS: '',
      };
    case 'api-key':
      return {
        AUTH_SECTION:
          "`auth: apiKey({ in: 'header', name: 'X-API-Key' })` adds the secret config field `apiKey` and sends\n" +
          'it as the `X-API-Key` header.',
        CALL_CONFIG: ' --config apiKey=<API key>',
        CONFIG_COMMANDS: set('apiKey=<API key>'),
      };
    case 'basic':
      return {
        AUTH_SECTION: '`auth: basic()` adds the secret config fields `username` and `password` and sends them as HTTP Basic auth.',
        CALL_CONFIG: ' --config username=<user> --config password=<password>',
        CONFIG_COMMANDS: set('username=<user> password=<password>'),
      };
    case 'oauth2':
      return {
        AUTH_SECTION: [
          '`auth: oauth2({ … })` signs in with OAuth 2.0 (authorization code + PKCE). It adds the config fields',
          '`clientId` (plain) and `clientSecret` (secret), the OAuth app you register with the provider, whose',
          'redirect URI is `<workspace URL>/oauth/callback`. A person then connects the account once with',
          `\`${workspace} oauth connect ${name} --open\`; the workspace stores the tokens (\`oauthResult\`)`,
          "encrypted to this connector's key, and the SDK refreshes them.",
        ].join('\n'),
        CALL_CONFIG: ` --config clientId=<client id> --config clientSecret=<client secret> --config 'oauthResult={"access_token":"<access token>"}'`,
        CONFIG_COMMANDS: [
          set('clientId=<client id> clientSecret=<client secret>'),
          `${workspace} oauth connect ${name} --open   # once the connector is online: connect the account`,
        ].join('\n'),
      };
  }
}
