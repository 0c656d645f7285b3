import { describe, expect, it } from 'vitest';
import { checkMethodName, FORBIDDEN_SEGMENTS, normalizeQueryName } from '../../src/protocol/index.js';

const PROTOTYPE_NAMES = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf'];

describe('normalizeQueryName', () => {
  it('keeps a dotted name as it is', () => {
    expect(normalizeQueryName('crm.contacts.create')).toBe('crm.contacts.create');
    expect(normalizeQueryName('hello')).toBe('hello');
  });

  it('joins an array of segments, and splits dotted segments inside it', () => {
    expect(normalizeQueryName(['crm', 'contacts', 'create'])).toBe('crm.contacts.create');
    expect(normalizeQueryName(['crm', 'contacts.create'])).toBe('crm.contacts.create');
  });

  it.each(PROTOTYPE_NAMES)('never resolves %s, alone, dotted or as a segment', (name) => {
    expect(normalizeQueryName(name)).toBeUndefined();
    expect(normalizeQueryName(`crm.${name}`)).toBeUndefined();
    expect(normalizeQueryName(`${name}.x`)).toBeUndefined();
    expect(normalizeQueryName(['crm', name])).toBeUndefined();
    expect(normalizeQueryName([`a.${name}`])).toBeUndefined();
  });

  it.each([
    [''],
    ['.'],
    ['a..b'],
    ['a.'],
    ['1abc'],
    ['a-b'],
    ['a b'],
    [[]],
    [['a', 1]],
    [['a', '']],
    [42],
    [null],
    [undefined],
    [{ query: 'a' }],
  ])('rejects %j', (query) => {
    expect(normalizeQueryName(query)).toBeUndefined();
  });

  it('accepts the special names of §7', () => {
    expect(['_endpoint', '__endpoint', '__autocomplete', '__default'].map(normalizeQueryName)).toEqual([
      '_endpoint',
      '__endpoint',
      '__autocomplete',
      '__default',
    ]);
  });
});

describe('checkMethodName', () => {
  it('accepts identifiers separated by dots', () => {
    expect(checkMethodName('hello')).toBeUndefined();
    expect(checkMethodName('crm.contacts.create')).toBeUndefined();
    expect(checkMethodName('$x._y9')).toBeUndefined();
  });

  it.each(PROTOTYPE_NAMES)('rejects the reserved segment %s', (name) => {
    expect(checkMethodName(name)).toBe(`method name "${name}" uses the reserved segment "${name}"`);
    expect(checkMethodName(`crm.${name}`)).toContain(`reserved segment "${name}"`);
  });

  it('names the invalid segment and what is allowed', () => {
    expect(checkMethodName('crm..create')).toMatchInlineSnapshot(
      `"method name "crm..create" has an invalid segment "": use letters, digits, _ and $, separated by dots"`,
    );
    expect(checkMethodName('get-contacts')).toMatchInlineSnapshot(
      `"method name "get-contacts" has an invalid segment "get-contacts": use letters, digits, _ and $, separated by dots"`,
    );
    expect(checkMethodName('')).toBeDefined();
  });

  it('rejects every forbidden segment', () => {
    for (const segment of FORBIDDEN_SEGMENTS) expect(checkMethodName(segment)).toBeDefined();
  });
});
