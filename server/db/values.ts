/** Column readers: libsql hands back numbers, bigints or strings depending on the column. */
export const nullableNumber = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
export const nullableString = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

/** An UPDATE of one row by id setting each field: objects stored as JSON, booleans as 0/1. */
export function updateById(table: string, id: number, fields: Record<string, unknown>): { sql: string; args: (string | number | null)[] } {
  const entries = Object.entries(fields);
  const value = (v: unknown) => (v !== null && typeof v === "object" ? JSON.stringify(v) : typeof v === "boolean" ? Number(v) : v) as string | number | null;
  return { sql: `UPDATE ${table} SET ${entries.map(([k]) => `${k} = ?`).join(", ")} WHERE id = ?`, args: [...entries.map(([, v]) => value(v)), id] };
}
