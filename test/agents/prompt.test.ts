import { test } from "uvu";
import * as assert from "uvu/assert";
import { AGENTS } from "../../server/agents/index.ts";

const run = { instructions: "Fix the crash", workdir: "/workspace", outputDir: "/task-output", attachments: ["/task-input/crash.log"] };

test("the model-driven agents are told where the attachments are; the script agent's script stays as written", () => {
  for (const agent of [AGENTS.claude, AGENTS.codex, AGENTS.gemini]) {
    const argv = agent.command(run).argv.join("\n");
    assert.match(argv, "Files attached to this task (read them as you need): /task-input/crash.log", agent.name);
  }
  assert.equal(AGENTS.script.command(run).argv.at(-1), "Fix the crash");
});

test.run();
