/**
 * The embedded database's boot (drivers/embedded.ts, issue 18): its settings are the ones it was
 * sized with, the first boot keeps a template, later boots load it (and see the sample schema
 * without running it), and a damaged template costs only a fresh boot that replaces it.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { embeddedTemplateFile, openEmbedded } from '../src/drivers/embedded.js';
import { parseSettings, type Settings } from '../src/settings.js';

const settings = parseSettings({ type: 'embedded' }) as Extract<Settings, { type: 'embedded' }>;
const template = embeddedTemplateFile(createRequire(import.meta.url).resolve('@electric-sql/pglite'));
const isGzip = (file: string): boolean => {
  const head = readFileSync(file).subarray(0, 2);
  return head[0] === 0x1f && head[1] === 0x8b;
};

/** Boots a database, reads what the test needs from it, and closes it. */
async function boot(): Promise<{ sharedBuffers: unknown; maxConnections: unknown; customers: number }> {
  const driver = openEmbedded(settings);
  try {
    const sharedBuffers = (await driver.query('SHOW shared_buffers')).rows[0]!.shared_buffers;
    const maxConnections = (await driver.query('SHOW max_connections')).rows[0]!.max_connections;
    const customers = Number((await driver.query('SELECT COUNT(*) AS n FROM customers')).rows[0]!.n);
    return { sharedBuffers, maxConnections, customers };
  } finally {
    await driver.close();
  }
}

describe('embedded database boot', () => {
  it('runs with its own settings, keeps a template at the first boot and loads it at the next', { timeout: 180_000 }, async () => {
    rmSync(template, { force: true });
    const first = await boot();
    expect(first).toMatchObject({ sharedBuffers: '16MB', maxConnections: '2' });
    expect(first.customers).toBeGreaterThan(0);
    expect(isGzip(template)).toBe(true);

    // The next boot loads the template: the schema and its rows are there, the settings too.
    const kept = readFileSync(template);
    const second = await boot();
    expect(second).toEqual(first);
    expect(readFileSync(template).equals(kept)).toBe(true);
  });

  it('boots fresh from a damaged template and replaces it', { timeout: 180_000 }, async () => {
    writeFileSync(template, 'not a tarball');
    const booted = await boot();
    expect(booted).toMatchObject({ sharedBuffers: '16MB', maxConnections: '2' });
    expect(booted.customers).toBeGreaterThan(0);
    expect(isGzip(template)).toBe(true);
  });
});
