/**
 * Renders the page view to one self-contained HTML document with Handlebars: inline CSS, the
 * page script, the plots as inline SVG and every thumbnail defined once as a CSS class.
 */

import Handlebars from 'handlebars';
import { readAsset, readTemplates } from './assets.js';
import { type Thumbnail } from './thumbnails.js';
import { isMarkup, trusted } from './view/markup.js';
import type { PageView } from './view/page.js';

type Compiled = (view: unknown) => string;
let compiled: Compiled | undefined;

/**
 * Compiles the templates once per process. Only `{{markup x}}` inserts unescaped text, and only
 * for values made by the report's own generators; `{{ }}` escapes everything else.
 */
function template(): Compiled {
  if (compiled) return compiled;
  const hb = Handlebars.create();
  hb.registerHelper('markup', (v: unknown) => {
    if (!isMarkup(v)) throw new Error('markup helper received a value that is not trusted Markup');
    return new hb.SafeString(v.__markup);
  });
  hb.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  hb.registerHelper('plural', (n: number, one: string, many: string) => (n === 1 ? one : many));
  const templates = readTemplates();
  for (const [name, source] of templates) if (name !== 'report') hb.registerPartial(name, source);
  const main = templates.get('report');
  if (main === undefined) throw new Error('report.hbs is missing from reporters/html/templates');
  compiled = hb.compile(main, { strict: false, noEscape: false });
  return compiled;
}

/** CSS that defines each thumbnail once: `.th-<id>{background-image:url(data:...)}`. */
export function thumbnailCss(files: string[], thumbs: Map<string, Thumbnail>): string {
  return files
    .map((f, id) => {
      const t = thumbs.get(f);
      return t && t.ok ? `.th-${id}{background-image:url(data:${t.mime};base64,${t.data.toString('base64')})}` : `.th-${id}{background-color:#ddd}`;
    })
    .join('\n');
}

/** Renders the page. `thumbCss` comes from {@link thumbnailCss}. */
export function renderHtml(view: PageView, thumbCss: string): string {
  return template()({
    ...view,
    css: trusted(readAsset('assets', 'report.css')),
    js: trusted(readAsset('assets', 'report.js').replace(/<\/script/gi, '<\\/script')),
    thumbCss: trusted(thumbCss.replace(/<\/style/gi, '')),
  });
}
