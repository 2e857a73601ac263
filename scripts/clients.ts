/**
 * Generates the clients' files from the committed OpenAPI document (openapi/openapi.json, which
 * `npm run openapi:export` writes from the code): the Postman collection with its Scenario folder,
 * and the TypeScript types openapi-fetch uses. `write` writes them; `check` fails when a committed
 * file differs from what the document gives (run by `npm test`).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { OpenAPI3 } from 'openapi-typescript';
import { generateCollection } from './clients/postman';
import { generateTypes } from './clients/types';

const file = (name: string): URL => new URL(`../openapi/${name}`, import.meta.url);

async function generate(): Promise<Map<string, string>> {
  const text = readFileSync(file('openapi.json'), 'utf8');
  // Each generator gets its own copy: the converter resolves references in the object it is given.
  const doc = (): OpenAPI3 => JSON.parse(text) as OpenAPI3;
  return new Map([
    ['roadworks.postman_collection.json', `${JSON.stringify(await generateCollection(doc()), null, 2)}\n`],
    ['roadworks.d.ts', await generateTypes(doc())],
  ]);
}

const read = (name: string): string => {
  try {
    return readFileSync(file(name), 'utf8');
  } catch {
    return ''; // a missing file is drift too
  }
};

async function main(mode: string | undefined): Promise<void> {
  const generated = await generate();
  if (mode === 'write') {
    for (const [name, text] of generated) writeFileSync(file(name), text);
    console.log(`written: ${[...generated.keys()].map((n) => `openapi/${n}`).join(', ')}`);
    return;
  }
  const stale = [...generated].filter(([name, text]) => read(name) !== text).map(([name]) => `openapi/${name}`);
  if (stale.length > 0) {
    console.error(`${stale.join(', ')} out of date with openapi/openapi.json. Run \`npm run clients:write\` and commit the result.`);
    process.exit(1);
  }
  console.log(`${[...generated.keys()].map((n) => `openapi/${n}`).join(', ')} match openapi/openapi.json`);
}

void main(process.argv[2]);
