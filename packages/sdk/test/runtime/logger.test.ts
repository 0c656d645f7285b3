import { describe, expect, it } from 'vitest';
import { captureLogger } from '../support/logs.js';

describe('createLogger', () => {
  it('redacts config, secrets and token-like members whatever a handler passes', () => {
    const { logger, lines, text } = captureLogger();
    logger.info(
      {
        config: { apiKey: 'M1' },
        secrets: { a: 'M2' },
        token: 'M3',
        auth: { accessToken: 'M4', refresh_token: 'M5', password: 'M6' },
        req: { headers: { authorization: 'Bearer M7' } },
        kept: 'visible',
      },
      'hello',
    );
    expect(lines()[0]).toMatchObject({ config: '[redacted]', secrets: '[redacted]', token: '[redacted]', kept: 'visible' });
    for (const marker of ['M1', 'M2', 'M3', 'M4', 'M5', 'M6', 'M7']) expect(text()).not.toContain(marker);
  });
});
