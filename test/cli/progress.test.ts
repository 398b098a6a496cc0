import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createProgress } from '../../src/cli/progress.js';

function stream(tty: boolean) {
  const s = new Writable({
    write(chunk, _enc, cb) {
      s.text += chunk.toString();
      cb();
    },
  }) as Writable & { text: string; isTTY: boolean; columns: number };
  s.text = '';
  s.isTTY = tty;
  s.columns = 100;
  return s;
}

describe('createProgress', () => {
  it('draws the step, its detail and the elapsed seconds on a terminal, then clears the line', () => {
    const s = stream(true);
    let now = 0;
    const p = createProgress(s, () => now);
    p.step('t-SNE and separation: conv1 (layer 2/5)');
    now = 3500;
    p.detail('iteration 150/750');
    p.done();
    const last = 't-SNE and separation: conv1 (layer 2/5): iteration 150/750 (3 s)';
    expect(s.text).toBe(`\rt-SNE and separation: conv1 (layer 2/5)\r${last}\r${' '.repeat(last.length)}\r`);
  });

  it('redraws details at most four times a second', () => {
    const s = stream(true);
    let now = 0;
    const p = createProgress(s, () => now);
    p.step('k-NN');
    for (let i = 1; i <= 10; i++) {
      now = i * 100;
      p.detail(`${i}`);
    }
    p.done();
    expect(s.text.split('\r').filter((l) => l.startsWith('k-NN')).map((l) => l.trim())).toEqual(['k-NN', 'k-NN: 3', 'k-NN: 6', 'k-NN: 9']);
  });

  it('cuts a line wider than the terminal', () => {
    const s = stream(true);
    s.columns = 60;
    const p = createProgress(s, () => 0);
    p.step('x'.repeat(100));
    p.done();
    expect(s.text.split('\r')[1]).toBe(`${'x'.repeat(58)}…`);
  });

  it('writes nothing into a pipe', () => {
    const s = stream(false);
    const p = createProgress(s, () => 0);
    p.step('extracting');
    p.detail('1/2 images');
    p.done();
    expect(s.text).toBe('');
  });
});
