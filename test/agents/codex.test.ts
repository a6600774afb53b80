import { test } from "uvu";
import * as assert from "uvu/assert";
import { unwrapShell } from "../../server/agents/codex.ts";
import { AGENTS } from "../../server/agents/index.ts";
import {
  FULL_RUN,
  activities,
  assertChunkingDoesNotMatter,
  assertKeyOnlyInEnv,
  assertPlainTextPassesThrough,
  assertTaskPrompt,
  logLines,
  parseWhole,
  transcript,
} from "../helpers/transcripts.ts";

const codex = AGENTS.codex;
const recorded = transcript("codex");
// Where the recording ran: Codex reports the files a patch touched by absolute path.
const workdir = "/tmp/coderflow-agent-5Gvz74/workspace";

test("the recorded Codex run reads as a log: text, patches, commands with their output and exit codes, usage", () => {
  assert.equal(logLines(parseWhole(codex, recorded)), [
    "session 01a241c7-3f38-76b3-bca5-a51d095bc17c",
    "I'll create the file.",
    `→ apply_patch(add ${workdir}/hello.txt)`,
    "$ ls && cat hello.txt",
    "  hello.txt",
    "  hello from the fake model",
    "$ exit 3",
    "  exit code 3",
    "Created hello.txt.",
    "The listing shows it.",
    "tokens: 400 in (160 cached), 80 out (session total)",
  ]);
});

test("the recorded run's activity: thread id as session, commands, results, the file added, usage", () => {
  const events = parseWhole(codex, recorded);
  assert.equal(activities(events, "session"), [{ type: "session", sessionId: "01a241c7-3f38-76b3-bca5-a51d095bc17c" }]);
  assert.equal(activities(events, "message").map((m) => m.text), ["I'll create the file.", "Created hello.txt.\nThe listing shows it."]);
  assert.equal(
    activities(events, "tool_call").map((c) => [c.id, c.tool, c.command]),
    [["item_1", "apply_patch", undefined], ["item_2", "shell", "ls && cat hello.txt"], ["item_3", "shell", "exit 3"]],
  );
  assert.equal(
    activities(events, "tool_result").map((r) => [r.id, r.ok, r.output]),
    [["item_2", true, "hello.txt\nhello from the fake model\n"], ["item_3", false, ""]],
  );
  assert.equal(activities(events, "file_touched"), [{ type: "file_touched", path: `${workdir}/hello.txt`, tool: "apply_patch" }]);
  // turn.completed reports the thread's running totals, which a resumed run's count already includes.
  assert.equal(activities(events, "usage"), [{ type: "usage", inputTokens: 400, outputTokens: 80, cachedInputTokens: 160, scope: "session" }]);
});

test("every file of a multi-file patch is touched; failures and stream errors become error lines", () => {
  const text = [
    { type: "item.completed", item: { id: "i1", type: "file_change", status: "completed", changes: [{ path: "/w/a.ts", kind: "update" }, { path: "/w/b.ts", kind: "delete" }] } },
    { type: "item.completed", item: { id: "i2", type: "reasoning", text: "Looking at the tests." } },
    { type: "error", message: "Reconnecting... 1/5" },
    { type: "item.completed", item: { id: "i3", type: "error", message: "Model metadata not found" } },
    { type: "turn.failed", error: { message: "stream disconnected" } },
  ].map((e) => JSON.stringify(e)).join("\n");
  const events = parseWhole(codex, text);
  assert.equal(activities(events, "file_touched").map((f) => f.path), ["/w/a.ts", "/w/b.ts"]);
  assert.equal(logLines(events), [
    "→ apply_patch(update /w/a.ts, delete /w/b.ts)",
    "thinking: Looking at the tests.",
    "error: Reconnecting... 1/5",
    "error: Model metadata not found",
    "error: stream disconnected",
  ]);
});

test("the shell wrapper Codex puts around commands is taken off for the log", () => {
  assert.is(unwrapShell("/bin/bash -lc 'ls && cat hello.txt'"), "ls && cat hello.txt");
  // As codex 0.171 quoted `echo 'it''s' "quoted"`.
  assert.is(unwrapShell(`/bin/bash -lc "echo 'it''s' \\"quoted\\""`), `echo 'it''s' "quoted"`);
  assert.is(unwrapShell("bash -lc npm test"), "npm test");
  assert.is(unwrapShell("python3 script.py"), "python3 script.py");
});

test("chunk boundaries anywhere give the same events as the whole transcript", () => {
  assertChunkingDoesNotMatter(codex, recorded);
});

test("text that is not a JSON event passes through as log lines", () => {
  // What codex prints on stderr when its stdin is open, which the runner's merged stream carries.
  assertPlainTextPassesThrough(codex, recorded.split("\n")[0]);
});

test("command: exec --json without git check or inner sandbox, in the workdir, model, effort, then resume and the prompt", () => {
  const { argv } = codex.command({ ...FULL_RUN, effort: "xhigh" });
  assert.equal(argv.slice(0, 5), ["codex", "exec", "--json", "--skip-git-repo-check", "--dangerously-bypass-approvals-and-sandbox"]);
  assert.equal(argv.slice(argv.indexOf("-C"), argv.indexOf("-C") + 2), ["-C", "/workspace"]);
  assert.equal(argv.slice(argv.indexOf("-m"), argv.indexOf("-m") + 2), ["-m", "some-model"]);
  assert.ok(argv.includes('model_reasoning_effort="xhigh"'));
  assert.equal(argv.slice(-4, -1), ["resume", FULL_RUN.resumeSessionId, "--"], "resume <id> follows the exec options");
  assertTaskPrompt(argv.at(-1));
});

test("command: a base URL becomes a custom Responses provider reading the key from CODEX_API_KEY", () => {
  const command = codex.command(FULL_RUN);
  assertKeyOnlyInEnv(command, "CODEX_API_KEY");
  assert.ok(command.argv.includes('model_provider="coderflow"'));
  assert.ok(
    command.argv.includes('model_providers.coderflow={name="CoderFlow model endpoint",base_url="http://127.0.0.1:4010",env_key="CODEX_API_KEY",wire_api="responses"}'),
    command.argv.join(" "),
  );
});

test("command: without options no model, effort, provider or resume; an unknown effort is refused", () => {
  const { argv, env } = codex.command({ instructions: "x", workdir: "/workspace", outputDir: "/task-output" });
  assert.not.ok(argv.includes("-m"));
  assert.not.ok(argv.includes("resume"));
  assert.not.ok(argv.some((a) => a.startsWith("model_")), argv.join(" "));
  assert.not.ok("CODEX_API_KEY" in env);
  assert.throws(() => codex.command({ ...FULL_RUN, effort: "max" }), /codex does not accept effort "max": choose one of minimal, low, medium, high, xhigh/);
});

test("command: AGENTS.md and skills go to ~/.codex, where Codex reads user-level instructions and skills", () => {
  const { files } = codex.command(FULL_RUN);
  assert.equal(files?.map((f) => f.path), ["/home/coder/.codex/AGENTS.md", "/home/coder/.codex/skills/release-notes/SKILL.md", "/home/coder/.codex/skills/release-notes/templates/notes.md"]);
  assert.is(files?.[0].content, FULL_RUN.agentsMd);
});

test.run();
