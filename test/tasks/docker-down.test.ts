// Docker unreachable: one server instance is pointed at a socket that does not exist (its own
// DOCKER_HOST, so other servers in this process keep the real daemon). It must say so, end tasks
// as interrupted naming Docker, and keep serving.
import { rmSync } from "node:fs";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import type { DockerEngine } from "../../server/docker/engine.ts";
import { signedInClient } from "../helpers/browser-session.ts";
import { engineWithBaseImage } from "../helpers/environments.ts";
import { startTestServer, tempHome, type TestServer } from "../helpers/server.ts";
import { removeTaskContainers, TaskApi, taskSetup } from "../helpers/tasks.ts";
import { reported } from "../helpers/hooks.ts";

const test = suite("tasks without Docker");

const NO_DOCKER = `/tmp/coderflow-no-docker-${process.pid}.sock`;

let engine: DockerEngine;
let fixture: Awaited<ReturnType<typeof taskSetup>>;
let home: string;
let server: TestServer | undefined;
let api: TaskApi;
let orphan: number;

test.before(reported(async () => {
  engine = await engineWithBaseImage();
  fixture = await taskSetup("down");
  home = tempHome();
  const env = { CODERFLOW_SETUP_PATH: fixture.setup.root };
  // With Docker up: an image to run tasks from, and a task running when the server stops.
  const healthy = await startTestServer({ home, env });
  try {
    await healthy.createUser("dev", "developer");
    api = new TaskApi(healthy.url, await healthy.apiKey("dev"));
    await api.build(fixture.names[0]);
    orphan = await api.submit(fixture.names[0], "echo running; sleep 60");
    await api.printed(orphan, "running");
  } finally {
    await healthy.stop();
  }
  server = await startTestServer({ home, env: { ...env, DOCKER_HOST: `unix://${NO_DOCKER}` } });
  api = new TaskApi(server.url, api.key);
}));

test.after(async () => {
  await server?.stop();
  try {
    if (engine) await removeTaskContainers(engine, home);
    await fixture?.remove(engine);
  } finally {
    if (home) rmSync(home, { recursive: true, force: true });
  }
});

test("/health reports Docker down with the reason, and the dashboard says Docker is unreachable", async () => {
  const res = await fetch(`${server!.url}/health`);
  assert.is(res.status, 200);
  const health = await res.json();
  assert.is(health.status, "degraded");
  assert.is(health.db.ok, true);
  assert.is(health.docker.ok, false);
  assert.match(health.docker.error, `Docker socket ${NO_DOCKER} does not exist`);

  const client = await signedInClient(server!, "dev");
  const { html } = await client.page("/");
  assert.match(html, "Docker is unreachable: Docker socket");
});

test("a task that was running when the server stopped ends interrupted, naming Docker", async () => {
  const task = await api.task(orphan);
  assert.is(task.status, "interrupted");
  assert.match(task.reason!, /^Docker unreachable when the server restarted: Docker socket .* does not exist/);
  assert.is((await api.logLines(orphan)).at(-1), `interrupted: ${task.reason}`);
});

test("a task submitted now ends interrupted naming Docker, and the server keeps serving", async () => {
  const id = await api.submit(fixture.names[0], "echo never runs");
  const done = await api.finished(id, 15_000);
  assert.is(done.status, "interrupted");
  assert.match(done.reason!, /^Docker unreachable: Docker socket .* does not exist/);
  assert.not.ok((await api.logLines(id)).includes("never runs"));

  assert.is((await api.fetch("/api/tasks")).status, 200);
  const client = await signedInClient(server!, "dev");
  const { res, html } = await client.page(`/tasks/${id}`);
  assert.is(res.status, 200);
  assert.match(html, "interrupted");
});

test.run();
