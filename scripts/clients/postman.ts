/**
 * The Postman collection: openapi-to-postmanv2's conversion of the document (a folder per tag, a
 * request per operation with the document's example body), made deterministic and given the
 * collection's variables and auth, plus the Scenario folder that chains the life cycle with tests.
 */
import { createRequire } from 'node:module';
import { convertV2 } from 'openapi-to-postmanv2';
import type { OpenAPI3 } from 'openapi-typescript';
import { stableId, type PostmanCollection, type PostmanItem } from './postman-types';
import { ScenarioBuilder } from './scenario-item';
import { SCENARIO, SCENARIO_DESCRIPTION } from './scenario';

const OPTIONS = {
  folderStrategy: 'Tags',
  parametersResolution: 'Example',
  requestNameSource: 'Fallback',
  enableOptionalParameters: false,
} as const;

/**
 * The converter fakes values for parameters without an example (disabled query parameters,
 * mostly) with json-schema-faker, whose `random` option captured Math.random when it loaded, and
 * with randexp, which calls Math.random: a fixed seed for both makes the same document give the
 * same collection.
 */
const faker = createRequire(import.meta.url)('openapi-to-postmanv2/assets/json-schema-faker.js') as {
  option(options: { random: () => number }): void;
};

function seededRandom(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function convert(doc: OpenAPI3): Promise<PostmanCollection> {
  const random = Math.random;
  Math.random = seededRandom(15);
  faker.option({ random: seededRandom(16) });
  try {
    return await new Promise((resolve, reject) => {
      convertV2({ type: 'json', data: doc }, OPTIONS, (err, res) => {
        const data = res?.output?.[0]?.data;
        if (err || !res?.result || !data) reject(new Error(`openapi-to-postmanv2: ${err?.message ?? res?.reason ?? 'no collection'}`));
        else resolve(data as PostmanCollection);
      });
    });
  } finally {
    Math.random = random;
    faker.option({ random });
  }
}

type Security = { operationId?: string; security?: unknown[] };

/** Stable ids, inherited auth (none for the open probes), no saved example responses. */
function normalise(folder: PostmanItem, doc: OpenAPI3): PostmanItem {
  const items = (folder.item ?? []).map((item): PostmanItem => {
    const request = item.request;
    if (!request) return item;
    const path = `/${(request.url.path ?? []).map((s) => s.replace(/^:(\w+)$/, '{$1}')).join('/')}`;
    const op = (doc.paths?.[path] as Record<string, Security> | undefined)?.[request.method.toLowerCase()];
    if (!op?.operationId) throw new Error(`The collection has ${request.method} ${path}, which the document does not`);
    const { auth: _inherit, ...rest } = request;
    return {
      ...item,
      id: stableId(`operation:${op.operationId}`),
      request: { ...rest, ...(op.security?.length === 0 ? { auth: { type: 'noauth' } } : {}) },
      // Faked bodies of every documented response: noise (about 2 MB) next to the document itself.
      response: [],
    };
  });
  return { ...folder, id: stableId(`tag:${folder.name}`), item: items };
}

export async function generateCollection(doc: OpenAPI3): Promise<PostmanCollection> {
  const converted = await convert(doc);
  const scenario = new ScenarioBuilder(doc);
  return {
    info: { ...converted.info, _postman_id: stableId('collection') },
    item: [
      { id: stableId('folder:Scenario'), name: 'Scenario', description: SCENARIO_DESCRIPTION, item: SCENARIO.map((s) => scenario.item(s)) },
      ...converted.item.map((folder) => normalise(folder, doc)),
    ],
    auth: { type: 'bearer', bearer: [{ key: 'token', value: '{{apiKey}}', type: 'string' }] },
    variable: [
      { key: 'baseUrl', value: 'http://127.0.0.1:3000', type: 'string', description: 'Where the API runs, without a trailing slash' },
      { key: 'apiKey', value: '', type: 'string', description: 'The API key sent as a bearer token; the Scenario folder needs an admin key' },
    ],
  };
}
