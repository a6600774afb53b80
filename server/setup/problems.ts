/** One thing wrong in the setup repository, said so a person can find and fix it. */
export interface Problem {
  /** Path relative to the setup repository root. */
  file: string;
  /** Dotted path inside the file (repos[0].url), when the problem is a field. */
  field?: string;
  line?: number;
  column?: number;
  message: string;
}

export function formatProblem(p: Problem): string {
  const where = p.line ? `${p.file}:${p.line}:${p.column ?? 1}` : p.file;
  return `${where}: ${p.field ? `${p.field}: ` : ""}${p.message}`;
}
