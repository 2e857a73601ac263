import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { responseSerializerCompiler, serializationSchema } from '../../src/http/serializer';

/** The compiled response serializer, on a bare Fastify with one route answering `data`. */
async function serve(schema: z.ZodType, data: unknown, verify = false): Promise<FastifyInstance> {
  const app = Fastify();
  app.setSerializerCompiler(responseSerializerCompiler({ verify }));
  app.get('/', { schema: { response: { 200: schema } } }, async () => data);
  await app.ready();
  return app;
}

const Ref = z.object({ id: z.string(), key: z.string() });
const Entity = z
  .object({
    id: z.string(),
    owner: z.string().nullable(),
    theme: Ref.nullable(),
    horizon: z.enum(['now', 'next']).nullable(),
    tags: z.array(z.string()),
    attributes: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
    extra: z.unknown(),
    count: z.number().int(),
    ratio: z.number(),
    created_at: z.iso.datetime(),
  })
  .meta({ id: 'SerializerTestEntity' });

const sample = {
  id: 'ini_1',
  owner: null,
  theme: { id: 'thm_1', key: 'pipeline', secret_column: 'never sent' },
  horizon: null,
  tags: ['a', 'b "quoted"', 'ünïcödé 🚀'],
  attributes: { region: 'emea', seats: 12, pilot: true, ended: null },
  extra: { nested: [1, { deep: 'x' }] },
  count: 3,
  ratio: 0.25,
  created_at: '2026-01-05T09:00:00.000Z',
  secret_hash: 'must not leak',
};

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe('responseSerializerCompiler', () => {
  it('writes exactly what the zod schema gives, byte for byte, and nothing it does not list', async () => {
    app = await serve(Entity, sample);
    const res = await app.inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe(JSON.stringify(Entity.parse(sample)));
    expect(res.body).not.toContain('secret');
  });

  it('compiles nullable parts without anyOf, so no validator runs per response', () => {
    const json = JSON.stringify(serializationSchema(Entity));
    expect(json).not.toContain('anyOf');
    expect(json).not.toContain('"format"');
  });

  it('in verify mode, refuses a response its schema does not allow instead of coercing it', async () => {
    // fast-json-stringify alone would write null as "" for a non-nullable string.
    app = await serve(Entity, { ...sample, id: null }, true);
    const res = await app.inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(500);
    await app.close();
    app = await serve(Entity, sample, true);
    expect((await app.inject({ method: 'GET', url: '/' })).statusCode).toBe(200);
  });
});
