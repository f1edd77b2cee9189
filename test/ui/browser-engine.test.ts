import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { createDashboardSource } from '../../src/cli/dashboard-source.js';
import { Runner } from '../../src/engine/runner.js';
import { Session } from '../../src/engine/session.js';
import { startDashboard, type DashboardHandle } from '../../src/ui/server.js';
import { HAS_BWRAP, hasCommand, skipUnless } from '../support/require.js';
import { commitBeads, makeWorkspace } from '../support/workspace.js';

/**
 * The dashboard against the real engine: a real workspace, the script agent
 * in real bwrap sandboxes, the real dashboard source, and Debian's chromium.
 */

const CHROMIUM = '/usr/bin/chromium';
const SKIP = skipUnless(hasCommand(CHROMIUM), 'chromium') || skipUnless(HAS_BWRAP, 'bwrap');
const ARTIFACTS = resolve(import.meta.dirname, '../../test-artifacts/ui');

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, deadlineMs = 30_000): Promise<T> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe.skipIf(SKIP)('dashboard with the real engine', () => {
  let browser: Browser | undefined;
  let ui: DashboardHandle | undefined;
  let session: Session | undefined;

  afterAll(async () => {
    await browser?.close();
    await ui?.close();
    await session?.close();
  });

  it('shows a bead go from ready to running (with live output) to closed while the engine runs it', async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    const ws = await makeWorkspace({ projects: [{ name: 'api' }] });
    // The bead's agent runs for about 3 s after its first output line, so the page has
    // time to show the running state and the live output (the test waits for each).
    await commitBeads(ws, 'api', [
      { id: 'api-ui1', title: 'Shown live', files: ['out.txt'], script: ['echo "hello from the sandbox"', 'sleep 3; echo done > out.txt'] },
    ]);
    session = new Session(ws.config);
    ui = await startDashboard({ bus: session.bus, source: createDashboardSource(session), refreshDebounceMs: 10, pushThrottleMs: 10 });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
    await page.goto(ui.url);
    const node = '#graph [data-key="api/api-ui1"]';
    const stateOf = async (): Promise<string | undefined> => (await page.locator(node).getAttribute('data-state', { timeout: 1000 }).catch(() => null)) ?? undefined;

    await waitFor('ready', async () => ((await stateOf()) === 'ready' ? true : undefined));
    await page.screenshot({ path: resolve(ARTIFACTS, 'engine-1-ready.png') });

    const running = new Runner(session).runUntilIdle();
    await waitFor('running', async () => ((await stateOf()) === 'running' ? true : undefined));
    await waitFor('live output', async () => ((await page.locator('[data-run="api/api-ui1"] pre').textContent({ timeout: 1000 }).catch(() => ''))?.includes('hello from the sandbox') ? true : undefined));
    await page.screenshot({ path: resolve(ARTIFACTS, 'engine-2-running.png') });

    const summary = await running;
    expect(summary.results.map((r) => r.outcome)).toEqual(['landed']);
    await ui.refresh();
    await waitFor('closed', async () => ((await stateOf()) === 'closed' ? true : undefined));
    await page.screenshot({ path: resolve(ARTIFACTS, 'engine-3-closed.png') });
  });
});
