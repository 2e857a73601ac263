/**
 * `write` regenerates openapi/openapi.json from the code; `check` fails when the committed file
 * differs from what the code generates (run by `npm test`).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { buildApp } from '../src/app';
import { loadConfig } from '../src/config';
import { openDatabase } from '../src/db/client';
import { createLogger } from '../src/logger';

const FILE = new URL('../openapi/openapi.json', import.meta.url);

async function generate(): Promise<string> {
  const db = openDatabase({ path: ':memory:' });
  const app = await buildApp({ config: loadConfig({ DATABASE_PATH: ':memory:' }), db, logger: createLogger('silent') });
  await app.ready();
  const text = `${JSON.stringify(app.swagger(), null, 2)}\n`;
  await app.close();
  db.$client.close();
  return text;
}

async function main(mode: string | undefined): Promise<void> {
  const generated = await generate();
  if (mode === 'write') {
    writeFileSync(FILE, generated);
    console.log('openapi/openapi.json written');
    return;
  }
  let committed = '';
  try {
    committed = readFileSync(FILE, 'utf8');
  } catch {
    // A missing file is drift too.
  }
  if (committed !== generated) {
    console.error('openapi/openapi.json is out of date with the code. Run `npm run openapi:export` and commit the result.');
    process.exit(1);
  }
  console.log('openapi/openapi.json matches the code');
}

void main(process.argv[2]);
