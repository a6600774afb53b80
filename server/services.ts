import type { Context } from "hono";
import type { Assets } from "./assets.ts";
import type { ApiKeys } from "./auth/api-keys.ts";
import type { Sessions } from "./auth/sessions.ts";
import type { loginThrottles } from "./auth/throttle.ts";
import type { Users } from "./auth/users.ts";
import type { Database } from "./db/database.ts";
import type { LicenseService } from "./license/store.ts";
import type { Logger } from "./log.ts";
import type { Views } from "./views/views.ts";
import type { DockerEngine } from "./docker/engine.ts";
import type { Builds } from "./environments/builds.ts";
import type { EnvironmentRegistry } from "./environments/registry.ts";
import type { RebuildScheduler } from "./environments/schedule.ts";
import type { LogStore } from "./logs/store.ts";
import type { EnvironmentSecrets } from "./secrets/secrets.ts";
import type { AgentKeys } from "./tasks/agent-keys.ts";
import type { TaskRunner } from "./tasks/runner.ts";
import type { TaskStore } from "./tasks/tasks.ts";

export interface DockerStatus {
  ok: boolean;
  version?: string;
  error?: string;
}

/** Everything the web app needs from the outside world, handed in by the entry point. */
export interface Services {
  db: Database;
  users: Users;
  sessions: Sessions;
  apiKeys: ApiKeys;
  license: LicenseService;
  throttles: ReturnType<typeof loginThrottles>;
  docker: { ping(): Promise<DockerStatus> };
  engine: DockerEngine;
  registry: EnvironmentRegistry;
  builds: Builds;
  scheduler: RebuildScheduler;
  logs: LogStore;
  secrets: EnvironmentSecrets;
  tasks: TaskStore;
  runner: TaskRunner;
  agentKeys: AgentKeys;
  views: Views;
  assets: Assets;
  log: Logger;
  /** Secret for signing CSRF tokens; kept in CODERFLOW_HOME. */
  secret: Uint8Array;
  /** Cookies get the Secure flag and the __Host- prefix. */
  secureCookies: boolean;
  frameAncestors: string;
  /** The peer address of a request, as the runtime reports it. */
  clientAddress(c: Context): string;
  trustProxy: boolean;
  publicUrl?: string;
  now(): number;
}
