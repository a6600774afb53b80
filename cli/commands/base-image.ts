import type { CAC } from "cac";
import { BASE_LATEST, ensureBaseImage, readAgentClis } from "../../server/docker/base-image.ts";
import { DockerEngine } from "../../server/docker/engine.ts";
import { CliError } from "../errors.ts";

type BaseImageFlags = { offline?: boolean; force?: boolean };

export function registerBaseImageCommands(cli: CAC): void {
  cli
    .command("base-image <action>", "Build the base image of agent containers (action: build)")
    .option("--offline", "Start from a debootstrapped Debian (host's apt mirror) instead of pulling debian:bookworm-slim")
    .option("--force", "Rebuild from scratch even when an image for the current inputs exists")
    .example("coder-server base-image build --offline")
    .action(async (action: string, flags: BaseImageFlags) => {
      if (action !== "build") throw new CliError(`unknown base-image action "${action}"; the only one is "build"`, 2);
      await buildBaseImage(flags);
    });
}

async function buildBaseImage(flags: BaseImageFlags): Promise<void> {
  const engine = new DockerEngine();
  const ping = await engine.ping();
  if (!ping.ok) throw new CliError(`Docker is not available: ${ping.error}`);
  const offline = flags.offline ?? false;
  let tag: string;
  try {
    tag = await ensureBaseImage({
      engine,
      offline,
      force: flags.force ?? false,
      onLine: (line) => process.stdout.write(`${line}\n`),
    });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    // Without a registry the online build dies pulling its FROM image; say what to do instead.
    const hint = offline ? "" : "\n(on a host without an image registry, use --offline)";
    throw new CliError(`${message}${hint}`);
  }
  const clis = await readAgentClis(engine, tag);
  const summary = Object.entries(clis)
    .map(([name, version]) => `${name} ${version}`)
    .join(", ");
  process.stdout.write(`base image ${tag} (also tagged ${BASE_LATEST})\nagent CLIs: ${summary}\n`);
}
