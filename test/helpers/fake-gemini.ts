import type { ServerResponse } from "node:http";
import { type FakeModelOptions, type FakeModelServer, type ModelHandler, type ScriptTurn, runFromCommandLine, sendJson, startFakeModel, startSse, turnAt } from "./fake-model.ts";

/**
 * A scripted Gemini API endpoint (models/<model>:streamGenerateContent?alt=sse) for the real Gemini CLI, reached
 * with GOOGLE_GEMINI_BASE_URL=<url>, GEMINI_API_KEY and security.auth.selectedType "gemini-api-key" in
 * ~/.gemini/settings.json (with only the variables the CLI picks its "gateway" auth and refuses to start).
 * Run standalone: npx tsx test/helpers/fake-gemini.ts --port 0 [--host 0.0.0.0] [--script turns.json]
 */

/** Writes hello.txt, runs a command that reads it and one that fails, then reports on two lines. */
export const DEFAULT_GEMINI_SCRIPT: ScriptTurn[] = [
  { text: "I'll create the file.", tools: [{ name: "write_file", input: { file_path: "hello.txt", content: "hello from the fake model\n" } }] },
  { tools: [{ name: "run_shell_command", input: { command: "ls && cat hello.txt", description: "List files" } }] },
  { tools: [{ name: "run_shell_command", input: { command: "exit 3", description: "Fail on purpose" } }] },
  { text: "Created hello.txt.\nThe listing shows it." },
];

export const FAKE_GEMINI_USAGE = { promptTokenCount: 100, candidatesTokenCount: 20, cachedContentTokenCount: 40, totalTokenCount: 120 };

/**
 * The CLI's own JSON side calls (model routing, next-speaker checks) go to the non-streaming generateContent; one
 * answer holding every field they read keeps them from retrying with backoff.
 */
const UTILITY_ANSWER = JSON.stringify({ complexity_reasoning: "scripted", complexity_score: 50, reasoning: "scripted", next_speaker: "user" });

function partsOf(turn: ScriptTurn): Record<string, unknown>[] {
  const parts: Record<string, unknown>[] = [];
  if (turn.text) parts.push({ text: turn.text });
  for (const tool of turn.tools ?? []) parts.push({ functionCall: { name: tool.name, args: typeof tool.input === "string" ? { input: tool.input } : tool.input } });
  return parts;
}

function chunk(parts: Record<string, unknown>[], model: string, finish: boolean): string {
  const candidate = { content: { role: "model", parts }, index: 0, ...(finish ? { finishReason: "STOP" } : {}) };
  return JSON.stringify({ candidates: [candidate], ...(finish ? { usageMetadata: FAKE_GEMINI_USAGE } : {}), modelVersion: model });
}

function streamReply(res: ServerResponse, parts: Record<string, unknown>[], model: string): void {
  startSse(res);
  // Text and calls in separate chunks, as the real API streams them; usage and finishReason on the last.
  parts.forEach((part, i) => res.write(`data: ${chunk([part], model, i === parts.length - 1)}\r\n\r\n`));
  res.end();
}

export const geminiHandler: ModelHandler = (req, res, script) => {
  const match = req.path.match(/\/models\/([^/:?]+):(streamGenerateContent|generateContent|countTokens)/);
  if (req.method !== "POST" || !match) return sendJson(res, 404, { error: { code: 404, message: `no route ${req.method} ${req.path}`, status: "NOT_FOUND" } });
  const [, model, method] = match;
  const body = (req.body ?? {}) as { contents?: { role?: string }[] };
  if (method === "countTokens") return sendJson(res, 200, { totalTokens: FAKE_GEMINI_USAGE.promptTokenCount });
  if (method === "generateContent") return sendJson(res, 200, JSON.parse(chunk([{ text: UTILITY_ANSWER }], model, true)));
  const replies = (body.contents ?? []).filter((c) => c.role === "model").length;
  streamReply(res, partsOf(turnAt(script, replies)), model);
};

export function startFakeGemini(opts: Partial<FakeModelOptions> = {}): Promise<FakeModelServer> {
  return startFakeModel(geminiHandler, { ...opts, script: opts.script ?? DEFAULT_GEMINI_SCRIPT });
}

runFromCommandLine(import.meta.url, geminiHandler, DEFAULT_GEMINI_SCRIPT);
