/**
 * Uploads the report directory as a workflow artefact with `@actions/artifact` (the client behind
 * `actions/upload-artifact@v4`). Outside a runner there is no runtime token, and the upload is
 * skipped. The module is imported lazily, so runs that skip the upload never load it.
 */

import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Env } from './context.js';

/** Every file below `dir`, as absolute paths, sorted. */
export async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    const entries = await readdir(d, { withFileTypes: true });
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) out.push(p);
    }
  };
  await walk(dir);
  return out.sort();
}

/** Result of {@link uploadReportArtifact}. */
export type ArtifactResult = { uploaded: true; id: number; size?: number } | { uploaded: false; reason: string };

/**
 * Uploads `dir` as artefact `name`. Skipped (not an error) when `ACTIONS_RUNTIME_TOKEN` is unset,
 * i.e. outside GitHub Actions or in a container step that hides it.
 */
export async function uploadReportArtifact(name: string, dir: string, env: Env, retentionDays?: number): Promise<ArtifactResult> {
  if (!env.ACTIONS_RUNTIME_TOKEN) {
    return { uploaded: false, reason: 'ACTIONS_RUNTIME_TOKEN is not set (not running inside GitHub Actions)' };
  }
  const files = await listFiles(dir);
  if (files.length === 0) return { uploaded: false, reason: `${dir} holds no files` };
  const { DefaultArtifactClient } = await import('@actions/artifact');
  const client = new DefaultArtifactClient();
  const res = await client.uploadArtifact(name, files, dir, retentionDays ? { retentionDays } : {});
  if (res.id === undefined) return { uploaded: false, reason: 'the artefact service returned no id' };
  return { uploaded: true, id: res.id, size: res.size };
}
