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

export async function readStdinLine(): Promise<string> {
  let data = "";
  for await (const chunk of process.stdin) data += chunk;
  const line = data.split(/\r?\n/)[0];
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
