import { existsSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import type { Users } from "./auth/users.ts";
import type { ConfigStore } from "./config/config.ts";
import type { homePaths } from "./config/home.ts";
import type { Logger } from "./log.ts";
import { initSetupRepository } from "./setup/init.ts";

type Paths = ReturnType<typeof homePaths>;

/** A newcomer's first start: an admin to sign in with, its password shown once and kept 0600. */
export async function ensureFirstAdmin(users: Users, paths: Paths, log: Logger): Promise<string | null> {
  if ((await users.count()) > 0) return null;
  const password = randomBytes(12).toString("base64url");
  await users.create({ username: "admin", email: "admin@localhost", name: "Administrator", role: "admin", password });
  writeFileSync(paths.initialAdminPassword, password + "\n", { mode: 0o600 });
  log.info("admin.created", { username: "admin", password_file: paths.initialAdminPassword });
  return password;
}

/** Without a configured setup repository, one is made from the template under CODERFLOW_HOME. */
export async function ensureSetupRepository(config: ConfigStore, paths: Paths, log: Logger): Promise<string> {
  const configured = config.get("setup_path") as string | undefined;
  if (configured) return configured;
  if (!existsSync(paths.defaultSetup)) {
    await initSetupRepository(paths.defaultSetup);
    log.info("setup.initialized", { path: paths.defaultSetup });
  }
  config.set("setup_path", paths.defaultSetup);
  return paths.defaultSetup;
}
