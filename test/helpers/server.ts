import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { silentLogger } from "../../server/log.ts";
import { startNodeServer } from "../../server/node.ts";
import type { Database } from "../../server/db/database.ts";
import { accountServices, licenseService, openDatabase } from "../../server/runtime.ts";

/** The account services and the database they write to, over the server's own database file. */
export type Accounts = ReturnType<typeof accountServices> & { db: Database };

/** Opens an installation's database for one piece of work and closes it after, as each CLI command does. */
export async function withInstallationAccounts<T>(home: string, work: (a: Accounts) => Promise<T>, env: Record<string, string | undefined> = {}): Promise<T> {
  const db = await openDatabase(join(home, "coderflow.db"));
  try {
    return await work({ db, ...accountServices(db, licenseService(home, env)) });
  } finally {
    await db.close();
  }
}

export function tempHome(): string {
  return mkdtempSync(join(tmpdir(), "coderflow-test-"));
}

/** Two Database objects on one new database file: the server's, and the CLI's as if from another process. */
export async function twoDatabases(): Promise<{ home: string; server: Database; cli: Database; close(): Promise<void> }> {
  const home = tempHome();
  const path = join(home, "coderflow.db");
  const server = await openDatabase(path);
  const cli = await openDatabase(path);
  return {
    home,
    server,
    cli,
    async close() {
      await server.close();
      await cli.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

export interface TestServer {
  url: string;
  home: string;
  env: Record<string, string>;
  createUser(username: string, role: "admin" | "developer" | "viewer", password?: string): Promise<{ id: number; username: string; password: string }>;
  apiKey(username: string, name?: string): Promise<string>;
  /** Works on the server's database file directly: for states the UI cannot reach quickly (an expired session). */
  accounts<T>(work: (a: Accounts) => Promise<T>): Promise<T>;
  /** A session token made without the login form, where sign-in (and its scrypt cost) is not what is tested. */
  session(username: string): Promise<string>;
  stop(): Promise<void>;
}

/** The real server on a free port over a temporary CODERFLOW_HOME. */
export async function startTestServer(opts: { env?: Record<string, string>; home?: string } = {}): Promise<TestServer> {
  const home = opts.home ?? tempHome();
  const env = { ...process.env, CODERFLOW_HOME: home, CODERFLOW_SERVER_HOST: "127.0.0.1", ...opts.env } as Record<string, string>;
  const server = await startNodeServer({ home, env, log: silentLogger, port: 0 });
  const withAccounts = <T>(work: (a: Accounts) => Promise<T>) => withInstallationAccounts(home, work, env);
  return {
    url: server.url,
    home,
    env,
    async createUser(username, role, password = `${username}-password-1`) {
      const user = await withAccounts((a) => a.users.create({ username, email: `${username}@example.test`, name: username, role, password }));
      return { id: user.id, username, password };
    },
    async apiKey(username, name = "test") {
      return withAccounts(async (a) => (await a.apiKeys.create((await a.users.byUsername(username))!.id, name)).key);
    },
    accounts: withAccounts,
    async session(username) {
      return withAccounts(async (a) => (await a.sessions.create((await a.users.byUsername(username))!.id)).token);
    },
    async stop() {
      await server.close();
      if (!opts.home) rmSync(home, { recursive: true, force: true });
    },
  };
}
