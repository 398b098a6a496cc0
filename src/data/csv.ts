/**
 * A small RFC 4180 CSV parser (quoted fields, doubled quotes, CRLF), for manifests. Every row
 * keeps the line it starts on, so that errors can name it.
 */

/** A parsed row and the 1-based line it starts on. */
export interface CsvRow {
  fields: string[];
  line: number;
}

/** A CSV text that cannot be parsed; `line` is 1-based. */
export class CsvSyntaxError extends Error {
  readonly line: number;
  constructor(message: string, line: number) {
    super(message);
    this.name = 'CsvSyntaxError';
    this.line = line;
  }
}

/**
 * Parses CSV text into rows of fields with their line numbers. Empty lines are dropped. Throws a
 * {@link CsvSyntaxError} for a quote that is never closed, or text after a closing quote.
 */
export function parseCsvRows(text: string): CsvRow[] {
  const rows: CsvRow[] = [];
  let field = '';
  let rowFields: string[] = [];
  let inQuotes = false;
  let quoted = false;
  let line = 1;
  let rowLine = 1;
  let quoteLine = 1;
  let i = 0;
  const s = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const pushRow = () => {
    rowFields.push(field);
    field = '';
    quoted = false;
    if (!(rowFields.length === 1 && rowFields[0] === '')) rows.push({ fields: rowFields, line: rowLine });
    rowFields = [];
  };
  while (i < s.length) {
    const ch = s[i];
    if (inQuotes) {
      if (ch === '"') {
        if (s[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        inQuotes = false;
        quoted = true;
        i++;
        continue;
      }
      if (ch === '\n' || (ch === '\r' && s[i + 1] !== '\n')) line++;
      field += ch;
      i++;
      continue;
    }
    if (ch === '"' && field === '' && !quoted) {
      inQuotes = true;
      quoteLine = line;
    } else if (ch === ',') {
      rowFields.push(field);
      field = '';
      quoted = false;
    } else if (ch === '\n' || ch === '\r') {
      pushRow();
      if (ch === '\r' && s[i + 1] === '\n') i++;
      line++;
      rowLine = line;
    } else if (quoted) {
      throw new CsvSyntaxError(`text after the closing quote of a field (${JSON.stringify(field + ch)}); a quote inside a quoted field is written twice ("")`, line);
    } else {
      field += ch;
    }
    i++;
  }
  if (inQuotes) throw new CsvSyntaxError('a quoted field is never closed (a missing " ?)', quoteLine);
  if (field !== '' || quoted || rowFields.length > 0) pushRow();
  return rows;
}

/** Parses CSV text into rows of fields. Empty lines are dropped. See {@link parseCsvRows}. */
export function parseCsv(text: string): string[][] {
  return parseCsvRows(text).map((r) => r.fields);
}

/**
 * Decodes UTF-8 bytes strictly; throws a {@link CsvSyntaxError} naming the first line that is not
 * valid UTF-8 (e.g. Latin-1 text saved by a spreadsheet).
 */
export function decodeUtf8Strict(bytes: Uint8Array): string {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  try {
    return decoder.decode(bytes);
  } catch {
    let start = 0;
    for (let line = 1; ; line++) {
      let end = bytes.indexOf(0x0a, start);
      if (end < 0) end = bytes.length;
      try {
        decoder.decode(bytes.subarray(start, end));
      } catch {
        const bad = bytes.subarray(start, end).findIndex((b) => b >= 0x80);
        throw new CsvSyntaxError(`not UTF-8 text (byte 0x${bytes[start + Math.max(0, bad)].toString(16).toUpperCase()}); save the file as UTF-8`, line);
      }
      if (end >= bytes.length) break;
      start = end + 1;
    }
    throw new CsvSyntaxError('not UTF-8 text; save the file as UTF-8', 1);
  }
}
