import fc from 'fast-check';
import { hasMarker, jsonText, RawJson } from './json-text';
import type { Operation } from './operations';
import { invalidValue, validValue, type ValueContext } from './schema-values';

/**
 * Request bodies: a value from the operation's schema written in one of its content types (JSON,
 * and NDJSON or CSV where a batch may come that way), or what a client gets wrong: an invalid
 * value, text that is not JSON, bytes that are not UTF-8, a content type the route does not take
 * (or none), a body where none is expected.
 */
export interface Body {
  payload?: string | Buffer;
  contentType?: string;
}

const csvCell = (v: unknown): string => {
  if (v === undefined || v === null) return '';
  const cell = typeof v === 'string' ? v : v instanceof RawJson ? v.text : typeof v === 'number' ? String(v) : jsonText(v);
  return /[",\r\n]|^\s|\s$/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell;
};

/** Rows as CSV with a header row naming every column any row has. */
export function csvText(value: unknown): string {
  const rows = (Array.isArray(value) ? value : [value]).filter((r): r is Record<string, unknown> => r !== null && typeof r === 'object' && !Array.isArray(r));
  if (rows.length === 0 || hasMarker(rows)) return jsonText(value);
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  return [columns.map(csvCell).join(','), ...rows.map((r) => columns.map((c) => csvCell(r[c])).join(','))].join('\r\n');
}

const ndjsonText = (value: unknown) => (Array.isArray(value) ? value.map(jsonText).join('\n') : jsonText(value));

function write(value: unknown, contentType: string): string {
  if (contentType === 'text/csv') return csvText(value);
  if (contentType === 'application/x-ndjson') return ndjsonText(value);
  return jsonText(value);
}

/** Text that no content type makes a body of this API. */
const NOT_A_BODY = fc.constantFrom<string | Buffer>(
  '',
  ' ',
  '{',
  '[',
  '{"a":',
  '{"a" 1}',
  "{'a': 1}",
  'null',
  'true',
  '"text"',
  '1e400',
  'NaN',
  '[]',
  '{}',
  '\uFEFF{}',
  '{}{}',
  '{"a":1}\n{"b":',
  'metric,value\n"unclosed,1',
  'metric,value\r\n',
  'a=1&b=2',
  '<xml/>',
  Buffer.from([0xff, 0xfe, 0x7b, 0x7d]),
  Buffer.from('{"name":"\xC3"}', 'latin1'),
  Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x7d]),
);

const WRONG_TYPES = fc.constantFrom<string | undefined>(
  undefined,
  '',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'text/csv',
  'application/x-ndjson',
  'application/xml',
  'application/jsonx',
  'application/json; charset=utf-16',
  'application/json; charset=latin1',
  'APPLICATION/JSON',
  'application/json;',
  'application/merge-patch+json',
  'application/problem+json',
  '*/*',
  ';;;',
);

export function validBody(op: Operation, ctx: ValueContext): fc.Arbitrary<Body> {
  const body = op.body;
  if (!body) return fc.constant({});
  const types = body.contentTypes;
  const written = fc.tuple(validValue(body.schema, ctx), fc.constantFrom(...types)).map(([value, contentType]) => ({ payload: write(value, contentType), contentType }));
  return body.required ? written : fc.oneof({ weight: 4, arbitrary: written }, { weight: 1, arbitrary: fc.constant({}) });
}

export function invalidBody(op: Operation, ctx: ValueContext): fc.Arbitrary<Body> {
  const body = op.body;
  const types = body?.contentTypes ?? ['application/json'];
  const options: Array<fc.WeightedArbitrary<Body>> = [
    { weight: 1, arbitrary: fc.tuple(NOT_A_BODY, fc.constantFrom(...types)).map(([payload, contentType]) => ({ payload, contentType })) },
    { weight: 1, arbitrary: fc.tuple(validBody(op, ctx), WRONG_TYPES).map(([b, contentType]) => ({ payload: b.payload ?? '{}', contentType })) },
  ];
  if (body) {
    options.push(
      { weight: 5, arbitrary: fc.tuple(invalidValue(body.schema, ctx), fc.constantFrom(...types)).map(([value, contentType]) => ({ payload: write(value, contentType), contentType })) },
      { weight: 1, arbitrary: fc.constant({}) },
    );
  } else {
    // A body where the operation takes none (a GET, a DELETE).
    options.push({ weight: 2, arbitrary: fc.jsonValue({ maxDepth: 2 }).map((v) => ({ payload: JSON.stringify(v) ?? 'null', contentType: 'application/json' })) });
  }
  return fc.oneof(...options);
}
