import type { Database } from "../db/database.ts";
import type { SecretCipher } from "../secrets/cipher.ts";

/** A model endpoint an admin gave for an agent is not usable as one. */
export class AgentEndpointError extends Error {}

/**
 * Vendor API keys for the agent CLIs, set by an admin and kept encrypted at rest, and the model endpoint
 * each CLI talks to where it is not the vendor's own (an internal gateway on an air-gapped site, a proxy).
 */
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

  async baseUrl(agent: string): Promise<string | undefined> {
    const row = await this.db.get<{ value: string }>("SELECT value FROM settings WHERE key = ?", [`agent_base_url:${agent}`]);
    return row ? String(row.value) : undefined;
  }

  /** Sets the agent's model endpoint (an http(s) URL); empty goes back to the vendor's. Not a secret, so kept as is. */
  async setBaseUrl(agent: string, url: string): Promise<void> {
    const value = url.trim();
    if (!value) {
      await this.db.run("DELETE FROM settings WHERE key = ?", [`agent_base_url:${agent}`]);
      return;
    }
    if (!URL.canParse(value) || !["http:", "https:"].includes(new URL(value).protocol)) throw new AgentEndpointError(`"${value}" is not an http:// or https:// URL`);
    await this.db.run("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", [`agent_base_url:${agent}`, value]);
  }

  /** Every agent's model endpoint that is set, by agent. */
  async baseUrls(): Promise<Record<string, string>> {
    const rows = await this.db.all<{ key: string; value: string }>("SELECT key, value FROM settings WHERE key LIKE 'agent_base_url:%'");
    return Object.fromEntries(rows.map((r) => [String(r.key).slice("agent_base_url:".length), String(r.value)]));
  }
}
