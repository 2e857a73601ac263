import { expect } from 'vitest';
import { MeasurementSchema } from '../../../src/modules/measurements/measurements.schemas';
import type { TestApp } from '../../helpers/app';
import { createInitiative, createIteration, createMetric, createTeam, createTheme, transitionIteration } from '../../helpers/factories';

/**
 * A small organisation whose exports are computed by hand in the tests:
 *
 * - team revops, theme pipeline: lead-scoring v1 (time box 2026-01-05 to 2026-01-15, started
 *   2026-01-05T09:00, a check-in at_risk) tracks cycle_days (baseline 30, target 20), demos
 *   (0 -> 40) and win_rate (0.2 -> 0.3); v2 is planned for 2026-01-15 to 2026-01-25 and tracks nothing.
 * - team field-sales, no theme: deal-desk v1, started 2026-01-05T09:00 and closed (pivot) on
 *   2026-01-08T09:00, no time box, no tracked metric.
 *
 * On 2026-01-08T09:00 (the clock afterwards) the ledger gets, in this order (ids grow with it):
 *   demos 5 @01-05T12, demos 9 @01-06T12 (later superseded by 7), demos 8 @01-07T12,
 *   demos 100 @01-07T13 (later voided), cycle_days 29 @01-05T15, cycle_days 28 @01-07T15,
 *   demos 3 on deal-desk @01-06T10 (late: v1 was closed), then demos 7 @01-06T12 superseding 9.
 * Live rows in id order: 5, 8, 29, 28, 3, 7.
 */
export const NOW = '2026-01-08T09:00:00.000Z';

export interface Fixture {
  leadScoring: { id: string; v1: string; v2: string };
  dealDesk: { id: string; v1: string };
  /** Live measurement ids by value. */
  ids: Record<'5' | '8' | '29' | '28' | '3' | '7', string>;
  superseded: string;
  voided: string;
}

async function post(t: TestApp, url: string, payload: unknown) {
  const res = await t.call({ method: 'POST', url, payload: payload as Record<string, unknown> });
  expect(res.statusCode, res.body).toBeLessThan(300);
  return res.json() as unknown;
}

export async function buildFixture(t: TestApp): Promise<Fixture> {
  t.clock.set('2026-01-05T09:00:00.000Z');
  await createTeam(t, { key: 'revops' });
  await createTeam(t, { key: 'field-sales' });
  await createTheme(t, { key: 'pipeline' });
  await createMetric(t, { key: 'demos', unit: 'count', direction: 'increase', aggregation: 'sum' });
  await createMetric(t, { key: 'cycle_days', unit: 'days', direction: 'decrease', aggregation: 'average' });
  await createMetric(t, { key: 'win_rate', unit: 'ratio', direction: 'increase', aggregation: 'latest' });

  const lead = await createInitiative(t, { key: 'lead-scoring', team: 'revops', theme: 'pipeline' });
  const v1 = await createIteration(t, lead.key, { planned_start: '2026-01-05T00:00:00Z', planned_end: '2026-01-15T00:00:00Z' });
  for (const [metric, baseline, target] of [['cycle_days', 30, 20], ['demos', 0, 40], ['win_rate', 0.2, 0.3]] as const) {
    await post(t, `/v1/iterations/${v1.id}/metrics`, { metric, baseline, target });
  }
  await transitionIteration(t, v1.id, 'start');
  await post(t, `/v1/iterations/${v1.id}/check-ins`, { health: 'at_risk' });
  const v2 = await createIteration(t, lead.key, { planned_start: '2026-01-15T00:00:00Z', planned_end: '2026-01-25T00:00:00Z', carry_over: false });

  const desk = await createInitiative(t, { key: 'deal-desk', team: 'field-sales' });
  const d1 = await createIteration(t, desk.key);
  await transitionIteration(t, d1.id, 'start');

  t.clock.set(NOW);
  await transitionIteration(t, d1.id, 'review');
  await transitionIteration(t, d1.id, 'close', { decision: 'pivot' });

  const row = (metric: string, initiative: string, value: number, observed_at: string, extra: Record<string, unknown> = {}) => ({ metric, initiative, value, observed_at, ...extra });
  const batch = (await post(t, '/v1/measurements', [
    row('demos', 'lead-scoring', 5, '2026-01-05T12:00:00Z', { source: 'crm-sync' }),
    row('demos', 'lead-scoring', 9, '2026-01-06T12:00:00Z'),
    row('demos', 'lead-scoring', 8, '2026-01-07T12:00:00Z', { note: '=SUM(A1), "checked"' }),
    row('demos', 'lead-scoring', 100, '2026-01-07T13:00:00Z'),
    row('cycle_days', 'lead-scoring', 29, '2026-01-05T15:00:00Z'),
    row('cycle_days', 'lead-scoring', 28, '2026-01-07T15:00:00Z'),
    row('demos', 'deal-desk', 3, '2026-01-06T10:00:00Z'),
  ])) as { data: Array<{ id: string }> };
  const id = (i: number) => batch.data[i]!.id;
  const fix = MeasurementSchema.parse(await post(t, '/v1/measurements', row('demos', 'lead-scoring', 7, '2026-01-06T12:00:00Z', { supersedes: id(1) })));
  await post(t, `/v1/measurements/${id(3)}/void`, { reason: 'typo' });

  return {
    leadScoring: { id: lead.id, v1: v1.id, v2: v2.id },
    dealDesk: { id: desk.id, v1: d1.id },
    ids: { '5': id(0), '8': id(2), '29': id(4), '28': id(5), '3': id(6), '7': fix.id },
    superseded: id(1),
    voided: id(3),
  };
}

/** RFC 4180, as a spreadsheet reads it: rows of fields, quotes undone. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') {
      quoted = true;
    } else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else {
      field += c;
    }
  }
  expect(field === '' && row.length === 0, 'the CSV ends with CRLF').toBe(true);
  return rows;
}

/** A JSON value as its CSV field reads once parsed: empty for null, formulas neutralised by a quote. */
export function asCsvText(value: unknown): string {
  if (value === null) return '';
  const text = String(value);
  return typeof value === 'string' && /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

/** The CSV body read as records keyed by its header, next to the JSON rows: same rows, same order, same values. */
export function expectSameTable(csv: string, json: Array<Record<string, unknown>>, columns: readonly string[]): void {
  const [header, ...rows] = parseCsv(csv);
  expect(header).toEqual(columns);
  expect(rows.length).toBe(json.length);
  json.forEach((record, i) => {
    expect(Object.keys(record)).toEqual(columns);
    expect(rows[i]).toEqual(columns.map((c) => asCsvText(record[c])));
  });
}
