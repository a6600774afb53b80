import { existsSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { checkCertificate, checkKeyMatches, checkPrivateKey } from "./tls.ts";

export type ConfigValues = Partial<Record<ConfigKey, string | number>>;

interface KeySpec {
  description: string;
  default?: string | number;
  /** Turns what the user typed into the stored value, or throws a message naming what is wrong. */
  parse(raw: string, cwd: string): string | number;
}

const wholeNumber = (key: string, description: string, def: number, min: number, max: number): KeySpec => ({
  description,
  default: def,
  parse(raw) {
    const n = Number(raw);
    if (!/^\d+$/.test(raw.trim()) || n < min || n > max) throw new Error(`${key} must be a whole number from ${min} to ${max}, got "${raw}"`);
    return n;
  },
});

const text = (description: string, def?: string): KeySpec => ({ description, default: def, parse: (raw) => raw.trim() });

const absolutePath = (description: string, check?: (path: string) => void): KeySpec => ({
  description,
  parse(raw, cwd) {
    const path = resolve(cwd, raw);
    check?.(path);
    return path;
  },
});

export const CONFIG_KEYS = {
  server_port: wholeNumber("server_port", "TCP port the server listens on", 3000, 1, 65535),
  server_host: text("Address the server binds to", "0.0.0.0"),
  ssl_cert_path: absolutePath("PEM certificate chain: certificate, intermediates, root", (p) => checkCertificate(p)),
  ssl_key_path: absolutePath("PEM private key matching ssl_cert_path", (p) => checkPrivateKey(p)),
  setup_path: absolutePath("Setup repository directory", (p) => {
    if (!existsSync(p) || !statSync(p).isDirectory()) throw new Error(`setup_path: ${p} is not a directory`);
  }),
  public_url: {
    description: "URL people use to reach this server (links, cookies behind a proxy)",
    parse(raw) {
      let url: URL;
      try {
        url = new URL(raw.trim());
      } catch {
        throw new Error(`public_url must be an absolute http(s) URL, got "${raw}"`);
      }
      if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error(`public_url must start with http:// or https://, got "${raw}"`);
      return url.origin;
    },
  },
  frame_ancestors: text("Origins allowed to embed the UI in a frame (space separated, for intranet portals)", "'self'"),
  max_concurrent_tasks: wholeNumber("max_concurrent_tasks", "Tasks that may run at once; more wait in the queue", 4, 1, 256),
  trust_proxy: {
    description: "Take the client address from X-Forwarded-For (true behind a reverse proxy)",
    default: "false",
    parse(raw) {
      if (raw !== "true" && raw !== "false") throw new Error(`trust_proxy must be true or false, got "${raw}"`);
      return raw;
    },
  },
} satisfies Record<string, KeySpec>;

export type ConfigKey = keyof typeof CONFIG_KEYS;

export function isConfigKey(key: string): key is ConfigKey {
  return Object.hasOwn(CONFIG_KEYS, key);
}

/** Environment variable that overrides a key: server_port → CODERFLOW_SERVER_PORT. */
export function envName(key: ConfigKey): string {
  return `CODERFLOW_${key.toUpperCase()}`;
}

/** After both TLS paths are known, the key must belong to the certificate. */
export function checkTlsPair(values: ConfigValues): void {
  const cert = values.ssl_cert_path, key = values.ssl_key_path;
  if (cert && key) checkKeyMatches(String(cert), String(key));
}
