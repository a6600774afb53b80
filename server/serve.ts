import type { Context } from "hono";
import { createApp } from "./app.ts";
import { ConfigStore } from "./config/config.ts";
import { homePaths } from "./config/home.ts";
import { explainListenError, ListenError, listeningUrl, listenSettings, type ListenSettings } from "./listen.ts";
import type { Logger } from "./log.ts";
import { openServices, startBackgroundWork } from "./runtime.ts";
import { acquireInstanceLock } from "./instance-lock.ts";
import type { Services } from "./services.ts";

/** The web app's fetch handler; the second argument is the runtime's per-request env. */
export type AppFetch = (request: Request, env?: unknown) => Response | Promise<Response>;

/** What differs between Node and Deno: how to bind a port and who the peer is. */
export interface RuntimeAdapter {
  name: string;
  clientAddress(c: Context): string;
  /** Binds and serves; rejects with the runtime's error (carrying `code`) when it cannot bind. */
  listen(fetch: AppFetch, settings: ListenSettings): Promise<{ port: number; shutdown(): Promise<void> }>;
}

export interface ServeOptions {
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
  /** Stops accepting, lets in-flight requests finish, closes the database. */
  close(): Promise<void>;
}

/** Opens an installation and serves its web app through the given runtime. */
export async function serveInstallation(runtime: RuntimeAdapter, opts: ServeOptions): Promise<RunningServer> {
  const env = opts.env ?? process.env;
  const settings = listenSettings(new ConfigStore(homePaths(opts.home).config, env), opts.port);
  const releaseLock = acquireInstanceLock(homePaths(opts.home).instanceLock, opts.home);
  let services: Services;
  try {
    services = await openServices({ home: opts.home, env, log: opts.log, clientAddress: runtime.clientAddress });
  } catch (err) {
    releaseLock();
    throw err;
  }
  let stopBackgroundWork: (() => Promise<void>) | undefined;
  let listening;
  try {
    await opts.beforeListen?.(services);
    stopBackgroundWork = await startBackgroundWork(services);
    listening = await runtime.listen(createApp(services).app.fetch, settings).catch((err: NodeJS.ErrnoException) => {
      throw new ListenError(explainListenError(err, settings.host, settings.port));
    });
  } catch (err) {
    await stopBackgroundWork?.().catch(() => undefined);
    await services.db.close().catch(() => undefined);
    releaseLock();
    throw err;
  }
  const url = listeningUrl(settings, listening.port);
  opts.log.info("server.listening", { url, tls: Boolean(settings.tls), home: opts.home, runtime: runtime.name });

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      opts.log.info("server.stopping", {});
      await listening.shutdown();
      await stopBackgroundWork();
      await services.db.close();
      releaseLock();
      opts.log.info("server.stopped", {});
    })());
  return { url, close };
}
