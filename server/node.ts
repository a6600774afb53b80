import { readFileSync } from "node:fs";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { serve } from "@hono/node-server";
import { getConnInfo } from "@hono/node-server/conninfo";
import { createApp } from "./app.ts";
import { ConfigStore } from "./config/config.ts";
import { homePaths } from "./config/home.ts";
import type { Logger } from "./log.ts";
import { openServices, startBackgroundWork } from "./runtime.ts";
import type { Services } from "./services.ts";

export interface NodeServerOptions {
  home: string;
  env?: Record<string, string | undefined>;
  log: Logger;
  /** Overrides the configured port (tests pass 0 for a free one). */
  port?: number;
  /** Runs once the installation is open, before the port is bound (first-start bootstrap). */
  beforeListen?: (services: Services) => Promise<void>;
}

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

/** A listen failure the operator can act on, worded as what to do. */
export class ListenError extends Error {}

export function explainListenError(err: NodeJS.ErrnoException, host: string, port: number): string {
  if (err.code === "EACCES") return `permission denied binding ${host}:${port}. Ports below 1024 need authbind: run "authbind --deep coder-server start" after "sudo touch /etc/authbind/byport/${port}; sudo chown $USER /etc/authbind/byport/${port}; sudo chmod 500 /etc/authbind/byport/${port}", or choose a port of 1024 or more with "coder-server config set server_port 3000"`;
  if (err.code === "EADDRINUSE") return `port ${port} on ${host} is already in use by another process. Stop that process, or choose another port with "coder-server config set server_port <port>"`;
  if (err.code === "EADDRNOTAVAIL") return `address ${host} is not an address of this machine; fix it with "coder-server config set server_host 0.0.0.0"`;
  return `cannot listen on ${host}:${port}: ${err.message}`;
}

export async function startNodeServer(opts: NodeServerOptions): Promise<RunningServer> {
  const env = opts.env ?? process.env;
  const config = new ConfigStore(homePaths(opts.home).config, env);
  const port = opts.port ?? Number(config.get("server_port"));
  const host = String(config.get("server_host"));
  const certPath = config.get("ssl_cert_path") as string | undefined;
  const keyPath = config.get("ssl_key_path") as string | undefined;
  const tls = certPath && keyPath ? { cert: readFileSync(certPath), key: readFileSync(keyPath) } : undefined;

  const services = await openServices({ home: opts.home, env, log: opts.log, clientAddress: (c) => getConnInfo(c).remote.address ?? "unknown" });
  await opts.beforeListen?.(services);
  const stopBackgroundWork = await startBackgroundWork(services);
  const { app } = createApp(services);

  const server = await new Promise<Server>((resolve, reject) => {
    const s = serve(
      tls
        ? { fetch: app.fetch, port, hostname: host, createServer: createHttpsServer, serverOptions: { cert: tls.cert, key: tls.key, minVersion: "TLSv1.2" } }
        : { fetch: app.fetch, port, hostname: host },
    ) as Server;
    s.once("listening", () => resolve(s));
    s.once("error", (err: NodeJS.ErrnoException) => {
      services.db.close().catch(() => undefined);
      reject(new ListenError(explainListenError(err, host, port)));
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host;
  const url = `${tls ? "https" : "http"}://${shownHost.includes(":") ? `[${shownHost}]` : shownHost}:${address.port}`;
  opts.log.info("server.listening", { url, tls: Boolean(tls), home: opts.home });

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      opts.log.info("server.stopping", {});
      // In-flight requests finish; long-lived streams get 10 s before they are cut.
      const force = setTimeout(() => server.closeAllConnections(), 10_000);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      clearTimeout(force);
      await stopBackgroundWork();
      await services.db.close();
      opts.log.info("server.stopped", {});
    })());
  return { url, close };
}
