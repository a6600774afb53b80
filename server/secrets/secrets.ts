import { readFile } from "node:fs/promises";
import type { Database } from "../db/database.ts";
import { SECRET_USES } from "../environments/schema.ts";
import type { Environment } from "../setup/load.ts";
import type { SecretCipher } from "./cipher.ts";

export type SecretUse = (typeof SECRET_USES)[number];

export interface SecretDefinition {
  key: string;
  description: string;
  expose_as: "env_var" | "file";
  target: string;
  available_for: SecretUse[];
  origin: "file" | "ui";
}

export interface ResolvedSecret extends SecretDefinition {
  value: string;
}

export class SecretError extends Error {}

/** Secrets of an environment: from its .secrets.json, overridden by ones an admin entered (encrypted). */
export class EnvironmentSecrets {
  constructor(
    private db: Database,
    private cipher: SecretCipher,
    private env: Record<string, string | undefined> = process.env,
    private now: () => number = Date.now,
  ) {}

  /** Definitions without values: what pages and APIs may show. */
  async list(environment: Environment): Promise<SecretDefinition[]> {
    const byKey = new Map<string, SecretDefinition>();
    for (const [key, s] of Object.entries(environment.secrets)) {
      byKey.set(key, { key, description: s.description, expose_as: s.expose_as, target: s.target, available_for: s.available_for, origin: "file" });
    }
    for (const row of await this.#rows(environment.name)) byKey.set(row.key, { ...row, origin: "ui" });
    return [...byKey.values()].sort((a, b) => a.key.localeCompare(b.key));
  }

  /** The secrets with their values for one use; a declared source that cannot be read is an error naming it. */
  async resolve(environment: Environment, use?: SecretUse): Promise<ResolvedSecret[]> {
    const resolved: ResolvedSecret[] = [];
    const fromUi = new Map((await this.#rows(environment.name)).map((r) => [r.key, r]));
    for (const [key, s] of Object.entries(environment.secrets)) {
      if (fromUi.has(key)) continue;
      const value = s.value ?? (await this.#fromSource(environment, key, s.source));
      resolved.push({ key, description: s.description, expose_as: s.expose_as, target: s.target, available_for: s.available_for, origin: "file", value });
    }
    for (const row of fromUi.values()) resolved.push({ ...row, origin: "ui", value: await this.cipher.decrypt(row.ciphertext) });
    return use ? resolved.filter((s) => s.available_for.includes(use)) : resolved;
  }

  async #fromSource(environment: Environment, key: string, source: string | undefined): Promise<string> {
    const where = `${environment.dir}/.secrets.json: secrets.${key}`;
    if (!source) throw new SecretError(`${where}: has neither value nor source`);
    if (source.startsWith("env:")) {
      const value = this.env[source.slice(4)];
      if (value === undefined) throw new SecretError(`${where}: environment variable ${source.slice(4)} is not set on the server`);
      return value;
    }
    try {
      return (await readFile(source.slice(5), "utf8")).replace(/\r?\n$/, "");
    } catch (err) {
      throw new SecretError(`${where}: cannot read ${source.slice(5)}: ${(err as Error).message}`);
    }
  }

  async set(environment: string, def: Omit<SecretDefinition, "origin">, value: string, by: string): Promise<void> {
    if (!/^[\w.-]+$/.test(def.key)) throw new SecretError(`secret key "${def.key}" must be letters, digits, dots, dashes or underscores`);
    if (!value) throw new SecretError(`secret "${def.key}" needs a value`);
    if (def.expose_as === "env_var" && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(def.target)) throw new SecretError(`target "${def.target}" must be an environment variable name`);
    if (def.expose_as === "file" && !def.target.startsWith("/")) throw new SecretError(`target "${def.target}" must be an absolute path in the container`);
    if (def.available_for.length === 0 || def.available_for.some((u) => !SECRET_USES.includes(u))) throw new SecretError(`available_for must list some of ${SECRET_USES.join(", ")}`);
    await this.db.run(
      `INSERT INTO environment_secrets (environment, key, description, expose_as, target, available_for, ciphertext, updated_by, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (environment, key) DO UPDATE SET description = excluded.description, expose_as = excluded.expose_as, target = excluded.target,
         available_for = excluded.available_for, ciphertext = excluded.ciphertext, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
      [environment, def.key, def.description, def.expose_as, def.target, def.available_for.join(","), await this.cipher.encrypt(value), by, this.now()],
    );
  }

  async remove(environment: string, key: string): Promise<boolean> {
    return (await this.db.run("DELETE FROM environment_secrets WHERE environment = ? AND key = ?", [environment, key])).changes > 0;
  }

  async #rows(environment: string) {
    const rows = await this.db.all<Record<string, string>>("SELECT key, description, expose_as, target, available_for, ciphertext FROM environment_secrets WHERE environment = ?", [environment]);
    return rows.map((r) => ({
      key: String(r.key),
      description: String(r.description),
      expose_as: r.expose_as as "env_var" | "file",
      target: String(r.target),
      available_for: String(r.available_for).split(",") as SecretUse[],
      ciphertext: String(r.ciphertext),
    }));
  }
}
