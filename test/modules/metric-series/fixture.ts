import { expect } from 'vitest';
import { MeasurementSchema, type Measurement } from '../../../src/modules/measurements/measurements.schemas';
import type { TestApp } from '../../helpers/app';
import { createInitiative, createIteration, createTeam, transitionIteration, uniqueKey } from '../../helpers/factories';

/** A team with one initiative whose v1 started at the clock's now (and, optionally, a time box). */
export async function startedInitiative(t: TestApp, box: { planned_start?: string; planned_end?: string } = {}) {
  const team = await createTeam(t, { key: uniqueKey('team') });
  const initiative = await createInitiative(t, { team: team.key });
  const v1 = await createIteration(t, initiative.key, box);
  await transitionIteration(t, v1.id, 'start');
  return { team, initiative, v1 };
}

/** Logs one measurement through the API (so the triggers keep every rollup), observed at `observed_at`. */
export async function record(
  t: TestApp,
  body: { metric: string; initiative?: string; iteration?: string; value: number; observed_at?: string; supersedes?: string },
): Promise<Measurement> {
  const res = await t.call({ method: 'POST', url: '/v1/measurements', payload: body });
  expect(res.statusCode, res.body).toBe(201);
  return MeasurementSchema.parse(res.json());
}

export async function voidMeasurement(t: TestApp, id: string): Promise<void> {
  const res = await t.call({ method: 'POST', url: `/v1/measurements/${id}/void`, payload: { reason: 'typo' } });
  expect(res.statusCode, res.body).toBe(200);
}

/** Changes a metric's definition (a new definition_version once it has measurements). */
export async function patchMetric(t: TestApp, key: string, payload: Record<string, unknown>): Promise<void> {
  const res = await t.call({ method: 'PATCH', url: `/v1/metrics/${key}`, payload });
  expect(res.statusCode, res.body).toBe(200);
}

/** Parses an RFC 4180 CSV body (header row, CRLF lines, quoted fields) into objects by column name. */
export function parseCsv(text: string): Array<Record<string, string>> {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted && c === '"' && text[i + 1] === '"') {
      cell += '"';
      i++;
    } else if (c === '"') {
      quoted = !quoted;
    } else if (!quoted && c === ',') {
      row.push(cell);
      cell = '';
    } else if (!quoted && c === '\r' && text[i + 1] === '\n') {
      rows.push([...row, cell]);
      row = [];
      cell = '';
      i++;
    } else {
      cell += c;
    }
  }
  const [columns = [], ...lines] = rows;
  return lines.map((cells) => Object.fromEntries(cells.map((value, i) => [columns[i], value])));
}
