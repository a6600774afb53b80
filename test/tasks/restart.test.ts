// kill -9 of a real `coder-server start` while tasks run: the next start reattaches to their
// containers and resumes log capture where it stopped, with no line lost or repeated.
import { rmSync } from "node:fs";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import type { DockerEngine } from "../../server/docker/engine.ts";
import { CliProcess, runCli } from "../helpers/cli.ts";
import { engineWithBaseImage } from "../helpers/environments.ts";
import { freePort } from "../helpers/ports.ts";
import { tempHome } from "../helpers/server.ts";
import { removeTaskContainers, TaskApi, taskContainers, taskSetup } from "../helpers/tasks.ts";
import { reported } from "../helpers/hooks.ts";

const test = suite("task restart recovery");

// 120 numbered lines, one every 50 ms: about 6 seconds, long enough to be killed in the middle of.
const NUMBERED = "for i in $(seq 1 120); do echo \"n $i\"; sleep 0.05; done";

let engine: DockerEngine;
let fixture: Awaited<ReturnType<typeof taskSetup>>;
let home: string;
let port: number;
let api: TaskApi;
const servers: CliProcess[] = [];

async function startServer(): Promise<CliProcess> {
  const server = new CliProcess(["start"], { home, env: { ...installationEnv(), CODERFLOW_SERVER_PORT: String(port), CODERFLOW_SERVER_HOST: "127.0.0.1" } });
  servers.push(server);
  await server.waitFor(/"server\.listening"/);
  return server;
}

const installationEnv = () => ({ CODERFLOW_SETUP_PATH: fixture.setup.root });

async function cli(...args: string[]): Promise<string> {
  const result = await runCli(args, { home, env: installationEnv(), input: "dev-password-1\n" });
  assert.is(result.code, 0, `${args.join(" ")}: ${result.stderr}`);
  return result.stdout;
}

test.before(reported(async () => {
  engine = await engineWithBaseImage();
  fixture = await taskSetup("restart");
  home = tempHome();
  port = await freePort();
  // Built by the CLI, so each server process only lives as long as the tasks need.
  const [key] = await Promise.all([
    cli("create-user", "--username=dev", "--email=dev@example.test", "--role=developer", "--password-stdin").then(() => cli("api-key", "create", "--username=dev", "--name=restart-test")),
    cli("build", fixture.names[0]),
  ]);
  api = new TaskApi(`http://127.0.0.1:${port}`, key.trim());
}));

test.after(async () => {
  for (const server of servers) server.kill();
  try {
    if (engine) await removeTaskContainers(engine, home);
    await fixture?.remove(engine);
  } finally {
    if (home) rmSync(home, { recursive: true, force: true });
  }
});

test("after kill -9 mid-task the next start reattaches: the task completes and its log has each line exactly once", async () => {
  const first = await startServer();
  const counting = await api.submit(fixture.names[0], NUMBERED);
  const doomed = await api.submit(fixture.names[0], "echo waiting; sleep 60");

  const seen = await api.printed(counting, "n 20");
  assert.not.ok(seen.closedByServer);
  await api.printed(doomed, "waiting");

  first.child.kill("SIGKILL");
  const exit = await first.exited;
  assert.is(exit.code, null, "killed, not exited");
  // Gone while the server is down: its task cannot be reattached.
  const [doomedContainer] = await taskContainers(engine, home, doomed);
  await engine.docker.getContainer(doomedContainer.Id).remove({ force: true });
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const [countingContainer] = await taskContainers(engine, home, counting);
  assert.is(countingContainer.State, "running", "the task kept running while the server was down");

  await startServer();
  const done = await api.finished(counting);
  assert.is(done.status, "completed", done.reason ?? "");
  const log = await api.logLines(counting);
  const numbers = log.filter((l) => /^n \d+$/.test(l)).map((l) => Number(l.slice(2)));
  assert.equal(numbers, Array.from({ length: 120 }, (_, i) => i + 1), log.join("\n"));
  assert.is(log.filter((l) => /^preparing container/.test(l)).length, 1);
  assert.is(log.at(-1), "completed: agent exited with code 0");

  const lost = await api.finished(doomed);
  assert.is(lost.status, "interrupted");
  assert.is(lost.reason, "its container disappeared while the server was stopped");
});

test.run();
