import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { ConnectorError } from '@connector-kit/sdk';
import { describe, expect, it, vi } from 'vitest';
import * as errors from '../src/errors.js';
import * as root from '../src/index.js';

const require = createRequire(import.meta.url);

type ErrorClass = abstract new (...args: never[]) => Error;
type Family = typeof errors;
type ClassName = 'WorkspaceError' | 'RequestRejected' | 'WebhookRejected' | 'QueueFull' | 'CliError' | 'ApiError';

const isErrorClass = (value: unknown): value is ErrorClass =>
  typeof value === 'function' && (value as { prototype?: unknown }).prototype instanceof Error;

/** One instance of each class, made by `family` (a copy of src/errors.ts) with the one argument order. */
function samples(family: Family): Record<ClassName, Error> {
  return {
    WorkspaceError: new family.WorkspaceError('CONNECTOR_OFFLINE', 'offline'),
    RequestRejected: new family.RequestRejected('NOT_FOUND', 'no such connector', { status: 404 }),
    WebhookRejected: new family.WebhookRejected('WEBHOOK_SIGNATURE', 'no valid signature', { status: 401 }),
    QueueFull: new family.QueueFull('CONNECTOR_BUSY', 'too much waits', { queuedChars: 42 }),
    CliError: new family.CliError('BAD_ARGUMENT', '--port is not a port', { exitCode: 2 }),
    ApiError: new family.ApiError('NOT_FOUND', 'no such task', { status: 404 }),
  };
}

/** Which classes each one is an instance of (itself and its ancestors in the family). */
const ancestors: Record<ClassName, ClassName[]> = {
  WorkspaceError: ['WorkspaceError'],
  RequestRejected: ['WorkspaceError', 'RequestRejected'],
  WebhookRejected: ['WorkspaceError', 'RequestRejected', 'WebhookRejected'],
  QueueFull: ['WorkspaceError', 'QueueFull'],
  CliError: ['WorkspaceError', 'CliError'],
  ApiError: ['WorkspaceError', 'CliError', 'ApiError'],
};

/**
 * A second copy of the family in this process, as a second install of the package or the CLI's
 * bundle would be: the module evaluated again, so every class is a different object.
 */
async function secondCopy(): Promise<Family> {
  vi.resetModules();
  return (await import('../src/errors.js')) as Family;
}

describe("the workspace's error family (issue 12 item 2)", () => {
  it('holds every class of the family, and this test knows each', () => {
    // A new error class goes into src/errors.ts, branded, and into `samples` and `ancestors`.
    const names = Object.entries(errors)
      .filter(([, value]) => isErrorClass(value))
      .map(([name]) => name)
      .sort();
    expect(names).toEqual(Object.keys(ancestors).sort());
  });

  it('has no error class outside src/errors.ts', () => {
    const src = join(import.meta.dirname, '../src');
    const files = readdirSync(src, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts') && f !== 'errors.ts');
    const found = files.flatMap((file) =>
      [...readFileSync(join(src, file), 'utf8').matchAll(/class (\w+) extends (\w*Error|\w+Rejected)\b/g)].map((m) => `${file}: ${m[1]}`),
    );
    expect(found).toEqual([]);
  });

  it('takes (code, message, options) in every class', () => {
    for (const [name, error] of Object.entries(samples(errors)) as Array<[ClassName, errors.WorkspaceError]>) {
      expect(error.name).toBe(name);
      expect(error.code).toMatch(/^[A-Z][A-Z_]+$/);
      expect(error.message).not.toBe('');
      expect(error.retryable).toBe(false);
    }
    const { RequestRejected, WebhookRejected, QueueFull, CliError, ApiError } = samples(errors) as unknown as {
      [K in ClassName]: InstanceType<Family[K]>;
    };
    expect([RequestRejected.status, WebhookRejected.status, ApiError.status]).toEqual([404, 401, 404]);
    expect(QueueFull.queuedChars).toBe(42);
    expect([CliError.exitCode, ApiError.exitCode]).toEqual([2, 1]);
    const cause = new Error('socket hang up');
    const full = new errors.WorkspaceError('TIMEOUT', 'no answer', { details: { ms: 5 }, cause, retryable: true });
    expect([full.details, full.cause, full.retryable]).toEqual([{ ms: 5 }, cause, true]);
  });

  it('answers JSON as before: code, message, and details only when there are some', () => {
    expect(JSON.parse(JSON.stringify(new errors.RequestRejected('NOT_FOUND', 'gone', { status: 404 })))).toEqual({
      code: 'NOT_FOUND',
      message: 'gone',
    });
    expect(new errors.WorkspaceError('INPUT_INVALID', 'bad', { details: [{ path: 'a' }] }).toJSON()).toEqual({
      code: 'INPUT_INVALID',
      message: 'bad',
      details: [{ path: 'a' }],
    });
  });

  it('brands every class: instances made by another copy pass instanceof, both ways, and only for their ancestors', async () => {
    const other = await secondCopy();
    for (const name of Object.keys(ancestors) as ClassName[]) {
      expect(other[name], name).not.toBe(errors[name]);
    }
    for (const [here, there] of [
      [errors, other],
      [other, errors],
    ] as const) {
      const made = samples(there);
      for (const name of Object.keys(ancestors) as ClassName[]) {
        for (const cls of Object.keys(ancestors) as ClassName[]) {
          expect(made[name] instanceof here[cls], `${name} of one copy instanceof ${cls} of the other`).toBe(ancestors[name].includes(cls));
        }
      }
    }
  });

  it('brands the classes of the built package too (dist/index.js: what a second install loads)', async () => {
    const dist = (await import(join(import.meta.dirname, '../dist/index.js'))) as typeof root;
    for (const name of ['WorkspaceError', 'RequestRejected', 'WebhookRejected'] as const) {
      expect(dist[name]).not.toBe(root[name]);
      expect(samples(errors)[name] instanceof dist[name], name).toBe(true);
      expect(Object.create(dist[name].prototype as object) instanceof root[name], name).toBe(true);
    }
    expect(samples(errors).CliError instanceof dist.RequestRejected).toBe(false);
  });

  it("is the SDK's error model: every workspace error is a ConnectorError of any copy of the SDK", () => {
    const cjs = require('@connector-kit/sdk') as { ConnectorError: typeof ConnectorError };
    expect(cjs.ConnectorError).not.toBe(ConnectorError);
    for (const error of Object.values(samples(errors))) {
      expect(error).toBeInstanceOf(ConnectorError);
      expect(error instanceof cjs.ConnectorError).toBe(true);
    }
    expect(new ConnectorError('X', 'y')).not.toBeInstanceOf(errors.WorkspaceError);
    expect(Object.assign(new Error('x'), { code: 'NOT_FOUND', status: 404 })).not.toBeInstanceOf(errors.RequestRejected);
  });

  it("keeps a subclass of one's own to the prototype check", () => {
    class Mine extends errors.RequestRejected {}
    const mine = new Mine('NOT_FOUND', 'x', { status: 404 });
    expect(mine).toBeInstanceOf(errors.RequestRejected);
    expect(new errors.RequestRejected('NOT_FOUND', 'x', { status: 404 })).not.toBeInstanceOf(Mine);
  });
});
