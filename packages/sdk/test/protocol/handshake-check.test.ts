import { describe, expect, it } from 'vitest';
import { checkConnectBody, checkRegisterAnswer, checkRegisterBody, readConnectAnswer, type Checked } from '../../src/protocol/index.js';

function problemOf(result: Checked<unknown>): { member: string; message: string } {
  if (result.ok) throw new Error(`expected a problem, got ${JSON.stringify(result.value)}`);
  return result.problem;
}

const body = {
  deployment: '',
  name: 'crm-1',
  version: '1.0.0',
  id: '1234',
  publicKey: null,
  schema: { configSchema: { fields: {} }, introspect: 'declare function hello(): string;' },
};

describe('checkRegisterBody (§2 step 2)', () => {
  it('answers the body as typed, with the defaults of v1 filled in', () => {
    expect(checkRegisterBody(body)).toEqual({ ok: true, value: body });
    const { deployment: _d, publicKey: _p, ...v1 } = body;
    expect(checkRegisterBody({ ...v1, icon: 'iVBOR', protocol: { version: 1, features: ['a', 2] } })).toEqual({
      ok: true,
      value: { ...body, icon: 'iVBOR', protocol: { version: 1, features: ['a'] } },
    });
  });

  it.each([
    ['', 'x'],
    ['id', { ...body, id: 42 }],
    ['name', { ...body, name: '' }],
    ['version', { ...body, version: undefined }],
    ['deployment', { ...body, deployment: 3 }],
    ['publicKey', { ...body, publicKey: {} }],
    ['schema', { ...body, schema: 'x' }],
    ['schema.configSchema', { ...body, schema: { introspect: '' } }],
    ['schema.configSchema.fields', { ...body, schema: { ...body.schema, configSchema: { fields: [] } } }],
    ['schema.introspect', { ...body, schema: { configSchema: { fields: {} } } }],
    ['schema.methods', { ...body, schema: { ...body.schema, methods: 'x' } }],
    ['icon', { ...body, icon: 5 }],
    ['protocol', { ...body, protocol: 1 }],
  ])('names %j when it is wrong', (member, wrong) => {
    const problem = problemOf(checkRegisterBody(wrong));
    expect(problem.member).toBe(member);
    if (member !== '') expect(problem.message).toContain(`"${member}"`);
  });

  it('says what a configSchema should be', () => {
    expect(problemOf(checkRegisterBody({ ...body, schema: { introspect: '' } })).message).toBe(
      '"schema.configSchema" must be an object, got undefined',
    );
  });
});

describe('checkConnectBody (§2 step 1)', () => {
  it('takes none or {} as v1, and reads the announcement (§8)', () => {
    expect(checkConnectBody(undefined)).toEqual({ ok: true, value: {} });
    expect(checkConnectBody({})).toEqual({ ok: true, value: {} });
    expect(checkConnectBody({ protocol: { version: 1, features: ['x', null] } })).toEqual({
      ok: true,
      value: { protocol: { version: 1, features: ['x'] } },
    });
    expect(checkConnectBody({ protocol: { version: 1 } })).toEqual({ ok: true, value: { protocol: { version: 1, features: [] } } });
  });

  it.each([[null], [[]], ['{}'], [7]])('refuses the body %j, which is no object', (wrong) => {
    expect(problemOf(checkConnectBody(wrong))).toEqual({
      member: '',
      message: `the value must be a JSON object ({} or {"protocol": {"version": 1, "features": […]}}), got ${JSON.stringify(wrong)}`,
    });
  });

  it('refuses a protocol that is no object', () => {
    expect(problemOf(checkConnectBody({ protocol: 'all' })).member).toBe('protocol');
  });
});

describe('checkRegisterAnswer', () => {
  it('wants a key', () => {
    expect(checkRegisterAnswer({ key: 'k' })).toEqual({ ok: true, value: { key: 'k' } });
    expect(checkRegisterAnswer({ key: 'k', protocol: { features: ['a'] } })).toEqual({
      ok: true,
      value: { key: 'k', protocol: { version: 1, features: ['a'] } },
    });
    expect(problemOf(checkRegisterAnswer({ key: '' })).member).toBe('key');
    expect(problemOf(checkRegisterAnswer(null)).member).toBe('');
  });
});

describe('readConnectAnswer', () => {
  it('keeps workspace data and drops members of another type than ours', () => {
    expect(
      readConnectAnswer({
        instance: { id: 'i1', name: 'n', connectorId: 'c', connector: 'crm' },
        protocol: { version: 1, features: ['a'] },
        challenge: 'nonce',
        extra: 1,
      }),
    ).toEqual({
      instance: { id: 'i1', name: 'n', connectorId: 'c', connector: 'crm' },
      protocol: { version: 1, features: ['a'] },
      challenge: 'nonce',
      extra: 1,
    });
    expect(readConnectAnswer({ instance: { id: 5 }, protocol: 'x', challenge: 3 })).toEqual({});
    expect(readConnectAnswer('ok')).toEqual({});
    expect(readConnectAnswer(null)).toEqual({});
  });
});
