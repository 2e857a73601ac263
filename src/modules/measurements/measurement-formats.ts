import secureJson from 'secure-json-parse';
import { ApiError, type FieldError } from '../../http/problems';

/**
 * The batch formats besides JSON: NDJSON (one JSON object per line) and CSV (RFC 4180, a header
 * row naming the columns). Both become the same rows as a JSON array, so one validation serves
 * all; row indexes count data rows from 0, as `body[<index>]` in errors.
 */

export const CSV_COLUMNS = ['metric', 'initiative', 'iteration', 'value', 'observed_at', 'source', 'note', 'supersedes'] as const;

const malformed = (detail: string, errors: FieldError[]) => new ApiError('malformed_request', detail, { errors });

/** NDJSON: blank lines are skipped, but still counted for the line numbers in messages. */
export function parseNdjson(text: string): unknown[] {
  const rows: unknown[] = [];
  const errors: FieldError[] = [];
  const lines = text.split('\n');
  lines.forEach((raw, lineIndex) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') return;
    const index = rows.length;
    try {
      rows.push(secureJson.parse(line, undefined, { protoAction: 'error', constructorAction: 'error' }));
    } catch (err) {
      rows.push(undefined);
      const reason = err instanceof SyntaxError ? err.message : 'forbidden key (__proto__ or constructor.prototype)';
      errors.push({ path: `body[${index}]`, message: `line ${lineIndex + 1} is not a JSON object: ${reason}`, rule: 'not_json' });
    }
  });
  if (errors.length > 0) throw malformed('Some NDJSON lines are not JSON; each line must be one JSON object.', errors.slice(0, 100));
  return rows;
}

/** RFC 4180 records: quoted fields may hold commas, quotes ("") and line breaks; CRLF or LF. */
function csvRecords(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  let line = 1;
  const endField = () => {
    record.push(field);
    field = '';
  };
  const endRecord = () => {
    endField();
    records.push(record);
    record = [];
  };
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i += 1;
        const next = text[i];
        if (next !== undefined && next !== ',' && next !== '\n' && next !== '\r') {
          throw malformed(`CSV line ${line}: a closing quote must end its field; write a quote inside a quoted field as "".`, []);
        }
        continue;
      }
      if (c === '\n') line += 1;
      field += c;
      i += 1;
      continue;
    }
    if (c === '"' && field === '') {
      quoted = true;
      i += 1;
    } else if (c === '"') {
      throw malformed(`CSV line ${line}: a quote may only open a field; quote the whole field and double the quote ("").`, []);
    } else if (c === ',') {
      endField();
      i += 1;
    } else if (c === '\r' || c === '\n') {
      endRecord();
      i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
      line += 1;
    } else {
      field += c;
      i += 1;
    }
  }
  if (quoted) throw malformed(`CSV line ${line}: a quoted field is never closed.`, []);
  if (field !== '' || record.length > 0) endRecord();
  // Blank lines (such as the one a trailing line break leaves) are not rows.
  return records.filter((r) => !(r.length === 1 && r[0] === ''));
}

/** CSV with a header row; an empty cell is an absent field. Values stay text for the row checks. */
export function parseCsv(text: string): Array<Record<string, string>> {
  const [header, ...data] = csvRecords(text);
  if (!header) throw malformed('The CSV is empty; send a header row (metric,initiative,value,...) and one row per measurement.', []);
  const names = header.map((h) => h.trim().toLowerCase());
  const unknown = names.filter((n) => !(CSV_COLUMNS as readonly string[]).includes(n));
  if (unknown.length > 0 || !names.includes('metric') || !names.includes('value')) {
    throw malformed(
      `The first CSV row must be a header naming the columns, with at least metric and value; known columns: ${CSV_COLUMNS.join(', ')}.`,
      unknown.map((n) => ({ path: `header.${n}`, message: `unknown column '${n}'`, rule: 'unknown_column' })),
    );
  }
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate) throw malformed(`The CSV header names the column '${duplicate}' twice.`, [{ path: `header.${duplicate}`, message: 'named twice' }]);
  const errors: FieldError[] = [];
  const rows = data.map((cells, index) => {
    if (cells.length !== names.length) {
      errors.push({ path: `body[${index}]`, message: `has ${cells.length} fields; the header has ${names.length}`, rule: 'column_count' });
    }
    const row: Record<string, string> = {};
    names.forEach((name, c) => {
      const cell = cells[c];
      if (cell !== undefined && cell !== '') row[name] = cell;
    });
    return row;
  });
  if (errors.length > 0) throw malformed('Some CSV rows do not have as many fields as the header.', errors.slice(0, 100));
  return rows;
}
