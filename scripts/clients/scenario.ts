/**
 * The Scenario folder: one initiative's first version from start to finish, the way the README's
 * walk-through runs it. An admin key (`apiKey`) makes a team, an editor key for it and a central
 * metric; the editor key then does everything a team does. Each step stores what the next needs
 * (ids, keys, ETags) in collection variables. Keys end with a per-run suffix, so the folder runs
 * again and again against the same server.
 */
import type { ScenarioStep } from './scenario-item';

const KEYS = {
  team: 'revops-{{run}}',
  metric: 'win_rate_{{run}}',
  initiative: 'lead-scoring-{{run}}',
};

export const SCENARIO_DESCRIPTION =
  'Creates a team, an editor key, a central metric and an initiative, then runs version 1 through its life cycle: ' +
  'plan, hypothesis, tracked metric, start, a measurement, a check-in, review, retrospective with a decision, close; ' +
  'and reads the progress. Needs `baseUrl` and an admin key as `apiKey`. Every run uses new keys (suffix `run`).';

export const SCENARIO: ScenarioStep[] = [
  {
    name: 'Create a team',
    operationId: 'createTeam',
    as: 'admin',
    prerequest: ["pm.collectionVariables.set('run', Date.now().toString(36));"],
    body: { key: KEYS.team, name: 'Revenue Operations' },
    status: 201,
    checks: { 'the team has its key': ["pm.expect(body.key).to.eql('revops-' + pm.collectionVariables.get('run'));"] },
    keep: { team_key: 'body.key' },
  },
  {
    name: 'Create an editor key for the team',
    operationId: 'createApiKey',
    as: 'admin',
    body: { name: 'scenario-editor-{{run}}', role: 'editor', teams: ['{{team_key}}'] },
    status: 201,
    checks: {
      'the secret is shown once': ["pm.expect(body.secret).to.be.a('string').and.not.empty;"],
      'the key edits that team only': ["pm.expect(body.role).to.eql('editor');", "pm.expect(body.teams).to.have.lengthOf(1);"],
    },
    keep: { editor_key: 'body.secret' },
  },
  {
    name: 'Create a central metric',
    operationId: 'createMetric',
    as: 'admin',
    body: { key: KEYS.metric, name: 'Win rate', unit: 'ratio', direction: 'increase', aggregation: 'latest', scope: 'central' },
    status: 201,
    checks: { 'the metric is central, definition 1': ["pm.expect(body.scope).to.eql('central');", 'pm.expect(body.definition_version).to.eql(1);'] },
    keep: { metric_key: 'body.key' },
  },
  {
    name: 'Create an initiative',
    operationId: 'createInitiative',
    as: 'editor',
    body: { key: KEYS.initiative, title: 'Score inbound leads', team: '{{team_key}}', horizon: 'now', tags: ['inbound'] },
    status: 201,
    checks: {
      'the initiative is active, with no iteration yet': ["pm.expect(body.status).to.eql('active');", 'pm.expect(body.current_iteration).to.eql(null);'],
      'it carries an ETag': ["pm.expect(etag).to.match(/^\"v1-/);"],
    },
    keep: { initiative_id: 'body.id', initiative_key: 'body.key', initiative_etag: 'etag' },
  },
  {
    name: 'Move it to the next horizon (If-Match)',
    operationId: 'updateInitiative',
    as: 'editor',
    path: { id: '{{initiative_key}}' },
    headers: { 'If-Match': '{{initiative_etag}}' },
    body: { horizon: 'next' },
    status: 200,
    checks: {
      'the change is a new version': ["pm.expect(body.horizon).to.eql('next');", 'pm.expect(body.version).to.eql(2);'],
      'the ETag moved': ["pm.expect(etag).to.not.eql(pm.collectionVariables.get('initiative_etag'));"],
    },
    keep: { initiative_etag: 'etag' },
  },
  {
    name: 'Plan version 1',
    operationId: 'createIteration',
    as: 'editor',
    path: { id: '{{initiative_key}}' },
    body: { goal: 'Lift win rate on scored leads by 3 points' },
    status: 201,
    checks: { 'it is v1, planned': ['pm.expect(body.number).to.eql(1);', "pm.expect(body.status).to.eql('planned');"] },
    keep: { iteration_id: 'body.id' },
  },
  {
    name: 'State a hypothesis on the metric',
    operationId: 'createHypothesis',
    as: 'editor',
    path: { id: '{{iteration_id}}' },
    body: {
      statement: 'We believe that scoring leads lets SDRs call the best ones first, lifting the win rate',
      metric: '{{metric_key}}',
      operator: 'gte',
      threshold: 0.2,
    },
    status: 201,
    checks: { 'the hypothesis is proposed': ["pm.expect(body.status).to.eql('proposed');", "pm.expect(body.metric).to.eql(pm.collectionVariables.get('metric_key'));"] },
    keep: { hypothesis_id: 'body.id' },
  },
  {
    name: 'Track the metric with a baseline and a target',
    operationId: 'trackMetric',
    as: 'editor',
    path: { id: '{{iteration_id}}' },
    body: { metric: '{{metric_key}}', baseline: 0.18, target: 0.25 },
    status: 201,
    checks: { 'nothing is measured yet': ['pm.expect(body.current).to.eql(null);', "pm.expect(body.health).to.eql('no_data');"] },
  },
  {
    name: 'Start version 1',
    operationId: 'startIteration',
    as: 'editor',
    path: { id: '{{iteration_id}}' },
    status: 200,
    checks: { 'it is under construction': ["pm.expect(body.status).to.eql('under_construction');", 'pm.expect(body.started_at).to.be.a(\'string\');'] },
  },
  {
    name: 'Log a measurement',
    operationId: 'recordMeasurements',
    as: 'editor',
    headers: { 'Idempotency-Key': '{{$guid}}' },
    body: { metric: '{{metric_key}}', initiative: '{{initiative_key}}', value: 0.23 },
    status: 201,
    checks: {
      "it lands on the running iteration": [
        "pm.expect(body.iteration_id).to.eql(pm.collectionVariables.get('iteration_id'));",
        'pm.expect(body.value).to.eql(0.23);',
        'pm.expect(body.late).to.eql(false);',
      ],
    },
  },
  {
    name: 'Check in',
    operationId: 'createCheckIn',
    as: 'editor',
    path: { id: '{{iteration_id}}' },
    body: { health: 'on_track', note: 'SDRs work the scored queue first.' },
    status: 201,
    checks: { 'the check-in is on track': ["pm.expect(body.health).to.eql('on_track');"] },
  },
  {
    name: 'Send version 1 to review',
    operationId: 'reviewIteration',
    as: 'editor',
    path: { id: '{{iteration_id}}' },
    status: 200,
    checks: { 'it is in review': ["pm.expect(body.status).to.eql('in_review');", "pm.expect(body.allowed_actions).to.include('close');"] },
  },
  {
    name: 'Write the retrospective with a decision',
    operationId: 'putRetrospective',
    as: 'editor',
    path: { id: '{{iteration_id}}' },
    body: {
      went_well: ['SDRs used the scores daily'],
      to_improve: ['Agree on the CRM export date before starting'],
      learnings: [{ observed: 'Win rate reached 0.23 on scored leads', learned: 'Scores help SDRs prioritise' }],
      decision: 'persevere',
      decision_reason: 'On pace; keep scoring for another version.',
    },
    status: 201,
    checks: { 'the decision is recorded': ["pm.expect(body.decision).to.eql('persevere');", 'pm.expect(body.learnings).to.have.lengthOf(1);'] },
  },
  {
    name: 'Close version 1 with the decision',
    operationId: 'closeIteration',
    as: 'editor',
    path: { id: '{{iteration_id}}' },
    body: { decision: 'persevere', outcome: 'Win rate on scored leads rose from 0.18 to 0.23.' },
    status: 200,
    checks: {
      'it is closed with the decision': [
        "pm.expect(body.status).to.eql('closed');",
        "pm.expect(body.decision).to.eql('persevere');",
        "pm.expect(body.closed_at).to.be.a('string');",
      ],
    },
  },
  {
    name: 'Read the progress',
    operationId: 'getInitiativeProgress',
    as: 'editor',
    path: { id: '{{initiative_key}}' },
    status: 200,
    checks: {
      'one closed version with its decision': [
        'pm.expect(body.versions).to.have.lengthOf(1);',
        "pm.expect(body.versions[0].status).to.eql('closed');",
        "pm.expect(body.versions[0].decision).to.eql('persevere');",
        'pm.expect(body.versions[0].learnings).to.have.lengthOf(1);',
      ],
      'the tracked metric shows the measurement': [
        'const tracked = body.versions[0].tracked_metrics[0];',
        "pm.expect(tracked.metric).to.eql(pm.collectionVariables.get('metric_key'));",
        'pm.expect(tracked.current).to.eql(0.23);',
      ],
      'the initiative stays active for its next version': ["pm.expect(body.initiative.status).to.eql('active');"],
    },
  },
];
