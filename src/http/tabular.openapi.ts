import { CSV_OPERATIONS, QUERY_TOKEN_OPERATIONS } from './tabular';

/** Documents the CSV form and the access_token parameter of the routes that have them (see tabular.ts). */

interface Operation {
  operationId?: string;
  security?: unknown[];
  responses?: Record<string, { content?: Record<string, unknown> }>;
}
interface Document {
  components?: Record<string, Record<string, unknown> | undefined>;
  paths?: Record<string, Record<string, Operation>>;
}

const CSV_CONTENT = {
  schema: {
    type: 'string',
    description:
      'RFC 4180 CSV, UTF-8: a header row of snake_case column names, then one row per observation. Text a spreadsheet would run as a formula (starting with =, +, -, @) is prefixed with a single quote.',
  },
};

/** A `.csv` suffix on a read without a CSV form is refused, not answered with JSON (see registerTabular). */
const NOT_ACCEPTABLE = {
  description: 'This resource has no CSV form: drop the .csv suffix from the path (not_acceptable)',
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
};

export function documentTabular<T>(generated: T): T {
  const document = generated as Document;
  const schemes = ((document.components ??= {}).securitySchemes ??= {});
  schemes.accessToken = {
    type: 'apiKey',
    in: 'query',
    name: 'access_token',
    description: 'A viewer key in the query string, on GET dashboard reads and exports only (for Grafana Infinity and spreadsheets). Never logged; any other key here is a 401.',
  };
  for (const operations of Object.values(document.paths ?? {})) {
    for (const [method, op] of Object.entries(operations)) {
      const id = op.operationId ?? '';
      const ok = op.responses?.['200'];
      if (CSV_OPERATIONS.has(id) && ok) ok.content = { ...ok.content, 'text/csv': CSV_CONTENT };
      else if (method === 'get' && op.responses) op.responses['406'] = NOT_ACCEPTABLE;
      if (QUERY_TOKEN_OPERATIONS.has(id)) op.security = [{ bearerAuth: [] }, { accessToken: [] }];
    }
  }
  return document as T;
}
