/**
 * `connector start` argument handling: the fast path (no yargs) takes only `--entry`; help and
 * anything it does not know go to yargs, which explains them.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { connector, fixture, type Fixture } from './fixture.js';

describe('connector start (built CLI)', { timeout: 30_000 }, () => {
  let project: Fixture | undefined;
  afterEach(() => project?.remove());

  it('prints its help, with --entry, through yargs', async () => {
    project = fixture({});
    const result = await connector(['start', '--help'], project.dir);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('--entry');
  });

  it('rejects an unknown option or a stray argument with exit 2 instead of starting', async () => {
    project = fixture({});
    for (const args of [
      ['start', '--entyr', 'x.js'],
      ['start', 'extra'],
    ]) {
      const result = await connector(args, project.dir);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toMatch(/Unknown argument/i);
    }
  });

  it('says to build the bundle first when --bundle finds none (a cloud project’s npm start before a build)', async () => {
    project = fixture({});
    const result = await connector(['start', '--bundle'], project.dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      "error: dist/connector.mjs does not exist: build it first with 'connector build --bundle' (the project's build script)\n",
    );
  });

  it('starts from --entry, and says which file is missing when it is not built', async () => {
    project = fixture({});
    const result = await connector(['start', '--entry', 'dist/other.js'], project.dir, { REGISTRATION_TOKEN: 'x' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('dist/other.js');
  });
});
