/**
 * {@link ActionIO} on top of `@actions/core`: workflow commands on stdout (`::warning::`,
 * `::add-mask::`), outputs in `GITHUB_OUTPUT`, the summary in `GITHUB_STEP_SUMMARY`. All of them
 * read the environment when called, so tests can point them at temporary files.
 */

import * as core from '@actions/core';
import type { ActionIO } from './run.js';

/** The runner-facing {@link ActionIO}. */
export function coreIO(): ActionIO {
  return {
    info: (m) => core.info(m),
    notice: (m) => core.notice(m),
    warning: (m) => core.warning(m),
    setOutput: (n, v) => core.setOutput(n, v),
    setFailed: (m) => core.setFailed(m),
    setSecret: (s) => core.setSecret(s),
    async appendSummary(markdown) {
      if (!process.env.GITHUB_STEP_SUMMARY) return false;
      await core.summary.addRaw(markdown, true).write();
      core.summary.emptyBuffer();
      return true;
    },
  };
}
