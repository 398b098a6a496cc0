/** A small RFC 4180 CSV parser (quoted fields, doubled quotes, CRLF), for manifests. */

/** Parses CSV text into rows of fields. Empty lines are dropped. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let field = '';
  let rowFields: string[] = [];
  let inQuotes = false;
  let i = 0;
  const s = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const pushRow = () => {
    rowFields.push(field);
    field = '';
    if (!(rowFields.length === 1 && rowFields[0] === '')) rows.push(rowFields);
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
        i++;
        continue;
      }
      field += ch;
      i++;
      continue;
    }
    if (ch === '"' && field === '') {
      inQuotes = true;
    } else if (ch === ',') {
      rowFields.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      pushRow();
      if (ch === '\r' && s[i + 1] === '\n') i++;
    } else {
      field += ch;
    }
    i++;
  }
  if (field !== '' || rowFields.length > 0) pushRow();
  return rows;
}
