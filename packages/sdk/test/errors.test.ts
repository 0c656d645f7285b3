import { createRequire } from 'node:module';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { ConnectorError, LocalErrorCode, RemoteError, type ConnectorErrorCode, type LocalErrorCodeName } from '../src/errors.js';
import { HttpError } from '../src/http/errors.js';
import { ProxyError } from '../src/proxy/errors.js';
import type * as Errors from '../src/errors.js';
import * as library from '../src/index.js';
import * as testing from '../src/testing/index.js';
import * as protocol from '../src/protocol/index.js';
import * as secrets from '../src/secrets/index.js';

const require = createRequire(import.meta.url);

/** The built CJS entries: a second copy of every class in this process, as the CLI bundle is for a connector. */
const copies: Record<string, Record<string, unknown>> = {
  '.': require('../dist/index.cjs') as Record<string, unknown>,
  './testing': require('../dist/testing/index.cjs') as Record<string, unknown>,
  './protocol': require('../dist/protocol/index.cjs') as Record<string, unknown>,
  './secrets': require('../dist/secrets/index.cjs') as Record<string, unknown>,
};
const sources: Record<string, Record<string, unknown>> = {
  '.': library,
  './testing': testing,
  './protocol': protocol,
  './secrets': secrets,
};

type ErrorClass = abstract new (...args: never[]) => Error;
const isErrorClass = (value: unknown): value is ErrorClass =>
  typeof value === 'function' && (value as { prototype?: unknown }).prototype instanceof Error;

/** Every error class each entry point exports, by name. */
function exportedErrorClasses(): Array<[string, string, ErrorClass]> {
  const out: Array<[string, string, ErrorClass]> = [];
  for (const [entry, mod] of Object.entries(sources)) {
    for (const [name, value] of Object.entries(mod)) if (isErrorClass(value)) out.push([entry, name, value]);
  }
  return out;
}

const sample = {
  ConnectorError: () => new ConnectorError('SOME_CODE', 'made here'),
  RemoteError: () => new RemoteError('SOME_CODE', 'made here'),
  HttpError: () =>
    new HttpError({ code: 'HTTP_ERROR', status: 404, method: 'GET', url: 'https://api.example/x', body: '{}', message: 'GET … 404' }),
  ProxyError: () => new ProxyError('PROXY_REFUSED', 'refused', { proxy: 'http://proxy:3128' }),
};

describe('error class identity across copies of the SDK (issue 19 item 1)', () => {
  it('exports the error classes this test knows, from each entry point', () => {
    // A new exported error class must be branded (brandErrorClass) and added to `sample`.
    const names = [...new Set(exportedErrorClasses().map(([, name]) => name))].sort();
    expect(names).toEqual(Object.keys(sample).sort());
  });

  it.each(exportedErrorClasses())('%s %s: an instance made by the other copy passes instanceof, both ways', (entry, name, cls) => {
    const other = copies[entry]![name] as ErrorClass;
    expect(isErrorClass(other), `${entry} of dist exports ${name}`).toBe(true);
    expect(other).not.toBe(cls);
    // An object of the other copy's prototype, whatever the constructor's arguments.
    expect(Object.create(other.prototype as object) instanceof cls).toBe(true);
    expect(Object.create(cls.prototype as object) instanceof other).toBe(true);
  });

  it('brands real instances: the other copy recognises each class and only its ancestors', () => {
    const copy = copies['.'] as Record<keyof typeof sample, ErrorClass>;
    const ancestors: Record<keyof typeof sample, Array<keyof typeof sample>> = {
      ConnectorError: ['ConnectorError'],
      RemoteError: ['ConnectorError', 'RemoteError'],
      HttpError: ['ConnectorError', 'HttpError'],
      ProxyError: ['ConnectorError', 'ProxyError'],
    };
    for (const [name, make] of Object.entries(sample) as Array<[keyof typeof sample, () => Error]>) {
      const made = make();
      for (const other of Object.keys(sample) as Array<keyof typeof sample>) {
        expect(made instanceof copy[other], `${name} instanceof copy's ${other}`).toBe(ancestors[name].includes(other));
      }
    }
    const foreign = new (copies['.'] as unknown as typeof Errors).ConnectorError('SOME_CODE', 'made by the other copy');
    expect(foreign instanceof ConnectorError).toBe(true);
    expect(foreign instanceof HttpError).toBe(false);
  });

  it("keeps an author's own subclass to the prototype check", () => {
    const copy = copies['.'] as unknown as { HttpError: typeof HttpError };
    class NotFound extends HttpError {}
    const mine = new NotFound({ code: 'HTTP_ERROR', status: 404, method: 'GET', url: 'https://api.example/x', body: '', message: 'x' });
    expect(mine instanceof copy.HttpError).toBe(true);
    expect(mine instanceof ConnectorError).toBe(true);
    expect(sample.HttpError() instanceof NotFound).toBe(false);
    expect(Object.create(copy.HttpError.prototype as object) instanceof NotFound).toBe(false);
  });

  it('keeps subclasses apart and plain errors out', () => {
    expect(new RemoteError('X', 'y')).toBeInstanceOf(ConnectorError);
    expect(new ConnectorError('X', 'y')).not.toBeInstanceOf(RemoteError);
    expect(new Error('x')).not.toBeInstanceOf(ConnectorError);
    expect(Object.assign(new Error('x'), { code: 'X' })).not.toBeInstanceOf(ConnectorError);
    expect(Object.assign(new Error('x'), { status: 404 })).not.toBeInstanceOf(HttpError);
    expect((null as unknown as object) instanceof ConnectorError).toBe(false);
    expect((42 as unknown as object) instanceof HttpError).toBe(false);
  });
});

describe('ConnectorError codes (issue 12 item 2)', () => {
  it("types code as the SDK's codes, still taking an author's own", () => {
    const ours = new ConnectorError(LocalErrorCode.registrationRejected, 'refused');
    const theirs = new ConnectorError('ORDER_REFUSED', 'refused');
    expect([ours.code, theirs.code]).toEqual(['REGISTRATION_REJECTED', 'ORDER_REFUSED']);
    expectTypeOf(ours.code).toEqualTypeOf<ConnectorErrorCode>();
    expectTypeOf<'REGISTRATION_REJECTED'>().toExtend<LocalErrorCodeName>();
    expectTypeOf<'TIMEOUT'>().toExtend<ConnectorErrorCode>();
    expectTypeOf<'ORDER_REFUSED'>().not.toExtend<LocalErrorCodeName>();
  });

  it('keeps local codes apart from wire codes, each a SCREAMING_SNAKE name', () => {
    const local: string[] = Object.values(LocalErrorCode);
    const wire: string[] = Object.values(protocol.WireErrorCode);
    expect(local.filter((code) => wire.includes(code))).toEqual([]);
    expect(new Set(local).size).toBe(local.length);
    for (const code of local) expect(code).toMatch(/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/);
  });
});
