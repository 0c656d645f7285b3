/**
 * Names of generated methods and identifiers: `operationId` made into a valid, collision-free
 * method name, namespaced by the operation's first tag (`pets.listPets`), or, without an
 * `operationId`, one made from the HTTP method and path (`pets.getById`).
 */
import { FORBIDDEN_SEGMENTS } from '../../protocol/methods.js';
import type { OperationModel } from './model.js';

/** Words of a name: `list-pets`, `listPets`, `LIST_PETS`, `list pets` all give `list`, `pets`. */
export function splitWords(text: string): string[] {
  return text
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean);
}

/** `list-pets` → `listPets`; a leading digit gets `op` in front (`op2fa`); empty → `op`. */
export function camel(text: string, fallback = 'op'): string {
  const words = splitWords(text);
  if (words.length === 0) return fallback;
  const joined = words.map((w, i) => (i === 0 ? w.charAt(0).toLowerCase() + w.slice(1) : w.charAt(0).toUpperCase() + w.slice(1))).join('');
  // A leading digit cannot start a name, and a leading `_` is reserved for the protocol (§7): `op2fa`.
  const out = /^[0-9]/.test(joined) ? `op${joined}` : joined;
  return FORBIDDEN_SEGMENTS.has(out) ? `${out}_` : out;
}

/** `pet store` → `PetStore`. */
export function pascal(text: string, fallback = 'Schema'): string {
  const c = camel(text, fallback);
  return c.startsWith('_') ? c : c.charAt(0).toUpperCase() + c.slice(1);
}

/** Words TypeScript does not allow as a `const` name. */
const RESERVED = new Set(
  (
    'break case catch class const continue debugger default delete do else enum export extends false finally for function if import in ' +
    'instanceof new null return super switch this throw true try typeof var void while with as implements interface let package private ' +
    'protected public static yield await any boolean number string symbol object unknown never undefined z'
  ).split(' '),
);

/** Hands out identifiers that are unique and valid TypeScript, in a stable way. */
export class IdentifierPool {
  private readonly taken = new Set<string>();

  constructor(reserved: Iterable<string> = []) {
    for (const name of reserved) this.taken.add(name);
  }

  /** A unique identifier made from `text`: `Pet`, `Pet2`, … */
  take(text: string, fallback = 'Schema'): string {
    let base = pascal(text, fallback);
    if (RESERVED.has(base)) base = `${base}_`;
    let name = base;
    for (let i = 2; this.taken.has(name); i++) name = `${base}${i}`;
    this.taken.add(name);
    return name;
  }
}

/** The name a method would get without collisions. */
function baseName(op: OperationModel): { namespace?: string; leaf: string } {
  const tag = op.tags[0];
  const namespace = tag === undefined ? undefined : camel(tag, 'api');
  let leaf: string;
  if (op.operationId !== undefined) {
    // `repos/get-content` (GitHub) or `Pets_List` (Azure): drop a prefix that repeats the tag.
    const parts = op.operationId.split(/[/.]/).filter(Boolean);
    let id = parts.length > 1 && namespace !== undefined && camel(parts[0]!) === namespace ? parts.slice(1).join(' ') : parts.join(' ');
    const under = id.split('_');
    if (under.length === 2 && namespace !== undefined && camel(under[0]!) === namespace) id = under[1]!;
    leaf = camel(id);
  } else {
    const words = pathWords(op.path).split(' ');
    // `DELETE /pets/{petId}` in the tag "pets" is `pets.deleteByPetId`.
    if (namespace !== undefined && words.length > 1 && camel(words[0]!) === namespace) words.shift();
    leaf = camel(`${op.method.toLowerCase()} ${words.join(' ')}`);
  }
  return namespace === undefined ? { leaf } : { namespace, leaf };
}

/** `/pets/{petId}/toys` → `pets by petId toys`. */
function pathWords(path: string): string {
  return path
    .split('/')
    .filter(Boolean)
    .map((segment) => segment.replace(/^\{(.+)\}$/, 'by $1'))
    .join(' ');
}

/** Options of {@link methodNames}. */
export interface NamingOptions {
  /** Names already taken (hand-written methods, other documents). @default none */
  taken?: Iterable<string>;
  /** A namespace in front of every name (`connector add resource billing` → `billing.…`). @default none */
  prefix?: string;
  /** Leave the tag out of names (a resource that is one tag group). @default false */
  flat?: boolean;
}

/** A method's name and the group (file) it goes to: its tag's namespace, or '' without a tag. */
export interface MethodName {
  name: string;
  group: string;
}

/**
 * Method names of all operations, in order: `<tag>.<operationId>` (or `<operationId>` without a
 * tag), after `prefix.` when given. A name already used (or one that a namespace uses as a
 * prefix) gets `2`, `3`, …
 */
export function methodNames(operations: readonly OperationModel[], options: NamingOptions = {}): MethodName[] {
  const used = new Set<string>(options.taken ?? []);
  const full = (op: OperationModel): { base: string; group: string } => {
    const { namespace, leaf } = baseName(op);
    const parts = [options.prefix, options.flat ? undefined : namespace, leaf].filter((p): p is string => p !== undefined);
    return { base: parts.join('.'), group: options.flat ? '' : (namespace ?? '') };
  };
  // A method `pets` and a namespace `pets.` may not both exist (dotted names are one tree).
  const namespaces = new Set<string>();
  const addNamespaces = (name: string): void => {
    const parts = name.split('.');
    for (let i = 1; i < parts.length; i++) namespaces.add(parts.slice(0, i).join('.'));
  };
  used.forEach(addNamespaces);
  for (const op of operations) addNamespaces(full(op).base);
  return operations.map((op) => {
    const { base, group } = full(op);
    let name = base;
    for (let i = 2; used.has(name) || namespaces.has(name); i++) name = `${base}${i}`;
    used.add(name);
    return { name, group };
  });
}
