import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ScenarioBuilder, type ScenarioStep } from '../../scripts/clients/scenario-item';

const doc = JSON.parse(readFileSync(new URL('../../openapi/openapi.json', import.meta.url), 'utf8'));
const builder = new ScenarioBuilder(doc);
const step = (s: Partial<ScenarioStep>): ScenarioStep => ({ name: 'a step', operationId: 'startIteration', as: 'editor', path: { id: '{{iteration_id}}' }, status: 200, ...s });

/** A Scenario step is built from the document's operation, so drift fails `clients:write`/`clients:check`. */
describe('Scenario steps against the OpenAPI document', () => {
  it('takes method and path from the operation, with the step values in the path', () => {
    const item = builder.item(step({}));
    expect(item.request).toMatchObject({ method: 'POST', url: { raw: '{{baseUrl}}/v1/iterations/{{iteration_id}}/start' } });
    expect(item.request?.auth).toMatchObject({ type: 'bearer', bearer: [{ value: '{{editor_key}}' }] });
  });

  it.each([
    ['an operation the document lacks', { operationId: 'beginIteration' }, /no operation beginIteration/],
    ['a path parameter the template lacks', { path: { iteration: '{{iteration_id}}' } }, /path parameters are \{id\}/],
    ['an undocumented status', { status: 201 }, /201 is not a documented response/],
    ['a body field the schema lacks', { operationId: 'createTeam', path: {}, status: 201, body: { key: 'revops-{{run}}', title: 'x' } }, /required property 'name'/],
    ['a body value the schema refuses', { operationId: 'createTeam', path: {}, status: 201, body: { key: 'Rev Ops', name: 'x' } }, /data\/key must match pattern/],
  ])('refuses %s', (_what, s, message) => {
    expect(() => builder.item(step(s))).toThrow(message);
  });
});
