// Cancelling, timeouts, memory limits and the one-run-per-task rule, against the real engine.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { startTaskHarness, TaskApi, taskContainers, type TaskHarness } from "../helpers/tasks.ts";
import { eventually } from "../helpers/wait.ts";
import { reported } from "../helpers/hooks.ts";

const test = suite("task control");

let h: TaskHarness;
let small: string;
let quick: string;
let admin: TaskApi;

const LONG = "echo started; sleep 60; echo never printed";

const count = (lines: string[], pattern: RegExp) => lines.filter((l) => pattern.test(l)).length;

test.before(reported(async () => {
  h = await startTaskHarness("ctl", {
    environments: [
      // Plenty for sleeping scripts, less than the allocating one asks for.
      { config: { resources: { memory: "64m", cpus: 1, pids: 128, timeout_minutes: 5 } } },
      // 3 seconds.
      { config: { resources: { memory: "256m", cpus: 1, pids: 128, timeout_minutes: 0.05 } } },
    ],
    env: { CODERFLOW_MAX_CONCURRENT_TASKS: "2" },
  });
  [small, quick] = h.environments;
  await h.server.createUser("boss", "admin");
  admin = new TaskApi(h.server.url, await h.server.apiKey("boss"));
}));

test.after(async () => {
  await h?.close();
});

test("with both slots busy a third task waits queued, and cancelling it ends it without ever starting a container", async () => {
  const a = await h.dev.submit(small, LONG);
  const b = await h.dev.submit(small, LONG);
  await Promise.all([h.dev.printed(a, "started"), h.dev.printed(b, "started")]);
  const c = await h.dev.submit(small, "echo should not run");
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.is((await h.dev.task(c)).status, "queued");

  const res = await h.dev.post(`/api/tasks/${c}/cancel`);
  assert.is(res.status, 200);
  const cancelled = await res.json();
  assert.is(cancelled.status, "cancelled");
  assert.is(cancelled.reason, "cancelled by dev before it started");
  const log = await h.dev.logLines(c);
  assert.is(count(log, /^preparing container/), 0, log.join("\n"));
  assert.not.ok(log.includes("should not run"));
  assert.equal(await taskContainers(h.engine, h.server.home, c), []);

  // Cancelling running tasks: the developer's own, and by an admin; each reason names who.
  for (const [api, id, who] of [[h.dev, a, "dev"], [admin, b, "boss"]] as const) {
    const started = Date.now();
    const r = await api.post(`/api/tasks/${id}/cancel`);
    assert.is(r.status, 200);
    const done = await api.finished(id);
    assert.is(done.status, "cancelled");
    assert.is(done.reason, `cancelled by ${who}`);
    const [container] = await taskContainers(h.engine, h.server.home, id);
    const { State } = await h.engine.docker.getContainer(container.Id).inspect();
    assert.is(State.Running, false);
    const stoppedAfter = Date.parse(State.FinishedAt) - started;
    assert.ok(stoppedAfter < 2000, `the container stopped ${stoppedAfter} ms after the cancel`);
    assert.not.ok((await api.logLines(id)).includes("never printed"));
    const again = await api.post(`/api/tasks/${id}/cancel`);
    assert.is(again.status, 409);
    assert.match((await again.json()).error, "already been cancelled");
  }
});

test("a task past its environment's timeout is killed and fails saying so", async () => {
  const id = await h.dev.submit(quick, "echo begin; sleep 30; echo never printed");
  const done = await h.dev.finished(id);
  assert.is(done.status, "failed");
  assert.is(done.reason, "timed out after 0.05 minutes");
  const ran = Date.parse(done.finished_at!) - Date.parse(done.started_at!);
  assert.ok(ran >= 3000 && ran < 10_000, `ran ${ran} ms`);
  const log = await h.dev.logLines(id);
  assert.ok(log.includes("begin"));
  assert.not.ok(log.includes("never printed"));
});

test("a task allocating past its memory limit is killed by the kernel and fails with out of memory", async () => {
  // tail keeps the one endless line in memory; a small binary, so the kernel does not thrash its pages first.
  const id = await h.dev.submit(small, "echo allocating; head -c 300m /dev/zero | tail; echo never printed");
  const done = await h.dev.finished(id);
  assert.is(done.status, "failed", done.reason ?? "");
  assert.is(done.reason, "killed: out of memory (limit 64m)");
  const log = await h.dev.logLines(id);
  assert.ok(log.includes("allocating"));
  assert.not.ok(log.includes("never printed"));
});

test("racing submits and cancels: every task runs at most once, and each that completed ran exactly once", async () => {
  const ids = await Promise.all(Array.from({ length: 5 }, (_, i) => h.dev.submit(small, `echo "run of ${i}"; sleep 0.5`)));
  const cancels = await Promise.all([ids[3], ids[3], ids[4], ids[0]].map((id) => h.dev.post(`/api/tasks/${id}/cancel`)));
  for (const r of cancels) assert.ok(r.status === 200 || r.status === 409, `cancel answered ${r.status}`);
  const done = await Promise.all(ids.map((id) => h.dev.finished(id)));

  for (const [i, task] of done.entries()) {
    const log = await h.dev.logLines(task.id);
    const text = log.join("\n");
    assert.ok(count(log, /^preparing container/) <= 1, text);
    assert.ok(count(log, new RegExp(`^run of ${i}$`)) <= 1, text);
    assert.is(count(log, /^(completed|failed|cancelled|interrupted): /), 1, text);
    assert.ok((await taskContainers(h.engine, h.server.home, task.id)).length <= 1);
    if (i === 1 || i === 2) assert.is(task.status, "completed", text);
    if (task.status === "completed") {
      assert.is(count(log, /^preparing container/), 1, text);
      assert.is(count(log, new RegExp(`^run of ${i}$`)), 1, text);
    } else {
      assert.is(task.status, "cancelled", text);
    }
    const statuses = task.stream.events.filter((e) => e.event === "status").map((e) => JSON.parse(e.data).status);
    assert.is(statuses.at(-1), task.status);
  }
  await eventually("the runner to be idle", 5000, async () => ((await (await h.dev.fetch("/api/tasks?status=running")).json()).length === 0 ? true : undefined));
});

test.run();
