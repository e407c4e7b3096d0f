// Launches Debian's Chromium through playwright-core with a fresh profile.
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const CHROMIUM = process.env.TICKFAN_CHROMIUM || '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking',
  '--no-first-run', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

/** {browser, context, close()}: a persistent context on a throwaway --user-data-dir. */
export async function launch() {
  const dir = mkdtempSync(path.join(tmpdir(), 'tickfan-chromium-'));
  const context = await chromium.launchPersistentContext(dir, { executablePath: CHROMIUM, args: ARGS, headless: true });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
