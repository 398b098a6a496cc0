import { afterEach, describe, expect, it, vi } from 'vitest';

afterEach(() => {
  vi.unstubAllEnvs();
  vi.resetModules();
});

describe('browser tests under CI', () => {
  it('fail (the shared Chromium module throws on import) when Chromium is missing and CI is set', async () => {
    vi.stubEnv('CHROMIUM_PATH', '/nonexistent/chromium');
    vi.stubEnv('CI', 'true');
    vi.resetModules();
    await expect(import('../browser/chromium.js')).rejects.toThrow(
      'Chromium not found at /nonexistent/chromium, and CI is set: the browser tests must run under CI. Install chromium (apt-get install chromium) or set CHROMIUM_PATH to its executable.',
    );
  });

  it('skip (HAS_CHROMIUM false) when Chromium is missing outside CI', async () => {
    vi.stubEnv('CHROMIUM_PATH', '/nonexistent/chromium');
    vi.stubEnv('CI', '');
    vi.resetModules();
    const m = await import('../browser/chromium.js');
    expect(m.HAS_CHROMIUM).toBe(false);
  });
});
