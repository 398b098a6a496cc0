import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createMatrix } from '../../src/math/matrix.js';
import { createRandom, randomNormal } from '../../src/math/random.js';

/**
 * Worker threads run the compiled gradient-worker.js, so this test uses the build in dist/
 * (`npm test` builds first; the TypeScript sources alone fall back to one thread).
 */
const DIST = new URL('../../dist/src/embed/tsne.js', import.meta.url);

describe('tsne worker threads (built dist)', () => {
  it('gives bitwise the same embedding with 1, 2 and 3 threads (Barnes-Hut and FFT)', async () => {
    expect(existsSync(DIST), 'dist/ is missing: run npm run build before the tests').toBe(true);
    const { tsne } = (await import(DIST.href)) as typeof import('../../src/embed/tsne.js');
    const rnd = createRandom(8);
    const n = 400;
    const x = createMatrix(n, 8);
    for (let i = 0; i < n; i++) for (let c = 0; c < 8; c++) x.data[i * 8 + c] = randomNormal(rnd) + (c === i % 4 ? 8 : 0);
    for (const method of ['barnes-hut', 'fft'] as const) {
      const opts = method === 'fft' ? { perplexity: 15, method, earlyExaggerationIterations: 20, iterations: 20 } : { perplexity: 15, method, earlyExaggerationIterations: 60, iterations: 60 };
      const one = await tsne(x, { ...opts, threads: 1 });
      for (const threads of [2, 3]) {
        const more = await tsne(x, { ...opts, threads });
        expect(one.threads).toBe(1);
        expect(more.threads).toBe(threads);
        expect(Buffer.from(more.embedding.buffer).equals(Buffer.from(one.embedding.buffer))).toBe(true);
        expect(more.kl).toBe(one.kl);
      }
    }
  });
});
