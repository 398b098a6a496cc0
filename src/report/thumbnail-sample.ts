/**
 * Which t-SNE points get a hover thumbnail. Encoding one thumbnail per image does not scale (at
 * 70,000 images it dominated writing the report), so the page embeds thumbnails for a bounded,
 * deterministic subset: every image another section already shows (neighbour grids, misfits,
 * images that lost neighbours against the baseline; bounded by those sections' settings, not by
 * the number of images), plus a seeded, class-stratified sample that fills the budget. Pure: no
 * file is read here.
 */

import { createRandom } from '../math/random.js';

/** Default of `thumbnails.max` (`--max-thumbnails`): distinct thumbnails on one page. */
export const DEFAULT_MAX_THUMBNAILS = 2000;

/**
 * Allots `budget` slots to groups of the given sizes: one per non-empty group while the budget
 * lasts (smallest groups are not starved), the rest in proportion to the remaining sizes by the
 * largest-remainder method (Hamilton), ties to the earlier group. Never more than a group's size.
 */
export function allot(sizes: readonly number[], budget: number): number[] {
  const out = sizes.map(() => 0);
  let left = Math.max(0, Math.floor(budget));
  const total = sizes.reduce((a, b) => a + b, 0);
  if (left >= total) return [...sizes];
  // One each, in group order, while the budget lasts.
  for (let g = 0; g < sizes.length && left > 0; g++) {
    if (sizes[g] > 0) {
      out[g] = 1;
      left--;
    }
  }
  const rest = sizes.map((s, g) => s - out[g]);
  const restTotal = rest.reduce((a, b) => a + b, 0);
  if (left === 0 || restTotal === 0) return out;
  const exact = rest.map((r) => (r * left) / restTotal);
  const floors = exact.map(Math.floor);
  let remaining = left - floors.reduce((a, b) => a + b, 0);
  const order = exact.map((e, g) => ({ g, frac: e - floors[g] })).sort((a, b) => b.frac - a.frac || a.g - b.g);
  for (const { g } of order) {
    if (remaining === 0) break;
    if (floors[g] < rest[g]) {
      floors[g]++;
      remaining--;
    }
  }
  return out.map((o, g) => o + floors[g]);
}

/**
 * A seeded, class-stratified sample of `budget` of the `candidates` (indices into `labels`):
 * the budget is allotted to the classes by {@link allot} (class order = label value), and each
 * class's share is drawn without replacement by a partial Fisher-Yates shuffle seeded with
 * `seed`. Returns the chosen indices in ascending order. Same inputs and seed, same sample.
 */
export function stratifiedSample(labels: ArrayLike<number>, candidates: readonly number[], budget: number, seed: number): number[] {
  if (budget <= 0 || candidates.length === 0) return [];
  const byClass = new Map<number, number[]>();
  for (const i of candidates) {
    const c = labels[i];
    let members = byClass.get(c);
    if (!members) byClass.set(c, (members = []));
    members.push(i);
  }
  const groups = [...byClass.entries()].sort((a, b) => a[0] - b[0]).map(([, m]) => m);
  const shares = allot(groups.map((g) => g.length), budget);
  const random = createRandom(seed);
  const out: number[] = [];
  groups.forEach((members, g) => {
    const m = members.slice();
    const take = shares[g];
    for (let j = 0; j < take; j++) {
      const r = j + Math.floor(random() * (m.length - j));
      const t = m[j];
      m[j] = m[r];
      m[r] = t;
      out.push(m[j]);
    }
  });
  return out.sort((a, b) => a - b);
}
