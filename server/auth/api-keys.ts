import type { Database } from "../db/database.ts";
import { generateToken, hashToken } from "./tokens.ts";
import { UserError } from "./users.ts";

export interface ApiKey {
  id: number;
  user_id: number;
  name: string;
  prefix: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

const KEY_PREFIX = "cfk_";
// Writing last_used_at on every request would turn reads into writes; minute precision is enough.
const LAST_USED_RESOLUTION = 60_000;

export class ApiKeys {
  constructor(
    private db: Database,
    private now: () => number = Date.now,
  ) {}

  /** Creates a key and returns its secret: the only time it exists outside the caller. */
  async create(userId: number, name: string): Promise<{ key: string; apiKey: ApiKey }> {
    const trimmed = name?.trim() ?? "";
    if (!trimmed || trimmed.length > 100) throw new UserError(`API key name must be 1-100 characters, got "${name ?? ""}"`, "name");
    const key = KEY_PREFIX + generateToken(25);
    const { lastId } = await this.db.run("INSERT INTO api_keys (user_id, name, key_hash, prefix, created_at) VALUES (?, ?, ?, ?, ?)", [
      userId,
      trimmed,
      hashToken(key),
      key.slice(0, KEY_PREFIX.length + 6),
      this.now(),
    ]);
    return { key, apiKey: (await this.byId(lastId))! };
  }

  async byId(id: number): Promise<ApiKey | undefined> {
    return this.db.get<ApiKey>("SELECT id, user_id, name, prefix, created_at, last_used_at, revoked_at FROM api_keys WHERE id = ?", [id]);
  }

  async list(userId?: number): Promise<(ApiKey & { username: string })[]> {
    const where = userId === undefined ? "" : "WHERE k.user_id = ?";
    return this.db.all(
      `SELECT k.id, k.user_id, k.name, k.prefix, k.created_at, k.last_used_at, k.revoked_at, u.username
       FROM api_keys k JOIN users u ON u.id = k.user_id ${where} ORDER BY k.created_at DESC, k.id DESC`,
      userId === undefined ? [] : [userId],
    );
  }

  /** The owner of a live key, or null. */
  async authenticate(key: string): Promise<number | null> {
    if (!key.startsWith(KEY_PREFIX)) return null;
    const row = await this.db.get<{ id: number; user_id: number; last_used_at: number | null; revoked_at: number | null }>(
      "SELECT id, user_id, last_used_at, revoked_at FROM api_keys WHERE key_hash = ?",
      [hashToken(key)],
    );
    if (!row || row.revoked_at !== null) return null;
    const now = this.now();
    if (row.last_used_at === null || now - Number(row.last_used_at) >= LAST_USED_RESOLUTION) {
      await this.db.run("UPDATE api_keys SET last_used_at = ? WHERE id = ?", [now, row.id]);
    }
    return Number(row.user_id);
  }

  /** Revokes a key; with ownerId set, only if that user owns it. */
  async revoke(id: number, ownerId?: number): Promise<boolean> {
    const { changes } = await this.db.run(
      `UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL${ownerId === undefined ? "" : " AND user_id = ?"}`,
      ownerId === undefined ? [this.now(), id] : [this.now(), id, ownerId],
    );
    return changes > 0;
  }
}
