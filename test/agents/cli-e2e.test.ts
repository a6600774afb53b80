import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { AGENTS, type AgentAdapter } from "../../server/agents/index.ts";
import { agentSandbox, cliInstalled } from "../helpers/agent-cli.ts";
import { startFakeAnthropic } from "../helpers/fake-anthropic.ts";
import { startFakeGemini } from "../helpers/fake-gemini.ts";
import type { FakeModelServer, RecordedRequest } from "../helpers/fake-model.ts";
import { startFakeOpenAI } from "../helpers/fake-openai.ts";
import { activities, logLines, parseWhole } from "../helpers/transcripts.ts";

/**
 * The real agent CLIs, started exactly as their adapters say (argv, env, files), as a non-root user, against a
 * scripted model endpoint on 127.0.0.1 that asks for a file write and two commands. Proves the flags, the
 * instruction and skill locations, the key and base URL variables and resuming by session id, on the installed
 * CLI versions, and that the parsers understand what those versions print.
 */

const API_KEY = "test-key-e2e";
const AGENTS_MD = "MARKER-AGENTS-MD: standing instructions for this environment.";
const SKILL = { id: "marker-skill", files: [{ path: "SKILL.md", content: "---\nname: marker-skill\ndescription: MARKER-SKILL-DESCRIPTION\n---\nSay hello.\n" }] };

const CASES: { agent: AgentAdapter; start: () => Promise<FakeModelServer>; model?: string; keyHeader: (r: RecordedRequest) => unknown }[] = [
  { agent: AGENTS.claude, start: startFakeAnthropic, keyHeader: (r) => r.headers["x-api-key"] },
  // A model Codex knows, so it offers its apply_patch tool.
  { agent: AGENTS.codex, start: startFakeOpenAI, model: "gpt-5.5", keyHeader: (r) => r.headers.authorization },
  { agent: AGENTS.gemini, start: startFakeGemini, keyHeader: (r) => r.headers["x-goog-api-key"] },
];

for (const { agent, start, model, keyHeader } of CASES) {
  const installed = cliInstalled(agent.name);
  if (!installed) console.log(`skipped: the ${agent.name} CLI is not installed (npm install -g as in scripts/test.sh)`);
  (installed ? test : test.skip)(`the real ${agent.name} CLI writes a file and runs commands from a scripted endpoint, then resumes its session`, async () => {
    const endpoint = await start();
    const sandbox = agentSandbox();
    try {
      const first = await sandbox.run(agent, { instructions: "Create hello.txt and check it is there.", model, apiKey: API_KEY, baseUrl: endpoint.url, agentsMd: AGENTS_MD, skills: [SKILL] });
      assert.is(first.code, 0, `exit code; stderr:\n${first.stderr}`);
      assert.is(readFileSync(join(sandbox.workdir, "hello.txt"), "utf8"), "hello from the fake model\n");

      const events = parseWhole(agent, first.stdout);
      const commands = activities(events, "tool_call").flatMap((c) => (c.command ? [c.command] : []));
      assert.equal(commands, ["ls && cat hello.txt", "exit 3"]);
      assert.equal(activities(events, "file_touched").map((f) => f.path.split("/").at(-1)), ["hello.txt"]);
      assert.ok(logLines(events).includes("  hello from the fake model"), "the command's output is in the log");
      assert.ok(activities(events, "usage")[0].inputTokens > 0);
      const [session] = activities(events, "session");
      assert.ok(session?.sessionId, "the CLI reported a session id");

      const sent = JSON.stringify(endpoint.requests.map((r) => r.body));
      assert.match(sent, AGENTS_MD, "AGENTS.md reached the model from where the adapter put it");
      assert.match(sent, "MARKER-SKILL-DESCRIPTION", "the skill was offered to the model");
      assert.match(sent, `${sandbox.outputDir}/summary.md`, "the prompt asked for the summary");
      assert.match(String(keyHeader(endpoint.requests.at(-1)!)), API_KEY, "the API key from the environment was used");

      const before = endpoint.requests.length;
      const second = await sandbox.run(agent, { instructions: "Anything else?", model, apiKey: API_KEY, baseUrl: endpoint.url, resumeSessionId: session.sessionId });
      assert.is(second.code, 0, `resumed exit code; stderr:\n${second.stderr}`);
      const resumed = parseWhole(agent, second.stdout);
      assert.is(activities(resumed, "session")[0]?.sessionId, session.sessionId, "the same session continued");
      assert.equal(activities(resumed, "message").at(-1)?.text, "Nothing more to do.");
      const resumedRequests = JSON.stringify(endpoint.requests.slice(before).map((r) => r.body));
      assert.match(resumedRequests, "Create hello.txt and check it is there.", "the earlier conversation was sent again");
    } finally {
      sandbox.remove();
      await endpoint.close();
    }
  });
}

test.run();
