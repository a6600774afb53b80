import { createInterface } from "node:readline";
import { CliError } from "./errors.ts";

/** Asks on the terminal without echoing what is typed. */
export function promptHidden(question: string): Promise<string> {
  if (!process.stdin.isTTY) throw new CliError("no terminal to ask for a password on; pass --password-stdin and pipe it in");
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
    const write = (rl as unknown as { _writeToOutput: (s: string) => void });
    process.stderr.write(question);
    write._writeToOutput = () => undefined;
    rl.question("", (answer) => {
      rl.close();
      process.stderr.write("\n");
      resolve(answer);
    });
    rl.on("SIGINT", () => {
      rl.close();
      reject(new CliError("cancelled", 130));
    });
  });
}

/** All of standard input, as UTF-8 (chunks joined before decoding, so no character is split). */
export async function readStdin(ttyHint?: string): Promise<string> {
  if (ttyHint && process.stdin.isTTY) process.stderr.write(ttyHint);
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export async function readStdinLine(): Promise<string> {
  const line = (await readStdin()).split(/\r?\n/)[0];
  if (!line) throw new CliError("--password-stdin: nothing was read from standard input");
  return line;
}

/** A new password: from stdin for scripts, else typed twice. */
export async function newPassword(fromStdin: boolean): Promise<string> {
  if (fromStdin) return readStdinLine();
  const first = await promptHidden("Password: ");
  const second = await promptHidden("Repeat password: ");
  if (first !== second) throw new CliError("the two passwords do not match; nothing was changed");
  return first;
}
