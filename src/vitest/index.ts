/**
 * The Vitest entry: `import 'semantic-audit/vitest'` (e.g. in `setupFiles`, or at the top of a
 * test file) registers the matchers on `expect` and their types.
 */

import { expect } from 'vitest';
import { getCurrentTest } from 'vitest/suite';
import { setCurrentTestProvider } from './matcher-utils.js';
import { type SemanticNeighborsOptions, toHaveSemanticNeighbors } from './neighbors-matcher.js';

export type { SemanticNeighborsOptions } from './neighbors-matcher.js';

setCurrentTestProvider(() => getCurrentTest() as unknown as { meta: Record<string, unknown> } | undefined);

expect.extend({
  toHaveSemanticNeighbors,
} as unknown as Parameters<typeof expect.extend>[0]);

declare module 'vitest' {
  interface Matchers<T = any> {
    /**
     * Passes when the k-NN class purity of `layer` reaches `minPurity`: the share of each query
     * image's k nearest reference images (in that layer's feature space) that share its label.
     * Use on a subject from `auditModel()`; must be awaited.
     */
    toHaveSemanticNeighbors(layer: string, options?: SemanticNeighborsOptions): Promise<T>;
  }
}
