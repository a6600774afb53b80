import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { silentLogger } from "../../server/log.ts";
import { startNodeServer } from "../../server/node.ts";
import { accountServices, licenseService, openDatabase } from "../../server/runtime.ts";

export function tempHome(): string {
  return mkdtempSync(join(tmpdir(), "coderflow-test-"));
}

export interface TestServer {
  url: string;
  home: string;
  env: Record<string, string>;
  createUser(username: string, role: "admin" | "developer" | "viewer", password?: string): Promise<{ id: number; username: string; password: string }>;
  apiKey(username: string, name?: string): Promise<string>;
  stop(): Promise<void>;
}

/** The real server on a free port over a temporary CODERFLOW_HOME. */
export async function startTestServer(opts: { env?: Record<string, string>; home?: string } = {}): Promise<TestServer> {
  const home = opts.home ?? tempHome();
  const env = { ...process.env, CODERFLOW_HOME: home, CODERFLOW_SERVER_HOST: "127.0.0.1", ...opts.env } as Record<string, string>;
  const server = await startNodeServer({ home, env, log: silentLogger, port: 0 });
  const withAccounts = async <T>(work: (a: ReturnType<typeof accountServices>) => Promise<T>) => {
    const db = await openDatabase(join(home, "coderflow.db"));
    try {
      return await work(accountServices(db, licenseService(home, env)));
    } finally {
      await db.close();
    }
  };
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
    async stop() {
      await server.close();
      if (!opts.home) rmSync(home, { recursive: true, force: true });
    },
  };
}
