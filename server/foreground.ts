import { ensureFirstAdmin, ensureSetupRepository } from "./bootstrap.ts";
import { ConfigStore } from "./config/config.ts";
import { homePaths } from "./config/home.ts";
import type { Logger } from "./log.ts";
import { serveInstallation, type RuntimeAdapter } from "./serve.ts";

/**
 * What `start` does under any runtime: bootstrap a newcomer's installation, serve it,
 * and on SIGINT/SIGTERM shut down gracefully. Resolves once stopped.
 */
export async function runForeground(runtime: RuntimeAdapter, opts: { home: string; log: Logger }): Promise<void> {
  const { home, log } = opts;
  const paths = homePaths(home);
  const server = await serveInstallation(runtime, {
    home,
    log,
    async beforeListen(services) {
      await ensureSetupRepository(new ConfigStore(paths.config), paths, log);
      const password = await ensureFirstAdmin(services.users, paths, log);
      if (password) {
        process.stderr.write(`\nFirst start: created user "admin" with password ${password}\n(also in ${paths.initialAdminPassword}; change it under Your account)\n\n`);
      }
    },
  });
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log.info("signal", { signal });
      server.close().then(resolve);
    };
    process.once("SIGINT", () => stop("SIGINT"));
    process.once("SIGTERM", () => stop("SIGTERM"));
  });
}
