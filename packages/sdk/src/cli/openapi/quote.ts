/**
 * JSON values as TypeScript source, the way generated files write them: single-quoted strings,
 * bare keys where they are identifiers.
 */

/** A string as a single-quoted TypeScript literal. */
export function quote(text: string): string {
  const json = JSON.stringify(text).slice(1, -1);
  return `'${json.replace(/\\(.)|'/g, (m, c: string | undefined) => (m === "'" ? "\\'" : c === '"' ? '"' : m))}'`;
}

/** A JSON value as TypeScript source. */
export function literal(value: unknown): string {
  if (typeof value === 'string') return quote(value);
  if (Array.isArray(value)) return `[${value.map(literal).join(', ')}]`;
  if (typeof value === 'object' && value !== null) {
    const members = Object.entries(value).filter(([, v]) => v !== undefined);
    if (members.length === 0) return '{}';
    return `{ ${members.map(([k, v]) => `${/^[A-Za-z_$][\w$]*$/.test(k) ? k : quote(k)}: ${literal(v)}`).join(', ')} }`;
  }
  return JSON.stringify(value);
}
