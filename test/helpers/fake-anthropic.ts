import type { ServerResponse } from "node:http";
import { type FakeModelOptions, type FakeModelServer, type ModelHandler, type ScriptTurn, runFromCommandLine, sendJson, startFakeModel, startSse, turnAt } from "./fake-model.ts";

/**
 * A scripted Anthropic Messages API endpoint for the real Claude Code CLI (ANTHROPIC_BASE_URL=<url>).
 * Streams like the real API: message_start, content_block_start/delta/stop (text_delta, input_json_delta
 * for tool_use), message_delta with stop_reason and usage, message_stop.
 * Run standalone: npx tsx test/helpers/fake-anthropic.ts --port 0 [--host 0.0.0.0] [--script turns.json]
 */

/** Writes hello.txt, runs a command that reads it and one that fails, then reports on two lines. */
export const DEFAULT_CLAUDE_SCRIPT: ScriptTurn[] = [
  { text: "I'll create the file.", tools: [{ name: "Write", input: { file_path: "hello.txt", content: "hello from the fake model\n" } }] },
  { tools: [{ name: "Bash", input: { command: "ls && cat hello.txt", description: "List files" } }] },
  { tools: [{ name: "Bash", input: { command: "exit 3", description: "Fail on purpose" } }] },
  { text: "Created hello.txt.\nThe listing shows it." },
];

/** Fixed per-reply usage so tests can assert the totals the CLI reports. */
export const FAKE_USAGE = { input_tokens: 100, output_tokens: 20 };

interface MessagesRequest {
  model?: string;
  stream?: boolean;
  tools?: unknown[];
  messages?: { role: string }[];
}

function sse(res: ServerResponse, type: string, data: Record<string, unknown>): void {
  res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
}

type Block = { type: "text"; text: string } | { type: "tool_use"; id: string; name: string; input: Record<string, unknown> };

function blocksOf(turn: ScriptTurn, replyNumber: number): Block[] {
  const blocks: Block[] = [];
  if (turn.text) blocks.push({ type: "text", text: turn.text });
  (turn.tools ?? []).forEach((tool, i) => {
    const input = typeof tool.input === "string" ? { input: tool.input } : tool.input;
    blocks.push({ type: "tool_use", id: `toolu_fake_${replyNumber}_${i}`, name: tool.name, input });
  });
  return blocks;
}

function streamMessage(res: ServerResponse, id: string, model: string, blocks: Block[]): void {
  const stopReason = blocks.some((b) => b.type === "tool_use") ? "tool_use" : "end_turn";
  startSse(res);
  sse(res, "message_start", {
    message: { id, type: "message", role: "assistant", model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: FAKE_USAGE.input_tokens, output_tokens: 1 } },
  });
  blocks.forEach((block, index) => {
    if (block.type === "text") {
      sse(res, "content_block_start", { index, content_block: { type: "text", text: "" } });
      // Two deltas, so a client that only keeps the last delta would be caught out.
      const half = Math.ceil(block.text.length / 2);
      for (const text of [block.text.slice(0, half), block.text.slice(half)]) sse(res, "content_block_delta", { index, delta: { type: "text_delta", text } });
    } else {
      sse(res, "content_block_start", { index, content_block: { type: "tool_use", id: block.id, name: block.name, input: {} } });
      const json = JSON.stringify(block.input);
      const half = Math.ceil(json.length / 2);
      for (const partial_json of [json.slice(0, half), json.slice(half)]) sse(res, "content_block_delta", { index, delta: { type: "input_json_delta", partial_json } });
    }
    sse(res, "content_block_stop", { index });
  });
  sse(res, "message_delta", { delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: FAKE_USAGE.output_tokens } });
  sse(res, "message_stop", {});
  res.end();
}

export const anthropicHandler: ModelHandler = (req, res, script) => {
  const path = req.path.split("?")[0];
  if (req.method === "POST" && path.endsWith("/v1/messages/count_tokens")) return sendJson(res, 200, { input_tokens: FAKE_USAGE.input_tokens });
  if (req.method !== "POST" || !path.endsWith("/v1/messages")) return sendJson(res, 404, { type: "error", error: { type: "not_found_error", message: `no route ${req.method} ${path}` } });
  const body = (req.body ?? {}) as MessagesRequest;
  const model = body.model ?? "claude-fake";
  const replies = (body.messages ?? []).filter((m) => m.role === "assistant").length;
  // Requests without tools are the CLI's own side calls (titles, summaries): answer them plainly, off-script.
  const turn = body.tools?.length ? turnAt(script, replies) : { text: "ok" };
  const id = `msg_fake_${replies}`;
  const blocks = blocksOf(turn, replies);
  if (body.stream) return streamMessage(res, id, model, blocks);
  sendJson(res, 200, {
    id, type: "message", role: "assistant", model, content: blocks,
    stop_reason: blocks.some((b) => b.type === "tool_use") ? "tool_use" : "end_turn", stop_sequence: null, usage: FAKE_USAGE,
  });
};

export function startFakeAnthropic(opts: Partial<FakeModelOptions> = {}): Promise<FakeModelServer> {
  return startFakeModel(anthropicHandler, { ...opts, script: opts.script ?? DEFAULT_CLAUDE_SCRIPT });
}

runFromCommandLine(import.meta.url, anthropicHandler, DEFAULT_CLAUDE_SCRIPT);
