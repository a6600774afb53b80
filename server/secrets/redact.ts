const MIN_LENGTH = 4;

/** Replaces every known secret value in a line; shorter values would mangle ordinary text. */
export class Redactor {
  #pattern: RegExp | null;

  constructor(values: Iterable<string>) {
    const unique = [...new Set([...values].filter((v) => v.length >= MIN_LENGTH))].sort((a, b) => b.length - a.length);
    this.#pattern = unique.length ? new RegExp(unique.map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|"), "g") : null;
  }

  redact(line: string): string {
    return this.#pattern ? line.replace(this.#pattern, "[redacted]") : line;
  }
}
