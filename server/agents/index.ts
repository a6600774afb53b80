import { claude } from "./claude.ts";
import { codex } from "./codex.ts";
import { gemini } from "./gemini.ts";
import { script } from "./script.ts";
import type { AgentAdapter, AgentName } from "./types.ts";

export const AGENTS: Record<AgentName, AgentAdapter> = { claude, codex, gemini, script };

export function agentFor(name: string): AgentAdapter | undefined {
  return Object.hasOwn(AGENTS, name) ? AGENTS[name as AgentName] : undefined;
}

export type * from "./types.ts";
