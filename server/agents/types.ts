/**
 * Agent adapters: how each coding agent CLI is started inside a task container and how its output becomes
 * log lines and structured activity. Pure functions of their input: no HTTP, no Docker.
 */

export type AgentName = "claude" | "codex" | "gemini" | "script";

export interface AgentFile {
  /** Absolute path inside the container. */
  path: string;
  content: string;
}

export interface SkillInput {
  /** The skill's folder name, e.g. "release-notes". */
  id: string;
  /** SKILL.md and its supporting files, paths relative to the skill's folder. */
  files: { path: string; content: string }[];
}

export interface AgentRunInput {
  instructions: string;
  model?: string;
  /** One of the adapter's `efforts`; anything else is refused with a message naming the choices. */
  effort?: string;
  /** The session id a previous run reported (a `session` activity), to continue that conversation. */
  resumeSessionId?: string;
  apiKey?: string;
  /** A custom model endpoint for the CLI (a proxy, a gateway, or a scripted endpoint in tests). */
  baseUrl?: string;
  /** Where the CLI runs; also the directory its sessions are filed under, so a resume must use the same one. */
  workdir: string;
  outputDir: string;
  /** The environment's standing instructions (AGENTS.md). */
  agentsMd?: string;
  skills?: SkillInput[];
  /** Absolute paths of files a person attached to the task. */
  attachments?: string[];
  /** Home of the non-root user the CLI runs as; the CLIs' user-level config lives here. Default /home/coder. */
  home?: string;
}

export interface AgentCommand {
  argv: string[];
  env: Record<string, string>;
  stdin?: string;
  /** To be written before the command starts. All under `home`, so the repositories' working trees stay clean. */
  files?: AgentFile[];
}

/** Token counts and cost as the CLI reports them. */
export type UsageActivity = {
  type: "usage";
  inputTokens: number;
  outputTokens: number;
  /** Input tokens served from the prompt cache, where the CLI says. */
  cachedInputTokens?: number;
  costUsd?: number;
  /** "run": this invocation alone; "session": running totals of the whole session, resumed runs included. */
  scope: "run" | "session";
};

export type Activity =
  | { type: "session"; sessionId: string; model?: string }
  | { type: "message"; text: string }
  | { type: "tool_call"; id?: string; tool: string; input: unknown; command?: string }
  | { type: "tool_result"; id?: string; ok: boolean; output: string }
  | { type: "file_touched"; path: string; tool: string }
  | UsageActivity;

export type ParsedEvent = { kind: "log"; line: string } | ({ kind: "activity" } & Activity);

/** Turns a CLI's stdout, in chunks of any size, into events; `end` flushes what an unterminated last line held. */
export interface AgentParser {
  push(chunk: string): ParsedEvent[];
  end(): ParsedEvent[];
}

export interface AgentAdapter {
  name: AgentName;
  /** Effort levels the CLI accepts, in increasing order; empty when it has no such setting. */
  efforts: readonly string[];
  command(run: AgentRunInput): AgentCommand;
  createParser(): AgentParser;
}

/** Home of the task container's non-root user `coder`. */
export const DEFAULT_HOME = "/home/coder";
