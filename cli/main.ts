import { cac } from "cac";
import { CliError } from "./errors.ts";
import { commands } from "./commands/index.ts";
import { VERSION } from "../server/version.ts";

const cli = cac("coder-server");
for (const register of commands) register(cli);
cli.help();
cli.version(VERSION);

async function main(): Promise<void> {
  try {
    cli.parse(process.argv, { run: false });
    if (!cli.matchedCommand) {
      if (cli.options.help || cli.options.version) return;
      const given = cli.args[0];
      if (given) throw new CliError(`unknown command "${given}"; see coder-server --help`, 2);
      cli.outputHelp();
      return;
    }
    await cli.runMatchedCommand();
  } catch (err) {
    if (err instanceof CliError) {
      process.stderr.write(`coder-server: ${err.message}\n`);
      process.exitCode = err.exitCode;
    } else if (err instanceof Error && err.name === "CACError") {
      process.stderr.write(`coder-server: ${err.message}\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`coder-server: unexpected error: ${(err as Error)?.stack ?? err}\n`);
      process.exitCode = 1;
    }
  }
}

await main();
