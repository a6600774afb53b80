import * as assert from "uvu/assert";
import type Docker from "dockerode";
import type { DockerEngine } from "../../server/docker/engine.ts";
import { installationId } from "../../server/runtime.ts";
import { engineWithBaseImage, removeEnvironmentImages, testEnvironmentJson, uniqueEnvironmentName } from "./environments.ts";
import { bareRepository, type BareRepository } from "./git.ts";
import { startTestServer, type TestServer } from "./server.ts";
import { setupRepoFixture } from "./setup-repo.ts";
import { readEventStream, type SseCapture } from "./sse.ts";

/** What GET /api/tasks/:id answers. */
export interface TaskJson {
  id: number;
  environment: string;
  agent: string;
  status: string;
  reason: string | null;
  exit_code: number | null;
  created_by: string;
  summary: string | null;
  commit_message: string | null;
  files_changed: string[];
  started_at: string | null;
  finished_at: string | null;
  [key: string]: unknown;
}

/** The repository every task environment checks out: one tracked file the scripts edit. */
export const REPO_FILES = { "README.md": "hello from the app\n", "src/main.sh": "echo main\n" };

/** A client of a server's task API, with one API key. */
export class TaskApi {
  constructor(
    readonly url: string,
    readonly key: string,
  ) {}

  get auth(): Record<string, string> {
    return { authorization: `Bearer ${this.key}` };
  }

  fetch(path: string, init: RequestInit = {}): Promise<Response> {
    return fetch(`${this.url}${path}`, { ...init, headers: { ...this.auth, ...(init.headers as Record<string, string>) } });
  }

  post(path: string, body?: unknown): Promise<Response> {
    return this.fetch(path, { method: "POST", headers: { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  }

  /** Submits a task and returns its id, failing the test on anything but 201. */
  async submit(environment: string, instructions: string, extra: Record<string, unknown> = {}): Promise<number> {
    const res = await this.post("/api/tasks", { environment, instructions, agent: "script", ...extra });
    const body = await res.json();
    assert.is(res.status, 201, JSON.stringify(body));
    return body.id;
  }

  async task(id: number): Promise<TaskJson> {
    const res = await this.fetch(`/api/tasks/${id}`);
    assert.is(res.status, 200);
    return res.json();
  }

  async logLines(id: number, after = 0): Promise<string[]> {
    const text = await (await this.fetch(`/api/tasks/${id}/logs?after=${after}`)).text();
    return text === "" ? [] : text.replace(/\n$/, "").split("\n");
  }

  /** Follows the task's event stream until it has printed `line` (the task is then running for sure), and hangs up. */
  printed(id: number, line: string): Promise<SseCapture> {
    return readEventStream(`${this.url}/api/tasks/${id}/logs/stream`, { headers: this.auth, stopWhen: (events) => events.some((e) => e.event === "log" && e.data === line) });
  }

  /** Follows the task's event stream until the server ends it (the task finished), then reads the task. */
  async finished(id: number, timeoutMs = 30_000): Promise<TaskJson & { stream: SseCapture }> {
    const stream = await readEventStream(`${this.url}/api/tasks/${id}/logs/stream`, { headers: this.auth, timeoutMs });
    assert.ok(stream.closedByServer);
    return { ...(await this.task(id)), stream };
  }

  /** Builds the environment's image through the API and waits for it to succeed. */
  async build(environment: string): Promise<void> {
    const res = await this.post(`/api/environments/${environment}/build`);
    const { build_id } = await res.json();
    assert.is(res.status, 202);
    await readEventStream(`${this.url}/api/builds/${build_id}/logs/stream`, { headers: this.auth, timeoutMs: 120_000 });
    const build = await (await this.fetch(`/api/builds/${build_id}`)).json();
    if (build.status !== "succeeded") throw new Error(`building ${environment} failed: ${build.error}\n${await (await this.fetch(`/api/builds/${build_id}/logs`)).text()}`);
  }
}

/** The containers an installation started for a task (normally one). */
export async function taskContainers(engine: DockerEngine, home: string, task: number): Promise<Docker.ContainerInfo[]> {
  return engine.docker.listContainers({ all: true, filters: { label: [`coderflow.installation=${installationId(home)}`, `coderflow.task=${task}`] } });
}

/** Removes every container an installation started. */
export async function removeTaskContainers(engine: DockerEngine, home: string): Promise<void> {
  const list = await engine.docker.listContainers({ all: true, filters: { label: [`coderflow.installation=${installationId(home)}`] } });
  await Promise.all(list.map((c) => engine.docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
}

/**
 * A bare repository and a setup repository with one task environment per entry of `environments`
 * (environment.json overrides, the repository entry's, and files beside it such as .secrets.json),
 * each under a unique name. The repository is named "app".
 */
export async function taskSetup(
  purpose: string,
  environments: { config?: Record<string, unknown>; repo?: Record<string, unknown>; files?: Record<string, string | object> }[] = [{}],
) {
  const origin = await bareRepository(REPO_FILES);
  const names = environments.map(() => uniqueEnvironmentName(purpose));
  const files: Record<string, string | object> = {};
  environments.forEach((e, i) => {
    const dir = `environments/${names[i]}`;
    files[`${dir}/environment.json`] = testEnvironmentJson(names[i], { repos: [{ name: "app", url: origin.url, ...e.repo }], ...e.config });
    for (const [path, content] of Object.entries(e.files ?? {})) files[`${dir}/${path}`] = content;
  });
  const setup = setupRepoFixture(files);
  return {
    origin,
    setup,
    names,
    async remove(engine: DockerEngine) {
      try {
        for (const name of names) await removeEnvironmentImages(engine, name);
      } finally {
        setup.remove();
        origin.remove();
      }
    },
  };
}

export interface TaskHarness {
  server: TestServer;
  engine: DockerEngine;
  origin: BareRepository;
  /** The environments' names, in the order given; all built. */
  environments: string[];
  /** The developer "dev"'s API client; `viewer` is user "watcher"'s. */
  dev: TaskApi;
  viewer: TaskApi;
  close(): Promise<void>;
}

/** The real server over a temporary home with built task environments, a developer and a viewer. */
export async function startTaskHarness(
  purpose: string,
  opts: { environments?: Parameters<typeof taskSetup>[1]; env?: Record<string, string> } = {},
): Promise<TaskHarness> {
  const engine = await engineWithBaseImage();
  const fixture = await taskSetup(purpose, opts.environments);
  let server: TestServer | undefined;
  try {
    server = await startTestServer({ env: { CODERFLOW_SETUP_PATH: fixture.setup.root, ...opts.env } });
    await server.createUser("dev", "developer");
    await server.createUser("watcher", "viewer");
    const dev = new TaskApi(server.url, await server.apiKey("dev"));
    const viewer = new TaskApi(server.url, await server.apiKey("watcher"));
    await Promise.all(fixture.names.map((name) => dev.build(name)));
    const running = server;
    return {
      server,
      engine,
      origin: fixture.origin,
      environments: fixture.names,
      dev,
      viewer,
      async close() {
        try {
          await removeTaskContainers(engine, running.home);
          await running.stop();
        } finally {
          await fixture.remove(engine);
        }
      },
    };
  } catch (err) {
    if (server) await removeTaskContainers(engine, server.home).then(() => server!.stop());
    await fixture.remove(engine);
    throw err;
  }
}
