import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { AGENTS } from "../../server/agents/index.ts";
import { agentSandbox, cliInstalled } from "./agent-cli.ts";
import { startFakeAnthropic } from "./fake-anthropic.ts";
import { startFakeGemini } from "./fake-gemini.ts";
import type { FakeModelServer } from "./fake-model.ts";
import { startFakeOpenAI } from "./fake-openai.ts";

/**
 * Re-records test/fixtures/transcripts/<agent>.jsonl: the stdout of the real CLI, started by its adapter, playing
 * the default script of its scripted endpoint. Run after upgrading a CLI: npx tsx test/helpers/record-transcripts.ts
 */

const FIXTURES = fileURLToPath(new URL("../fixtures/transcripts/", import.meta.url));

const RECORDINGS = [
  { agent: AGENTS.claude, start: startFakeAnthropic, model: undefined },
  // A model Codex knows, so it offers its apply_patch tool.
  { agent: AGENTS.codex, start: startFakeOpenAI, model: "gpt-5.5" },
  { agent: AGENTS.gemini, start: startFakeGemini, model: undefined },
] as const satisfies { agent: unknown; start: () => Promise<FakeModelServer>; model: string | undefined }[];

mkdirSync(FIXTURES, { recursive: true });
for (const { agent, start, model } of RECORDINGS) {
  if (!cliInstalled(agent.name)) {
    console.log(`${agent.name}: CLI not installed, skipped`);
    continue;
  }
  const endpoint = await start();
  const sandbox = agentSandbox();
  try {
    const result = await sandbox.run(agent, { instructions: "Create hello.txt and check it is there.", model, apiKey: "test-key", baseUrl: endpoint.url });
    if (result.code !== 0) throw new Error(`${agent.name} exited ${result.code}\n${result.stderr}`);
    writeFileSync(`${FIXTURES}${agent.name}.jsonl`, result.stdout);
    console.log(`${agent.name}: exit ${result.code}, ${result.stdout.split("\n").length - 1} lines, ${endpoint.requests.length} model requests`);
  } finally {
    sandbox.remove();
    await endpoint.close();
  }
}
