// Helpers for the multi-row statements a group commit writes: the VALUES list
// of numbered parameters, and one row per key (an upsert may not touch the same
// row twice in one statement), the last written winning.

/** ($1, $2, …), ($n+1, …) for `rows` rows of `width` parameters each. */
export function valuesList(rows: number, width: number): string {
  const tuples: string[] = [];
  for (let r = 0; r < rows; r++) {
    const cols = Array.from({ length: width }, (_, c) => `$${r * width + c + 1}`);
    tuples.push(`(${cols.join(', ')})`);
  }
  return tuples.join(', ');
}

/** The last row written for each key (in the order the keys first appear). */
export function lastPerKey<T>(rows: readonly T[], keyOf: (row: T) => string): T[] {
  return [...new Map(rows.map((r) => [keyOf(r), r])).values()];
}
