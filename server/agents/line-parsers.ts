import { log } from "./log-format.ts";
import type { AgentParser, ParsedEvent } from "./types.ts";

export type JsonEvent = Record<string, unknown>;

/** Line framing: a line may arrive across chunks; an unterminated last line is handled at the end. */
export function lineParser(onLine: (line: string) => ParsedEvent[], onEnd?: () => ParsedEvent[]): AgentParser {
  let partial = "";
  const line = (raw: string) => onLine(raw.endsWith("\r") ? raw.slice(0, -1) : raw);
  return {
    push(chunk) {
      const lines = (partial + chunk).split("\n");
      partial = lines.pop()!;
      return lines.flatMap(line);
    },
    end() {
      const last = partial;
      partial = "";
      return [...(last ? line(last) : []), ...(onEnd?.() ?? [])];
    },
  };
}

/**
 * The parser every JSON-lines CLI adapter shares: hands each JSON object to `onEvent` and passes anything else
 * through as a log line: the runner merges stderr into the stream, so warnings and crash traces arrive here.
 */
export function jsonLinesParser(handlers: { onEvent: (event: JsonEvent) => ParsedEvent[]; onEnd?: () => ParsedEvent[] }): AgentParser {
  return lineParser((line) => {
    if (!line.trim()) return [];
    let event: unknown;
    try {
      event = JSON.parse(line);
    } catch {
      return [log(line)];
    }
    if (typeof event !== "object" || event === null || Array.isArray(event)) return [log(line)];
    try {
      return handlers.onEvent(event as JsonEvent);
    } catch {
      // An event of a shape this adapter does not know (a newer CLI): show it rather than lose it.
      return [log(line)];
    }
  }, handlers.onEnd);
}
