import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { lintOpenApi } from '../../scripts/openapi-ruleset';

/** `npm run openapi:lint` is the gate; this keeps the ruleset itself honest. */
const committed = readFileSync(new URL('../../openapi/openapi.json', import.meta.url), 'utf8');
const failing = (results: Awaited<ReturnType<typeof lintOpenApi>>) =>
  results.filter((r) => r.severity <= 1).map((r) => `${String(r.code)} ${r.path.join('.')}`);

describe('openapi/openapi.json under Spectral', () => {
  it('has no errors or warnings', async () => {
    expect(failing(await lintOpenApi(committed))).toEqual([]);
  });

  it('fails a document that breaks the house rules', async () => {
    const doc = JSON.parse(committed);
    const create = doc.paths['/v1/initiatives'].post;
    delete create.description;
    create.operationId = 'create_initiative';
    create.tags = ['roadmap'];
    create.responses['404'].content = { 'application/json': create.responses['404'].content['application/problem+json'] };
    doc.components.schemas.Initiative.properties.currentIteration = {};
    const found = failing(await lintOpenApi(JSON.stringify(doc, null, 2)));
    expect(found).toEqual(
      expect.arrayContaining([
        'rw-operation-description paths./v1/initiatives.post',
        'rw-operation-id-camel-case paths./v1/initiatives.post.operationId',
        'rw-tags-declared paths./v1/initiatives.post.tags.0',
        'rw-error-problem-json paths./v1/initiatives.post.responses.404.content',
        'rw-property-snake-case components.schemas.Initiative.properties.currentIteration',
      ]),
    );
  });
});
