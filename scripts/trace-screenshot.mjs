// Screenshots one customer message's trace in Arize Phoenix, for docs/operations.md ("Traces").
// Starts Phoenix (installed by `scripts/ensure-tools.sh --phoenix`) and the devstack with its demo tenant,
// every service exporting its spans to Phoenix; asks the demo AI agent a question on the support page; then
// opens that message's trace in Phoenix's UI and saves the screenshot.
//
// Usage, from the repository root, after `cargo build --workspace --bins`:
//   node scripts/trace-screenshot.mjs [OUTPUT.png]     (default: docs/img/traces-phoenix.png)
// It uses the browser tests' playwright-core and Debian's chromium (tests/browser/support).
import { spawn } from 'node:child_process';
import { existsSync, openSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { REPO, freePort, startStack } from '../tests/browser/support/stack.mjs';
import { launchChromium } from '../tests/browser/support/pages.mjs';

const OUTPUT = path.resolve(process.argv[2] || path.join(REPO, 'docs/img/traces-phoenix.png'));
const PHOENIX_DIR = process.env.SWITCHBOARD_PHOENIX_DIR || path.join(REPO, '.tools/phoenix');
const PROJECT = 'switchboard';
const QUESTION = 'How do I reset my password?';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Phoenix on free loopback ports with a fresh store; `{ url, stop() }` once it answers. */
async function startPhoenix() {
  if (!existsSync(path.join(PHOENIX_DIR, 'phoenix/server/main.py'))) {
    throw new Error(`Arize Phoenix is not installed in ${PHOENIX_DIR}: run scripts/ensure-tools.sh --phoenix`);
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), 'switchboard-phoenix-'));
  const port = await freePort();
  const log = openSync(path.join(dir, 'phoenix.log'), 'w');
  const child = spawn('python3', ['-m', 'phoenix.server.main', 'serve'], {
    env: {
      ...process.env,
      PYTHONPATH: PHOENIX_DIR,
      PHOENIX_HOST: '127.0.0.1',
      PHOENIX_PORT: String(port),
      PHOENIX_GRPC_PORT: String(await freePort()),
      PHOENIX_WORKING_DIR: dir,
      PHOENIX_TELEMETRY_ENABLED: 'false',
    },
    stdio: ['ignore', log, log],
  });
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 180_000;
  for (;;) {
    const up = await fetch(`${url}/healthz`).then((r) => r.ok, () => false);
    if (up) return { url, stop };
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`Phoenix did not start (see ${dir}/phoenix.log)`);
    }
    await sleep(250);
  }
}

/** Every span of the project, as Phoenix's REST API gives them. */
async function spans(phoenix) {
  const response = await fetch(`${phoenix.url}/v1/projects/${PROJECT}/spans?limit=1000`);
  if (response.status === 404) return [];
  return (await response.json()).data;
}

/** The trace id of the customer message that the AI agent answered, once its spans stop arriving. */
async function messageTrace(phoenix) {
  let seen = -1;
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const all = await spans(phoenix);
    const root = all.find((s) => s.name === 'customer frame' && s.attributes.conversation
      && all.some((t) => t.context.trace_id === s.context.trace_id && t.attributes.consumer === 'ai-bridge-turns'));
    const count = root ? all.filter((s) => s.context.trace_id === root.context.trace_id).length : 0;
    if (root && count === seen) return root.context.trace_id;
    seen = count;
    await sleep(1_000);
  }
  throw new Error('no trace of the customer message reached Phoenix');
}

/** Widens the trace drawer and its span tree, so span names show whole. */
async function widenSpanTree(view) {
  const drag = async (separator, dx) => {
    const box = await separator.boundingBox();
    if (!box) return;
    const [x, y] = [box.x + box.width / 2, box.y + box.height / 2];
    await view.mouse.move(x, y);
    await view.mouse.down();
    await view.mouse.move(x + dx, y, { steps: 10 });
    await view.mouse.up();
  };
  await drag(view.locator('.drawer__resize-handle').first(), -200);
  await drag(view.locator('[role=separator][aria-controls=trace-tree]').first(), 220);
}

const phoenix = await startPhoenix();
let stack;
let browser;
try {
  // The devstack's services inherit these.
  process.env.OTEL_EXPORTER_OTLP_ENDPOINT = phoenix.url;
  process.env.OTEL_BSP_SCHEDULE_DELAY = '100';
  process.env.OTEL_RESOURCE_ATTRIBUTES = `openinference.project.name=${PROJECT}`;
  stack = await startStack({ timeoutMs: 120_000 });
  browser = await launchChromium();

  const customer = await browser.newPage({ viewport: { width: 1100, height: 760 } });
  await customer.goto(`${stack.info.gateway}/support/${stack.info.demo.support_widget}`);
  await customer.getByTestId('composer').fill(QUESTION);
  await customer.getByTestId('send').click();
  await customer.locator('[data-testid=message][data-role=ai][data-seq]').first().waitFor({ timeout: 30_000 });

  const trace = await messageTrace(phoenix);
  const view = await browser.newPage({ viewport: { width: 1600, height: 1180 } });
  await view.goto(`${phoenix.url}/redirects/traces/${trace}`);
  await view.getByText('customer frame').first().waitFor({ timeout: 60_000 });
  await widenSpanTree(view);
  // Show the AI agent's span: its attributes name the conversation and the consumer.
  // The first of its two: the customer's message (the second is the answer itself coming back; the
  // conversation opening is a state change, which the AI agent's consumer is not given).
  await view.getByText('consume sb.evt.*.*.turn (ai-bridge-turns)').nth(0).click();
  await view.getByText('ai-bridge-turns', { exact: true }).first().waitFor();
  await view.getByText('customer frame').first().scrollIntoViewIfNeeded();
  await view.mouse.move(1, 1); // no hover card over the details
  await sleep(1_000); // let the panels finish laying out
  await view.screenshot({ path: OUTPUT });
  console.log(`trace ${trace} → ${path.relative(REPO, OUTPUT)}`);
} finally {
  await browser?.close();
  await stack?.stop();
  await phoenix.stop();
}
