// A script task end to end through the real server and the real Docker engine.
import { execFileSync } from "node:child_process";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { readEventStream } from "../helpers/sse.ts";
import { startTaskHarness, taskContainers, type TaskHarness } from "../helpers/tasks.ts";
import { reported } from "../helpers/hooks.ts";

const test = suite("task lifecycle");

let h: TaskHarness;
let env: string;

// What the container may do is printed by the task itself: its user, its capabilities, the socket.
const EDIT_SCRIPT = `
echo "uid=$(id -u) gid=$(id -g)"
grep -E '^(CapEff|NoNewPrivs):' /proc/self/status
if ls /var/run/docker.sock 2>&1; then echo "docker socket is visible"; else echo "no docker socket"; fi
cd /workspace/src/app
sed -i 's/hello/goodbye/' README.md
echo "a new file" > NEW.txt
printf '# What changed\\n\\nSaid goodbye.\\n' > /task-output/summary.md
echo "Say goodbye" > /task-output/commit-message.txt
echo done editing
`;

test.before(reported(async () => {
  // One slot, so a second task provably waits in the queue while the first runs.
  h = await startTaskHarness("life", {
    // Checked out at a nested path, which the change must still be found under.
    environments: [{ repo: { path: "src/app" }, config: { resources: { memory: "256m", cpus: 0.5, pids: 128, timeout_minutes: 5 } } }],
    env: { CODERFLOW_MAX_CONCURRENT_TASKS: "1" },
  });
  env = h.environments[0];
}));

test.after(async () => {
  await h?.close();
});

test("a script task goes queued → preparing → running → completed, edits the checkout and leaves its history alone", async () => {
  const failing = await h.dev.submit(env, "sleep 1; echo about to fail; exit 3");
  const id = await h.dev.submit(env, EDIT_SCRIPT);

  const { events } = await readEventStream(`${h.server.url}/api/tasks/${id}/logs/stream`, { headers: h.dev.auth, timeoutMs: 30_000 });
  const statuses = events.filter((e) => e.event === "status").map((e) => JSON.parse(e.data).status);
  assert.equal(statuses, ["queued", "preparing", "running", "completed"]);
  assert.is(events.at(-1)?.event, "end");

  const first = await h.dev.finished(failing);
  assert.is(first.status, "failed");
  assert.is(first.reason, "agent exited with code 3");
  assert.is(first.exit_code, 3);

  const task = await h.dev.task(id);
  assert.is(task.status, "completed");
  assert.is(task.reason, "agent exited with code 0");
  assert.is(task.created_by, "dev");
  assert.is(task.summary, "# What changed\n\nSaid goodbye.\n");
  assert.is(task.commit_message, "Say goodbye");
  assert.equal([...task.files_changed].sort(), ["src/app/NEW.txt", "src/app/README.md"]);

  const log = await h.dev.logLines(id);
  assert.ok(log.includes("uid=1000 gid=1000"), log.join("\n"));
  assert.ok(log.includes("CapEff:\t0000000000000000"), log.join("\n"));
  assert.ok(log.includes("NoNewPrivs:\t1"), log.join("\n"));
  assert.ok(log.includes("no docker socket"), log.join("\n"));
  assert.ok(log.includes("done editing"));
  assert.is(log.at(-1), "completed: agent exited with code 0");

  const diffRes = await h.dev.fetch(`/api/tasks/${id}/diff`);
  assert.match(diffRes.headers.get("content-type") ?? "", "text/x-diff");
  const diff = await diffRes.text();
  assert.match(diff, "diff --git a/README.md b/README.md");
  assert.match(diff, "-hello from the app\n+goodbye from the app\n");
  assert.match(diff, "diff --git a/NEW.txt b/NEW.txt\nnew file mode 100644");
  assert.match(diff, "+a new file\n");

  // Neither the origin nor the container's checkout gained a commit: the change is only in the diff.
  assert.is(execFileSync("git", ["--git-dir", h.origin.url, "rev-parse", "main"], { encoding: "utf8" }).trim(), h.origin.head);
  const [container] = await taskContainers(h.engine, h.server.home, id);
  const probe = await h.engine.docker.getContainer(container.Id).commit({ repo: "coderflow-test/lifecycle-probe", tag: String(id) });
  try {
    const out = await h.engine.run(probe.Id, ["git", "-C", "/workspace/src/app", "log", "--format=%H", "main"]);
    assert.is(out.stdout.trim(), h.origin.head);
  } finally {
    await h.engine.removeImage(probe.Id, { force: true });
  }
});

test("the container ran as 1000:1000 with every capability dropped, no-new-privileges, the environment's limits and no binds", async () => {
  const tasks = await (await h.dev.fetch(`/api/tasks?status=completed`)).json();
  const [container] = await taskContainers(h.engine, h.server.home, tasks[0].id);
  const info = await h.engine.docker.getContainer(container.Id).inspect();
  assert.is(info.Config.User, "1000:1000");
  assert.equal(info.HostConfig.CapDrop, ["ALL"]);
  assert.equal(info.HostConfig.CapAdd ?? null, null);
  assert.equal(info.HostConfig.SecurityOpt, ["no-new-privileges"]);
  assert.is(info.HostConfig.Privileged, false);
  assert.is(info.HostConfig.Memory, 256 * 1024 * 1024);
  assert.is(info.HostConfig.NanoCpus, 0.5e9);
  assert.is(info.HostConfig.PidsLimit, 128);
  assert.equal(info.HostConfig.Binds ?? [], []);
  assert.equal(info.Mounts, []);
  assert.is(info.HostConfig.NetworkMode, "bridge");
  assert.not.ok(info.Config.Env.some((e) => /^DOCKER_HOST=/.test(e)));
});

test("a viewer reads tasks, logs and diffs but cannot submit or cancel", async () => {
  const res = await h.viewer.post("/api/tasks", { environment: env, instructions: "echo hi", agent: "script" });
  assert.is(res.status, 403);
  assert.match((await res.json()).error, "developer");
  const [latest] = await (await h.viewer.fetch("/api/tasks")).json();
  assert.is((await h.viewer.task(latest.id)).id, latest.id);
  assert.ok((await h.viewer.logLines(latest.id)).length > 0);
  assert.is((await h.viewer.fetch(`/api/tasks/${latest.id}/diff`)).status, 200);
  assert.is((await h.viewer.post(`/api/tasks/${latest.id}/cancel`)).status, 403);

  // The dashboard lists the newest tasks with their status (the same rows as the task list).
  const dashboard = await (await h.viewer.fetch("/")).text();
  assert.match(dashboard, `<a href="/tasks/${latest.id}">#${latest.id}</a>`);
  assert.match(dashboard, `<span class="badge ${latest.status}">${latest.status}</span>`);
});

test("submitting names what is wrong: unknown environment, unknown agent, no instructions", async () => {
  const cases: [Record<string, unknown>, number, string][] = [
    [{ environment: "nope", instructions: "echo" }, 404, 'no environment named "nope"'],
    [{ environment: env, instructions: "echo", agent: "robot" }, 400, 'agent "robot" is not one of'],
    [{ environment: env, instructions: "  " }, 400, "instructions are required"],
  ];
  for (const [body, status, message] of cases) {
    const res = await h.dev.post("/api/tasks", body);
    assert.is(res.status, status, JSON.stringify(body));
    assert.match((await res.json()).error, message);
  }
});

test.run();
