/**
 * A {@link WorkspaceLink} against a {@link FakeWorkspace}, for the transport tests: small
 * timing parameters, events recorded, everything closed by {@link closeLinks}.
 */
import { expect, vi } from 'vitest';
import { type ConnectorError } from '../../src/index.js';
import { WorkspaceLink, type WorkspaceLinkOptions } from '../../src/internal/index.js';
import type { Packet } from '../../src/protocol/index.js';
import { FakeWorkspace, type FakeWorkspaceOptions } from './fake-workspace.js';
import { silentLogger } from './logs.js';

const links: WorkspaceLink[] = [];
const fakes: FakeWorkspace[] = [];

/** Closes every link and fake workspace the test made (call it in `afterEach`). */
export async function closeLinks(): Promise<void> {
  await Promise.all(links.splice(0).map((l) => l.close()));
  await Promise.all(fakes.splice(0).map((f) => f.stop()));
}

/** A fake workspace, stopped by {@link closeLinks}. */
export async function workspace(options: FakeWorkspaceOptions = {}): Promise<FakeWorkspace> {
  const fake = await FakeWorkspace.start(options);
  fakes.push(fake);
  return fake;
}

/** A link to `fake` (not started) with its requests, events and fatal errors recorded. */
export function makeLink(fake: FakeWorkspace, overrides: Partial<WorkspaceLinkOptions> = {}) {
  const requests: Packet[] = [];
  const events: string[] = [];
  const fatal: ConnectorError[] = [];
  const link = new WorkspaceLink({
    connectorId: 'hello',
    version: '1.2.3',
    instanceName: 'hello-1',
    registrationToken: fake.registrationToken,
    deviceEndpoint: fake.deviceEndpoint,
    websocketEndpoint: fake.websocketEndpoint,
    schema: { configSchema: { fields: {} }, introspect: 'declare function hello(): {};' },
    features: ['structured-errors', 'idempotency-keys'],
    onRequest: (p) => requests.push(p),
    logger: silentLogger,
    backoff: { baseMs: 5, capMs: 20 },
    ...overrides,
  });
  link.on('open', () => events.push('open'));
  link.on('close', (code: number) => events.push(`close ${code}`));
  link.on('fatal', (error: ConnectorError) => fatal.push(error));
  links.push(link);
  return { link, requests, events, fatal };
}

/** Waits until the link has opened `times` sockets. */
export const opened = (events: string[], times = 1) =>
  vi.waitFor(() => expect(events.filter((e) => e === 'open').length).toBeGreaterThanOrEqual(times), { timeout: 5_000 });
