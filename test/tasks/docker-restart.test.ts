// The real Docker daemon stops while a task runs, then comes back: the task ends interrupted
// with the reason, the server keeps serving and says Docker is unreachable, and once the daemon
// is back new tasks run. (This stops the machine's dockerd: the suite runs files one at a time,
// and the daemon is brought back up by scripts/ensure-docker.sh whatever happens.)
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { startTaskHarness, type TaskHarness } from "../helpers/tasks.ts";
import { reported } from "../helpers/hooks.ts";
import { eventually } from "../helpers/wait.ts";

const test = suite("Docker daemon restart");
const PID_FILE = "/var/run/docker.pid";
let h: TaskHarness;

test.before(reported(async () => {
  h = await startTaskHarness("daemon");
}));

test.after(async () => {
  execFileSync("bash", ["scripts/ensure-docker.sh"], { stdio: "inherit" });
  await h?.close();
});


const health = async () => (await fetch(`${h.server.url}/health`)).json();

test("a task in flight when the daemon stops ends interrupted; the server says so, keeps serving, and recovers", async () => {
  const env = h.environments[0];
  const id = await h.dev.submit(env, "echo started; for i in $(seq 1 600); do echo tick $i; sleep 0.1; done");
  await h.dev.printed(id, "started");

  assert.ok(existsSync(PID_FILE), `${PID_FILE} exists (dockerd started by scripts/ensure-docker.sh)`);
  const pid = Number(readFileSync(PID_FILE, "utf8"));
  try {
    process.kill(pid, "SIGTERM");
    await eventually("dockerd to exit", 60_000, () => {
      try {
        process.kill(pid, 0);
        return undefined;
      } catch {
        return true;
      }
    });

    const done = await h.dev.finished(id, 60_000);
    assert.is(done.status, "interrupted", `${done.status}: ${done.reason}`);
    assert.match(done.reason ?? "", /Docker/);
    await eventually("/health to report Docker down", 10_000, async () => (await health()).docker.ok === false || undefined);
    const page = await (await h.dev.fetch("/")).text();
    assert.match(page, "Docker is unreachable");
  } finally {
    execFileSync("bash", ["scripts/ensure-docker.sh"], { stdio: "inherit" });
  }

  await eventually("/health to report Docker back", 30_000, async () => (await health()).docker.ok === true || undefined);
  const next = await h.dev.submit(env, "echo back again");
  const after = await h.dev.finished(next, 60_000);
  assert.is(after.status, "completed", after.reason ?? "");
  assert.ok((await h.dev.logLines(next)).includes("back again"));
});

test.run();
