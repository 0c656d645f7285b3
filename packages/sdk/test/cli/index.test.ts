import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { connector } from './fixture.js';

describe('connector (built CLI)', { timeout: 30_000 }, () => {
  // Exit 2, as every other usage error of both CLIs and the scaffolder (it was 1: issue 17 item 11).
  it('prints the usage with every command and exits 2 when no command is given', async () => {
    const result = await connector([], tmpdir());
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^connector <command>\n\nCommands:\n/);
    for (const command of ['build', 'start', 'create', 'dev', 'validate', 'add', 'keys', 'call <method> [input]']) {
      expect(result.stderr).toContain(`  connector ${command} `);
    }
    expect(result.stderr).toMatch(/\n\nname a command: create, build, start, dev, keys, call, validate, add or generate\n$/);
  });

  it('keeps exit code 2 and one line for a command that is missing its subcommand', async () => {
    const result = await connector(['add'], tmpdir());
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('name what to add: method or resource\n');
  });
});
