/**
 * The ceiling for measurement ingest: better-sqlite3 inserting the rows the server stores (the
 * ledger row, its rollup trigger included), `batchSize` rows per prepared transaction, into a fresh
 * file with the server's pragmas and schema (openCeilingDatabase).
 */
import { newId } from '../src/lib/ids';
import { openCeilingDatabase } from './insert-ceiling';

export interface MeasurementCeilingOptions {
  path: string;
  synchronous: string;
  seconds: number;
  iterationIds: string[];
  batchSize: number;
}

/** Rows committed per second. */
export function measureMeasurementCeiling(opts: MeasurementCeilingOptions): number {
  const sqlite = openCeilingDatabase(opts.path, opts.synchronous);
  try {
    const insert = sqlite.prepare(
      `INSERT INTO measurements (id, metric_id, definition_version, iteration_id, initiative_id, value, observed_at, recorded_at, late,
         source, note, supersedes, superseded_by, voided_at, void_reason, recorded_by_key_id, recorded_by_name)
       VALUES (?, 'met_bench', 1, ?, 'ini_bench', ?, ?, ?, 0, 'bench', NULL, NULL, NULL, NULL, NULL, 'key_bench', 'bench-admin')`,
    );
    let n = 0;
    const write = sqlite.transaction(() => {
      const at = new Date().toISOString();
      for (let i = 0; i < opts.batchSize; i++, n++) insert.run(newId('msr'), opts.iterationIds[n % opts.iterationIds.length] ?? 'itr_none', n % 100, at, at);
    });
    const start = performance.now();
    const end = start + opts.seconds * 1000;
    while (performance.now() < end) write.immediate();
    return n / ((performance.now() - start) / 1000);
  } finally {
    sqlite.close();
  }
}
