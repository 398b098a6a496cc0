/**
 * Which query images gained or lost same-class neighbours between a baseline and now. Images
 * are matched by path; each side counts the neighbours that share that side's label.
 */

import type { NeighborChange, NeighborDiff } from './comparison-types.js';
import type { ImageNeighborLabels } from './layer-snapshot.js';

function sameClass(im: ImageNeighborLabels): number {
  let n = 0;
  for (const l of im.neighbors) if (l === im.label) n++;
  return n;
}

/**
 * Diffs the per-image neighbour labels of one layer. `changes` holds only the images whose
 * same-class count changed: largest |change| first, losses before gains, then by path.
 */
export function diffNeighbors(layer: string, k: number, before: ImageNeighborLabels[] | undefined, after: ImageNeighborLabels[] | undefined): NeighborDiff {
  const diff: NeighborDiff = { layer, k, compared: 0, gained: 0, lost: 0, unchanged: 0, netChange: 0, changes: [] };
  if (!before || !after || before.length === 0 || after.length === 0) {
    diff.unavailable = true;
    return diff;
  }
  const byPath = new Map(before.map((b) => [b.path, b]));
  for (const now of after) {
    const then = byPath.get(now.path);
    if (!then) continue;
    diff.compared++;
    const b = sameClass(then);
    const a = sameClass(now);
    const change = a - b;
    diff.netChange += change;
    if (change === 0) {
      diff.unchanged++;
      continue;
    }
    if (change > 0) diff.gained++;
    else diff.lost++;
    diff.changes.push({
      path: now.path,
      label: now.label,
      before: b,
      after: a,
      change,
      neighborLabelsBefore: [...then.neighbors],
      neighborLabelsAfter: [...now.neighbors],
    });
  }
  diff.changes.sort(byChange);
  return diff;
}

function byChange(a: NeighborChange, b: NeighborChange): number {
  return Math.abs(b.change) - Math.abs(a.change) || a.change - b.change || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
}
