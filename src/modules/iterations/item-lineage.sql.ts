/**
 * The carried chains of one iteration's items (bound parameter: the iteration id). `chain` has a
 * row per item and ancestor; the row whose `parent` is null names in `origin` the first item of
 * the chain, which is the item's lineage in a diff. For tables with id, iteration_id, carried_from.
 */
export const carriedChain = (table: 'hypotheses' | 'tracked_metrics' | 'action_items'): string => `
  WITH RECURSIVE chain(id, origin, parent) AS (
    SELECT id, id, carried_from FROM ${table} WHERE iteration_id = ?
    UNION ALL
    SELECT chain.id, p.id, p.carried_from FROM chain JOIN ${table} p ON p.id = chain.parent
  )`;
