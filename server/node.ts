import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { serve } from "@hono/node-server";
import { getConnInfo } from "@hono/node-server/conninfo";
import { serveInstallation, type RunningServer, type RuntimeAdapter, type ServeOptions } from "./serve.ts";

/** Node's side of serving: @hono/node-server over node:http or node:https. */
export const nodeRuntime: RuntimeAdapter = {
  name: "node",
  clientAddress: (c) => getConnInfo(c).remote.address ?? "unknown",
  listen(fetch, { port, host, tls }) {
    return new Promise((resolve, reject) => {
      const server = serve(
        tls
          ? { fetch, port, hostname: host, createServer: createHttpsServer, serverOptions: { cert: tls.cert, key: tls.key, minVersion: "TLSv1.2" } }
          : { fetch, port, hostname: host },
      ) as Server;
      server.once("error", reject);
      server.once("listening", () => resolve({ port: (server.address() as AddressInfo).port, shutdown: () => shutdown(server) }));
    });
  },
};

/** In-flight requests finish; long-lived streams get 10 s before they are cut. */
function shutdown(server: Server): Promise<void> {
  const force = setTimeout(() => server.closeAllConnections(), 10_000);
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  }).finally(() => clearTimeout(force));
}

export function startNodeServer(opts: ServeOptions): Promise<RunningServer> {
  return serveInstallation(nodeRuntime, opts);
}
