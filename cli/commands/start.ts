import type { CAC } from "cac";
import { runForeground } from "../../server/foreground.ts";
import { InstanceLockError } from "../../server/instance-lock.ts";
import { ListenError } from "../../server/listen.ts";
import { jsonLogger } from "../../server/log.ts";
import { nodeRuntime } from "../../server/node.ts";
import { CliError } from "../errors.ts";
import { installation } from "../installation.ts";

export function registerStartCommand(cli: CAC): void {
  cli.command("start", "Run the server in the foreground (Ctrl-C stops it gracefully)").action(async () => {
    const inst = installation();
    try {
      await runForeground(nodeRuntime, { home: inst.home, log: jsonLogger((line) => process.stdout.write(line)) });
    } catch (err) {
      if (err instanceof ListenError || err instanceof InstanceLockError) throw new CliError(err.message);
      throw err;
    }
  });
}
