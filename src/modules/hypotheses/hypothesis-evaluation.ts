import { currentValue, rollupOf } from '../measurements/rollup-value';
import type { HypothesisView } from './hypotheses.repo';
import type { Suggestion } from './hypotheses.schemas';

type Comparison = 'gte' | 'lte' | 'gt' | 'lt';

const SYMBOLS: Record<Comparison, string> = { gte: '>=', lte: '<=', gt: '>', lt: '<' };
const AGGREGATION_WORDS: Record<HypothesisView['aggregation'], string> = {
  latest: 'latest',
  sum: 'sum',
  average: 'average',
  min: 'minimum',
  max: 'maximum',
};

/**
 * Values are rounded to 12 significant digits before they are compared or shown, so the verdict
 * and the reason always agree (a sum of 0.1 and 0.2 is 0.3, and meets >= 0.3).
 */
const tidy = (v: number): number => Number(v.toPrecision(12));

const compare = (op: Comparison, value: number, threshold: number): boolean =>
  op === 'gte' ? value >= threshold : op === 'lte' ? value <= threshold : op === 'gt' ? value > threshold : value < threshold;

/** The metric's value in the iteration, by its aggregation; null without live measurements. */
function valueOf(v: HypothesisView): number | null {
  const raw = currentValue(v.aggregation, rollupOf(v));
  return raw === null ? null : tidy(raw);
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * The suggested result of a hypothesis, from the rollup of its metric's current definition version
 * in its iteration. In order: too few measurements is insufficient_data; a criterion that cannot be
 * evaluated (reach_target without a tracked target) is inconclusive; otherwise the value meets the
 * criterion (validated) or not (invalidated).
 */
export function suggest(v: HypothesisView, evaluatedAt: string): Suggestion {
  const value = valueOf(v);
  const count = value === null ? 0 : (v.count ?? 0);
  const base = { value, measurements_count: count, evaluated_at: evaluatedAt };
  const described = value === null ? '' : `${v.metricKey} is ${value} (${AGGREGATION_WORDS[v.aggregation]} of ${plural(count, 'measurement')})`;

  // min_measurements is at least 1, so no value always falls here.
  if (value === null || count < v.minMeasurements) {
    const needed = `needs at least ${plural(v.minMeasurements, 'measurement')} of ${v.metricKey} in this iteration`;
    const reason = value === null ? `No measurements of ${v.metricKey} yet; the hypothesis ${needed}.` : `${described}; the hypothesis ${needed}.`;
    return { result: 'insufficient_data', ...base, reason };
  }

  let op: Comparison;
  let threshold: number;
  let criterion: string;
  if (v.operator === 'reach_target') {
    if (!v.tracked) {
      return {
        result: 'inconclusive',
        ...base,
        reason: `${described}, but ${v.metricKey} is not tracked in this iteration, so there is no target to reach.`,
      };
    }
    if (v.target === null) {
      return { result: 'inconclusive', ...base, reason: `${described}, but its tracked metric has no target to reach.` };
    }
    op = v.direction === 'increase' ? 'gte' : 'lte';
    threshold = v.target;
    criterion = `the target ${SYMBOLS[op]} ${tidy(threshold)} (${v.metricKey} should ${v.direction})`;
  } else {
    if (v.threshold === null) return { result: 'inconclusive', ...base, reason: `${described}, but the hypothesis has no threshold.` };
    op = v.operator;
    threshold = v.threshold;
    criterion = `${SYMBOLS[op]} ${tidy(threshold)}`;
  }
  const met = compare(op, value, tidy(threshold));
  return {
    result: met ? 'validated' : 'invalidated',
    ...base,
    reason: `${described}, which ${met ? 'meets' : 'misses'} ${criterion}.`,
  };
}
