import { describe, expect, expectTypeOf, it } from 'vitest';
import { field, type ConfigValues } from '../../src/index.js';
import { toConfigSchema } from '../../src/connector/fields.js';

describe('field', () => {
  it('records the type and the options', () => {
    expect(field.multiline({ label: 'Certificate' })).toEqual({ type: 'multiline', options: { label: 'Certificate' } });
    expect(field.boolean()).toEqual({ type: 'boolean', options: {} });
  });

  it('infers the value types handlers see', () => {
    const fields = { a: field.line(), b: field.number({ optional: true }), c: field.boolean({ optional: false }) };
    expectTypeOf<ConfigValues<typeof fields>>().toEqualTypeOf<{
      readonly a: string;
      readonly b: number | undefined;
      readonly c: boolean;
    }>();
  });
});

describe('toConfigSchema', () => {
  it('writes the v1 wire shape of §2: label as name, flags only when set', () => {
    const schema = toConfigSchema(
      {
        apiKey: field.line({ label: 'API key', description: 'From Settings → API', placeholder: 'sk-…' }),
        region: field.line({ plain: true, optional: true }),
        port: field.number({ plain: true, optional: false }),
        cert: field.multiline(),
        debug: field.boolean({ plain: true }),
      },
      { summary: 'A CRM', description: 'Longer text', oauth: true },
      { oauthResult: { name: 'OAuth result', type: 'managed' } },
    );
    expect(schema).toMatchInlineSnapshot(`
      {
        "description": "Longer text",
        "fields": {
          "apiKey": {
            "description": "From Settings → API",
            "name": "API key",
            "placeholder": "sk-…",
            "type": "line",
          },
          "cert": {
            "name": "cert",
            "type": "multiline",
          },
          "debug": {
            "name": "debug",
            "plain": true,
            "type": "boolean",
          },
          "oauthResult": {
            "name": "OAuth result",
            "type": "managed",
          },
          "port": {
            "name": "port",
            "plain": true,
            "type": "number",
          },
          "region": {
            "name": "region",
            "optional": true,
            "plain": true,
            "type": "line",
          },
        },
        "oauth": true,
        "summary": "A CRM",
      }
    `);
    // A plain object on the wire (JSON.stringify of a null-prototype object works, but consumers may use `in`).
    expect(Object.getPrototypeOf(schema.fields)).toBe(Object.prototype);
  });

  it('leaves out oauth, summary and description when not given', () => {
    expect(toConfigSchema({}, {})).toEqual({ fields: {} });
  });
});
