import { lineParser } from "./line-parsers.ts";
import { log } from "./log-format.ts";
import { type AgentAdapter, type AgentRunInput, DEFAULT_HOME } from "./types.ts";

/**
 * The script agent: the instructions are a bash script, stopped by the first failing command (pipelines
 * included). For codemods and deterministic jobs; it writes its own outputs, so it gets no prompt suffix, and
 * model, effort, session and skills mean nothing to it.
 */
function command(run: AgentRunInput) {
  return { argv: ["bash", "-eo", "pipefail", "-c", run.instructions], env: { HOME: run.home ?? DEFAULT_HOME } };
}

/** Every line the script prints is a log line, as printed: its output is not an agent's event stream. */
function createParser() {
  return lineParser((line) => [log(line)]);
}

export const script: AgentAdapter = { name: "script", efforts: [], command, createParser };
