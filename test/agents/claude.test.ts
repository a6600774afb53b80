import { test } from "uvu";
import * as assert from "uvu/assert";
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

const claude = AGENTS.claude;
const recorded = transcript("claude");

test("the recorded Claude Code run reads as a log: text, tool calls, abbreviated results, errors, usage", () => {
  assert.equal(logLines(parseWhole(claude, recorded)), [
    "session a4ae30f8-9eb2-4b44-9e05-833c4c60a9ec (claude-opus-4-8[1m])",
    "I'll create the file.",
    "→ Write(hello.txt)",
    "  File created successfully at: hello.txt (file state is current in your context — no need to Read it back)",
    "$ ls && cat hello.txt",
    "  hello.txt",
    "  hello from the fake model",
    "$ exit 3",
    "  Exit code 3",
    "Created hello.txt.",
    "The listing shows it.",
    "tokens: 400 in, 80 out, $0.0040",
  ]);
});

test("the recorded run's activity: session, messages, tool calls and results, the file written, usage and cost", () => {
  const events = parseWhole(claude, recorded);
  assert.equal(activities(events, "session"), [{ type: "session", sessionId: "a4ae30f8-9eb2-4b44-9e05-833c4c60a9ec", model: "claude-opus-4-8[1m]" }]);
  assert.equal(activities(events, "message").map((m) => m.text), ["I'll create the file.", "Created hello.txt.\nThe listing shows it."]);
  assert.equal(
    activities(events, "tool_call").map((c) => [c.id, c.tool, c.command]),
    [["toolu_fake_0_0", "Write", undefined], ["toolu_fake_1_0", "Bash", "ls && cat hello.txt"], ["toolu_fake_2_0", "Bash", "exit 3"]],
  );
  assert.equal(activities(events, "tool_call")[0].input, { file_path: "hello.txt", content: "hello from the fake model\n" });
  assert.equal(
    activities(events, "tool_result").map((r) => [r.id, r.ok]),
    [["toolu_fake_0_0", true], ["toolu_fake_1_0", true], ["toolu_fake_2_0", false]],
  );
  assert.equal(activities(events, "file_touched"), [{ type: "file_touched", path: "hello.txt", tool: "Write" }]);
  assert.equal(activities(events, "usage"), [{ type: "usage", inputTokens: 400, outputTokens: 80, cachedInputTokens: 0, costUsd: 0.004, scope: "run" }]);
});

test("Edit, MultiEdit and NotebookEdit count as files touched; Read does not", () => {
  const call = (name: string, input: Record<string, unknown>) => JSON.stringify({ type: "assistant", message: { content: [{ type: "tool_use", id: name, name, input }] } });
  const text = [
    call("Edit", { file_path: "/workspace/api/a.ts", old_string: "x", new_string: "y" }),
    call("MultiEdit", { file_path: "/workspace/api/b.ts", edits: [] }),
    call("NotebookEdit", { notebook_path: "/workspace/nb.ipynb", new_source: "" }),
    call("Read", { file_path: "/workspace/api/c.ts" }),
  ].join("\n");
  const events = parseWhole(claude, text + "\n");
  assert.equal(activities(events, "file_touched").map((f) => f.path), ["/workspace/api/a.ts", "/workspace/api/b.ts", "/workspace/nb.ipynb"]);
  assert.ok(logLines(events).includes("→ Read(/workspace/api/c.ts)"));
});

test("a failed run's result becomes an error line, and long tool output is cut to a few lines", () => {
  const longOutput = Array.from({ length: 12 }, (_, i) => `line ${i + 1}`).join("\n");
  const text = [
    JSON.stringify({ type: "user", message: { content: [{ type: "tool_result", tool_use_id: "t1", content: [{ type: "text", text: longOutput }] }] } }),
    JSON.stringify({ type: "result", subtype: "error_max_turns", is_error: true, total_cost_usd: 0.5, usage: { input_tokens: 10, cache_read_input_tokens: 90, output_tokens: 5 } }),
  ].join("\n");
  const events = parseWhole(claude, text);
  assert.equal(logLines(events), ["  line 1", "  line 2", "  line 3", "  line 4", "  line 5", "  … 7 more lines", "error: error_max_turns", "tokens: 100 in (90 cached), 5 out, $0.5000"]);
  assert.is(activities(events, "tool_result")[0].output, longOutput, "the activity keeps the output the log abbreviates");
});

test("chunk boundaries anywhere give the same events as the whole transcript", () => {
  assertChunkingDoesNotMatter(claude, recorded);
});

test("text that is not a JSON event passes through as log lines", () => {
  assertPlainTextPassesThrough(claude, recorded.split("\n")[0]);
});

test("command: headless stream-json with permissions skipped, model, effort and resume flags, the prompt last", () => {
  const { argv } = claude.command({ ...FULL_RUN, effort: "high" });
  assert.equal(argv.slice(0, 6), ["claude", "-p", "--output-format", "stream-json", "--verbose", "--dangerously-skip-permissions"]);
  assert.equal(argv.slice(argv.indexOf("--model"), argv.indexOf("--model") + 2), ["--model", "some-model"]);
  assert.equal(argv.slice(argv.indexOf("--effort"), argv.indexOf("--effort") + 2), ["--effort", "high"]);
  assert.equal(argv.slice(argv.indexOf("--resume"), argv.indexOf("--resume") + 2), ["--resume", FULL_RUN.resumeSessionId]);
  assert.is(argv.at(-2), "--", "a prompt starting with a dash stays a prompt");
  assertTaskPrompt(argv.at(-1));
});

test("command: without options no model, effort or resume flags; an unknown effort is refused with the choices", () => {
  const { argv, env, files } = claude.command({ instructions: "x", workdir: "/workspace", outputDir: "/task-output" });
  for (const flag of ["--model", "--effort", "--resume"]) assert.not.ok(argv.includes(flag), flag);
  assert.not.ok("ANTHROPIC_API_KEY" in env);
  assert.not.ok("ANTHROPIC_BASE_URL" in env);
  assert.equal(files, []);
  assert.throws(() => claude.command({ ...FULL_RUN, effort: "turbo" }), /claude does not accept effort "turbo": choose one of low, medium, high, xhigh, max/);
});

test("command: API key and base URL go in the environment", () => {
  const command = claude.command(FULL_RUN);
  assertKeyOnlyInEnv(command, "ANTHROPIC_API_KEY");
  assert.is(command.env.ANTHROPIC_BASE_URL, "http://127.0.0.1:4010");
  assert.is(command.env.HOME, "/home/coder");
});

test("command: AGENTS.md becomes the user's CLAUDE.md and skills go to ~/.claude/skills, outside the repositories", () => {
  const { files } = claude.command(FULL_RUN);
  assert.equal(files, [
    { path: "/home/coder/.claude/CLAUDE.md", content: FULL_RUN.agentsMd },
    { path: "/home/coder/.claude/skills/release-notes/SKILL.md", content: FULL_RUN.skills![0].files[0].content },
    { path: "/home/coder/.claude/skills/release-notes/templates/notes.md", content: "## Notes\n" },
  ]);
});

test("command: a skill cannot place files outside its folder", () => {
  assert.throws(() => claude.command({ ...FULL_RUN, skills: [{ id: "evil", files: [{ path: "../../.bashrc", content: "" }] }] }), /leaves the skill's folder/);
  assert.throws(() => claude.command({ ...FULL_RUN, skills: [{ id: "../evil", files: [] }] }), /not a plain folder name/);
});

test.run();
