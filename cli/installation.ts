import { mkdirSync } from "node:fs";
import { ConfigStore } from "../server/config/config.ts";
import { coderflowHome, homePaths } from "../server/config/home.ts";

/** The installation the CLI acts on: CODERFLOW_HOME and its files. */
export function installation(env = process.env) {
  const home = coderflowHome(env);
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const paths = homePaths(home);
  return { home, paths, config: new ConfigStore(paths.config, env) };
}
export type Installation = ReturnType<typeof installation>;
