import { describe, expect, it } from 'vitest';
import { teamSchemas } from '../../../src/modules/teams/teams.module';
import { createKey, createTeam } from '../../helpers/factories';
import { describeNamedResource } from '../../helpers/named-resource.suite';
import { expectProblem } from '../../helpers/problems';

const suite = describeNamedResource({ plural: 'teams', entity: 'team', idPrefix: 'team', schemas: teamSchemas });

describe('teams referenced by API keys', () => {
  it('cannot be deleted while an editor key is scoped to them (409)', async () => {
    const t = suite.app();
    const team = await createTeam(t);
    const editor = await createKey(t, 'editor', [team.key]);
    const body = expectProblem(await t.call({ method: 'DELETE', url: `/v1/teams/${team.id}` }), 409, 'conflict');
    expect(body.detail).toContain(team.key);
    expect((await t.call({ method: 'GET', url: `/v1/teams/${team.id}` })).statusCode).toBe(200);
    expect((await t.call({ method: 'GET', url: `/v1/api-keys/${editor.id}` })).json().teams).toEqual([{ id: team.id, key: team.key }]);
    const log = await t.call({ method: 'GET', url: `/v1/activity?entity_type=team&entity_id=${team.id}&action=team.deleted` });
    expect(log.json().data).toEqual([]);
  });

  it('shows a renamed key in the editor key that refers to the team', async () => {
    const t = suite.app();
    const team = await createTeam(t);
    const editor = await createKey(t, 'editor', [team.id]);
    expect((await t.call({ method: 'PATCH', url: `/v1/teams/${team.id}`, payload: { name: 'Renamed team' } })).statusCode).toBe(200);
    expect((await t.call({ method: 'GET', url: `/v1/api-keys/${editor.id}` })).json().teams).toEqual([{ id: team.id, key: team.key }]);
  });
});
