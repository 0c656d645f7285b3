import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { connector } from './fixture.js';

describe('connector (built CLI)', { timeout: 30_000 }, () => {
  it('prints the usage with every command and exits 1 when no command is given', async () => {
    const result = await connector([], tmpdir());
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^connector <command>\n\nCommands:\n/);
    for (const command of ['build', 'start', 'create', 'dev', 'validate', 'add', 'keys', 'call <method> [input]']) {
      expect(result.stderr).toContain(`  connector ${command} `);
    }
    expect(result.stderr).toMatch(/\n\nname a command: create, build, start, dev, keys, call, validate or add\n$/);
  });

  it('keeps exit code 2 and one line for a command that is missing its subcommand', async () => {
    const result = await connector(['add'], tmpdir());
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('name what to add: method\n');
  });
});
