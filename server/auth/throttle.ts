interface Entry {
  failures: number;
  blockedUntil: number;
  windowStart: number;
}

export interface ThrottleRule {
  /** Failures allowed inside the window before the key is blocked. */
  maxFailures: number;
  windowMs: number;
  /** First block; each further failure while over the limit doubles it, up to maxBlockMs. */
  blockMs: number;
  maxBlockMs: number;
}

/** Counts failed attempts per key (an account, an address) and blocks a key that fails too often. */
export class Throttle {
  #entries = new Map<string, Entry>();

  constructor(
    private rule: ThrottleRule,
    private now: () => number = Date.now,
  ) {}

  /** Milliseconds the key must still wait, 0 when it may try. */
  retryAfter(key: string): number {
    const entry = this.#entries.get(key);
    return entry ? Math.max(0, entry.blockedUntil - this.now()) : 0;
  }

  fail(key: string): void {
    const now = this.now();
    let entry = this.#entries.get(key);
    if (!entry || now - entry.windowStart > this.rule.windowMs) {
      entry = { failures: 0, blockedUntil: 0, windowStart: now };
      this.#entries.set(key, entry);
    }
    entry.failures++;
    const over = entry.failures - this.rule.maxFailures;
    if (over >= 0) entry.blockedUntil = now + Math.min(this.rule.blockMs * 2 ** over, this.rule.maxBlockMs);
    if (this.#entries.size > 10_000) this.#prune(now);
  }

  succeed(key: string): void {
    this.#entries.delete(key);
  }

  /** Takes back one failure that was counted before the attempt turned out to succeed. */
  forgive(key: string): void {
    const entry = this.#entries.get(key);
    if (!entry) return;
    entry.failures = Math.max(0, entry.failures - 1);
    if (entry.failures < this.rule.maxFailures) entry.blockedUntil = 0;
  }

  #prune(now: number): void {
    for (const [key, entry] of this.#entries) {
      if (entry.blockedUntil < now && now - entry.windowStart > this.rule.windowMs) this.#entries.delete(key);
    }
  }
}

export function loginThrottles(now: () => number = Date.now) {
  return {
    account: new Throttle({ maxFailures: 5, windowMs: 15 * 60_000, blockMs: 30_000, maxBlockMs: 15 * 60_000 }, now),
    address: new Throttle({ maxFailures: 20, windowMs: 15 * 60_000, blockMs: 60_000, maxBlockMs: 60 * 60_000 }, now),
  };
}
