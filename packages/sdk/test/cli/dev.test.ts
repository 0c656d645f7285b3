import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startNode } from '../../../../test/support/spawn.js';
import { CLI, GREETER, ROOT, fixture, run, type Fixture } from './fixture.js';

const WORKSPACE_CLI = join(ROOT, 'node_modules/@connector-kit/workspace/dist/cli/index.js');

describe('connector dev (built CLI)', { timeout: 90_000 }, () => {
  let project: Fixture | undefined;
  afterEach(() => project?.remove());

  it('without REGISTRATION_TOKEN, runs an embedded workspace, says how to call, and restarts on a change', async () => {
    project = fixture({ 'src/index.ts': GREETER, '.env': 'REGISTRATION_TOKEN=\n' });
    const dev = startNode(CLI, ['dev', '--port', '0'], {
      cwd: project.dir,
      env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn' },
      group: true, // its own process group, as a terminal gives it: Ctrl-C goes to the group
    });
    try {
      await vi.waitFor(() => expect(dev.output()).toContain('call the connector'), { timeout: 45_000, interval: 100 });
      expect(dev.output()).toMatch(/started an embedded workspace at http:\/\/127\.0\.0\.1:\d+\/ \(data in \.connector\/workspace\)/);
      // The printed command, run as printed (minus `npx workspace`), calls the first method with its example.
      const printed = /npx workspace (--url \S+ --data \S+) call fixture hello '(\{"name":"Ada"\})'/.exec(dev.output());
      expect(printed, dev.output()).not.toBeNull();
      const args = [...printed![1]!.split(' '), 'call', 'fixture', 'hello', printed![2]!];
      await vi.waitFor(
        async () => {
          const call = await run(WORKSPACE_CLI, args, project!.dir);
          expect(call.stdout).toContain('Hello, Ada');
        },
        { timeout: 30_000, interval: 500 },
      );

      // A change under src/ rebuilds and restarts the connector.
      writeFileSync(join(project.dir, 'src/index.ts'), GREETER.replace("'Hello'", "'Howdy'"));
      await vi.waitFor(
        async () => {
          const call = await run(WORKSPACE_CLI, args, project!.dir);
          expect(call.stdout).toContain('Howdy, Ada');
        },
        { timeout: 30_000, interval: 500 },
      );

      // A save by renaming a new file over the old one (sed -i, many editors) is seen too, and so
      // is every save after it: the watch is on the folder, not on the old file.
      for (const word of ['Hey', 'Hi']) {
        writeFileSync(join(project.dir, 'src/index.ts.tmp'), GREETER.replace("'Hello'", `'${word}'`));
        renameSync(join(project.dir, 'src/index.ts.tmp'), join(project.dir, 'src/index.ts'));
        await vi.waitFor(
          async () => {
            const call = await run(WORKSPACE_CLI, args, project!.dir);
            expect(call.stdout).toContain(`${word}, Ada`);
          },
          { timeout: 30_000, interval: 500 },
        );
      }
    } finally {
      // Ctrl-C in a terminal: SIGINT to the whole foreground process group.
      await dev.stop('SIGINT');
    }
    expect((await dev.exited).code).toBe(0);
    // The connector was stopped once, and drained: not hit by the terminal's signal and ours.
    expect(dev.output()).not.toContain('again: exiting now');
  });

  it('takes the embedded workspace’s port from WORKSPACE_PORT, and refuses one that is not a port', async () => {
    const { devPort } = await import('../../src/cli/dev.js');
    expect(devPort({})).toBeUndefined();
    expect(devPort({ WORKSPACE_PORT: '4800' })).toBe(4800);
    expect(() => devPort({ WORKSPACE_PORT: 'x' })).toThrow('WORKSPACE_PORT=x is not a port');
  });

  it('names the add command of the package manager that runs it when the workspace is missing', async () => {
    const { addDevCommand } = await import('../../src/cli/dev-workspace.js');
    expect(addDevCommand('@connector-kit/workspace', 'pnpm/10.0.0 npm/? node/v20.20.2 linux x64')).toBe(
      'pnpm add --save-dev @connector-kit/workspace',
    );
    expect(addDevCommand('@connector-kit/workspace', 'yarn/1.22.22 npm/? node/v20.20.2 linux x64')).toBe(
      'yarn add --dev @connector-kit/workspace',
    );
    expect(addDevCommand('@connector-kit/workspace', '')).toBe('npm install --save-dev @connector-kit/workspace');
  });
});
