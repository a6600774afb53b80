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

/**
 * Sessions as in Lucia's guide: the cookie holds a random token, the database its
 * SHA-256; a session used in its last 15 days is extended to a fresh 30.
 */
export class Sessions {
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
   * when unknown or expired. Every signed-in request asks, so it is one read, the user joined in.
   */
  async validate(token: string): Promise<{ session: Session; user: User; renewed: boolean } | null> {
    const id = hashToken(token);
    const row = await this.db.get<Record<string, unknown>>(
      `SELECT s.expires_at AS session_expires_at, ${userColumnsOf("u")} FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = ?`,
      [id],
    );
    if (!row) return null;
    const user = toUser(row);
    const session = { id, userId: user.id, expiresAt: Number(row.session_expires_at) };
    const now = this.now();
    if (now >= session.expiresAt) {
      await this.invalidate(id);
      return null;
    }
    if (now >= session.expiresAt - RENEW_WITHIN) {
      session.expiresAt = now + SESSION_LIFETIME;
      await this.db.run("UPDATE sessions SET expires_at = ? WHERE id = ?", [session.expiresAt, id]);
      return { session, user, renewed: true };
    }
    return { session, user, renewed: false };
  }

  async invalidate(id: string): Promise<void> {
    await this.db.run("DELETE FROM sessions WHERE id = ?", [id]);
  }

  async purgeExpired(): Promise<void> {
    await this.db.run("DELETE FROM sessions WHERE expires_at <= ?", [this.now()]);
  }
}
