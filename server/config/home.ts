import { homedir } from "node:os";
import { join, resolve } from "node:path";

/** Every file of one installation lives under this directory. */
export function coderflowHome(env: Record<string, string | undefined> = process.env): string {
  return resolve(env.CODERFLOW_HOME || join(homedir(), ".coderflow"));
}

export function homePaths(home: string) {
  return {
    home,
    config: join(home, "config.json"),
    database: join(home, "coderflow.db"),
    secretKey: join(home, "secret.key"),
    instanceLock: join(home, "server.pid"),
    license: join(home, "license.key"),
    initialAdminPassword: join(home, "initial-admin-password"),
    logs: join(home, "logs"),
    workspaces: join(home, "workspaces"),
    defaultSetup: join(home, "setup"),
  };
}
