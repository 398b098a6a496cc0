/**
 * Entry of the GitHub Action (`action.yml` runs the bundle of this file, `dist/action/index.js`):
 * reads the inputs with `@actions/core`, the context from the environment, and runs
 * {@link runAction}. Bad inputs or setup fail the step with one message and no stack trace.
 */

import * as core from '@actions/core';
import { AuditError } from '../errors.js';
import { readActionContext } from './context.js';
import { parseInputs } from './inputs.js';
import { coreIO } from './core-io.js';
import { redact, runAction } from './run.js';

/** Runs the action in this process. */
export async function main(): Promise<void> {
  const token = core.getInput('github-token');
  try {
    const inputs = parseInputs((name) => core.getInput(name));
    const ctx = await readActionContext(process.env);
    await runAction(inputs, ctx, process.env, coreIO());
  } catch (err) {
    const message = err instanceof AuditError ? err.message : `semantic-audit action: internal error: ${(err as Error)?.stack ?? err}`;
    core.setFailed(redact(message, token));
  }
}

await main();
