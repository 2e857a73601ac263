import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** The parts of newman's run summary the tests read (newman ships no types). */
export interface NewmanSummary {
  run: {
    stats: { requests: { total: number; failed: number }; assertions: { total: number; failed: number } };
    failures: { error: { name: string; message: string; test?: string }; source?: { name?: string } }[];
    executions: { item: { name: string }; response?: { code: number; stream: Buffer }; requestError?: { message: string } }[];
  };
}

interface Newman {
  run(options: Record<string, unknown>, callback: (err: Error | null, summary: NewmanSummary) => void): unknown;
}

const newman = createRequire(import.meta.url)('newman') as Newman;

export const COLLECTION_FILE = fileURLToPath(new URL('../../openapi/roadworks.postman_collection.json', import.meta.url));

/** Runs the given folders or requests (names or ids) of the committed collection, as `newman run` would. */
export function runCollection(opts: { baseUrl: string; apiKey: string; folder: string | string[] }): Promise<NewmanSummary> {
  return new Promise((resolve, reject) => {
    newman.run(
      {
        collection: COLLECTION_FILE,
        envVar: [
          { key: 'baseUrl', value: opts.baseUrl },
          { key: 'apiKey', value: opts.apiKey },
        ],
        folder: opts.folder,
        reporters: [],
        timeoutRequest: 10_000,
      },
      (err, summary) => (err ? reject(err) : resolve(summary)),
    );
  });
}

/** The parsed JSON body a request of the run answered. */
export function bodyOf(s: NewmanSummary, itemName: string): unknown {
  const stream = s.run.executions.find((e) => e.item.name === itemName)?.response?.stream;
  if (!stream) throw new Error(`The run has no response to "${itemName}"`);
  return JSON.parse(stream.toString('utf8'));
}

/** One line per failed assertion or script error, for a readable test failure. */
export const failuresOf = (s: NewmanSummary): string[] =>
  s.run.failures.map((f) => `${f.source?.name ?? '?'}: ${f.error.test ?? f.error.name}: ${f.error.message}`);
