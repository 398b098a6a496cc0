import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { MISMATCH_COLOR } from '../../../src/report/palette.js';
import { neighborGridSvg } from '../../../src/report/svg/neighbor-grid.js';

describe('neighborGridSvg', () => {
  it('outlines and labels exactly the neighbours of another class, and rasterises embedded images', async () => {
    const red = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#ff0000' } }).png().toBuffer();
    const href = `data:image/png;base64,${red.toString('base64')}`;
    const cell = (label: string, mismatch: boolean) => ({ href, label, mismatch });
    const svg = neighborGridSvg({
      title: 'grid',
      caption: true,
      thumb: 20,
      panels: [
        { title: 'data', rows: [{ query: cell('cat', false), neighbors: [cell('cat', false), cell('<dog>', true), cell('dog', true)] }] },
        { title: 'pool5', rows: [{ query: cell('cat', false), neighbors: [cell('cat', false), cell('cat', false), cell('cat', false)] }] },
      ],
    });
    expect(svg.match(/class="mismatch"/g)).toHaveLength(2);
    expect(svg).toContain(`fill="${MISMATCH_COLOR}">&lt;dog&gt;</text>`);
    expect(svg.match(/<image /g)).toHaveLength(8);
    const { data, info } = await sharp(Buffer.from(svg)).raw().toBuffer({ resolveWithObject: true });
    // The first query thumbnail (x 10..30, y 64..84) is red.
    const at = (x: number, y: number) => [...data.subarray((y * info.width + x) * info.channels, (y * info.width + x) * info.channels + 3)];
    expect(at(20, 74)).toEqual([255, 0, 0]);
  });
});
