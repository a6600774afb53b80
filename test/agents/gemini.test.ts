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

const gemini = AGENTS.gemini;
const recorded = transcript("gemini");

test("the recorded Gemini CLI run reads as a log: text, tool calls, results, usage", () => {
  assert.equal(logLines(parseWhole(gemini, recorded)), [
    "session 782c2e20-b60d-4de0-be72-bbf10da1c62c (auto)",
    "I'll create the file.",
    "→ write_file(hello.txt)",
    "$ ls && cat hello.txt",
    "  hello.txt",
    "  hello from the fake model",
    "$ exit 3",
    "  Command exited with code: 3",
    "Created hello.txt.",
    "The listing shows it.",
    "tokens: 500 in (200 cached), 100 out",
  ]);
});

test("the recorded run's activity: session, messages, tool calls and results, the file written, usage", () => {
  const events = parseWhole(gemini, recorded);
  assert.equal(activities(events, "session"), [{ type: "session", sessionId: "782c2e20-b60d-4de0-be72-bbf10da1c62c", model: "auto" }]);
  assert.equal(activities(events, "message").map((m) => m.text), ["I'll create the file.", "Created hello.txt.\nThe listing shows it."]);
  assert.equal(activities(events, "tool_call").map((c) => [c.tool, c.command]), [["write_file", undefined], ["run_shell_command", "ls && cat hello.txt"], ["run_shell_command", "exit 3"]]);
  assert.equal(activities(events, "tool_call")[1].id, "run_shell_command__run_shell_command_1796399914493_0");
  assert.equal(activities(events, "tool_result").map((r) => [r.ok, r.output]), [[true, ""], [true, "hello.txt\nhello from the fake model"], [true, "Command exited with code: 3"]]);
  assert.equal(activities(events, "file_touched"), [{ type: "file_touched", path: "hello.txt", tool: "write_file" }]);
  // The CLI's own model-routing call is in its totals: 4 turns and 1 routing call of 100 in / 20 out each.
  assert.equal(activities(events, "usage"), [{ type: "usage", inputTokens: 500, outputTokens: 100, cachedInputTokens: 200, scope: "run" }]);
});

test("streamed text deltas make one message; replace edits a file; tool errors, warnings and a failed result are shown", () => {
  const text = [
    { type: "message", role: "assistant", content: "Let me ", delta: true },
    { type: "message", role: "assistant", content: "fix it.\nFirst the test.", delta: true },
    { type: "tool_use", tool_name: "replace", tool_id: "r1", parameters: { file_path: "/workspace/api/a.ts", old_string: "x", new_string: "y" } },
    { type: "tool_result", tool_id: "r1", status: "error", error: { type: "EDIT_NO_OCCURRENCE_FOUND", message: "0 occurrences found" } },
    { type: "error", severity: "warning", message: "Loop detected" },
    { type: "result", status: "error", error: { type: "FatalTurnLimitedError", message: "Maximum session turns exceeded" }, stats: { input_tokens: 7, output_tokens: 3, cached: 0 } },
  ].map((e) => JSON.stringify(e)).join("\n");
  const events = parseWhole(gemini, text);
  assert.equal(activities(events, "message"), [{ type: "message", text: "Let me fix it.\nFirst the test." }]);
  assert.equal(activities(events, "file_touched").map((f) => f.path), ["/workspace/api/a.ts"]);
  assert.equal(activities(events, "tool_result"), [{ type: "tool_result", id: "r1", ok: false, output: "0 occurrences found" }]);
  assert.equal(logLines(events), [
    "Let me fix it.",
    "First the test.",
    "→ replace(/workspace/api/a.ts)",
    "  0 occurrences found",
    "warning: Loop detected",
    "error: Maximum session turns exceeded",
    "tokens: 7 in, 3 out",
  ]);
});

test("text still streaming when the output ends is flushed by end()", () => {
  const parser = gemini.createParser();
  assert.equal(parser.push(JSON.stringify({ type: "message", role: "assistant", content: "Half a thought", delta: true }) + "\n"), []);
  assert.equal(logLines(parser.end()), ["Half a thought"]);
});

test("chunk boundaries anywhere give the same events as the whole transcript", () => {
  assertChunkingDoesNotMatter(gemini, recorded);
});

test("text that is not a JSON event passes through as log lines", () => {
  // The CLI prints warnings like "YOLO mode is enabled." on stderr, which the runner's merged stream carries.
  assertPlainTextPassesThrough(gemini, recorded.split("\n")[0]);
});

test("command: headless prompt joined to its flag, stream-json, yolo in an untrusted folder, model and resume", () => {
  const { argv } = gemini.command(FULL_RUN);
  assert.is(argv[0], "gemini");
  assert.ok(argv[1].startsWith("--prompt="), "joined, so a prompt starting with a dash stays a prompt");
  assertTaskPrompt(argv[1].slice("--prompt=".length));
  assert.equal(argv.slice(2, 7), ["--output-format", "stream-json", "--approval-mode", "yolo", "--skip-trust"]);
  assert.equal(argv.slice(argv.indexOf("--model"), argv.indexOf("--model") + 2), ["--model", "some-model"]);
  assert.equal(argv.slice(argv.indexOf("--resume"), argv.indexOf("--resume") + 2), ["--resume", FULL_RUN.resumeSessionId]);
});

test("command: API key and base URL in the environment; settings select API-key auth and turn off telemetry and updates", () => {
  const command = gemini.command(FULL_RUN);
  assertKeyOnlyInEnv(command, "GEMINI_API_KEY");
  assert.is(command.env.GOOGLE_GEMINI_BASE_URL, "http://127.0.0.1:4010");
  const settings = JSON.parse(command.files!.find((f) => f.path === "/home/coder/.gemini/settings.json")!.content);
  assert.is(settings.security.auth.selectedType, "gemini-api-key");
  assert.is(settings.privacy.usageStatisticsEnabled, false);
  assert.is(settings.general.enableAutoUpdate, false);
  assert.is(settings.modelConfigs, undefined, "no effort, no thinking override");
});

test("command: effort sets Gemini 3's thinking level through settings; an unknown effort is refused", () => {
  const settings = JSON.parse(gemini.command({ ...FULL_RUN, effort: "low" }).files!.find((f) => f.path.endsWith("settings.json"))!.content);
  assert.equal(settings.modelConfigs.customOverrides, [{ match: { model: "chat-base-3" }, modelConfig: { generateContentConfig: { thinkingConfig: { thinkingLevel: "LOW" } } } }]);
  assert.throws(() => gemini.command({ ...FULL_RUN, effort: "medium" }), /gemini does not accept effort "medium": choose one of low, high/);
});

test("command: AGENTS.md becomes ~/.gemini/GEMINI.md and skills go to ~/.gemini/skills", () => {
  const { files } = gemini.command(FULL_RUN);
  assert.equal(files?.map((f) => f.path), [
    "/home/coder/.gemini/settings.json",
    "/home/coder/.gemini/GEMINI.md",
    "/home/coder/.gemini/skills/release-notes/SKILL.md",
    "/home/coder/.gemini/skills/release-notes/templates/notes.md",
  ]);
  const bare = gemini.command({ instructions: "x", workdir: "/workspace", outputDir: "/task-output" });
  assert.equal(bare.files?.map((f) => f.path), ["/home/coder/.gemini/settings.json"]);
  assert.not.ok("GEMINI_API_KEY" in bare.env);
  assert.not.ok(bare.argv.includes("--model") || bare.argv.includes("--resume"));
});

test.run();
