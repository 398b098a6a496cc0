import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { escapeXml, num, svgDocument, truncate } from '../../../src/report/svg/xml.js';

describe('escapeXml', () => {
  it('escapes the five XML special characters and nothing else', () => {
    expect(escapeXml(`<script>alert("x" & 'y')</script>`)).toBe('&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;');
    expect(escapeXml('plain text é 中')).toBe('plain text é 中');
    expect(escapeXml(42)).toBe('42');
  });
});

describe('num', () => {
  it('rounds and drops trailing zeros', () => {
    expect(num(12.5)).toBe('12.5');
    expect(num(3)).toBe('3');
    expect(num(3.04)).toBe('3');
    expect(num(-0.26, 1)).toBe('-0.3');
    expect(num(1.23456, 3)).toBe('1.235');
  });
});

describe('truncate', () => {
  it('keeps short text and shortens long text to max characters with an ellipsis', () => {
    expect(truncate('pool5', 8)).toBe('pool5');
    expect(truncate('abcdefghij', 5)).toBe('abcd\u2026');
    expect([...truncate('😀😀😀😀😀😀', 4)]).toHaveLength(4);
  });
});

describe('svgDocument', () => {
  it('is an accessible, well-formed SVG image that sharp can rasterise', async () => {
    const svg = svgDocument(120, 40, '<circle cx="10" cy="10" r="5" fill="#000"/>', { title: 'A <title>', desc: 'Long & description' });
    expect(svg).toContain('role="img" aria-label="A &lt;title&gt;"');
    expect(svg).toContain('<title>A &lt;title&gt;</title><desc>Long &amp; description</desc>');
    const meta = await sharp(Buffer.from(svg)).metadata();
    expect([meta.width, meta.height]).toEqual([120, 40]);
  });
});
