import { spawn, type ChildProcess } from "node:child_process";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";

const BIN = fileURLToPath(new URL("../../cli/bin.js", import.meta.url));
// Long enough for a heavily loaded machine, short enough that a hung command fails the test instead of the run.
const TIMEOUT_MS = 60_000;

export interface CliOptions {
  /** CODERFLOW_HOME of the installation the command acts on. */
  home: string;
  env?: Record<string, string>;
  /** Written to standard input, which is then closed (so --password-stdin never waits). */
  input?: string;
  cwd?: string;
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The developer's own CODERFLOW_* variables must not leak into the installation under test. */
function cliEnvironment(opts: CliOptions): Record<string, string> {
  const inherited = Object.entries(process.env).filter(([k, v]) => !k.startsWith("CODERFLOW_") && v !== undefined) as [string, string][];
  return { ...Object.fromEntries(inherited), CODERFLOW_HOME: opts.home, ...opts.env };
}

/** A running `node cli/bin.js ...`, its output collected as it arrives. */
export class CliProcess {
  readonly child: ChildProcess;
  stdout = "";
  stderr = "";
  readonly exited: Promise<CliResult>;

  constructor(args: string[], opts: CliOptions) {
    this.child = spawn(process.execPath, [BIN, ...args], { cwd: opts.cwd, env: cliEnvironment(opts), stdio: ["pipe", "pipe", "pipe"] });
    this.child.stdout!.setEncoding("utf8").on("data", (s: string) => (this.stdout += s));
    this.child.stderr!.setEncoding("utf8").on("data", (s: string) => (this.stderr += s));
    this.child.stdin!.end(opts.input);
    const timer = setTimeout(() => this.child.kill("SIGKILL"), TIMEOUT_MS);
    this.exited = new Promise((resolve, reject) => {
      this.child.once("error", reject);
      this.child.once("close", (code) => {
        clearTimeout(timer);
        resolve({ code, stdout: this.stdout, stderr: this.stderr });
      });
    });
  }

  /** Resolves once the stream's output so far matches; rejects if the process exits first. */
  async waitFor(pattern: RegExp, stream: "stdout" | "stderr" = "stdout"): Promise<RegExpMatchArray> {
    const exitedEarly = this.exited.then((r) => {
      throw new Error(`coder-server exited (code ${r.code}) before printing ${pattern} on ${stream}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
    });
    const source = this.child[stream]!;
    const matched = new Promise<RegExpMatchArray>((resolve) => {
      const check = () => {
        const match = this[stream].match(pattern);
        if (!match) return;
        source.off("data", check);
        resolve(match);
      };
      source.on("data", check);
      check();
    });
    return Promise.race([matched, exitedEarly]);
  }

  /** Ends the process if a test left it running. */
  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
  }
}

// Each command spends most of a CPU second loading modules: more at once than there are
// cores only stretches every one of them towards its timeout.
const slots = availableParallelism();
let busy = 0;
const queue: (() => void)[] = [];

async function inSlot<T>(work: () => Promise<T>): Promise<T> {
  if (busy < slots) busy++;
  else await new Promise<void>((resolve) => queue.push(resolve));
  try {
    return await work();
  } finally {
    // Hand the slot straight to the next waiter, so nobody can slip in between.
    const next = queue.shift();
    if (next) next();
    else busy--;
  }
}

/** Runs one CLI command to completion; commands started together share the machine's cores. */
export function runCli(args: string[], opts: CliOptions): Promise<CliResult> {
  return inSlot(() => new CliProcess(args, opts).exited);
}
