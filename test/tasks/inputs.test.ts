// What a person gives a task beside its instructions: attachments (form and JSON), an effort
// level checked against the agent's, and clear refusals for names and sizes that cannot be files.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { signedInClient } from "../helpers/browser-session.ts";
import { startTaskHarness, type TaskHarness } from "../helpers/tasks.ts";
import { reported } from "../helpers/hooks.ts";

const test = suite("task inputs");
let h: TaskHarness;

test.before(reported(async () => {
  h = await startTaskHarness("inputs");
}));

test.after(async () => {
  await h?.close();
});

test("JSON attachments land read-only in /task-input and the instructions name them", async () => {
  const id = await h.dev.submit(h.environments[0], 'ls -l /task-input | tail -n +2 | cut -c1-10; cat /task-input/notes.txt; sha256sum /task-input/shot.png | cut -c1-64; echo "$0"', {
    attachments: [
      { name: "notes.txt", content_base64: Buffer.from("steps to reproduce\n").toString("base64") },
      { name: "shot.png", content_base64: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 255]).toString("base64") },
    ],
  });
  const done = await h.dev.finished(id);
  assert.is(done.status, "completed", done.reason ?? "");
  const log = await h.dev.logLines(id);
  assert.ok(log.includes("-r--r--r--"), log.join("\n"));
  assert.ok(log.includes("steps to reproduce"), log.join("\n"));
  const { createHash } = await import("node:crypto");
  assert.ok(log.includes(createHash("sha256").update(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 255])).digest("hex")), "binary content arrives intact");
});

test("the new-task form uploads several files; the task page lists them", async () => {
  const client = await signedInClient(h.server, "dev");
  await client.page(`/tasks/new?environment=${h.environments[0]}`);
  const form = new FormData();
  form.set("_csrf", client.csrf);
  form.set("environment", h.environments[0]);
  form.set("agent", "script");
  form.set("instructions", "cat /task-input/a.log /task-input/b.log");
  form.append("attachments", new File(["first\n"], "a.log"));
  form.append("attachments", new File(["second\n"], "b.log"));
  const res = await client.request("/tasks", { method: "POST", body: form });
  assert.is(res.status, 303, await res.text());
  const id = Number(res.headers.get("location")!.split("/").pop());
  const done = await h.dev.finished(id);
  assert.is(done.status, "completed", done.reason ?? "");
  assert.equal((await h.dev.logLines(id)).filter((l) => l === "first" || l === "second"), ["first", "second"]);
  const { html } = await client.page(`/tasks/${id}`);
  assert.match(html, /<code>a\.log<\/code> <code>b\.log<\/code>/);
});

test("bad attachment names, duplicates and unknown efforts are refused with what was wrong", async () => {
  const refuse = async (extra: Record<string, unknown>, pattern: RegExp) => {
    const res = await h.dev.post("/api/tasks", { environment: h.environments[0], instructions: "true", ...extra });
    const body = await res.json();
    assert.is(res.status, 400, JSON.stringify(body));
    assert.match(body.error, pattern);
  };
  await refuse({ attachments: [{ name: "../etc/passwd", content_base64: "eA==" }] }, /attachment name "\.\.\/etc\/passwd" must be a plain file name/);
  await refuse({ attachments: [{ name: "a.txt", content_base64: "eA==" }, { name: "a.txt", content_base64: "eQ==" }] }, /two attachments are named "a\.txt"/);
  await refuse({ attachments: [{ name: "a.txt" }] }, /attachments\[0\] needs a name and content_base64/);
  await refuse({ attachments: "nope" }, /attachments must be an array/);
  await refuse({ agent: "claude", effort: "ludicrous" }, /effort "ludicrous" is not one of .*high.* for claude/);
  await refuse({ agent: "script", effort: "high" }, /the script agent has no effort setting/);
});

test.run();
