/**
 * Error-code drift (issue 12 item 2): every code the SDK and the workspace raise (a grep-able
 * `new …Error('CODE'` or `code: 'CODE'` in their sources) is in one of the code tables
 * (LocalErrorCode, WireErrorCode, AnswerFallbackCode; WorkspaceErrorCode, CliErrorCode), and every
 * code of those tables is in a README error-code table: the SDK's in README.md or
 * packages/sdk/README.md, the workspace's in packages/workspace/README.md.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LocalErrorCode } from '../packages/sdk/src/errors.js';
import { AnswerFallbackCode, WireErrorCode } from '../packages/sdk/src/protocol/index.js';
import { CliErrorCode, WorkspaceErrorCode } from '../packages/workspace/src/errors.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** How a code is raised in source: as the first argument of an error's constructor (a fallback of a `?:` too), as `code:`, or in an error answer. */
const RAISED = [
  /new\s+[A-Z]\w*\(\s*(?:[^,()]*\?\s*[^,()]*:\s*)?'([A-Z][A-Z0-9_]+)'/g,
  /\bcode:\s*'([A-Z][A-Z0-9_]+)'/g,
  /errorAnswer\([^)]*?'([A-Z][A-Z0-9_]+)'\)/g,
];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** The codes raised under `dir`, each with the files that raise it. */
function raisedCodes(dir: string): Map<string, string[]> {
  const codes = new Map<string, string[]>();
  for (const file of sourceFiles(join(ROOT, dir))) {
    const text = readFileSync(file, 'utf8');
    for (const pattern of RAISED) {
      for (const match of text.matchAll(pattern)) {
        const files = codes.get(match[1]!) ?? [];
        files.push(relative(ROOT, file));
        codes.set(match[1]!, files);
      }
    }
  }
  return codes;
}

/** The codes in the first column of a README's tables whose first header is `code`. */
function readmeCodes(...readmes: string[]): Set<string> {
  const codes = new Set<string>();
  for (const readme of readmes) {
    let inCodeTable = false;
    for (const line of readFileSync(join(ROOT, readme), 'utf8').split('\n')) {
      if (!line.startsWith('|')) {
        inCodeTable = false;
        continue;
      }
      const first = line.split('|')[1]!.trim();
      if (first === 'code') inCodeTable = true;
      else if (inCodeTable) for (const [, code] of first.matchAll(/`([A-Z][A-Z0-9_]+)`/g)) codes.add(code!);
    }
  }
  return codes;
}

/** `codes` that are not in `known`, each with where it is raised, for a message that says what to add. */
function missing(codes: Map<string, string[]> | Iterable<string>, known: Set<string>): string[] {
  const entries = codes instanceof Map ? [...codes] : [...codes].map((code): [string, string[]] => [code, []]);
  return entries
    .filter(([code]) => !known.has(code))
    .map(([code, files]) => (files.length === 0 ? code : `${code} (${[...new Set(files)].join(', ')})`))
    .sort();
}

const sdkTables = new Set<string>([
  ...Object.values(LocalErrorCode),
  ...Object.values(WireErrorCode),
  ...Object.values(AnswerFallbackCode),
]);
const workspaceTables = new Set<string>([...Object.values(WorkspaceErrorCode), ...Object.values(CliErrorCode)]);

describe('error codes', () => {
  const sdkRaised = raisedCodes('packages/sdk/src');
  const workspaceRaised = raisedCodes('packages/workspace/src');

  it('finds the codes the sources raise (the scan itself works)', () => {
    expect(sdkRaised.get('REGISTRATION_REJECTED')).toContain('packages/sdk/src/transport/device-api.ts');
    expect(sdkRaised.has('RESULT_NOT_JSON')).toBe(true);
    expect(workspaceRaised.get('CONNECTOR_ID_MISMATCH')).toContain('packages/workspace/src/server/device.ts');
    expect(workspaceRaised.has('START_FAILED')).toBe(true);
    expect(readmeCodes('packages/workspace/README.md').has('CONNECTOR_OFFLINE')).toBe(true);
    expect(readmeCodes('packages/workspace/README.md').has('WORKSPACE_URL')).toBe(false);
  });

  it('every code the SDK raises is in LocalErrorCode, WireErrorCode or AnswerFallbackCode', () => {
    expect(missing(sdkRaised, sdkTables)).toEqual([]);
  });

  it("every code the workspace raises is in WorkspaceErrorCode or CliErrorCode, or is one of the protocol's", () => {
    const known = new Set([...workspaceTables, ...Object.values(WireErrorCode), ...Object.values(AnswerFallbackCode)]);
    expect(missing(workspaceRaised, known)).toEqual([]);
  });

  it("every code of the SDK's tables is in the error-code table of README.md or packages/sdk/README.md", () => {
    expect(missing(sdkTables, readmeCodes('README.md', 'packages/sdk/README.md'))).toEqual([]);
  });

  it("every code of the workspace's tables is in an error-code table of packages/workspace/README.md", () => {
    expect(missing(workspaceTables, readmeCodes('packages/workspace/README.md'))).toEqual([]);
  });
});
