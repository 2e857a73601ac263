/**
 * The Spectral ruleset for openapi/openapi.json: every rule of spectral:oas (recommended or not) at
 * its default severity, plus the house rules of CONVENTIONS.md that a generator can silently break.
 */
import { createRulesetFunction, Document, Spectral, type ISpectralDiagnostic, type RulesetDefinition } from '@stoplight/spectral-core';
import { casing, pattern, schema, truthy } from '@stoplight/spectral-functions';
import parsers from '@stoplight/spectral-parsers';
import { oas } from '@stoplight/spectral-rulesets';

const OPERATIONS = '$.paths[*][get,put,post,delete,patch,head,options,trace]';


interface Doc {
  tags?: { name?: string; description?: string }[];
  paths?: Record<string, Record<string, { tags?: unknown }>>;
}

/** Each tag an operation names must be declared at the top level, with a description. */
const declaredTags = createRulesetFunction<Doc, null>({ input: { type: 'object' }, options: null }, (doc) => {
  const described = new Set((doc.tags ?? []).filter((t) => t.description?.trim()).map((t) => t.name));
  const results = [];
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const [method, op] of Object.entries(item)) {
      if (!Array.isArray(op?.tags)) continue;
      for (const [i, tag] of op.tags.entries()) {
        if (!described.has(tag as string)) {
          results.push({ message: `Tag "${String(tag)}" is not declared with a description in the top-level tags`, path: ['paths', path, method, 'tags', i] });
        }
      }
    }
  }
  return results;
});

export const ruleset = {
  extends: [[oas, 'all']],
  rules: {
    // A private API: there is no license to name, and the contact is the product, not a mailbox.
    'info-license': 'off',
    'license-url': 'off',
    'contact-properties': 'off',
    'rw-operation-description': {
      description: 'Every operation has a non-empty description.',
      severity: 'error',
      given: OPERATIONS,
      then: [
        { field: 'description', function: truthy },
        { field: 'description', function: pattern, functionOptions: { match: '\\S' } },
      ],
    },
    'rw-error-problem-json': {
      description: 'A 4xx or 5xx response is application/problem+json, and only that.',
      message: '4xx/5xx responses must have content application/problem+json and nothing else',
      severity: 'error',
      given: `${OPERATIONS}.responses[?(@property.match(/^[45]/))]`,
      then: {
        function: schema,
        functionOptions: {
          schema: {
            type: 'object',
            required: ['content'],
            properties: {
              content: {
                type: 'object',
                required: ['application/problem+json'],
                propertyNames: { const: 'application/problem+json' },
              },
            },
          },
        },
      },
    },
    'rw-operation-id-camel-case': {
      description: 'operationIds are camelCase.',
      message: 'operationId "{{value}}" must be camelCase',
      severity: 'error',
      given: OPERATIONS,
      then: { field: 'operationId', function: casing, functionOptions: { type: 'camel' } },
    },
    'rw-property-snake-case': {
      description: 'Schema property names are snake_case.',
      message: 'Property "{{property}}" must be snake_case',
      severity: 'error',
      given: ['$.components.schemas..properties[*]~', '$.paths..schema..properties[*]~'],
      then: { function: casing, functionOptions: { type: 'snake' } },
    },
    'rw-tags-declared': {
      description: 'Every tag an operation uses is declared in the top-level tags with a description.',
      message: '{{error}}',
      severity: 'error',
      given: '$',
      then: { function: declaredTags },
    },
  },
} as unknown as RulesetDefinition;

/** Lints a JSON OpenAPI document (its text, so findings carry line numbers). */
export async function lintOpenApi(text: string, source?: string): Promise<ISpectralDiagnostic[]> {
  const spectral = new Spectral();
  spectral.setRuleset(ruleset);
  return spectral.run(new Document(text, parsers.Json, source));
}
