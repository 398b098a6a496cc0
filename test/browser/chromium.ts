/** Debian's Chromium driven by playwright-core (never a downloaded browser). */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/**
 * Whether Chromium is installed. Outside CI the browser tests skip without it; under CI (`CI`
 * set) a missing Chromium fails them instead, so that a runner without it cannot pass silently.
 */
export const HAS_CHROMIUM = existsSync(CHROMIUM);
if (!HAS_CHROMIUM && process.env.CI) {
  throw new Error(`Chromium not found at ${CHROMIUM}, and CI is set: the browser tests must run under CI. Install chromium (apt-get install chromium) or set CHROMIUM_PATH to its executable.`);
}

/** Where screenshots go: $SEMANTIC_AUDIT_ARTIFACTS or a folder in the temp dir. */
export const ARTIFACT_DIR = process.env.SEMANTIC_AUDIT_ARTIFACTS ?? path.join(os.tmpdir(), 'semantic-audit-screens');

/** Launches headless Chromium with a fresh profile; `close()` removes the profile. */
export async function launchChromium(viewport = { width: 1280, height: 1000 }): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  const profile = await mkdtemp(path.join(os.tmpdir(), 'sa-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
  return {
    context,
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
