import { z } from 'zod';

/**
 * The largest value each kind of request field takes, in one place: the zod schemas are built
 * from these, so validation and the OpenAPI document (maxLength, maxItems, maxProperties) agree,
 * and the README's Limits section lists the same numbers. A value over its limit is a 400
 * `validation_failed` naming the field.
 */
export const MAX_LENGTH = {
  /** Ids, human keys, references to either, and filters that name one. */
  ref: 64,
  tag: 40,
  /** A text search (`q`). */
  search: 100,
  /** Names, titles, owners, sources. */
  name: 200,
  /** One point of a list (a retrospective's went_well and to_improve), an attribute's text value. */
  point: 1000,
  /** Notes, hypothesis statements, learnings, reasons for a void or an override. */
  note: 2000,
  /** Descriptions, summaries, goals, outcomes, evidence, a decision's reason. */
  text: 4000,
  /** A key passed as `?access_token=` (generated keys have 46 characters). */
  token: 256,
} as const;

export const MAX_ITEMS = {
  tags: 20,
  /** Teams an editor key may write. */
  keyTeams: 100,
  /** Points in each list of a retrospective, and its learnings. */
  points: 50,
  /** Attributes of an initiative; also the attribute keys the policy may require. */
  attributes: 50,
  /** Metric keys one export names. */
  metricKeys: 50,
  /** Rows of one measurement batch (JSON array, NDJSON or CSV). */
  batchRows: 10_000,
} as const;

/** An initiative's attributes, all together, as JSON. */
export const ATTRIBUTES_MAX_BYTES = 8192;

/**
 * A JSON object with keys of the caller's choosing, at most `max` of them. zod's record has no
 * size check of its own and a refine does not reach the document, so the bound is stated twice,
 * as a check and as `maxProperties`, from the same number.
 */
export const boundedRecord = <K extends z.core.$ZodRecordKey, V extends z.ZodType>(key: K, value: V, max: number, noun = 'keys') =>
  z
    .record(key, value)
    .refine((record) => Object.keys(record).length <= max, `at most ${max} ${noun}`)
    .meta({ maxProperties: max });

/**
 * The largest magnitude of a measured value, a tracked metric's baseline and target, and a
 * hypothesis's threshold: beyond any count, amount or duration a roadmap tracks, within the range
 * where doubles hold integers exactly (2^53), and far enough below the largest double that no sum
 * of measurements in a rollup can overflow to Infinity (which SQLite turns into NULL, or NaN).
 */
export const MAX_MAGNITUDE = 1e15;

/** A number a client sends that later arithmetic (sums, differences) must keep finite. */
export const boundedNumber = () => z.number().min(-MAX_MAGNITUDE).max(MAX_MAGNITUDE);
