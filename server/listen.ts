import { readFileSync } from "node:fs";
import type { ConfigStore } from "./config/config.ts";

/** Where and how an entry point listens; the same config keys whichever runtime serves. */
export interface ListenSettings {
  port: number;
  host: string;
  /** PEM text; with it the server speaks HTTPS only. */
  tls?: { cert: string; key: string };
}

export function listenSettings(config: ConfigStore, portOverride?: number): ListenSettings {
  const certPath = config.get("ssl_cert_path") as string | undefined;
  const keyPath = config.get("ssl_key_path") as string | undefined;
  return {
    port: portOverride ?? Number(config.get("server_port")),
    host: String(config.get("server_host")),
    tls: certPath && keyPath ? { cert: readFileSync(certPath, "utf8"), key: readFileSync(keyPath, "utf8") } : undefined,
  };
}

/** The URL to print: a wildcard bind is reachable on loopback. */
export function listeningUrl(settings: ListenSettings, boundPort: number): string {
  const host = settings.host === "0.0.0.0" || settings.host === "::" ? "127.0.0.1" : settings.host;
  return `${settings.tls ? "https" : "http"}://${host.includes(":") ? `[${host}]` : host}:${boundPort}`;
}

/** A listen failure the operator can act on, worded as what to do. */
export class ListenError extends Error {}

/** Node and Deno both tag bind failures with the errno name in `code`. */
export function explainListenError(err: NodeJS.ErrnoException, host: string, port: number): string {
  if (err.code === "EACCES") return `permission denied binding ${host}:${port}. Ports below 1024 need authbind: run "authbind --deep coder-server start" after "sudo touch /etc/authbind/byport/${port}; sudo chown $USER /etc/authbind/byport/${port}; sudo chmod 500 /etc/authbind/byport/${port}", or choose a port of 1024 or more with "coder-server config set server_port 3000"`;
  if (err.code === "EADDRINUSE") return `port ${port} on ${host} is already in use by another process. Stop that process, or choose another port with "coder-server config set server_port <port>"`;
  if (err.code === "EADDRNOTAVAIL") return `address ${host} is not an address of this machine; fix it with "coder-server config set server_host 0.0.0.0"`;
  return `cannot listen on ${host}:${port}: ${err.message}`;
}
