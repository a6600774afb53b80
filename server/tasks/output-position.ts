/**
 * Where a container's output was read up to. Each stored log line keeps the docker timestamp
 * of the output line it came from and which occurrence of that timestamp it was ("ts#n"), so
 * a capture started again (after a server restart) skips exactly what was already stored.
 */
export class OutputPosition {
  #currentTs = "";
  #occurrence = 0;
  readonly #resumeFrom: { ts: string; n: number } | null;

  constructor(lastStored: string | null) {
    const [ts, n] = lastStored?.split("#") ?? [];
    this.#resumeFrom = lastStored ? { ts, n: Number(n) } : null;
  }

  /** Whole seconds to ask docker logs for: from the second the stored output ends in. */
  get sinceSeconds(): number {
    return this.#resumeFrom ? Math.floor(Date.parse(`${this.#resumeFrom.ts.slice(0, 19)}Z`) / 1000) : 0;
  }

  /** The source key of the next output line, or null when that line is stored already. */
  next(ts: string): string | null {
    this.#occurrence = ts === this.#currentTs ? this.#occurrence + 1 : 0;
    this.#currentTs = ts;
    const from = this.#resumeFrom;
    if (from && (ts < from.ts || (ts === from.ts && this.#occurrence <= from.n))) return null;
    return `${ts}#${this.#occurrence}`;
  }
}
