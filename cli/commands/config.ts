import type { CAC } from "cac";
import { CONFIG_KEYS, envName, isConfigKey } from "../../server/config/keys.ts";
import { initSetupRepository, SetupInitError } from "../../server/setup/init.ts";
import { resolve } from "node:path";
import { CliError } from "../errors.ts";
import { installation } from "../installation.ts";
import { printTable } from "../table.ts";

function failAsCli<T>(work: () => T): T {
  try {
    return work();
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError((err as Error).message);
  }
}

export function registerConfigCommands(cli: CAC): void {
  cli.command("config <action> [key] [value]", "Configuration: set KEY VALUE, get KEY, unset KEY, list").action((action: string, key?: string, value?: string) => {
    const { config } = installation();
    failAsCli(() => {
      switch (action) {
        case "set": {
          if (!key || value === undefined) throw new CliError("usage: coder-server config set <key> <value>", 2);
          const stored = config.set(key, value);
          console.log(`${key} = ${stored}`);
          if (process.env[envName(key as never)]) console.error(`note: ${envName(key as never)} is set in the environment and overrides this value`);
          return;
        }
        case "get": {
          if (!key) throw new CliError("usage: coder-server config get <key>", 2);
          if (!isConfigKey(key)) throw new CliError(`unknown config key "${key}"; known keys: ${Object.keys(CONFIG_KEYS).join(", ")}`);
          const { value: v } = config.resolve(key);
          if (v === undefined) throw new CliError(`${key} is not set`);
          console.log(String(v));
          return;
        }
        case "unset":
          if (!key) throw new CliError("usage: coder-server config unset <key>", 2);
          config.unset(key);
          console.log(`${key} unset`);
          return;
        case "list": {
          const rows = Object.entries(config.effective()).map(([k, { value: v, source }]) => [k, v === undefined ? "" : String(v), source === "env" ? `env ${envName(k as never)}` : source]);
          printTable(["KEY", "VALUE", "FROM"], rows);
          return;
        }
        default:
          throw new CliError(`unknown config action "${action}"; use set, get, unset or list`, 2);
      }
    });
  });

  cli.command("init <dir>", "Create a new setup repository from the template and use it").action(async (dir: string) => {
    const { config } = installation();
    const path = resolve(dir);
    try {
      await initSetupRepository(path);
    } catch (err) {
      if (err instanceof SetupInitError) throw new CliError(err.message);
      throw err;
    }
    config.set("setup_path", path);
    console.log(`Created setup repository ${path} (git, branch main) and set it as setup_path.`);
  });
}
