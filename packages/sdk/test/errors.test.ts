import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { ConnectorError, RemoteError } from '../src/errors.js';
import type * as Errors from '../src/errors.js';

const require = createRequire(import.meta.url);

describe('ConnectorError', () => {
  it('is recognised across copies of the SDK (library build vs CLI bundle) by its brand', async () => {
    // The built CJS file is a second copy of the class in this process, as the CLI bundle is for a connector.
    const copy = require('../dist/index.cjs') as typeof Errors;
    expect(copy.ConnectorError).not.toBe(ConnectorError);
    const foreign = new copy.ConnectorError('SOME_CODE', 'made by the other copy');
    expect(foreign instanceof ConnectorError).toBe(true);
    expect(new ConnectorError('X', 'y') instanceof copy.ConnectorError).toBe(true);
  });

  it('keeps subclasses apart and plain errors out', () => {
    expect(new RemoteError('X', 'y')).toBeInstanceOf(ConnectorError);
    expect(new ConnectorError('X', 'y')).not.toBeInstanceOf(RemoteError);
    expect(new Error('x')).not.toBeInstanceOf(ConnectorError);
    expect(Object.assign(new Error('x'), { code: 'X' })).not.toBeInstanceOf(ConnectorError);
    expect((null as unknown as object) instanceof ConnectorError).toBe(false);
  });
});
