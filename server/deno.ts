// Deno entry: `deno task start` (deno.json). The same installation, app and bootstrap as
// `coder-server start`; only the listener differs. Not type-checked by Deno (`deno run`
// skips it) but by tsc, hence the few Deno declarations below instead of Deno's lib.
import { coderflowHome } from "./config/home.ts";
import { runForeground } from "./foreground.ts";
import { ListenError } from "./listen.ts";
import { InstanceLockError } from "./instance-lock.ts";
import { jsonLogger } from "./log.ts";
import type { RuntimeAdapter } from "./serve.ts";

interface DenoAddr {
  hostname: string;
  port: number;
}

declare const Deno: {
  serve(
    options: { port: number; hostname: string; cert?: string; key?: string; onListen?: (addr: DenoAddr) => void },
    handler: (request: Request, info: { remoteAddr: DenoAddr }) => Response | Promise<Response>,
  ): { addr: DenoAddr; shutdown(): Promise<void> };
  exit(code: number): never;
};

/** What this entry hands app.fetch as the request's env, for clientAddress to read. */
type DenoRequestEnv = { remoteAddr: DenoAddr };

const denoRuntime: RuntimeAdapter = {
  name: "deno",
  clientAddress: (c) => (c.env as DenoRequestEnv).remoteAddr.hostname,
  async listen(fetch, { port, host, tls }) {
    // An empty onListen keeps Deno from printing its own non-JSON "Listening on" line.
    const server = Deno.serve({ port, hostname: host, ...tls, onListen() {} }, (request, info) => fetch(request, { remoteAddr: info.remoteAddr } satisfies DenoRequestEnv));
    return { port: server.addr.port, shutdown: () => server.shutdown() };
  },
};

try {
  await runForeground(denoRuntime, { home: coderflowHome(), log: jsonLogger((line) => process.stdout.write(line)) });
} catch (err) {
  if (!(err instanceof ListenError || err instanceof InstanceLockError)) throw err;
  process.stderr.write(`coder-server: ${err.message}\n`);
  Deno.exit(1);
}
