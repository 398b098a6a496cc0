/**
 * Seeded pseudo-random numbers. The global unseeded generator is never used in semantic-audit: every stochastic
 * step takes a seed, so the same inputs and seed give the same numbers on every machine.
 */

/** A function returning uniform numbers in [0, 1). */
export type RandomFn = () => number;

/**
 * mulberry32: a small, fast 32-bit generator with good statistical quality for sampling and
 * jitter (not for cryptography). Seeds are reduced to 32 bits.
 */
export function createRandom(seed: number): RandomFn {
  let a = (Math.floor(seed) >>> 0) ^ 0x9e3779b9;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal deviate by Box-Muller from a {@link RandomFn}. */
export function randomNormal(random: RandomFn): number {
  let u = 0;
  while (u === 0) u = random();
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** A seeded Fisher-Yates shuffle of 0..n-1. */
export function permutation(n: number, random: RandomFn): Uint32Array {
  const p = new Uint32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}
