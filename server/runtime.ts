import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Context } from "hono";
import { loadAssets } from "./assets.ts";
import { ApiKeys } from "./auth/api-keys.ts";
import { Sessions } from "./auth/sessions.ts";
import { loginThrottles } from "./auth/throttle.ts";
import { Users } from "./auth/users.ts";
import { ConfigStore } from "./config/config.ts";
import { homePaths } from "./config/home.ts";
import { Database } from "./db/database.ts";
import { migrate } from "./db/migrate.ts";
import { loadMigrations } from "./db/migrations.ts";
import { VENDOR_PUBLIC_KEY } from "./license/license.ts";
import { licenseFile } from "./license/file.ts";
import { LicenseService } from "./license/store.ts";
import type { Logger } from "./log.ts";
import type { DockerStatus, Services } from "./services.ts";
import { loadTemplates } from "./views/load.ts";
import { DockerEngine } from "./docker/engine.ts";
import { Builds } from "./environments/builds.ts";
import { EnvironmentRegistry } from "./environments/registry.ts";
import { RebuildScheduler } from "./environments/schedule.ts";
import { LogStore } from "./logs/store.ts";
import { SecretCipher } from "./secrets/cipher.ts";
import { EnvironmentSecrets } from "./secrets/secrets.ts";
import { agentFor } from "./agents/index.ts";
import { AgentKeys } from "./tasks/agent-keys.ts";
import { TaskContainers } from "./tasks/container.ts";
import { TaskRunner } from "./tasks/runner.ts";
import { TaskStore } from "./tasks/tasks.ts";
import { createHash } from "node:crypto";
import { Views } from "./views/views.ts";

export interface RuntimeOptions {
  home: string;
  env?: Record<string, string | undefined>;
  log: Logger;
  clientAddress: (c: Context) => string;
  now?: () => number;
}

/** The server's secret (CSRF signing, later secret encryption); made once per installation. */
export function loadSecret(path: string): Uint8Array {
  try {
    const hex = readFileSync(path, "utf8").trim();
    if (/^[0-9a-f]{64}$/.test(hex)) return Buffer.from(hex, "hex");
    throw new Error(`${path} is not 64 hex characters; delete it to have a new one made (signs everyone out)`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  const secret = randomBytes(32);
  writeFileSync(path, secret.toString("hex") + "\n", { mode: 0o600, flag: "wx" });
  return secret;
}

export async function openDatabase(path: string): Promise<Database> {
  const db = Database.open(path);
  await db.run("PRAGMA foreign_keys = ON");
  await db.run("PRAGMA journal_mode = WAL").catch(() => undefined);
  // In WAL mode NORMAL loses nothing when the process dies (kill -9), only on power loss, and
  // spares an fsync per commit, which is what log capture is made of.
  await db.run("PRAGMA synchronous = NORMAL");
  await migrate(db, await loadMigrations());
  return db;
}

export function licenseService(home: string, env: Record<string, string | undefined>, now?: () => number): LicenseService {
  return new LicenseService(licenseFile(homePaths(home).license), env.CODERFLOW_LICENSE_PUBLIC_KEY || VENDOR_PUBLIC_KEY, now);
}

/** Account services over an open database: what both the CLI and the server use. */
export function accountServices(db: Database, license: LicenseService, now: () => number = Date.now) {
  return {
    users: new Users(db, license, now),
    sessions: new Sessions(db, now),
    apiKeys: new ApiKeys(db, now),
  };
}

/** Docker's status for /health and pages, asked of the daemon at most every few seconds. */
export function dockerStatus(engine: DockerEngine, ttlMs = 3000): { ping(): Promise<DockerStatus> } {
  let cached: { at: number; status: Promise<DockerStatus> } | undefined;
  return {
    ping() {
      const now = Date.now();
      if (!cached || now - cached.at > ttlMs) cached = { at: now, status: engine.ping() };
      return cached.status;
    },
  };
}

/**
 * The daemon the installation's environment names. dockerode reads DOCKER_HOST from this process
 * only, so a unix:// socket given in `env` (which may differ, as for a server embedded in tests)
 * is passed on; other DOCKER_HOST forms are honoured from the process environment.
 */
function dockerEngineFor(env: Record<string, string | undefined>): DockerEngine {
  const host = env.DOCKER_HOST;
  return host?.startsWith("unix://") && host.length > "unix://".length ? new DockerEngine({ socketPath: host.slice("unix://".length) }) : new DockerEngine();
}

/** Labels an installation's task containers, so two installations on one host never adopt each other's. */
export function installationId(home: string): string {
  return createHash("sha256").update(home).digest("hex").slice(0, 12);
}

/** Opens an installation's state and wires the services the web app runs on. */
export async function openServices(opts: RuntimeOptions): Promise<Services> {
  const env = opts.env ?? process.env;
  const now = opts.now ?? Date.now;
  const paths = homePaths(opts.home);
  mkdirSync(opts.home, { recursive: true, mode: 0o700 });
  const config = new ConfigStore(paths.config, env);
  const db = await openDatabase(paths.database);
  const license = licenseService(opts.home, env, now);
  const [templates, assets] = await Promise.all([loadTemplates(), loadAssets()]);
  const publicUrl = config.get("public_url") as string | undefined;
  const secret = loadSecret(paths.secretKey);
  const engine = dockerEngineFor(env);
  const logs = new LogStore(db, { now });
  const registry = new EnvironmentRegistry(() => config.get("setup_path") as string | undefined, opts.log);
  const cipher = new SecretCipher(secret);
  const secrets = new EnvironmentSecrets(db, cipher, env, now);
  const builds = new Builds({ db, logs, engine, registry, secrets, cacheDir: join(opts.home, "build-cache"), log: opts.log, cacheKeySecret: secret, now });
  const tasks = new TaskStore(db, now);
  const agentKeys = new AgentKeys(db, cipher);
  const runner = new TaskRunner({
    tasks,
    logs,
    registry,
    builds,
    secrets,
    engine,
    containers: new TaskContainers(engine),
    agents: agentFor,
    agentApiKey: (agent) => agentKeys.get(agent),
    agentBaseUrl: (agent) => agentKeys.baseUrl(agent),
    log: opts.log,
    installation: installationId(opts.home),
    concurrency: Number(config.get("max_concurrent_tasks")),
    agentEnv: agentEnvironment(env),
    networkOverride: taskNetworkOverride(env.CODERFLOW_TASK_NETWORK),
    now,
  });
  return {
    db,
    license,
    ...accountServices(db, license, now),
    throttles: loginThrottles(now),
    docker: dockerStatus(engine),
    engine,
    registry,
    builds,
    scheduler: new RebuildScheduler(registry, builds, opts.log),
    logs,
    secrets,
    tasks,
    runner,
    agentKeys,
    views: new Views(templates),
    assets,
    log: opts.log,
    secret,
    secureCookies: Boolean(config.get("ssl_cert_path") && config.get("ssl_key_path")) || Boolean(publicUrl?.startsWith("https:")),
    frameAncestors: String(config.get("frame_ancestors")),
    trustProxy: config.get("trust_proxy") === "true",
    publicUrl,
    clientAddress: opts.clientAddress,
    now,
  };
}

/** Work that runs beside the web app: setup repository loading and watching, scheduled rebuilds. */
export async function startBackgroundWork(s: Services): Promise<() => Promise<void>> {
  await s.builds.failInterrupted();
  await s.registry.reload();
  s.registry.watch();
  s.scheduler.start();
  await s.runner.recover();
  const cleanupMs = containerCleanupHours(process.env.CONTAINER_CLEANUP_HOURS) * 3_600_000;
  const sweeper = setInterval(() => {
    s.runner.sweep(cleanupMs).catch((err) => s.log.warn("tasks.sweep_failed", { error: (err as Error).message }));
    // Expired sessions are deleted when presented; these are the ones nobody came back with.
    s.sessions.purgeExpired().catch((err) => s.log.warn("sessions.purge_failed", { error: (err as Error).message }));
  }, Math.min(cleanupMs, 10 * 60_000));
  sweeper.unref();
  return async () => {
    clearInterval(sweeper);
    s.runner.stop();
    s.scheduler.stop();
    s.registry.close();
    await s.logs.flush();
  };
}

/**
 * CODERFLOW_AGENT_ENV_<NAME>=value passes NAME=value to every agent process, e.g. a model
 * endpoint's base URL on an air-gapped site.
 */
function agentEnvironment(env: Record<string, string | undefined>): Record<string, string> {
  const prefix = "CODERFLOW_AGENT_ENV_";
  return Object.fromEntries(Object.entries(env).filter(([k, v]) => k.startsWith(prefix) && v !== undefined).map(([k, v]) => [k.slice(prefix.length), v!]));
}

function taskNetworkOverride(value: string | undefined): "host" | "none" | "bridge" | undefined {
  if (!value) return undefined;
  if (value === "host" || value === "none" || value === "bridge") return value;
  throw new Error(`CODERFLOW_TASK_NETWORK must be host, none or bridge, got "${value}"`);
}

/** CONTAINER_CLEANUP_HOURS (default 2): how long a finished task's container is kept for follow-ups. */
export function containerCleanupHours(value: string | undefined): number {
  if (value === undefined || value === "") return 2;
  const hours = Number(value);
  if (!Number.isFinite(hours) || hours <= 0) throw new Error(`CONTAINER_CLEANUP_HOURS must be a positive number of hours, got "${value}"`);
  return hours;
}
