/** Column readers: libsql hands back numbers, bigints or strings depending on the column. */
export const nullableNumber = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
export const nullableString = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
