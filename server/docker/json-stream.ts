/**
 * Reads the newline-delimited JSON that the Docker API streams for builds, imports and pulls.
 * dockerode's own followProgress throws from inside a stream listener on a malformed line, which
 * would take the whole server down; here such a line is passed on as text instead.
 */
import { StringDecoder } from "node:string_decoder";

export type DockerStreamEvent = {
  stream?: string;
  status?: string;
  error?: string;
  errorDetail?: { code?: number; message?: string };
  aux?: { ID?: string };
  [key: string]: unknown;
};

export function readJsonLines(
  stream: NodeJS.ReadableStream,
  onEvent: (event: DockerStreamEvent) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    // The decoder keeps a UTF-8 character that straddles two chunks whole.
    const decoder = new StringDecoder("utf8");
    let pending = "";
    let settled = false;
    const emit = (line: string) => {
      const text = line.trim();
      if (!text) return;
      try {
        onEvent(JSON.parse(text) as DockerStreamEvent);
      } catch (err) {
        if (err instanceof SyntaxError) onEvent({ stream: `${text}\n` });
        else throw err;
      }
    };
    const settle = (err?: unknown) => {
      if (settled) return;
      settled = true;
      if (err) return reject(err);
      try {
        emit(pending + decoder.end());
        resolve();
      } catch (callbackErr) {
        reject(callbackErr);
      }
    };
    stream.on("data", (chunk: Buffer | string) => {
      if (settled) return;
      pending += typeof chunk === "string" ? chunk : decoder.write(chunk);
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      try {
        for (const line of lines) emit(line);
      } catch (err) {
        settle(err);
      }
    });
    stream.on("error", (err) => settle(err));
    stream.on("end", () => settle());
    stream.on("close", () => settle());
  });
}
