/**
 * Keeps an instance's connector key between starts (protocol.md §1, §2), so a restart connects
 * with the key it was given instead of registering again: no new instance in the workspace on
 * every restart, no need for a valid REGISTRATION_TOKEN after the first start, and two round
 * trips fewer before the first call.
 *
 * One file per instance name in a state folder, mode 0600, written atomically. A key belongs to
 * one workspace and one connector id, so the file records both and is ignored for any other.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { KeyStore } from '../transport/link.js';

/** The state folder of `connector start` and bundles, in the project folder (see `RunOptions.stateDir`). */
export const STATE_DIR = '.connector';

/** What a stored key is valid for. */
export interface InstanceIdentity {
  deviceEndpoint: string;
  connectorId: string;
  instanceName: string;
}

interface StoredInstance {
  deviceEndpoint: string;
  connectorId: string;
  instanceName: string;
  key: string;
  savedAt: string;
}

/**
 * File name for an instance: its name made safe for any file system, plus a short hash of the
 * exact name so that names differing only in unsafe characters do not share a file.
 */
export function stateFileName(instanceName: string): string {
  const safe =
    instanceName
      .replace(/[^A-Za-z0-9_.-]+/g, '_')
      .replace(/^\.+/, '_')
      .slice(0, 80) || 'instance';
  const hash = createHash('sha256').update(instanceName).digest('hex').slice(0, 8);
  return `${safe}.${hash}.json`;
}

/**
 * A {@link KeyStore} in `dir` (created on first save). Unreadable or foreign files count as
 * no key; a failed save is logged once (never the key) and the instance registers again on its
 * next start.
 */
export function fileKeyStore(dir: string, identity: InstanceIdentity, logger: Logger): KeyStore {
  const file = join(dir, stateFileName(identity.instanceName));
  let warned = false;
  return {
    load() {
      let stored: Partial<StoredInstance>;
      try {
        stored = JSON.parse(readFileSync(file, 'utf8')) as Partial<StoredInstance>;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
          logger.warn(`ignored ${file} (${(error as NodeJS.ErrnoException).code ?? 'not JSON'}): this instance registers again`);
        }
        return undefined;
      }
      const matches =
        stored.deviceEndpoint === identity.deviceEndpoint &&
        stored.connectorId === identity.connectorId &&
        stored.instanceName === identity.instanceName &&
        typeof stored.key === 'string' &&
        stored.key !== '';
      if (!matches) {
        logger.debug({ file }, 'the kept connector key is for another workspace, connector or instance: registering');
        return undefined;
      }
      return stored.key;
    },
    save(key) {
      const record: StoredInstance = { ...identity, key, savedAt: new Date().toISOString() };
      const temp = `${file}.${process.pid}.tmp`;
      try {
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        writeFileSync(temp, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
        renameSync(temp, file);
        logger.debug({ file }, 'kept the connector key for the next start');
      } catch (error) {
        if (warned) return;
        warned = true;
        logger.warn(
          `cannot keep the connector key in ${dir} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): ` +
            'this instance will register again on its next start; set CONNECTOR_STATE_DIR to a writable folder, or to nothing to keep no key',
        );
      }
    },
  };
}
