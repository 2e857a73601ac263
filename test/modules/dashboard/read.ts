import { expect } from 'vitest';
import type { z } from 'zod';
import { CSV_CONTENT_TYPE } from '../../../src/http/tabular';
import type { TestApp } from '../../helpers/app';

/** GETs a dashboard read as JSON (as the admin unless `key` says otherwise) and parses it with the route's schema. */
export async function getJson<S extends z.ZodType>(t: TestApp, url: string, schema: S, key?: string): Promise<z.infer<S>> {
  const res = await t.call({ method: 'GET', url, key });
  expect(res.statusCode, res.body).toBe(200);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  return schema.parse(res.json());
}

/** GETs the CSV form (?format=csv) and parses it into rows keyed by the header's column names. */
export async function getCsv(t: TestApp, url: string): Promise<{ header: string[]; rows: Array<Record<string, string>> }> {
  const res = await t.call({ method: 'GET', url: `${url}${url.includes('?') ? '&' : '?'}format=csv` });
  expect(res.statusCode, res.body).toBe(200);
  expect(res.headers['content-type']).toBe(CSV_CONTENT_TYPE);
  const [header = [], ...records] = csvRecords(res.body);
  return { header, rows: records.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i] ?? '']))) };
}

/** RFC 4180 records: quoted fields may hold commas, quotes ("") and line breaks; lines end in CRLF. */
export function csvRecords(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted && c === '"' && text[i + 1] === '"') {
      field += '"';
      i++;
    } else if (c === '"') {
      quoted = !quoted;
    } else if (!quoted && c === ',') {
      record.push(field);
      field = '';
    } else if (!quoted && c === '\r' && text[i + 1] === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      i++;
    } else {
      field += c;
    }
  }
  expect(field === '' && record.length === 0, 'the CSV ends with CRLF').toBe(true);
  return records;
}

/** A cell as the JSON value it renders: empty is null, numbers and booleans as such. */
export function cell(v: string | undefined): string | number | boolean | null {
  if (v === undefined || v === '') return null;
  if (v === 'true' || v === 'false') return v === 'true';
  return /^-?\d+(\.\d+)?(e[-+]?\d+)?$/i.test(v) ? Number(v) : v;
}

/** The ETag of a GET, and the status of the same GET sent again with If-None-Match naming it. */
export async function revalidate(t: TestApp, url: string, headers: Record<string, string> = {}): Promise<{ etag: string; again: number }> {
  const first = await t.call({ method: 'GET', url, headers });
  expect(first.statusCode, first.body).toBe(200);
  const etag = String(first.headers.etag);
  const again = await t.call({ method: 'GET', url, headers: { ...headers, 'if-none-match': etag } });
  if (again.statusCode === 304) expect(again.body).toBe('');
  return { etag, again: again.statusCode };
}
