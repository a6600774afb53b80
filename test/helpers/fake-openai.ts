import type { ServerResponse } from "node:http";
import { type FakeModelOptions, type FakeModelServer, type ModelHandler, type ScriptTurn, runFromCommandLine, sendJson, startFakeModel, startSse, turnAt } from "./fake-model.ts";

/**
 * A scripted OpenAI Responses API endpoint (POST /v1/responses, streaming) for the real Codex CLI, configured
 * as a custom model provider: -c model_provider=fake -c 'model_providers.fake={name="fake",
 * base_url="<url>",env_key="CODEX_API_KEY",wire_api="responses"}' (as server/agents/codex.ts does).
 * A tool whose input is a string becomes a freeform custom tool call (Codex's apply_patch); an object becomes
 * a function call with JSON arguments (exec_command).
 * Run standalone: npx tsx test/helpers/fake-openai.ts --port 0 [--host 0.0.0.0] [--script turns.json]
 */

/** Adds hello.txt with apply_patch, runs a command that reads it and one that fails, then reports on two lines. */
export const DEFAULT_CODEX_SCRIPT: ScriptTurn[] = [
  { text: "I'll create the file.", tools: [{ name: "apply_patch", input: "*** Begin Patch\n*** Add File: hello.txt\n+hello from the fake model\n*** End Patch\n" }] },
  { tools: [{ name: "exec_command", input: { cmd: "ls && cat hello.txt" } }] },
  { tools: [{ name: "exec_command", input: { cmd: "exit 3" } }] },
  { text: "Created hello.txt.\nThe listing shows it." },
];

export const FAKE_OPENAI_USAGE = { input_tokens: 100, input_tokens_details: { cached_tokens: 40 }, output_tokens: 20, output_tokens_details: { reasoning_tokens: 5 }, total_tokens: 120 };

interface InputItem {
  type?: string;
  role?: string;
}

const MODEL_SIDE = new Set(["function_call", "custom_tool_call", "reasoning", "local_shell_call"]);

/** One model reply is a run of consecutive model-side items (its message and tool calls) in the replayed input. */
function countReplies(input: InputItem[]): number {
  let replies = 0;
  let inReply = false;
  for (const item of input) {
    const modelSide = MODEL_SIDE.has(item.type ?? "") || (item.type === "message" && item.role === "assistant");
    if (modelSide && !inReply) replies++;
    inReply = modelSide;
  }
  return replies;
}

function outputItems(turn: ScriptTurn, reply: number): Record<string, unknown>[] {
  const items: Record<string, unknown>[] = [];
  if (turn.text) items.push({ type: "message", id: `msg_fake_${reply}`, role: "assistant", status: "completed", content: [{ type: "output_text", text: turn.text, annotations: [] }] });
  (turn.tools ?? []).forEach((tool, i) => {
    const call_id = `call_fake_${reply}_${i}`;
    items.push(
      typeof tool.input === "string"
        ? { type: "custom_tool_call", id: `ctc_fake_${reply}_${i}`, call_id, name: tool.name, input: tool.input, status: "completed" }
        : { type: "function_call", id: `fc_fake_${reply}_${i}`, call_id, name: tool.name, arguments: JSON.stringify(tool.input), status: "completed" },
    );
  });
  return items;
}

function sse(res: ServerResponse, type: string, data: Record<string, unknown>): void {
  res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
}

export const openaiHandler: ModelHandler = (req, res, script) => {
  const path = req.path.split("?")[0];
  if (req.method !== "POST" || !path.endsWith("/responses")) return sendJson(res, 404, { error: { message: `no route ${req.method} ${path}` } });
  const body = (req.body ?? {}) as { model?: string; input?: InputItem[] };
  const reply = countReplies(body.input ?? []);
  const items = outputItems(turnAt(script, reply), reply);
  const response = { id: `resp_fake_${reply}`, object: "response", model: body.model ?? "gpt-fake", status: "in_progress", output: [] as unknown[] };
  startSse(res);
  sse(res, "response.created", { response });
  items.forEach((item, output_index) => {
    sse(res, "response.output_item.added", { output_index, item: { ...item, status: "in_progress" } });
    if (item.type === "message") {
      const text = (item.content as { text: string }[])[0].text;
      sse(res, "response.output_text.delta", { item_id: item.id, output_index, content_index: 0, delta: text });
    }
    sse(res, "response.output_item.done", { output_index, item });
  });
  sse(res, "response.completed", { response: { ...response, status: "completed", output: items, usage: FAKE_OPENAI_USAGE } });
  res.end();
};

export function startFakeOpenAI(opts: Partial<FakeModelOptions> = {}): Promise<FakeModelServer> {
  return startFakeModel(openaiHandler, { ...opts, script: opts.script ?? DEFAULT_CODEX_SCRIPT });
}

runFromCommandLine(import.meta.url, openaiHandler, DEFAULT_CODEX_SCRIPT);
