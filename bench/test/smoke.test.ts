/**
 * Keeps the benchmark from rotting: a run with tiny counts (BENCH_SMOKE=1) must finish and
 * write every metric as finite numbers. Timings are never asserted: the machine is shared.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runNode } from '../../test/support/spawn.js';
import { METRICS, SQL_SKIPPED } from '../lib/report.mjs';

const BENCH_DIR = fileURLToPath(new URL('..', import.meta.url));

interface Summary {
  median: number;
  min: number;
  max: number;
  samples: number[];
}
interface Row {
  id: string;
  ours: Summary;
  /** null for rows without a raw baseline (create-connector, SQL). */
  raw: Summary | null;
  ratio: number | null;
  pass: boolean | null;
}

describe('bench (smoke)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ck-bench-smoke-'));
  const out = join(dir, 'smoke.json');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs every workload with tiny counts and writes every metric as finite numbers', async () => {
    const { code, output } = await runNode('run.mjs', [], {
      cwd: BENCH_DIR,
      env: { ...process.env, BENCH_SMOKE: '1', BENCH_OUT: out, BENCH_ONLY: '', BENCH_PROFILE: '' },
    });
    expect(code, output).toBe(0);

    const result = JSON.parse(readFileSync(out, 'utf8')) as {
      smoke: boolean;
      node: string;
      commit: string;
      metrics: Row[];
      skipped: unknown[];
    };
    expect(result.smoke).toBe(true);
    expect(result.node).toBe(process.version);
    expect(result.commit).not.toBe('');
    // The SQL rows run only with a PostgreSQL (the child inherits this env), else one skipped row.
    const sql = Boolean(process.env.BENCH_DATABASE_URL || process.env.TEST_DATABASE_URL);
    const expected = METRICS.filter((m) => sql || m.group !== 'sql');
    expect(result.metrics.map((m) => m.id)).toEqual(expected.map((m) => m.id));
    for (const row of result.metrics) {
      const metric = METRICS.find((m) => m.id === row.id)!;
      for (const side of metric.oursOnly ? [row.ours] : [row.ours, row.raw!]) {
        for (const value of [side.median, side.min, side.max, ...side.samples])
          expect(Number.isFinite(value), `${row.id}: ${value}`).toBe(true);
      }
      if (metric.oursOnly) expect(row.raw, `${row.id} has no raw side`).toBeNull();
      else expect(Number.isFinite(row.ratio), `${row.id} ratio`).toBe(true);
    }
    expect(result.skipped).toEqual(sql ? [] : [SQL_SKIPPED]);
    // The printed table has a row per metric (or the skipped SQL row).
    for (const metric of expected) expect(output).toContain(metric.label);
    if (!sql) expect(output).toContain(SQL_SKIPPED.reason);
  }, 600_000); // the memory phase runs `npm start`'s demo twice: two cold PGlite starts on a busy machine
});
