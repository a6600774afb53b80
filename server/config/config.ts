import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { CONFIG_KEYS, checkTlsPair, envName, isConfigKey, type ConfigKey, type ConfigValues } from "./keys.ts";

export type Source = "env" | "file" | "default";

/** config.json of one installation, with CODERFLOW_* environment variables taking precedence. */
export class ConfigStore {
  constructor(
    readonly path: string,
    private env: Record<string, string | undefined> = process.env,
  ) {}

  readFile(): ConfigValues {
    if (!existsSync(this.path)) return {};
    const text = readFileSync(this.path, "utf8");
    try {
      const parsed = JSON.parse(text);
      if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("top level is not an object");
      return parsed;
    } catch (err) {
      throw new Error(`${this.path}: invalid JSON: ${(err as Error).message}`);
    }
  }

  /** The effective value of a key and where it came from. */
  resolve(key: ConfigKey): { value: string | number | undefined; source: Source } {
    const fromEnv = this.env[envName(key)];
    if (fromEnv !== undefined && fromEnv !== "") return { value: CONFIG_KEYS[key].parse(fromEnv, process.cwd()), source: "env" };
    const file = this.readFile();
    if (file[key] !== undefined) return { value: file[key], source: "file" };
    const spec = CONFIG_KEYS[key] as { default?: string | number };
    return { value: spec.default, source: "default" };
  }

  get(key: ConfigKey): string | number | undefined {
    return this.resolve(key).value;
  }

  effective(): Record<ConfigKey, { value: string | number | undefined; source: Source }> {
    return Object.fromEntries((Object.keys(CONFIG_KEYS) as ConfigKey[]).map((k) => [k, this.resolve(k)])) as never;
  }

  /** Validates and stores a value; nothing is written when validation fails. */
  set(key: string, raw: string, cwd = process.cwd()): string | number {
    if (!isConfigKey(key)) throw new Error(`unknown config key "${key}"; known keys: ${Object.keys(CONFIG_KEYS).join(", ")}`);
    const value = CONFIG_KEYS[key].parse(raw, cwd);
    const next = { ...this.readFile(), [key]: value };
    checkTlsPair(next);
    this.#write(next);
    return value;
  }

  unset(key: string): void {
    if (!isConfigKey(key)) throw new Error(`unknown config key "${key}"; known keys: ${Object.keys(CONFIG_KEYS).join(", ")}`);
    const next = this.readFile();
    delete next[key];
    this.#write(next);
  }

  #write(values: ConfigValues): void {
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    const tmp = `${this.path}.tmp`;
    writeFileSync(tmp, JSON.stringify(values, null, 2) + "\n", { mode: 0o600 });
    renameSync(tmp, this.path);
  }
}
