import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Database } from "../db/database.ts";
import { RequestError } from "../http/request-error.ts";
import { nullableNumber, nullableString, updateById } from "../db/values.ts";
import { BASE_LATEST } from "../docker/base-image.ts";
import { ImageBuildError } from "../docker/build-log.ts";
import type { DockerEngine } from "../docker/engine.ts";
import type { Logger } from "../log.ts";
import type { LogStore } from "../logs/store.ts";
import { Redactor } from "../secrets/redact.ts";
import type { EnvironmentSecrets } from "../secrets/secrets.ts";
import { updateCheckout } from "./checkout.ts";
import { contextRepoDir, environmentDockerfile, finalStage, postCloneCommands, reposStage } from "./dockerfile.ts";
import { runPostCloneWithSecrets } from "./post-clone.ts";
import type { EnvironmentRegistry } from "./registry.ts";
import type { RepoConfig } from "./schema.ts";

export type BuildStatus = "queued" | "running" | "succeeded" | "failed";

export interface Build {
  id: number;
  environment: string;
  status: BuildStatus;
  trigger: string;
  requested_by: string | null;
  tag: string | null;
  image_id: string | null;
  error: string | null;
  failed_step: string | null;
  /** Repository name → the commit this build baked in. */
  repo_heads: Record<string, string>;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
}

export class BuildRequestError extends RequestError {}

export const buildStream = (id: number) => `build:${id}`;

const COLUMNS = "id, environment, status, trigger, requested_by, tag, image_id, error, failed_step, repo_heads, created_at, started_at, finished_at";

function toBuild(row: Record<string, unknown>): Build {
  const [num, str] = [nullableNumber, nullableString];
  return {
    id: Number(row.id),
    environment: String(row.environment),
    status: row.status as BuildStatus,
    trigger: String(row.trigger),
    requested_by: str(row.requested_by),
    tag: str(row.tag),
    image_id: str(row.image_id),
    error: str(row.error),
    failed_step: str(row.failed_step),
    repo_heads: JSON.parse(String(row.repo_heads ?? "{}")),
    created_at: Number(row.created_at),
    started_at: num(row.started_at),
    finished_at: num(row.finished_at),
  };
}

/**
 * Environment image builds: one at a time per environment, every output line stored and
 * streamed, each build its own tag. The last good image stays in use until a new one succeeds.
 */
export class Builds {
  #running = new Map<string, Promise<void>>();
  /** The Dockerfile step each running build is at, from the builder's "Step n/m" lines. */
  #progress = new Map<number, { step: number; total: number }>();
  #requests = new Map<string, Promise<Build>>();

  constructor(
    private deps: {
      db: Database;
      logs: LogStore;
      engine: DockerEngine;
      registry: EnvironmentRegistry;
      secrets: EnvironmentSecrets;
      /** Checkouts of each environment's repositories, kept between builds for the layer cache. */
      cacheDir: string;
      log: Logger;
      baseImage?: string;
      /** Keys the post-clone cache label (see post-clone.ts). */
      cacheKeySecret: Uint8Array;
      now?: () => number;
    },
  ) {}

  #now(): number {
    return (this.deps.now ?? Date.now)();
  }

  async get(id: number): Promise<Build | undefined> {
    const row = await this.deps.db.get(`SELECT ${COLUMNS} FROM builds WHERE id = ?`, [id]);
    return row && toBuild(row);
  }

  async list(environment: string, limit = 20): Promise<Build[]> {
    return (await this.deps.db.all(`SELECT ${COLUMNS} FROM builds WHERE environment = ? ORDER BY id DESC LIMIT ?`, [environment, limit])).map(toBuild);
  }

  /** The image tasks of this environment start from: the newest successful build. */
  async currentImage(environment: string): Promise<Build | undefined> {
    const row = await this.deps.db.get(`SELECT ${COLUMNS} FROM builds WHERE environment = ? AND status = 'succeeded' ORDER BY id DESC LIMIT 1`, [environment]);
    return row && toBuild(row);
  }

  /** Starts a build, or returns the one already queued or running for the environment. */
  request(environment: string, opts: { trigger: string; by?: string }): Promise<Build> {
    // Requests arriving together (a double click, a schedule beside a person) share one answer:
    // each would otherwise find no active build across the awaits below and start its own.
    let pending = this.#requests.get(environment);
    if (!pending) {
      pending = this.#start(environment, opts).finally(() => this.#requests.delete(environment));
      this.#requests.set(environment, pending);
    }
    return pending;
  }

  async #start(environment: string, opts: { trigger: string; by?: string }): Promise<Build> {
    const env = this.deps.registry.get(environment);
    if (!env) throw new BuildRequestError(`no environment named "${environment}"`, 404);
    if (env.problems.length || !env.config) throw new BuildRequestError(`environment "${environment}" is broken; fix the problems shown on its page first`, 409);
    const active = await this.deps.db.get(`SELECT ${COLUMNS} FROM builds WHERE environment = ? AND status IN ('queued', 'running') ORDER BY id DESC LIMIT 1`, [environment]);
    if (active && this.#running.has(environment)) return toBuild(active);
    const { lastId } = await this.deps.db.run("INSERT INTO builds (environment, status, trigger, requested_by, created_at) VALUES (?, 'queued', ?, ?, ?)", [
      environment,
      opts.trigger,
      opts.by ?? null,
      this.#now(),
    ]);
    const build = (await this.get(lastId))!;
    const run = this.#run(build).finally(() => this.#running.delete(environment));
    this.#running.set(environment, run);
    return build;
  }

  /** Resolves when the build has finished (for the CLI and tests). */
  async wait(id: number): Promise<Build> {
    const build = await this.get(id);
    if (build) await this.#running.get(build.environment);
    return (await this.get(id))!;
  }

  /** A build cut off by a server stop cannot be reattached: say so rather than leave it running forever. */
  async failInterrupted(): Promise<void> {
    const rows = await this.deps.db.all<{ id: number }>("SELECT id FROM builds WHERE status IN ('queued', 'running')");
    for (const { id } of rows) await this.#finish(id, { status: "failed", error: "the server stopped while this build ran; start it again" });
  }

  /** The server's checkout of an environment's repository, kept between builds. */
  checkoutDir(environment: string, repo: RepoConfig): string {
    return join(this.deps.cacheDir, environment, contextRepoDir(repo));
  }

  /**
   * Where tasks' branches of that repository are fetched: a bare repository beside the build
   * context rather than the checkout, whose .git is copied into the image (a fetched ref there
   * would make the next rebuild miss the cache and carry the branch into the image).
   */
  branchStoreDir(environment: string, repo: RepoConfig): string {
    return join(this.deps.cacheDir, ".branches", environment, `${contextRepoDir(repo)}.git`);
  }


  /** What the log stream's status events say of a build. */
  status(build: Build): Record<string, unknown> {
    return { status: build.status, error: build.error, tag: build.tag, progress: this.#progress.get(build.id) ?? null };
  }

  /** The same, read afresh. */
  async statusOf(id: number): Promise<Record<string, unknown>> {
    return this.status((await this.get(id))!);
  }

  async #setStatus(id: number, fields: Partial<Build>): Promise<void> {
    const { sql, args } = updateById("builds", id, fields);
    await this.deps.db.run(sql, args);
    const build = await this.get(id);
    if (build) this.deps.logs.publishStatus(buildStream(id), this.status(build));
  }

  async #finish(id: number, fields: Partial<Build>): Promise<void> {
    this.#progress.delete(id);
    await this.#setStatus(id, { ...fields, finished_at: this.#now() });
    await this.deps.logs.end(buildStream(id));
  }

  async #run(build: Build): Promise<void> {
    const stream = buildStream(build.id);
    const env = this.deps.registry.get(build.environment)!;
    const config = env.config!;
    let redactor = new Redactor([]);
    let lastWrite = Promise.resolve();
    const say = (line: string) => {
      const step = line.match(/^Step (\d+)\/(\d+) : /);
      if (step) {
        this.#progress.set(build.id, { step: Number(step[1]), total: Number(step[2]) });
        this.statusOf(build.id).then(
          (status) => this.deps.logs.publishStatus(stream, status),
          (err) => this.deps.log.error("build.status_failed", { build: build.id, error: (err as Error).message }),
        );
      }
      lastWrite = this.deps.logs
        .append(stream, [redactor.redact(line)])
        .catch((err) => this.deps.log.error("build.log_write_failed", { build: build.id, error: (err as Error).message }));
    };
    const finish = async (fields: Partial<Build>) => {
      await lastWrite;
      await this.#finish(build.id, fields);
    };
    const tag = `${config.image_name}:build-${build.id}`;
    try {
      await this.#setStatus(build.id, { status: "running", started_at: this.#now(), tag });
      const secrets = await this.deps.secrets.resolve(env);
      redactor = new Redactor(secrets.map((s) => s.value));
      const buildSecrets = secrets.filter((s) => s.available_for.includes("builds") && s.expose_as === "env_var");
      const baseImage = this.deps.baseImage ?? BASE_LATEST;
      if (!(await this.deps.engine.imageExists(baseImage))) {
        throw new Error(`the base image ${baseImage} does not exist; build it with "coder-server base-image build --offline" (or without --offline where a registry is reachable)`);
      }
      say(`building environment ${env.name} as ${tag} from ${baseImage}`);
      const contextDir = join(this.deps.cacheDir, env.name);
      await mkdir(contextDir, { recursive: true });
      const heads: Record<string, string> = {};
      for (const repo of config.repos) heads[repo.name] = await updateCheckout(repo, this.checkoutDir(env.name, repo), say);
      const labels = { "coderflow.environment": env.name };
      let imageId: string;
      const actions = postCloneCommands(config);
      if (buildSecrets.length === 0 || actions.length === 0) {
        await writeFile(join(contextDir, "Dockerfile"), environmentDockerfile(config, { baseImage }));
        ({ imageId } = await this.deps.engine.buildImage({ contextDir, tag, labels, onLine: say }));
      } else {
        // Build secrets: the repositories, then the actions in a container, then the rest.
        await writeFile(join(contextDir, "Dockerfile"), reposStage(config, baseImage).join("\n") + "\n");
        const repos = await this.deps.engine.buildImage({ contextDir, tag: `${config.image_name}:repos`, labels, onLine: say });
        const actionsImage = await runPostCloneWithSecrets({
          engine: this.deps.engine,
          image: repos.imageId,
          commands: actions,
          secrets: Object.fromEntries(buildSecrets.map((s) => [s.target, s.value])),
          repo: config.image_name,
          cacheKeySecret: this.deps.cacheKeySecret,
          onLine: say,
        });
        const finalDir = join(contextDir, "final");
        await mkdir(finalDir, { recursive: true });
        await writeFile(join(finalDir, "Dockerfile"), [`FROM ${actionsImage}`, ...finalStage(config)].join("\n") + "\n");
        ({ imageId } = await this.deps.engine.buildImage({ contextDir: finalDir, tag, labels, onLine: say }));
      }
      await this.deps.engine.tagImage(imageId, `${config.image_name}:latest`);
      say(`built ${tag} (${imageId.slice(0, 19)})`);
      await finish({ status: "succeeded", image_id: imageId, repo_heads: heads });
      this.deps.log.info("build.succeeded", { build: build.id, environment: env.name, tag });
    } catch (err) {
      const step = err instanceof ImageBuildError ? err.step ?? null : null;
      const message = redactor.redact((err as Error).message);
      say(`build failed: ${message}`);
      await finish({ status: "failed", error: message, failed_step: step });
      this.deps.log.warn("build.failed", { build: build.id, environment: env.name, error: message });
    }
  }
}
