import type { Database } from "../db/database.ts";
import type { SecretCipher } from "../secrets/cipher.ts";

/** Vendor API keys for the agent CLIs, set by an admin and kept encrypted at rest. */
export class AgentKeys {
  constructor(
    private db: Database,
    private cipher: SecretCipher,
  ) {}

  async get(agent: string): Promise<string | undefined> {
    const row = await this.db.get<{ value: string }>("SELECT value FROM settings WHERE key = ?", [`agent_api_key:${agent}`]);
    return row ? this.cipher.decrypt(String(row.value)) : undefined;
  }

  async set(agent: string, key: string): Promise<void> {
    if (!key.trim()) {
      await this.db.run("DELETE FROM settings WHERE key = ?", [`agent_api_key:${agent}`]);
      return;
    }
    await this.db.run("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", [`agent_api_key:${agent}`, await this.cipher.encrypt(key.trim())]);
  }

  /** Which agents have a key, without the keys. */
  async configured(): Promise<string[]> {
    const rows = await this.db.all<{ key: string }>("SELECT key FROM settings WHERE key LIKE 'agent_api_key:%'");
    return rows.map((r) => String(r.key).slice("agent_api_key:".length));
  }
}
