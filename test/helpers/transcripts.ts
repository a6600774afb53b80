import { readFileSync } from "node:fs";
import * as assert from "uvu/assert";
import type { Activity, AgentAdapter, AgentRunInput, ParsedEvent } from "../../server/agents/index.ts";

/** What the parser tests share: recorded transcripts, ways of feeding them, and views of the events. */

/** A real CLI's stdout, recorded by test/helpers/record-transcripts.ts. */
export function transcript(agent: string): string {
  return readFileSync(new URL(`../fixtures/transcripts/${agent}.jsonl`, import.meta.url), "utf8");
}

export function parseWhole(adapter: AgentAdapter, text: string): ParsedEvent[] {
  const parser = adapter.createParser();
  return [...parser.push(text), ...parser.end()];
}

/** A small deterministic generator (mulberry32), so a failing split can be reproduced from its seed. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function parseInChunks(adapter: AgentAdapter, text: string, seed: number, maxChunk = 64): ParsedEvent[] {
  const random = seeded(seed);
  const parser = adapter.createParser();
  const events: ParsedEvent[] = [];
  for (let at = 0; at < text.length; ) {
    const size = 1 + Math.floor(random() * maxChunk);
    events.push(...parser.push(text.slice(at, at + size)));
    at += size;
  }
  return [...events, ...parser.end()];
}

/** Chunk boundaries (anywhere, down to single characters) must not change what comes out. */
export function assertChunkingDoesNotMatter(adapter: AgentAdapter, text: string): void {
  const whole = parseWhole(adapter, text);
  for (let seed = 1; seed <= 25; seed++) assert.equal(parseInChunks(adapter, text, seed), whole, `seed ${seed}`);
  assert.equal(parseInChunks(adapter, text, 99, 1), whole, "one character at a time");
}

/**
 * Plain text among the events (the runner merges stderr into the stream) comes out as log lines, in place;
 * so do a JSON value that is not an event and an unterminated last line.
 */
export function assertPlainTextPassesThrough(adapter: AgentAdapter, firstEvent: string): void {
  const parser = adapter.createParser();
  const events = [
    ...parser.push("Warning: something on stderr\r\n"),
    ...parser.push(`${firstEvent}\n[1, 2]\n`),
    ...parser.push("\n  at stack (file.js:1:2)\npartial "),
    ...parser.push("last line"),
  ];
  assert.equal(events.filter((e) => e.kind === "log").slice(0, 1), [{ kind: "log", line: "Warning: something on stderr" }]);
  assert.ok(events.some((e) => e.kind === "activity"), "the JSON event between the text lines was parsed");
  const logs = logLines(events);
  assert.ok(logs.includes("[1, 2]"));
  assert.ok(logs.includes("  at stack (file.js:1:2)"));
  assert.not.ok(logs.includes("partial last line"), "an unterminated line waits for the end");
  assert.equal(parser.end(), [{ kind: "log", line: "partial last line" }]);
}

export function logLines(events: ParsedEvent[]): string[] {
  return events.flatMap((e) => (e.kind === "log" ? [e.line] : []));
}

/** The activities of one type, without the `kind` every event carries. */
export function activities<T extends Activity["type"]>(events: ParsedEvent[], type: T): Extract<Activity, { type: T }>[] {
  return events.flatMap((e) => {
    if (e.kind !== "activity" || e.type !== type) return [];
    const { kind: _, ...activity } = e;
    return [activity as Extract<Activity, { type: T }>];
  });
}

/** A run with every option set, for the command builder tests. */
export const FULL_RUN: AgentRunInput = {
  instructions: "Fix the failing test in api/.",
  model: "some-model",
  resumeSessionId: "5f0c5f52-3a8e-4d1e-9c55-6f1f7d3f7a10",
  apiKey: "sk-secret-key-123",
  baseUrl: "http://127.0.0.1:4010",
  workdir: "/workspace",
  outputDir: "/task-output",
  agentsMd: "# Standing instructions\nRun npm test before finishing.\n",
  skills: [{ id: "release-notes", files: [{ path: "SKILL.md", content: "---\nname: release-notes\ndescription: Writes release notes\n---\nSteps.\n" }, { path: "templates/notes.md", content: "## Notes\n" }] }],
};

/** The prompt every CLI agent gets: the task's instructions, then where to leave its summary and commit message. */
export function assertTaskPrompt(prompt: string | undefined): void {
  assert.ok(prompt?.startsWith("Fix the failing test in api/."), `prompt starts with the instructions: ${prompt}`);
  assert.match(prompt!, "/task-output/summary.md");
  assert.match(prompt!, "/task-output/commit-message.txt");
}

/** The API key is a secret: in the environment, never on the command line (visible in ps, docker inspect). */
export function assertKeyOnlyInEnv(command: { argv: string[]; env: Record<string, string> }, variable: string): void {
  assert.is(command.env[variable], FULL_RUN.apiKey);
  assert.not.ok(command.argv.some((arg) => arg.includes(FULL_RUN.apiKey!)), "the key is not in argv");
}
