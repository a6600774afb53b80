import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { AGENTS, agentFor } from "../../server/agents/index.ts";
import { agentSandbox } from "../helpers/agent-cli.ts";
import { assertChunkingDoesNotMatter, logLines, parseWhole } from "../helpers/transcripts.ts";

const script = AGENTS.script;

test("command: the instructions run as a bash script that stops at the first failure, pipelines included", () => {
  const command = script.command({ instructions: "echo hi", model: "ignored", workdir: "/workspace", outputDir: "/task-output" });
  assert.equal(command.argv, ["bash", "-eo", "pipefail", "-c", "echo hi"]);
  assert.equal(command.env, { HOME: "/home/coder" });
  assert.is(command.files, undefined);
});

test("the script really stops at a failing pipeline, and what it printed is every log line", async () => {
  const sandbox = agentSandbox();
  try {
    const result = await sandbox.run(script, { instructions: 'echo "first"\necho \'{"type":"result"}\'\necho\nprintf "made\\n" > made.txt\nfalse | cat\necho never > never.txt' });
    assert.is(result.code, 1);
    assert.ok(existsSync(join(sandbox.workdir, "made.txt")), "it ran in the workdir");
    assert.not.ok(existsSync(join(sandbox.workdir, "never.txt")), "pipefail stopped it");
    assert.is(readFileSync(join(sandbox.workdir, "made.txt"), "utf8"), "made\n");
    // JSON-looking output is the script's, not an agent event; blank lines are kept as printed.
    assert.equal(logLines(parseWhole(script, result.stdout)), ["first", '{"type":"result"}', ""]);
  } finally {
    sandbox.remove();
  }
});

test("the parser passes lines through, joins lines split across chunks and flushes an unterminated one at the end", () => {
  const parser = script.createParser();
  assert.equal(parser.push("one\r\ntw"), [{ kind: "log", line: "one" }]);
  assert.equal(parser.push("o\nthr"), [{ kind: "log", line: "two" }]);
  assert.equal(parser.push("ee"), []);
  assert.equal(parser.end(), [{ kind: "log", line: "three" }]);
  assert.equal(parser.end(), []);
  assertChunkingDoesNotMatter(script, "a\n\nb c\n{\"x\":1}\nlast");
});

test("agentFor knows the four agents and nothing else", () => {
  assert.equal(["claude", "codex", "gemini", "script"].map((name) => agentFor(name)?.name), ["claude", "codex", "gemini", "script"]);
  assert.is(agentFor("toString"), undefined);
  assert.is(agentFor("aider"), undefined);
});

test.run();
