// A task may ask for another branch of a repository whose environment allows it: the container
// switches to it before the agent starts, and the diff is against that branch.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { startTaskHarness, type TaskHarness } from "../helpers/tasks.ts";
import { reported } from "../helpers/hooks.ts";

const test = suite("task branches");
let h: TaskHarness;
let feature: string;

test.before(reported(async () => {
  h = await startTaskHarness("branches", { environments: [{ repo: { allow_branch_selection: true } }, {}] });
  feature = await h.origin.branch("feature/x", { "FEATURE.md": "feature work\n" });
}));

test.after(async () => {
  await h?.close();
});

test("the container is on the requested branch, with its commits, and the diff is against it", async () => {
  const id = await h.dev.submit(h.environments[0], "cd app && git rev-parse --abbrev-ref HEAD && git rev-parse HEAD && cat FEATURE.md && echo more >> FEATURE.md", { branches: { app: "feature/x" } });
  const done = await h.dev.finished(id);
  assert.is(done.status, "completed", done.reason ?? "");
  const log = await h.dev.logLines(id);
  assert.ok(log.includes("feature/x"), log.join("\n"));
  assert.ok(log.includes(feature), log.join("\n"));
  assert.ok(log.includes("feature work"), log.join("\n"));
  const diff = await (await h.dev.fetch(`/api/tasks/${id}/diff`)).text();
  assert.match(diff, /^ feature work\n\+more$/m);
  assert.not.match(diff, /new file mode/, "FEATURE.md comes from the branch, not from the agent");
});

test("a missing branch fails the task saying so; a repository without branch selection refuses at submit", async () => {
  const id = await h.dev.submit(h.environments[0], "true", { branches: { app: "no-such-branch" } });
  const done = await h.dev.finished(id);
  assert.is(done.status, "failed");
  assert.match(done.reason ?? "", /repository "app" has no branch "no-such-branch"/);

  const res = await h.dev.post("/api/tasks", { environment: h.environments[1], instructions: "true", agent: "script", branches: { app: "feature/x" } });
  assert.is(res.status, 400);
  assert.match((await res.json()).error, /repository "app" is fixed at branch "main" \(allow_branch_selection is false/);
});

test.run();
