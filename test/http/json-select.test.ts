import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { jsonSelect } from '../../src/http/json-select';

const Schema = z.object({
  id: z.string(),
  count: z.number().int(),
  done: z.boolean(),
  note: z.string().nullable(),
  tags: z.array(z.string()),
  parent: z.object({ id: z.string(), n: z.number().int() }).nullable(),
});

const SHAPE = {
  id: 'id',
  count: 'count',
  done: 'count > 1',
  note: 'note',
  tags: { json: 'tags' },
  parent: { object: { id: 'parent_id', n: 'count' }, nullWhen: 'parent_id IS NULL' },
};

describe('jsonSelect', () => {
  it("renders a row as the schema's JSON, byte for byte, in the schema's order", () => {
    const db = new Database(':memory:');
    db.exec(`CREATE TABLE t (id TEXT, count INTEGER, note TEXT, tags TEXT, parent_id TEXT)`);
    const insert = db.prepare('INSERT INTO t VALUES (?, ?, ?, ?, ?)');
    insert.run('a', 2, 'say "hi"\n', '["x","y"]', 'p1');
    insert.run('b', 0, null, '[]', null);
    const rows = db.prepare(`SELECT ${jsonSelect(Schema, SHAPE)} AS j FROM t ORDER BY id`).pluck().all() as string[];
    const expected = [
      { id: 'a', count: 2, done: true, note: 'say "hi"\n', tags: ['x', 'y'], parent: { id: 'p1', n: 2 } },
      { id: 'b', count: 0, done: false, note: null, tags: [], parent: null },
    ];
    expect(rows).toEqual(expected.map((e) => JSON.stringify(Schema.parse(e))));
    db.close();
  });

  it('refuses a shape that misses a property or names one the schema does not list', () => {
    const { note: _note, ...missing } = SHAPE;
    expect(() => jsonSelect(Schema, missing)).toThrow(/missing: note/);
    expect(() => jsonSelect(Schema, { ...SHAPE, secret_hash: 'secret_hash' })).toThrow(/not in the schema: secret_hash/);
  });

  it('refuses what SQLite would render differently from JSON.stringify, and mismatched sources', () => {
    expect(() => jsonSelect(z.object({ ratio: z.number() }), { ratio: 'ratio' })).toThrow(/rendered in JavaScript/);
    expect(() => jsonSelect(z.object({ tags: z.array(z.string()) }), { tags: 'tags' })).toThrow(/JSON text/);
    expect(() => jsonSelect(Schema, { ...SHAPE, parent: { object: SHAPE.parent.object } })).toThrow(/nullable object needs nullWhen/);
  });
});
