import type { Database } from "../db/database.ts";
import { generateToken, hashToken } from "./tokens.ts";

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

  /** Returns the live session for a token, renewing it when due; null when unknown or expired. */
  async validate(token: string): Promise<{ session: Session; renewed: boolean } | null> {
    const id = hashToken(token);
    const row = await this.db.get<{ user_id: number; expires_at: number }>("SELECT user_id, expires_at FROM sessions WHERE id = ?", [id]);
    if (!row) return null;
    const session = { id, userId: Number(row.user_id), expiresAt: Number(row.expires_at) };
    const now = this.now();
    if (now >= session.expiresAt) {
      await this.invalidate(id);
      return null;
    }
    if (now >= session.expiresAt - RENEW_WITHIN) {
      session.expiresAt = now + SESSION_LIFETIME;
      await this.db.run("UPDATE sessions SET expires_at = ? WHERE id = ?", [session.expiresAt, id]);
      return { session, renewed: true };
    }
    return { session, renewed: false };
  }

  async invalidate(id: string): Promise<void> {
    await this.db.run("DELETE FROM sessions WHERE id = ?", [id]);
  }

  async purgeExpired(): Promise<void> {
    await this.db.run("DELETE FROM sessions WHERE expires_at <= ?", [this.now()]);
  }
}
