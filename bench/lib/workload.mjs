/**
 * The workloads, written once and run against both sides, so ours and raw do exactly the
 * same thing. `call(method, variables)` resolves to the answer's `a`.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { percentile } from './stats.mjs';

/** `n` no-op calls one after another: p50 and p99 latency (µs) and calls/s. */
export async function sequential(call, n) {
  const latency = new Float64Array(n);
  const started = performance.now();
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await call('noop', {});
    latency[i] = performance.now() - t;
  }
  const elapsed = performance.now() - started;
  return { p50: percentile(latency, 0.5) * 1000, p99: percentile(latency, 0.99) * 1000, callsPerSec: (n / elapsed) * 1000 };
}

/** `n` no-op calls with `concurrency` in flight at all times: calls/s and p50/p99 latency (µs). */
export async function concurrent(call, n, concurrency) {
  const latency = new Float64Array(n);
  let issued = 0;
  const worker = async () => {
    while (issued < n) {
      const i = issued++;
      const t = performance.now();
      await call('noop', {});
      latency[i] = performance.now() - t;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = performance.now() - started;
  return { p50: percentile(latency, 0.5) * 1000, p99: percentile(latency, 0.99) * 1000, callsPerSec: (n / elapsed) * 1000 };
}

/** `count` replies of `bytes` bytes one after another: MB/s (1 MB = 2^20 bytes). */
export async function blobs(call, count, bytes) {
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const a = await call('blob', { bytes });
    if (typeof a?.data !== 'string' || a.data.length !== bytes) {
      throw new Error(`blob reply of ${a?.data?.length} characters, expected ${bytes}`);
    }
  }
  const elapsed = performance.now() - started;
  return { mbPerSec: (count * bytes) / 2 ** 20 / (elapsed / 1000) };
}

/**
 * Calls `noop` every millisecond until one succeeds; resolves to the ms since `since`.
 * Failures are expected meanwhile (offline, connection lost); gives up after `limitMs`.
 */
export async function untilServed(call, since, limitMs = 30_000) {
  let lastError;
  while (performance.now() - since < limitMs) {
    try {
      await call('noop', {});
      return performance.now() - since;
    } catch (error) {
      lastError = error;
      await sleep(1);
    }
  }
  throw new Error(`not served within ${limitMs} ms: ${lastError?.message ?? 'no attempt'}`);
}

/** Resident set size of a process, in MB (2^20 bytes), from /proc/<pid>/status VmRSS. */
export async function rssMb(pid) {
  const { readFile } = await import('node:fs/promises');
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!kb) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(kb[1]) / 1024;
}

/**
 * CPU time all threads of a process have used, in ms: the first field of
 * /proc/<pid>/task/<tid>/schedstat (ns), summed; finer than /proc/<pid>/stat's 10 ms ticks.
 */
export async function cpuMs(pid) {
  const { readdir, readFile } = await import('node:fs/promises');
  let ns = 0;
  for (const tid of await readdir(`/proc/${pid}/task`)) {
    const text = await readFile(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').catch(() => '0');
    ns += Number(text.split(' ')[0]);
  }
  return ns / 1e6;
}
