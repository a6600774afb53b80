import type { Activity, ParsedEvent, UsageActivity } from "./types.ts";

/** How much of a tool's output a log shows: enough to follow the work, not a full dump of every file read. */
const RESULT_LINES = 5;
const LINE_CHARS = 200;
/** How much of it a tool_result activity keeps. */
const RESULT_CHARS = 2000;

export function activity(a: Activity): ParsedEvent {
  return { kind: "activity", ...a };
}

export function log(line: string): ParsedEvent {
  return { kind: "log", line };
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** Multi-line text as one log line per line, trailing blank lines dropped. */
export function textLines(text: string, prefix = ""): ParsedEvent[] {
  const lines = text.replace(/\s+$/, "").split(/\r?\n/);
  return lines[0] === "" && lines.length === 1 ? [] : lines.map((line) => log(prefix + line));
}

/** A tool's output, abbreviated and indented under the call it answers. */
function resultLines(output: string): ParsedEvent[] {
  const trimmed = output.replace(/\s+$/, "");
  if (!trimmed) return [];
  const lines = trimmed.split(/\r?\n/);
  const shown = lines.slice(0, RESULT_LINES).map((line) => log(`  ${clip(line, LINE_CHARS)}`));
  if (lines.length > RESULT_LINES) shown.push(log(`  … ${lines.length - RESULT_LINES} more lines`));
  return shown;
}

function resultOutput(output: string): string {
  return clip(output, RESULT_CHARS);
}

/** The argument that says what a tool call is about, for a one-line log entry. */
const KEY_ARGUMENTS = ["file_path", "notebook_path", "path", "dir_path", "pattern", "url", "query", "prompt", "description"];

function toolCallLine(tool: string, input: unknown): string {
  if (input && typeof input === "object") {
    const args = input as Record<string, unknown>;
    const key = KEY_ARGUMENTS.find((k) => typeof args[k] === "string" && args[k]);
    if (key) return `→ ${tool}(${clip(args[key] as string, LINE_CHARS)})`;
    const json = JSON.stringify(input);
    if (json !== "{}") return `→ ${tool}(${clip(json, LINE_CHARS)})`;
  }
  return `→ ${tool}`;
}

export function usageEvents(u: UsageActivity): ParsedEvent[] {
  const cached = u.cachedInputTokens ? ` (${u.cachedInputTokens} cached)` : "";
  const cost = u.costUsd !== undefined ? `, $${u.costUsd.toFixed(4)}` : "";
  return [activity(u), log(`tokens: ${u.inputTokens} in${cached}, ${u.outputTokens} out${cost}${u.scope === "session" ? " (session total)" : ""}`)];
}

/**
 * A tool call: the activity, its log line ("$ command" for a shell command, `line` where the caller knows a
 * better one than the generic), and a file_touched activity for each file it writes.
 */
export function toolCallEvents(call: { id?: string; tool: string; input: unknown; command?: string; files?: string[]; line?: string }): ParsedEvent[] {
  const events: ParsedEvent[] = [
    activity({ type: "tool_call", ...(call.id ? { id: call.id } : {}), tool: call.tool, input: call.input, ...(call.command !== undefined ? { command: call.command } : {}) }),
    log(call.line ?? (call.command !== undefined ? `$ ${call.command}` : toolCallLine(call.tool, call.input))),
  ];
  for (const path of call.files ?? []) events.push(activity({ type: "file_touched", path, tool: call.tool }));
  return events;
}

export function toolResultEvents(result: { id?: string; ok: boolean; output: string }): ParsedEvent[] {
  return [activity({ type: "tool_result", ...(result.id ? { id: result.id } : {}), ok: result.ok, output: resultOutput(result.output) }), ...resultLines(result.output)];
}

export function messageEvents(text: string): ParsedEvent[] {
  return text.trim() ? [activity({ type: "message", text }), ...textLines(text)] : [];
}

/** The session a run belongs to (what a follow-up resumes), and which model the CLI says it uses. */
export function sessionEvents(sessionId: string, model: unknown): ParsedEvent[] {
  const known = typeof model === "string" && model ? model : undefined;
  return [activity({ type: "session", sessionId, ...(known ? { model: known } : {}) }), log(`session ${sessionId}${known ? ` (${known})` : ""}`)];
}
