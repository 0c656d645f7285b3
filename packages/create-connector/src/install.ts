/**
 * Runs the package manager's install in the new project.
 */
import { spawn } from 'node:child_process';
import { CreateError } from './errors.js';
import type { PackageManager } from './package-manager.js';

/**
 * Runs `<pm> install` in `dir`, its output going to our stderr.
 * @throws CreateError `INSTALL_FAILED` when it cannot start or exits non-zero
 */
export function installDependencies(dir: string, pm: PackageManager, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  return new Promise((resolve, reject) => {
    // Windows runs package managers through .cmd shims, which need a shell.
    const child = spawn(pm, ['install'], {
      cwd: dir,
      // This install writes the lockfile, which Yarn ≥2 refuses on CI (CI=true makes its installs
      // immutable: YN0028). Yarn 1 ignores the variable; the project's own CI keeps `--immutable`.
      env: pm === 'yarn' ? { ...env, YARN_ENABLE_IMMUTABLE_INSTALLS: 'false' } : env,
      stdio: ['ignore', process.stderr, process.stderr],
      shell: process.platform === 'win32',
    });
    child.once('error', (error) =>
      reject(
        new CreateError('INSTALL_FAILED', `could not run ${pm} install (${error.message}): is ${pm} installed? Or pass --no-install`, {
          cause: error,
        }),
      ),
    );
    child.once('exit', (code, signal) => {
      if (code === 0) resolve();
      else reject(new CreateError('INSTALL_FAILED', `${pm} install failed (${signal ?? `exit code ${code}`}); its output is above`));
    });
  });
}
