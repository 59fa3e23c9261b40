// Starts and stops the whole Switchboard system for browser tests, through the devstack launcher
// (tools/devstack): nats-server, every service and the seeded demo tenant on free ports in a fresh data dir.
// The launcher runs in its own process group so stopping it also stops everything it started, even if the
// launcher itself hangs. Not a test file: node --test only picks up names like *.test.mjs.
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const READY_PREFIX = 'SWITCHBOARD_READY ';
const LOG_LINES = 200; // kept for failure reports

/** A TCP port nobody listens on right now (another process could take it before we use it; rare enough). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts the devstack and resolves once it prints its ready line, with
 * `{ info, logs(), stop() }`; `info` is the parsed ready line
 * (`{gateway, nats, operator_token, demo: {...}}`).
 */
export async function startStack(options = {}) {
  // A port picked free can be taken by a parallel test before the stack binds
  // it (the services pick their health ports the same way). That start fails
  // with EADDRINUSE and says so; it is tried again on fresh ports, a bounded
  // number of times. Any other failure is reported at once.
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await startStackOnce(options);
    } catch (error) {
      if (attempt >= 3 || !/Address already in use/.test(error.message)) throw error;
    }
  }
}

async function startStackOnce({ timeoutMs = 90_000 } = {}) {
  const binDir = process.env.SWITCHBOARD_BIN_DIR || path.join(REPO, 'target/debug');
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'switchboard-browser-'));
  const env = {
    ...process.env,
    SWITCHBOARD_HTTP_ADDR: `127.0.0.1:${await freePort()}`,
    NATS_URL: `nats://127.0.0.1:${await freePort()}`,
    SWITCHBOARD_DATA_DIR: dataDir,
    SWITCHBOARD_DEMO: '1',
    SWITCHBOARD_DEMO_SIGN_IN_ADDR: `127.0.0.1:${await freePort()}`,
    SWITCHBOARD_DEVSTACK_READY_LINE: '1',
    NATS_SERVER_BIN: process.env.NATS_SERVER_BIN || path.join(REPO, '.tools/nats/bin/nats-server'),
    RUST_LOG: 'warn',
    RUST_LIB_BACKTRACE: process.env.RUST_LIB_BACKTRACE ?? '0', // anyhow's backtraces would bury the one-line reason
  };
  const child = spawn(path.join(binDir, 'switchboard-devstack'), [], {
    env, cwd: REPO, detached: true, stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines = [];
  const remember = (line) => { lines.push(line); if (lines.length > LOG_LINES) lines.shift(); };
  let exited = null;
  const exit = new Promise((resolve) => child.once('exit', (code, signal) => { exited = { code, signal }; resolve(); }));
  // If the test process ends without running its hooks (an exception, Ctrl-C), do not leave the stack behind:
  // being in its own process group, it would not get the terminal's SIGINT.
  const killOnExit = () => { killGroup(child.pid, 'SIGKILL'); rmSync(dataDir, { recursive: true, force: true }); };
  const killOnSignal = (signal) => { killOnExit(); process.kill(process.pid, signal); };
  process.once('exit', killOnExit);
  process.once('SIGINT', killOnSignal);
  process.once('SIGTERM', killOnSignal);

  const stop = async () => {
    process.removeListener('exit', killOnExit);
    process.removeListener('SIGINT', killOnSignal);
    process.removeListener('SIGTERM', killOnSignal);
    if (groupAlive(child.pid)) {
      killGroup(child.pid, 'SIGTERM');
      const deadline = Date.now() + 10_000;
      while (groupAlive(child.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      if (groupAlive(child.pid)) killGroup(child.pid, 'SIGKILL');
    }
    await Promise.race([exit, new Promise((r) => setTimeout(r, 2_000))]);
    await rm(dataDir, { recursive: true, force: true });
  };
  const logs = () => lines.join('\n');

  try {
    const info = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the devstack printed no ready line within ${timeoutMs} ms`)), timeoutMs);
      child.once('error', (e) => { clearTimeout(timer); reject(new Error(`cannot start the devstack: ${e.message}`)); });
      exit.then(() => { clearTimeout(timer); reject(new Error(`the devstack exited (${JSON.stringify(exited)}) before it was ready`)); });
      onLines(child.stderr, remember);
      onLines(child.stdout, (line) => {
        if (!line.startsWith(READY_PREFIX)) return remember(line);
        clearTimeout(timer);
        try { resolve(JSON.parse(line.slice(READY_PREFIX.length))); } catch (e) { reject(new Error(`bad ready line: ${line}`)); }
      });
    });
    if (!info.demo) throw new Error('the ready line has no demo tenant (SWITCHBOARD_DEMO=1 was ignored)');
    return { info, logs, stop, exited: () => exited };
  } catch (error) {
    await stop();
    error.message += `\n--- devstack output (last ${LOG_LINES} lines) ---\n${logs()}`;
    throw error;
  }
}

function onLines(stream, fn) {
  let rest = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk) => {
    const parts = (rest + chunk).split('\n');
    rest = parts.pop();
    parts.forEach(fn);
  });
  stream.on('end', () => { if (rest) fn(rest); });
}

function killGroup(pid, signal) {
  try { process.kill(-pid, signal); } catch { /* already gone */ }
}

function groupAlive(pid) {
  try { process.kill(-pid, 0); return true; } catch { return false; }
}
