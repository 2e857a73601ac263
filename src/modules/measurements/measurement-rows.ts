import { TimestampInput } from '../../http/schemas';
import type { FieldError } from '../../http/problems';
import { MAX_ITEMS, MAX_LENGTH, MAX_MAGNITUDE } from '../../http/limits';

/** A row as checked for its own shape, before anything is looked up. */
export interface MeasurementInput {
  metric: string;
  initiative?: string;
  iteration?: string;
  value: number;
  /** RFC 3339 UTC, the clock's now when absent. */
  observed_at: string;
  source: string | null;
  note: string | null;
  supersedes: string | null;
}

export const MAX_ROWS = MAX_ITEMS.batchRows;
const FIELDS = new Set(['metric', 'initiative', 'iteration', 'value', 'observed_at', 'source', 'note', 'supersedes']);
const { ref, name, note } = MAX_LENGTH;
const LIMITS = { metric: ref, initiative: ref, iteration: ref, supersedes: ref, source: name, note } as const;
/** Observations may be stamped a little ahead of the server's clock, never further. */
const FUTURE_TOLERANCE_MS = 5 * 60_000;
const BOUND = MAX_MAGNITUDE.toExponential().replace('e+', 'e');
const NUMBER_TEXT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * Checks each row's own shape and collects every error as `<prefix>.<field>` with the rule it
 * breaks. CSV cells arrive as text: their numbers are read here, strictly (no hex, no blanks).
 */
export function checkRows(
  rows: unknown[],
  opts: { now: Date; prefixOf: (index: number) => string; /** CSV: every cell is text, numbers included. */ textValues: boolean },
): { rows: MeasurementInput[]; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const out: MeasurementInput[] = [];
  const { now, prefixOf, textValues } = opts;
  const latest = new Date(now.getTime() + FUTURE_TOLERANCE_MS).toISOString();
  rows.forEach((raw, index) => {
    const at = prefixOf(index);
    const fail = (field: string | null, rule: string, message: string) => errors.push({ path: field ? `${at}.${field}` : at, message, rule });
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      fail(null, 'not_an_object', 'each measurement is an object such as {"metric": "win_rate", "initiative": "lead-scoring", "value": 0.23}');
      return;
    }
    const r = raw as Record<string, unknown>;
    const before = errors.length;
    for (const name of Object.keys(r)) {
      if (!FIELDS.has(name)) fail(name, 'unknown_field', `unknown field; a measurement takes ${[...FIELDS].join(', ')}`);
    }
    const text = (name: keyof typeof LIMITS, required: boolean): string | undefined => {
      const v = r[name];
      if (v === undefined || v === null) {
        if (required) fail(name, 'required', `required`);
        return undefined;
      }
      if (typeof v !== 'string' || v.trim() === '') return void fail(name, 'not_a_string', 'must be a non-empty string');
      if (v.length > LIMITS[name]) return void fail(name, 'too_long', `at most ${LIMITS[name]} characters`);
      return v;
    };
    const metric = text('metric', true);
    const initiative = text('initiative', false);
    const iteration = text('iteration', false);
    if (initiative === undefined && iteration === undefined && r.initiative == null && r.iteration == null) {
      fail('initiative', 'required', 'name the initiative (key or id), or the iteration (id) the value belongs to');
    }
    const value = readValue(r.value, textValues, fail);
    let observedAt = now.toISOString();
    if (r.observed_at !== undefined && r.observed_at !== null) {
      const parsed = TimestampInput.safeParse(r.observed_at);
      if (!parsed.success) fail('observed_at', 'not_a_timestamp', 'an RFC 3339 timestamp such as 2026-01-05T09:00:00Z');
      else if (parsed.data > latest) fail('observed_at', 'in_future', `lies in the future (the server's time is ${now.toISOString()})`);
      else observedAt = parsed.data;
    }
    const source = text('source', false) ?? null;
    const note = text('note', false) ?? null;
    const supersedes = text('supersedes', false) ?? null;
    if (errors.length > before || metric === undefined || value === undefined) return;
    out.push({ metric, initiative, iteration, value, observed_at: observedAt, source, note, supersedes });
  });
  return { rows: out, errors };
}

function readValue(v: unknown, textValues: boolean, fail: (field: string, rule: string, message: string) => void): number | undefined {
  if (v === undefined || v === null) return void fail('value', 'required', 'required: the observed number');
  let n: number;
  if (typeof v === 'number') n = v;
  else if (textValues && typeof v === 'string' && NUMBER_TEXT.test(v.trim())) n = Number(v.trim());
  else if (textValues && typeof v === 'string' && /^[+-]?(nan|inf(inity)?)$/i.test(v.trim())) return void fail('value', 'not_finite', 'must be a finite number');
  else return void fail('value', 'not_a_number', 'must be a number such as 0.23 or 1200');
  if (!Number.isFinite(n)) return void fail('value', 'not_finite', 'must be a finite number');
  if (Math.abs(n) > MAX_MAGNITUDE) return void fail('value', 'out_of_range', `must be between -${BOUND} and ${BOUND}`);
  return n;
}
