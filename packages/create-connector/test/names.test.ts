import { describe, expect, it } from 'vitest';
import { packageNameProblem, resolveProjectName, toDisplayName, workspaceName } from '../src/names.js';

describe('packageNameProblem', () => {
  it('accepts plain and scoped npm names', () => {
    for (const name of ['my-connector', 'crm', 'a.b_c-d', '@acme/crm', 'x1']) expect(packageNameProblem(name), name).toBeUndefined();
  });

  it('rejects what npm rejects, saying why', () => {
    expect(packageNameProblem('My-Connector')).toBe('the name has capital letters');
    expect(packageNameProblem('.hidden')).toBe('the name starts with "." or "_"');
    expect(packageNameProblem('_private')).toBe('the name starts with "." or "_"');
    expect(packageNameProblem('has space')).toContain('not URL-safe');
    expect(packageNameProblem('fs')).toBe('"fs" is the name of a Node.js built-in module');
    expect(packageNameProblem('node_modules')).toBe('"node_modules" is a reserved name');
    expect(packageNameProblem('x'.repeat(215))).toContain('at most 214');
    expect(packageNameProblem('wow!')).toContain("~'!()*");
    expect(packageNameProblem('@scope')).toBe('a scoped name looks like @scope/name');
    expect(packageNameProblem('@acme/_x')).toBe('"_x" starts with "." or "_"');
    expect(packageNameProblem('')).toBe('the name is empty');
  });
});

describe('resolveProjectName', () => {
  it('uses the last path segment as the package name', () => {
    expect(resolveProjectName('apps/crm-sync', '/work')).toEqual({
      packageName: 'crm-sync',
      dir: '/work/apps/crm-sync',
      displayName: 'Crm Sync',
    });
    expect(resolveProjectName('.', '/work/my-connector').packageName).toBe('my-connector');
  });

  it('puts a scoped package into a folder named without the scope', () => {
    expect(resolveProjectName('@acme/crm', '/work')).toEqual({ packageName: '@acme/crm', dir: '/work/crm', displayName: 'Crm' });
  });
});

describe('toDisplayName', () => {
  it('title-cases the words of the name', () => {
    expect(toDisplayName('my-crm_connector')).toBe('My Crm Connector');
    // Words with a spelling of their own keep it (a project named cloud-oauth was titled "Cloud Oauth").
    expect(toDisplayName('cloud-oauth')).toBe('Cloud OAuth');
    expect(toDisplayName('github_api-sync')).toBe('GitHub API Sync');
    expect(toDisplayName('@acme/big.data')).toBe('Big Data');
  });
});

describe('workspaceName', () => {
  it('drops the scope, as the workspace accepts no "@" or "/" in a connector name', () => {
    expect(workspaceName('@acme/crm')).toBe('crm');
    expect(workspaceName('my-connector')).toBe('my-connector');
    expect(workspaceName('a.b_c-d')).toBe('a.b_c-d');
  });
});
