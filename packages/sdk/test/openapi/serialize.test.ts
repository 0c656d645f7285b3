import { describe, expect, it } from 'vitest';
import { serializeCookie, serializeHeader, serializePath, serializeQuery, styleOfCollectionFormat } from '../../src/openapi/serialize.js';

// The examples of OAS 3.1 §4.8.12.4 (Style Examples): color = blue | [blue, black, brown] | {R: 100, G: 200, B: 150}.
const string = 'blue';
const array = ['blue', 'black', 'brown'];
const object = { R: 100, G: 200, B: 150 };

describe('serializePath', () => {
  it('follows the style table of OAS 3.1 for simple, label and matrix', () => {
    const p = (style: string, explode: boolean, value: unknown): string =>
      serializePath({ name: 'color', in: 'path', style, explode }, value);
    expect([p('simple', false, string), p('simple', false, array), p('simple', false, object)]).toEqual([
      'blue',
      'blue,black,brown',
      'R,100,G,200,B,150',
    ]);
    expect([p('simple', true, array), p('simple', true, object)]).toEqual(['blue,black,brown', 'R=100,G=200,B=150']);
    expect([p('label', false, string), p('label', false, array), p('label', false, object)]).toEqual([
      '.blue',
      '.blue,black,brown',
      '.R,100,G,200,B,150',
    ]);
    expect([p('label', true, array), p('label', true, object)]).toEqual(['.blue.black.brown', '.R=100.G=200.B=150']);
    expect([p('matrix', false, string), p('matrix', false, array), p('matrix', false, object)]).toEqual([
      ';color=blue',
      ';color=blue,black,brown',
      ';color=R,100,G,200,B,150',
    ]);
    expect([p('matrix', true, array), p('matrix', true, object)]).toEqual([';color=blue;color=black;color=brown', ';R=100;G=200;B=150']);
  });

  it('percent-encodes values so they cannot add segments or a query', () => {
    expect(serializePath({ name: 'id', in: 'path' }, 'a/b?c#d')).toBe('a%2Fb%3Fc%23d');
  });
});

describe('serializeQuery', () => {
  const q = (style: string | undefined, explode: boolean | undefined, value: unknown): Array<[string, unknown]> =>
    serializeQuery(
      { name: 'color', in: 'query', ...(style === undefined ? {} : { style }), ...(explode === undefined ? {} : { explode }) },
      value,
    );

  it('form: exploded by default, arrays repeat the key and objects spread', () => {
    expect(q(undefined, undefined, array)).toEqual([
      ['color', 'blue'],
      ['color', 'black'],
      ['color', 'brown'],
    ]);
    expect(q('form', true, object)).toEqual([
      ['R', '100'],
      ['G', '200'],
      ['B', '150'],
    ]);
    expect(q('form', false, array)).toEqual([['color', 'blue,black,brown']]);
    expect(q('form', false, object)).toEqual([['color', 'R,100,G,200,B,150']]);
    expect(q('form', true, 5)).toEqual([['color', 5]]);
  });

  it('spaceDelimited, pipeDelimited and deepObject', () => {
    expect(q('spaceDelimited', false, array)).toEqual([['color', 'blue black brown']]);
    expect(q('pipeDelimited', false, array)).toEqual([['color', 'blue|black|brown']]);
    expect(q('deepObject', true, object)).toEqual([
      ['color[R]', '100'],
      ['color[G]', '200'],
      ['color[B]', '150'],
    ]);
  });
});

describe('headers and cookies', () => {
  it('simple headers and form cookies', () => {
    expect(serializeHeader({ name: 'X-Color', in: 'header' }, array)).toBe('blue,black,brown');
    expect(serializeHeader({ name: 'X-Color', in: 'header', explode: true }, object)).toBe('R=100,G=200,B=150');
    expect(serializeCookie({ name: 'color', in: 'cookie' }, 'a b;c')).toBe('color=a%20b%3Bc');
  });
});

describe('styleOfCollectionFormat', () => {
  it("maps Swagger 2's collection formats to OAS 3 styles", () => {
    expect(styleOfCollectionFormat('csv', 'query')).toEqual({ style: 'form', explode: false });
    expect(styleOfCollectionFormat('ssv', 'query')).toEqual({ style: 'spaceDelimited', explode: false });
    expect(styleOfCollectionFormat('pipes', 'query')).toEqual({ style: 'pipeDelimited', explode: false });
    expect(styleOfCollectionFormat('multi', 'query')).toEqual({ style: 'form', explode: true });
    expect(styleOfCollectionFormat(undefined, 'path')).toEqual({ style: 'simple', explode: false });
  });
});
