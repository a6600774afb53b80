import { checkedEffort } from "./effort.ts";
import { type JsonEvent, jsonLinesParser } from "./line-parsers.ts";
import { messageEvents, sessionEvents, textLines, toolCallEvents, toolResultEvents, usageEvents } from "./log-format.ts";
import { taskPrompt } from "./prompt.ts";
import { type AgentAdapter, type AgentRunInput, DEFAULT_HOME, type ParsedEvent, type UsageActivity } from "./types.ts";
import { instructionFiles } from "./user-files.ts";

/**
 * Gemini CLI headless: `gemini -p <prompt> -o stream-json`, one JSON event per line:
 * {type:"init",session_id,model}, {type:"message",role,content,delta?}, {type:"tool_use",tool_name,tool_id,
 * parameters}, {type:"tool_result",tool_id,status,output?,error?}, {type:"error",severity,message},
 * {type:"result",status,error?,stats:{input_tokens,output_tokens,cached,...}}.
 */

/** Gemini 3's thinking levels; the CLI has no flag for them, so they go in through settings.json. */
const EFFORTS = ["low", "high"] as const;

/** Tools whose `file_path` parameter is a file they write. */
const FILE_TOOLS = new Set(["write_file", "replace"]);

function settings(effort: string | undefined): string {
  return JSON.stringify(
    {
      // With only GEMINI_API_KEY and GOOGLE_GEMINI_BASE_URL set, the CLI picks its "gateway" auth and refuses to start.
      security: { auth: { selectedType: "gemini-api-key" } },
      privacy: { usageStatisticsEnabled: false },
      general: { enableAutoUpdate: false, enableAutoUpdateNotification: false },
      ...(effort
        ? { modelConfigs: { customOverrides: [{ match: { model: "chat-base-3" }, modelConfig: { generateContentConfig: { thinkingConfig: { thinkingLevel: effort.toUpperCase() } } } }] } }
        : {}),
    },
    null,
    2,
  );
}

function command(run: AgentRunInput) {
  const home = run.home ?? DEFAULT_HOME;
  const effort = checkedEffort("gemini", EFFORTS, run.effort);
  const argv = [
    "gemini",
    // The joined form keeps a prompt that starts with "-" from being read as an option.
    `--prompt=${taskPrompt(run)}`,
    "--output-format", "stream-json",
    "--approval-mode", "yolo",
    // A fresh container has never trusted /workspace, and an untrusted folder turns yolo back into "ask".
    "--skip-trust",
    ...(run.model ? ["--model", run.model] : []),
    ...(run.resumeSessionId ? ["--resume", run.resumeSessionId] : []),
  ];
  const env: Record<string, string> = { HOME: home };
  if (run.apiKey) env.GEMINI_API_KEY = run.apiKey;
  if (run.baseUrl) env.GOOGLE_GEMINI_BASE_URL = run.baseUrl;
  const files = [
    { path: `${home}/.gemini/settings.json`, content: settings(effort) },
    ...instructionFiles({ instructionsFile: `${home}/.gemini/GEMINI.md`, skillsDir: `${home}/.gemini/skills`, agentsMd: run.agentsMd, skills: run.skills }),
  ];
  return { argv, env, files };
}

function toolUse(event: JsonEvent): ParsedEvent[] {
  const tool = String(event.tool_name ?? "tool");
  const input = (event.parameters ?? {}) as Record<string, unknown>;
  const file = FILE_TOOLS.has(tool) && typeof input.file_path === "string" ? input.file_path : undefined;
  const command = tool === "run_shell_command" && typeof input.command === "string" ? input.command : undefined;
  return toolCallEvents({ id: event.tool_id as string | undefined, tool, input, command, files: file ? [file] : [] });
}

function toolResult(event: JsonEvent): ParsedEvent[] {
  const error = event.error as { message?: string } | undefined;
  const ok = event.status === "success";
  const output = typeof event.output === "string" ? event.output : (error?.message ?? "");
  return toolResultEvents({ id: event.tool_id as string | undefined, ok, output });
}

function result(event: JsonEvent): ParsedEvent[] {
  const events: ParsedEvent[] = [];
  if (event.status === "error") events.push(...textLines((event.error as { message?: string } | undefined)?.message ?? "failed", "error: "));
  const stats = event.stats as Record<string, number> | undefined;
  if (stats) {
    const u: UsageActivity = { type: "usage", inputTokens: stats.input_tokens ?? 0, outputTokens: stats.output_tokens ?? 0, cachedInputTokens: stats.cached ?? 0, scope: "run" };
    events.push(...usageEvents(u));
  }
  return events;
}

function createParser() {
  // Assistant text streams as many {delta:true} messages; one message activity per reply, once it is complete.
  let text = "";
  const flushText = (): ParsedEvent[] => {
    const events = messageEvents(text);
    text = "";
    return events;
  };
  const handle = (event: JsonEvent): ParsedEvent[] => {
    switch (event.type) {
      case "init":
        return typeof event.session_id === "string" ? sessionEvents(event.session_id, event.model) : [];
      case "message":
        return [];
      case "tool_use":
        return toolUse(event);
      case "tool_result":
        return toolResult(event);
      case "error":
        return textLines(String(event.message ?? ""), `${event.severity === "warning" ? "warning" : "error"}: `);
      case "result":
        return result(event);
      default:
        return [];
    }
  };
  return jsonLinesParser({
    onEvent(event) {
      if (event.type === "message" && event.role === "assistant") {
        const content = String(event.content ?? "");
        if (event.delta) {
          text += content;
          return [];
        }
        return [...flushText(), ...messageEvents(content)];
      }
      return [...flushText(), ...handle(event)];
    },
    onEnd: flushText,
  });
}

export const gemini: AgentAdapter = { name: "gemini", efforts: EFFORTS, command, createParser };
