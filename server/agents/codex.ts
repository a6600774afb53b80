import { checkedEffort } from "./effort.ts";
import { type JsonEvent, jsonLinesParser } from "./line-parsers.ts";
import { log, messageEvents, sessionEvents, textLines, toolCallEvents, toolResultEvents, usageEvents } from "./log-format.ts";
import { taskPrompt } from "./prompt.ts";
import { type AgentAdapter, type AgentRunInput, DEFAULT_HOME, type ParsedEvent, type UsageActivity } from "./types.ts";
import { instructionFiles } from "./user-files.ts";

/**
 * Codex: `codex exec --json`, one JSON event per line: {type:"thread.started",thread_id}, {type:"turn.started"},
 * {type:"item.started"|"item.updated"|"item.completed",item:{id,type,...}} with item types agent_message,
 * reasoning, command_execution, file_change, mcp_tool_call, web_search, todo_list, error;
 * {type:"turn.completed",usage}, {type:"turn.failed",error}, {type:"error",message}.
 */

const EFFORTS = ["minimal", "low", "medium", "high", "xhigh"] as const;

/** The model provider a custom base URL is configured as (Codex's built-in provider would try WebSockets first). */
const PROVIDER = "coderflow";

function tomlString(value: string): string {
  return JSON.stringify(value);
}

function command(run: AgentRunInput) {
  const home = run.home ?? DEFAULT_HOME;
  const effort = checkedEffort("codex", EFFORTS, run.effort);
  const config = (setting: string) => ["-c", setting];
  const argv = [
    "codex",
    "exec",
    "--json",
    // /workspace holds the repositories; it is not one itself.
    "--skip-git-repo-check",
    // Codex's own sandbox relies on kernel features a locked-down container may not offer; the container is the sandbox.
    "--dangerously-bypass-approvals-and-sandbox",
    "-C", run.workdir,
    ...config("analytics.enabled=false"),
    ...(run.model ? ["-m", run.model] : []),
    ...(effort ? config(`model_reasoning_effort=${tomlString(effort)}`) : []),
    ...(run.baseUrl
      ? [
          ...config(`model_provider=${tomlString(PROVIDER)}`),
          ...config(`model_providers.${PROVIDER}={name="CoderFlow model endpoint",base_url=${tomlString(run.baseUrl)},env_key="CODEX_API_KEY",wire_api="responses"}`),
        ]
      : []),
    ...(run.resumeSessionId ? ["resume", run.resumeSessionId] : []),
    "--",
    taskPrompt(run),
  ];
  // CODEX_API_KEY is the key `codex exec` reads for the OpenAI provider, and the custom provider's env_key.
  const env: Record<string, string> = { HOME: home };
  if (run.apiKey) env.CODEX_API_KEY = run.apiKey;
  const files = instructionFiles({ instructionsFile: `${home}/.codex/AGENTS.md`, skillsDir: `${home}/.codex/skills`, agentsMd: run.agentsMd, skills: run.skills });
  return { argv, env, files };
}

/** Codex runs commands as `/bin/bash -lc <command quoted>`; the log shows the command itself. */
export function unwrapShell(command: string): string {
  const match = command.match(/^(?:\/usr)?(?:\/bin\/)?(?:ba)?sh -l?c (.*)$/s);
  if (!match) return command;
  const arg = match[1];
  const single = arg.match(/^'([^']*)'$/s);
  if (single) return single[1];
  // A command holding single quotes is double-quoted, with \" \\ \$ \` escaped.
  const double = arg.match(/^"((?:[^"\\]|\\.)*)"$/s);
  if (double) return double[1].replace(/\\(["\\$`])/g, "$1");
  return arg;
}

interface Item {
  id?: string;
  type?: string;
  text?: string;
  command?: string;
  aggregated_output?: string;
  exit_code?: number | null;
  status?: string;
  changes?: { path: string; kind: string }[];
  server?: string;
  tool?: string;
  arguments?: unknown;
  result?: unknown;
  error?: { message?: string } | null;
  query?: string;
  message?: string;
  items?: { text: string; completed: boolean }[];
}

function startedItem(item: Item): ParsedEvent[] {
  if (item.type === "command_execution" && item.command !== undefined) {
    return toolCallEvents({ id: item.id, tool: "shell", input: { command: item.command }, command: unwrapShell(item.command) });
  }
  if (item.type === "mcp_tool_call") return toolCallEvents({ id: item.id, tool: `${item.server}.${item.tool}`, input: item.arguments ?? {} });
  return [];
}

function completedItem(item: Item): ParsedEvent[] {
  switch (item.type) {
    case "agent_message":
      return messageEvents(item.text ?? "");
    case "reasoning":
      return textLines(item.text ?? "", "thinking: ");
    case "command_execution": {
      const events = toolResultEvents({ id: item.id, ok: item.exit_code === 0, output: item.aggregated_output ?? "" });
      if (item.exit_code !== 0 && item.exit_code !== null && item.exit_code !== undefined) events.push(log(`  exit code ${item.exit_code}`));
      return events;
    }
    case "file_change": {
      const changes = item.changes ?? [];
      const line = `→ apply_patch(${changes.map((c) => `${c.kind} ${c.path}`).join(", ")})`;
      const events = toolCallEvents({ id: item.id, tool: "apply_patch", input: { changes }, files: changes.map((c) => c.path), line });
      if (item.status === "failed") events.push(...toolResultEvents({ id: item.id, ok: false, output: "patch failed" }));
      return events;
    }
    case "mcp_tool_call": {
      const ok = item.status !== "failed" && !item.error;
      return toolResultEvents({ id: item.id, ok, output: ok ? JSON.stringify(item.result ?? "") : item.error?.message ?? "failed" });
    }
    case "web_search":
      return toolCallEvents({ id: item.id, tool: "web_search", input: { query: item.query ?? "" } });
    case "todo_list":
      return (item.items ?? []).map((todo) => log(`${todo.completed ? "[x]" : "[ ]"} ${todo.text}`));
    case "error":
      return textLines(item.message ?? "", "error: ");
    default:
      return [];
  }
}

function turnUsage(usage: Record<string, number>): ParsedEvent[] {
  const u: UsageActivity = {
    type: "usage",
    inputTokens: usage.input_tokens ?? 0,
    outputTokens: usage.output_tokens ?? 0,
    cachedInputTokens: usage.cached_input_tokens ?? 0,
    // turn.completed carries the thread's running totals: a resumed session's first turn includes the earlier runs.
    scope: "session",
  };
  return usageEvents(u);
}

function createParser() {
  return jsonLinesParser({
    onEvent(event: JsonEvent) {
      switch (event.type) {
        case "thread.started":
          return typeof event.thread_id === "string" ? sessionEvents(event.thread_id, undefined) : [];
        case "item.started":
          return startedItem(event.item as Item);
        case "item.completed":
          return completedItem(event.item as Item);
        case "turn.completed":
          return event.usage ? turnUsage(event.usage as Record<string, number>) : [];
        case "turn.failed":
          return textLines((event.error as { message?: string } | undefined)?.message ?? "turn failed", "error: ");
        case "error":
          return textLines(String(event.message ?? ""), "error: ");
        default:
          // turn.started, item.updated (todo list progress): nothing a reader needs twice.
          return [];
      }
    },
  });
}

export const codex: AgentAdapter = { name: "codex", efforts: EFFORTS, command, createParser };
