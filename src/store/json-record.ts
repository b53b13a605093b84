/**
 * Records kept as JSON beside the few columns they are looked up by. The id lives in its column
 * and the JSON holds the rest, so the two cannot disagree.
 */

/** The JSON column's text: the record without its id. */
export function recordJson<R extends { readonly id: number }>(record: Omit<R, 'id'> | R): string {
  const { id: _id, ...rest } = record as R;
  return JSON.stringify(rest);
}

/** The record from its row: the JSON column with the id column. */
export function recordFromRow<R extends { readonly id: number }>(id: number, json: string): R {
  return { ...(JSON.parse(json) as Omit<R, 'id'>), id } as R;
}
