/**
 * Runs the action in-process against the fake API: a temporary workspace, the runner's
 * environment variables, a real event payload file, and an {@link ActionIO} that records
 * everything the action would print.
 */

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readActionContext } from '../../../src/action/context.js';
import { parseInputs } from '../../../src/action/inputs.js';
import { type ActionIO, type ActionResult, runAction } from '../../../src/action/run.js';
import type { CacheClient } from '../../../src/action/cache.js';

export const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');

export interface Recorded {
  lines: string[];
  warnings: string[];
  notices: string[];
  outputs: Record<string, string>;
  failed: string[];
  secrets: string[];
  summaries: string[];
}

export function recordingIO(): { io: ActionIO; rec: Recorded } {
  const rec: Recorded = { lines: [], warnings: [], notices: [], outputs: {}, failed: [], secrets: [], summaries: [] };
  const io: ActionIO = {
    info: (m) => rec.lines.push(m),
    notice: (m) => {
      rec.notices.push(m);
      rec.lines.push(`::notice::${m}`);
    },
    warning: (m) => {
      rec.warnings.push(m);
      rec.lines.push(`::warning::${m}`);
    },
    setOutput: (n, v) => {
      rec.outputs[n] = v;
    },
    setFailed: (m) => {
      rec.failed.push(m);
      rec.lines.push(`::error::${m}`);
    },
    setSecret: (s) => {
      rec.secrets.push(s);
    },
    appendSummary: async (md) => {
      rec.summaries.push(md);
      return true;
    },
  };
  return { io, rec };
}

export interface Workspace {
  dir: string;
  cleanup(): void;
}

export function makeWorkspace(): Workspace {
  const dir = mkdtempSync(path.join(tmpdir(), 'sa-action-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The runner's variables for `event` (a fixture name or an absolute payload path). */
export function runnerEnv(apiUrl: string, workspace: string, event = 'pull_request', payload = `${event}.json`, extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    GITHUB_ACTIONS: 'true',
    GITHUB_REPOSITORY: 'octo-org/classifier',
    GITHUB_EVENT_NAME: event,
    GITHUB_EVENT_PATH: path.isAbsolute(payload) ? payload : path.join(FIXTURES, payload),
    GITHUB_API_URL: apiUrl,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_RUN_ID: '987654321',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_SHA: 'f00dfeedf00dfeedf00dfeedf00dfeedf00dfeed',
    GITHUB_WORKSPACE: workspace,
    RUNNER_OS: 'Linux',
    ...extra,
  };
}

/** Runs the action with `inputs` (names as in action.yml) in `env`; `cacheClient` replaces `@actions/cache`. */
export async function run(inputs: Record<string, string>, env: Record<string, string | undefined>, deps: { cacheClient?: CacheClient; now?: () => Date } = {}): Promise<{ result: ActionResult; rec: Recorded }> {
  const { io, rec } = recordingIO();
  const parsed = parseInputs((name) => inputs[name] ?? '');
  const ctx = await readActionContext(env);
  const result = await runAction(parsed, ctx, env, io, deps);
  return { result, rec };
}

export function readJson(file: string): unknown {
  return JSON.parse(readFileSync(file, 'utf8'));
}

export function writeJson(file: string, value: unknown): void {
  writeFileSync(file, JSON.stringify(value));
}
