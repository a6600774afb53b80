import { checkedEffort } from "./effort.ts";
import { type JsonEvent, jsonLinesParser } from "./line-parsers.ts";
import { messageEvents, sessionEvents, textLines, toolCallEvents, toolResultEvents, usageEvents } from "./log-format.ts";
import { taskPrompt } from "./prompt.ts";
import { type AgentAdapter, type AgentRunInput, DEFAULT_HOME, type ParsedEvent, type UsageActivity } from "./types.ts";
import { instructionFiles } from "./user-files.ts";

/**
 * Claude Code headless: `claude -p --output-format stream-json --verbose`, one JSON event per line:
 * {type:"system",subtype:"init",session_id,model}, {type:"assistant",message:{content:[text|tool_use]}},
 * {type:"user",message:{content:[tool_result]}}, {type:"result",total_cost_usd,usage,is_error,...}.
 */

const EFFORTS = ["low", "medium", "high", "xhigh", "max"] as const;

/** Tools whose input names the file they write. */
const FILE_TOOLS: Record<string, string> = { Write: "file_path", Edit: "file_path", MultiEdit: "file_path", NotebookEdit: "notebook_path" };

function command(run: AgentRunInput) {
  const home = run.home ?? DEFAULT_HOME;
  const effort = checkedEffort("claude", EFFORTS, run.effort);
  const argv = [
    "claude",
    "-p",
    "--output-format", "stream-json",
    "--verbose",
    // Refused as root; the task container runs the CLI as `coder`, and the container is the sandbox.
    "--dangerously-skip-permissions",
    ...(run.model ? ["--model", run.model] : []),
    ...(effort ? ["--effort", effort] : []),
    ...(run.resumeSessionId ? ["--resume", run.resumeSessionId] : []),
    // After "--" a prompt that starts with "-" is still the prompt.
    "--",
    taskPrompt(run),
  ];
  const env: Record<string, string> = {
    HOME: home,
    // No telemetry, error reports or auto-update checks from task containers.
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
  };
  if (run.apiKey) env.ANTHROPIC_API_KEY = run.apiKey;
  if (run.baseUrl) env.ANTHROPIC_BASE_URL = run.baseUrl;
  const files = instructionFiles({ instructionsFile: `${home}/.claude/CLAUDE.md`, skillsDir: `${home}/.claude/skills`, agentsMd: run.agentsMd, skills: run.skills });
  return { argv, env, files };
}

interface ContentBlock {
  type: string;
  text?: string;
  id?: string;
  name?: string;
  input?: Record<string, unknown>;
  tool_use_id?: string;
  content?: string | { type: string; text?: string }[];
  is_error?: boolean;
}

function blocksOf(event: JsonEvent): ContentBlock[] {
  const content = (event.message as { content?: unknown } | undefined)?.content;
  if (typeof content === "string") return [{ type: "text", text: content }];
  return Array.isArray(content) ? (content as ContentBlock[]) : [];
}

function resultText(content: ContentBlock["content"]): string {
  if (typeof content === "string") return content;
  return (content ?? []).map((part) => (part.type === "text" ? part.text ?? "" : `[${part.type}]`)).join("\n");
}

function assistantEvents(event: JsonEvent): ParsedEvent[] {
  return blocksOf(event).flatMap((block): ParsedEvent[] => {
    if (block.type === "text") return messageEvents(block.text ?? "");
    if (block.type !== "tool_use") return [];
    const tool = block.name ?? "tool";
    const input = block.input ?? {};
    const fileKey = FILE_TOOLS[tool];
    const file = fileKey && typeof input[fileKey] === "string" ? (input[fileKey] as string) : undefined;
    const command = tool === "Bash" && typeof input.command === "string" ? input.command : undefined;
    return toolCallEvents({ id: block.id, tool, input, command, files: file ? [file] : [] });
  });
}

function toolResults(event: JsonEvent): ParsedEvent[] {
  return blocksOf(event)
    .filter((block) => block.type === "tool_result")
    .flatMap((block) => toolResultEvents({ id: block.tool_use_id, ok: !block.is_error, output: resultText(block.content) }));
}

function resultEvents(event: JsonEvent): ParsedEvent[] {
  const events: ParsedEvent[] = [];
  if (event.is_error || (typeof event.subtype === "string" && event.subtype !== "success")) {
    const errors = Array.isArray(event.errors) ? (event.errors as unknown[]).map(String).join("; ") : "";
    const reason = (typeof event.result === "string" && event.result) || errors || String(event.subtype);
    events.push(...textLines(reason, "error: "));
  }
  const usage = event.usage as Record<string, number> | undefined;
  if (usage) {
    const u: UsageActivity = {
      type: "usage",
      // The CLI reports uncached, cache-written and cache-read input separately; all three were sent to the model.
      inputTokens: (usage.input_tokens ?? 0) + (usage.cache_creation_input_tokens ?? 0) + (usage.cache_read_input_tokens ?? 0),
      outputTokens: usage.output_tokens ?? 0,
      cachedInputTokens: usage.cache_read_input_tokens ?? 0,
      ...(typeof event.total_cost_usd === "number" ? { costUsd: event.total_cost_usd } : {}),
      scope: "run",
    };
    events.push(...usageEvents(u));
  }
  return events;
}

function createParser() {
  let sessionReported = false;
  return jsonLinesParser({
    onEvent(event) {
      switch (event.type) {
        case "system":
          if (event.subtype !== "init" || sessionReported || typeof event.session_id !== "string") return [];
          sessionReported = true;
          return sessionEvents(event.session_id, event.model);
        case "assistant":
          return assistantEvents(event);
        case "user":
          return toolResults(event);
        case "result":
          return resultEvents(event);
        default:
          // stream_event (partial messages) and other bookkeeping: the complete messages carry the same content.
          return [];
      }
    },
  });
}

export const claude: AgentAdapter = { name: "claude", efforts: EFFORTS, command, createParser };
