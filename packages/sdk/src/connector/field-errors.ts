/**
 * The field-error convention: an answer the provider refused because of some of its fields is
 * `VALIDATION_FAILED` with `details.fields`, a list of `{ field, message, code? }`. The workspace
 * CLI (`workspace call`) lists them one per line, and callers can point at each field.
 */
import { ConnectorError } from '../errors.js';

/** One refused field. */
export interface FieldError {
  /** The field, as the caller knows it: `email`, `address.city`, `lines.2.quantity`. */
  field: string;
  /** What is wrong with it, for a person. */
  message: string;
  /** The provider's code for it, when it has one (e.g. `invalid_format`). @default none */
  code?: string;
}

/**
 * A `VALIDATION_FAILED` error with `details.fields`: throw it (or return it from `http.mapError`)
 * when the provider refused some fields, e.g. for a 422 listing them.
 * @param message what failed, in one line @default "the input was refused: <field>: <message>; …"
 */
export function validationFailed(fields: readonly FieldError[], message?: string): ConnectorError {
  const list = fields.map((f) => ({
    field: String(f.field),
    message: String(f.message),
    ...(f.code === undefined ? {} : { code: String(f.code) }),
  }));
  const text = message ?? `the input was refused: ${list.map((f) => `${f.field}: ${f.message}`).join('; ') || 'no field named'}`;
  return new ConnectorError('VALIDATION_FAILED', text, { details: { fields: list } });
}
