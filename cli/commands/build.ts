import type { CAC } from "cac";
import { buildStream } from "../../server/environments/builds.ts";
import { silentLogger } from "../../server/log.ts";
import { openServices } from "../../server/runtime.ts";
import { formatProblem } from "../../server/setup/problems.ts";
import { CliError } from "../errors.ts";
import { installation } from "../installation.ts";

export function registerBuildCommand(cli: CAC): void {
  cli.command("build <environment>", "Build an environment's image, printing the build log").action(async (name: string) => {
    const inst = installation();
    const s = await openServices({ home: inst.home, log: silentLogger, clientAddress: () => "cli" });
    try {
      const snapshot = await s.registry.reload();
      if (!snapshot) throw new CliError(s.registry.failure ?? "the setup repository cannot be loaded");
      const env = s.registry.get(name);
      if (!env) throw new CliError(`no environment named "${name}"; there are: ${s.registry.list().map((e) => e.name).join(", ") || "none"}`);
      if (env.problems.length) throw new CliError(`environment "${name}" is broken:\n${env.problems.map((p) => `  ${formatProblem(p)}`).join("\n")}`);
      const ping = await s.engine.ping();
      if (!ping.ok) throw new CliError(ping.error);
      const build = await s.builds.request(name, { trigger: "cli", by: process.env.USER });
      const unsubscribe = s.logs.subscribe(buildStream(build.id), (event) => {
        if (event.type === "lines") for (const l of event.lines) process.stdout.write(`${l.line}\n`);
      });
      const done = await s.builds.wait(build.id);
      unsubscribe();
      if (done.status !== "succeeded") throw new CliError(`build #${done.id} failed${done.failed_step ? ` at "${done.failed_step}"` : ""}: ${done.error}`);
      console.log(`build #${done.id} succeeded: ${done.tag}`);
    } finally {
      await s.db.close();
    }
  });
}
