/**
 * The results: the metrics with their goals, the printed table, the JSON file and the
 * generated part of RESULTS.md.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fmt } from './stats.mjs';

/**
 * Every metric of issue 6 that exists today. `ratioMax`/`ratioMin` bound ours/raw;
 * `oursMax` bounds our own figure.
 */
export const METRICS = [
  { id: 'sequential.p50', label: 'sequential no-op call p50', unit: 'µs', goal: { text: '≤2×', ratioMax: 2 } },
  { id: 'sequential.p99', label: 'sequential no-op call p99', unit: 'µs' },
  { id: 'sequential.callsPerSec', label: 'sequential no-op calls/s', unit: 'calls/s', goal: { text: '≥0.5×', ratioMin: 0.5 } },
  // Not in the issue's table: CPU the connector process spends per call, steadier than wall time on a busy machine.
  { id: 'sequential.cpuPerCall', label: 'connector CPU per sequential call', unit: 'µs' },
  { id: 'c64.callsPerSec', label: 'concurrency 64 calls/s', unit: 'calls/s', goal: { text: '≥0.7×', ratioMin: 0.7 } },
  { id: 'c64.p50', label: 'concurrency 64 p50', unit: 'µs' },
  { id: 'c64.p99', label: 'concurrency 64 p99', unit: 'µs' },
  { id: 'c64.cpuPerCall', label: 'connector CPU per call at concurrency 64', unit: 'µs' },
  { id: 'blob.mbPerSec', label: '1 MB reply', unit: 'MB/s', goal: { text: '≥0.95×', ratioMin: 0.95 } },
  { id: 'rss.warm', label: 'connector RSS after warm-up', unit: 'MB', goal: { text: '≤1.15×', ratioMax: 1.15 } },
  { id: 'rss.load', label: 'connector RSS after load', unit: 'MB', goal: { text: '≤1.15×', ratioMax: 1.15 } },
  { id: 'start.firstCall', label: 'process start → first call served', unit: 'ms', goal: { text: '≤1.3×', ratioMax: 1.3 } },
  { id: 'reconnect.serving', label: 'socket killed → serving again (p50 of kills)', unit: 'ms', goal: { text: '≤250 ms', oursMax: 250 } },
];

/** Rows of the issue's table that cannot be measured yet. */
export const SKIPPED = [
  {
    label: '`create-connector --no-install` wall time',
    goal: '<1 s',
    reason: 'skipped: not measured yet (packages/create-connector was still being written when this bench was)',
  },
  {
    label: 'SQL paged 1 M-row select',
    goal: '≥100k rows/s, RSS flat',
    reason: 'skipped: not measured yet (examples/sql was still being written when this bench was)',
  },
];

/** Joins the figures of both sides into result rows with ratio and verdict. */
export function evaluate(figures) {
  return METRICS.filter((m) => figures.ours[m.id] !== undefined && figures.raw[m.id] !== undefined).map((m) => {
    const ours = figures.ours[m.id];
    const raw = figures.raw[m.id];
    const ratio = ours.median / raw.median;
    let pass = null;
    if (m.goal?.ratioMax !== undefined) pass = ratio <= m.goal.ratioMax;
    if (m.goal?.ratioMin !== undefined) pass = ratio >= m.goal.ratioMin;
    if (m.goal?.oursMax !== undefined) pass = ours.median <= m.goal.oursMax;
    return { id: m.id, label: m.label, unit: m.unit, ours, raw, ratio, goal: m.goal?.text ?? null, pass };
  });
}

const cell = (s) => `${fmt(s.median)} (${fmt(s.min)}–${fmt(s.max)})`;
const verdict = (pass) => (pass === null ? '—' : pass ? 'pass' : 'MISS');

/** The table as Markdown lines (also what is printed). */
export function tableLines(rows) {
  const lines = [
    '| metric | ours: median (min–max) | raw: median (min–max) | ours/raw | goal | result |',
    '|---|---:|---:|---:|---|---|',
  ];
  for (const r of rows) {
    lines.push(`| ${r.label} [${r.unit}] | ${cell(r.ours)} | ${cell(r.raw)} | ${r.ratio.toFixed(2)}× | ${r.goal ?? '—'} | ${verdict(r.pass)} |`);
  }
  for (const s of SKIPPED) lines.push(`| ${s.label} | — | — | — | ${s.goal} | ${s.reason} |`);
  return lines;
}

const BEGIN = '<!-- bench:results:begin (written by bench/run.mjs; edit outside these markers) -->';
const END = '<!-- bench:results:end -->';

/** Replaces the generated part of RESULTS.md, keeping everything else (e.g. "What we found"). */
export function updateResultsMd(file, result, rows) {
  const generated = [
    BEGIN,
    `## Latest full run`,
    '',
    `- date: ${result.date}`,
    `- commit: ${result.commit}`,
    `- Node ${result.node}, ${result.machine.cpus} CPUs, load average at start ${result.machine.loadavg.map((l) => l.toFixed(2)).join(' ')}`,
    `- counts: ${describeCounts(result.counts)}`,
    '',
    ...tableLines(rows),
    '',
    END,
  ].join('\n');
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    text = `# Benchmark results\n\n${BEGIN}\n${END}\n`;
  }
  const start = text.indexOf(BEGIN);
  const end = text.indexOf(END);
  text = start >= 0 && end > start ? text.slice(0, start) + generated + text.slice(end + END.length) : `${text.trimEnd()}\n\n${generated}\n`;
  writeFileSync(file, text);
}

/** One line on what was run. */
export function describeCounts(c) {
  return (
    `${c.runs} runs per figure after warm-up (${c.warmup} calls); sequential ${c.sequential} calls; ` +
    `concurrency ${c.concurrency}: ${c.concurrent} calls; 1 MB replies: ${c.blobRuns} runs × ${c.blobs}; ` +
    `${c.startRuns} starts; ${c.kills} socket kills${c.stableWaitMs > 0 ? ` (${c.stableWaitMs / 1000} s apart, so each is the first drop after a stable period)` : ''}`
  );
}
