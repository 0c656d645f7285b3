/**
 * The raw baseline's "connector": a bare `ws` client in its own process that answers
 * `connector.query` frames in the protocol's shapes (protocol.md §3, §4) with nothing else —
 * no registration, no validation, no batching, no logging. It is the floor our runtime is
 * measured against (issue 6), running the same two methods as bench/connector.
 *
 * Usage: node raw-connector.mjs <ws url>; reconnects at once when its socket closes.
 * RAW_PRELOAD=zod,pino imports those modules first (the "dependencies floor" of a start).
 */
import WebSocket from 'ws';

const url = process.argv[2];
if (!url) {
  process.stderr.write('usage: node raw-connector.mjs <ws url>\n');
  process.exit(2);
}

// Replies by size, built once (as in bench/connector/src/index.ts).
const blobs = new Map();
function blobOf(bytes) {
  let data = blobs.get(bytes);
  if (data === undefined) {
    data = 'abcdefghijklmnopqrstuvwxyz0123456789'.repeat(Math.ceil(bytes / 36)).slice(0, bytes);
    blobs.set(bytes, data);
  }
  return data;
}

function answer(a) {
  switch (a?.query) {
    case 'noop':
      return {};
    case 'blob':
      return { data: blobOf(a.variables.bytes) };
    default:
      return { error: `unknown method ${JSON.stringify(a?.query)}` };
  }
}

let nextId = 0;

// RAW_PRELOAD=zod,pino: load these first and do nothing with them. Any connector runtime that
// validates with zod and logs with pino pays for loading them; this variant shows that floor.
for (const name of (process.env.RAW_PRELOAD ?? '').split(',').filter(Boolean)) await import(name);

function connect() {
  const ws = new WebSocket(url, { perMessageDeflate: false, maxPayload: 8 * 1024 * 1024 });
  ws.on('message', (data) => {
    const frame = JSON.parse(data.toString());
    const out = [];
    for (const packet of frame.p) {
      if (packet.c !== undefined) out.push({ id: String(++nextId), c: packet.c, a: answer(packet.a) });
    }
    if (out.length > 0) ws.send(JSON.stringify({ p: out }));
  });
  ws.on('error', () => undefined);
  // The floor for "socket killed → serving again": reconnect immediately.
  ws.on('close', () => setImmediate(connect));
}

connect();
process.on('SIGTERM', () => process.exit(0));
