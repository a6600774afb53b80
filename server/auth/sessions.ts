import { BoundedMap } from "../bounded-map.ts";
import type { Database } from "../db/database.ts";
import { generateToken, hashToken } from "./tokens.ts";
import { toUser, userColumnsOf, type User } from "./users.ts";

const DAY = 24 * 60 * 60 * 1000;
export const SESSION_LIFETIME = 30 * DAY;
const RENEW_WITHIN = 15 * DAY;

export interface Session {
  id: string;
  userId: number;
  expiresAt: number;
}


interface Known {
  session: Session;
  user: User;
}

/**
 * Sessions as in Lucia's guide: the cookie holds a random token, the database its
 * SHA-256; a session used in its last 15 days is extended to a fresh 30.
 *
 * Unlike the guide, a session once read is kept in memory, by token, until anything is written
 * to the database (Database.changeStamp): every signed-in request asks, and the read cost more
 * than the rest of a page. A logout, a disabled user or a changed role, by this server or by the
 * CLI in another process, is a write, so it still takes effect at the next request.
 */
export class Sessions {
  #known = new BoundedMap<string, Known>(10_000);
  #knownAt = -1;

  constructor(
    private db: Database,
    private now: () => number = Date.now,
  ) {}

  async create(userId: number): Promise<{ token: string; session: Session }> {
    const token = generateToken();
    const session = { id: hashToken(token), userId, expiresAt: this.now() + SESSION_LIFETIME };
    await this.db.run("INSERT INTO sessions (id, user_id, expires_at, created_at) VALUES (?, ?, ?, ?)", [session.id, userId, session.expiresAt, this.now()]);
    return { token, session };
  }

  /**
   * Returns the live session for a token and its user, renewing the session when due; null
   * when unknown or expired. Every signed-in request asks: one read, the user joined in, or none
   * while the session is known and nothing was written since.
   */
  async validate(token: string): Promise<{ session: Session; user: User; renewed: boolean } | null> {
    // Taken before any read: a write landing after it makes what is read now stale at once.
    const stamp = this.db.changeStamp();
    const known = this.#recall(token, stamp) ?? (await this.#read(token, stamp));
    if (!known) return null;
    const { user } = known;
    const session = { ...known.session };
    const now = this.now();
    if (now >= session.expiresAt) {
      await this.invalidate(session.id);
      return null;
    }
    if (now >= session.expiresAt - RENEW_WITHIN) {
      session.expiresAt = now + SESSION_LIFETIME;
      await this.db.run("UPDATE sessions SET expires_at = ? WHERE id = ?", [session.expiresAt, session.id]);
      return { session, user, renewed: true };
    }
    return { session, user, renewed: false };
  }

  /**
   * The session for a token and its user, without a promise, when it was read before, nothing was
   * written since, and it needs neither renewal nor expiry: what almost every signed-in request
   * finds. Otherwise undefined, and validate() decides.
   */
  known(token: string): Readonly<Known> | undefined {
    const known = this.#recall(token, this.db.changeStamp());
    return known && this.now() < known.session.expiresAt - RENEW_WITHIN ? known : undefined;
  }

  #recall(token: string, stamp: number): Known | undefined {
    if (stamp !== this.#knownAt) {
      this.#known.clear();
      this.#knownAt = stamp;
    }
    return this.#known.get(token);
  }

  async #read(token: string, stamp: number): Promise<Known | undefined> {
    const id = hashToken(token);
    const row = await this.db.get<Record<string, unknown>>(
      `SELECT s.expires_at AS session_expires_at, ${userColumnsOf("u")} FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = ?`,
      [id],
    );
    if (!row) return undefined;
    const user = toUser(row);
    const known = { session: { id, userId: user.id, expiresAt: Number(row.session_expires_at) }, user };
    if (stamp === this.#knownAt) this.#known.set(token, known);
    return known;
  }

  async invalidate(id: string): Promise<void> {
    await this.db.run("DELETE FROM sessions WHERE id = ?", [id]);
  }

  async purgeExpired(): Promise<void> {
    await this.db.run("DELETE FROM sessions WHERE expires_at <= ?", [this.now()]);
  }
}
