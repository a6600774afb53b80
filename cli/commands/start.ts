import type { CAC } from "cac";
import { ensureFirstAdmin, ensureSetupRepository } from "../../server/bootstrap.ts";
import { jsonLogger } from "../../server/log.ts";
import { ListenError, startNodeServer } from "../../server/node.ts";
import { CliError } from "../errors.ts";
import { installation } from "../installation.ts";

export function registerStartCommand(cli: CAC): void {
  cli.command("start", "Run the server in the foreground (Ctrl-C stops it gracefully)").action(async () => {
    const inst = installation();
    const log = jsonLogger((line) => process.stdout.write(line));
    let server;
    try {
      server = await startNodeServer({
        home: inst.home,
        log,
        async beforeListen(services) {
          await ensureSetupRepository(inst.config, inst.paths, log);
          const password = await ensureFirstAdmin(services.users, inst.paths, log);
          if (password) {
            process.stderr.write(`\nFirst start: created user "admin" with password ${password}\n(also in ${inst.paths.initialAdminPassword}; change it under Your account)\n\n`);
          }
        },
      });
    } catch (err) {
      if (err instanceof ListenError) throw new CliError(err.message);
      throw err;
    }
    await new Promise<void>((resolve) => {
      const stop = (signal: string) => {
        log.info("signal", { signal });
        server.close().then(resolve);
      };
      process.once("SIGINT", () => stop("SIGINT"));
      process.once("SIGTERM", () => stop("SIGTERM"));
    });
  });
}
