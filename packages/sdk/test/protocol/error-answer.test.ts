import { describe, expect, it } from 'vitest';
import { AnswerFallbackCode, errorFromAnswer, type AnswerErrorFacts } from '../../src/protocol/index.js';

const facts = (answer: Parameters<typeof errorFromAnswer>[0], fallback = 'FALLBACK'): AnswerErrorFacts | undefined =>
  errorFromAnswer(answer, fallback, (f) => f);

describe('errorFromAnswer', () => {
  it('reads a v1 error answer with the fallback code of the side that answered (§3)', () => {
    expect(facts({ a: { error: 'boom' } }, AnswerFallbackCode.connector)).toEqual({
      message: 'boom',
      code: 'CONNECTOR_ERROR',
      details: undefined,
      retryable: false,
    });
    expect(facts({ a: { error: 'boom' } }, AnswerFallbackCode.workspace)?.code).toBe('WORKSPACE_ERROR');
  });

  it('keeps the structured fields of §8 as sent', () => {
    expect(facts({ a: { error: 'bad', code: 'INPUT_INVALID', details: [{ path: ['x'] }], retryable: true } })).toEqual({
      message: 'bad',
      code: 'INPUT_INVALID',
      details: [{ path: ['x'] }],
      retryable: true,
    });
  });

  it('falls back for a code that is empty or not a string, and counts only retryable: true', () => {
    expect(facts({ a: { error: 'x', code: '' } })?.code).toBe('FALLBACK');
    expect(facts({ a: { error: 'x', code: 42 } })?.code).toBe('FALLBACK');
    expect(facts({ a: { error: 'x', retryable: 'yes' } })?.retryable).toBe(false);
  });

  it('writes an error that is not a string as its JSON text', () => {
    expect(facts({ a: { error: { reason: 'quota' } } })?.message).toBe('{"reason":"quota"}');
    expect(facts({ a: { error: 0 } })?.message).toBe('0');
    expect(facts({ a: { error: '' } })?.message).toBe('');
  });

  it("reads the packet's e when a has no error (some v1 peers)", () => {
    expect(facts({ e: 'failed' })).toEqual({ message: 'failed', code: 'FALLBACK', details: undefined, retryable: false });
    expect(facts({ a: { error: 'from a' }, e: 'from e' })?.message).toBe('from a');
  });

  it('returns undefined for a result: any JSON value, a null error, an empty e', () => {
    for (const a of [undefined, null, {}, { ok: true }, 'task-1', 7, [{ error: 'x' }], { error: null }, { error: undefined }]) {
      expect(facts({ a })).toBeUndefined();
    }
    expect(facts({ a: {}, e: '' })).toBeUndefined();
  });
});
