import type { CAC } from "cac";
import { readFileSync } from "node:fs";
import { CliError } from "../errors.ts";
import { remoteFromFlags, type RemoteClient, type SseEvent } from "../remote.ts";
import { printTable } from "../table.ts";
import type { taskJson } from "../../server/tasks/present.ts";
import { isFinished, TASK_STATES, type TaskStatus } from "../../server/tasks/tasks.ts";
import { readStdin } from "../prompt.ts";

/** A task as GET /api/tasks/:id sends it. */
type ApiTask = ReturnType<typeof taskJson>;

interface TaskFlags {
  server?: string;
  apiKey?: string;
  env?: string;
  agent?: string;
  model?: string;
  template?: string;
  param?: string[];
  branch?: string[];
  file?: string;
  status?: string;
  mine?: boolean;
  json?: boolean;
  follow?: boolean;
  "--": string[];
}

interface Action {
  usage: string;
  flags: (keyof TaskFlags)[];
  /** Number of positional arguments, or "instructions" for submit's free text. */
  args: 0 | 1 | "instructions";
  run(remote: RemoteClient, args: string[], flags: TaskFlags, fromStdin: boolean): Promise<void>;
}

const taskPath = (id: string) => `/api/tasks/${encodeURIComponent(id)}`;
const noSuchTask = (remote: RemoteClient, id: string) => `no task ${id} on ${remote.server}`;

const actions: Record<string, Action> = {
  submit: {
    usage: "task submit --env E [--agent A] [--model M] [--template T --param k=v ...] [--branch repo=branch ...] (INSTRUCTIONS | --file PATH | -)",
    flags: ["env", "agent", "model", "template", "param", "branch", "file"],
    args: "instructions",
    async run(remote, args, flags, fromStdin) {
      if (!flags.env) throw new CliError(`--env is required; usage: coder-server ${this.usage}`, 2);
      if (flags.param && !flags.template) throw new CliError("--param sets a template's parameters: give --template too", 2);
      const body = {
        environment: String(flags.env),
        instructions: await instructions(args, flags.file, fromStdin),
        ...(flags.agent !== undefined && { agent: String(flags.agent) }),
        ...(flags.model !== undefined && { model: String(flags.model) }),
        ...(flags.template !== undefined && { template: String(flags.template), parameters: pairs(flags.param, "--param", "name=value") }),
        ...(flags.branch && { branches: pairs(flags.branch, "--branch", "repository=branch") }),
      };
      const created = await remote.json<{ id: number | string; status: string; url?: string }>("/api/tasks", { method: "POST", body, notFound: `the server at ${remote.server} has no task API` });
      process.stderr.write(`Task ${created.id} ${created.status}${created.url ? `: ${new URL(created.url, remote.server).href}` : ""}\n`);
      console.log(String(created.id));
    },
  },
  list: {
    usage: "task list [--status S] [--env E] [--agent A] [--mine] [--json]",
    flags: ["status", "env", "agent", "mine", "json"],
    args: 0,
    async run(remote, _args, flags) {
      if (flags.status !== undefined && !(TASK_STATES as readonly string[]).includes(String(flags.status))) throw new CliError(`--status must be one of ${TASK_STATES.join(", ")}`, 2);
      const query = new URLSearchParams();
      if (flags.status !== undefined) query.set("status", String(flags.status));
      if (flags.env !== undefined) query.set("environment", String(flags.env));
      if (flags.agent !== undefined) query.set("agent", String(flags.agent));
      if (flags.mine) query.set("mine", "1");
      const tasks = await remote.json<ApiTask[]>(`/api/tasks${query.size ? `?${query}` : ""}`, { notFound: `the server at ${remote.server} has no task API` });
      if (flags.json) return console.log(JSON.stringify(tasks, null, 2));
      if (tasks.length === 0) return console.log("No tasks.");
      const rows = tasks.map((t) => [String(t.id), t.status, t.environment, t.agent, minutes(t.created_at), String(t.created_by), firstLine(t.instructions, 60)]);
      printTable(["ID", "STATUS", "ENVIRONMENT", "AGENT", "CREATED (UTC)", "BY", "INSTRUCTIONS"], rows);
    },
  },
  show: {
    usage: "task show ID [--json]",
    flags: ["json"],
    args: 1,
    async run(remote, [id], flags) {
      const task = await remote.json<ApiTask>(taskPath(id), { notFound: noSuchTask(remote, id) });
      if (flags.json) return console.log(JSON.stringify(task, null, 2));
      process.stdout.write(describeTask(task, remote.server));
    },
  },
  logs: {
    usage: "task logs ID [--follow]",
    flags: ["follow"],
    args: 1,
    async run(remote, [id], flags) {
      if (!flags.follow) return void process.stdout.write(await remote.text(`${taskPath(id)}/logs`, { notFound: noSuchTask(remote, id) }));
      const status = await followLogs(remote, id);
      if (status !== "completed") process.exitCode = 1;
    },
  },
  cancel: {
    usage: "task cancel ID",
    flags: [],
    args: 1,
    async run(remote, [id]) {
      const task = await remote.json<ApiTask>(`${taskPath(id)}/cancel`, { method: "POST", notFound: noSuchTask(remote, id) });
      console.log(`Task ${task.id} is ${task.status}${task.reason ? `: ${task.reason}` : ""}.`);
    },
  },
  diff: {
    usage: "task diff ID",
    flags: [],
    args: 1,
    async run(remote, [id]) {
      const diff = await remote.text(`${taskPath(id)}/diff`, { notFound: noSuchTask(remote, id) });
      if (diff) process.stdout.write(diff);
      else process.stderr.write(`Task ${id} changed nothing.\n`);
    },
  },
};

export function registerTaskCommands(cli: CAC): void {
  const command = cli
    .command("task <action> [...args]", "Tasks on a CoderFlow server over its API: submit, list, show, logs, cancel, diff")
    .usage(`task <action> ...\n\n${Object.values(actions).map((a) => `  $ coder-server ${a.usage}`).join("\n")}\n\nServer and key from CODERFLOW_SERVER and CODERFLOW_API_KEY, or --server and --api-key.`)
    .option("--server <url>", "Server URL (default: $CODERFLOW_SERVER)")
    .option("--api-key <key>", "API key (prefer $CODERFLOW_API_KEY: the command line is visible to other users)")
    .option("--env <environment>", "submit, list: the environment")
    .option("--agent <agent>", "submit, list: claude, codex, gemini or script")
    .option("--model <model>", "submit: the agent's model")
    .option("--template <template>", "submit: a task template")
    .option("--param <name=value>", "submit: a template parameter (repeatable)", { type: [String] })
    .option("--branch <repository=branch>", "submit: the branch of a repository (repeatable)", { type: [String] })
    .option("--file <path>", "submit: read the instructions from a file (or give - as the last argument for standard input)")
    .option("--status <status>", "list: only tasks in this state")
    .option("--mine", "list: only my tasks")
    .option("--json", "list, show: print JSON")
    .option("--follow", "logs: stream the log until the task ends; exit 0 if it completed, 1 if not")
    .example("CODERFLOW_SERVER=https://coder.example.com coder-server task submit --env demo --agent claude 'Fix the flaky test'")
    .example("coder-server task logs 42 --follow");
  command.action(async (name: string, args: string[], flags: TaskFlags) => {
    const action = actions[name];
    if (!action) throw new CliError(`unknown task action "${name}"; use one of: ${Object.keys(actions).join(", ")}`, 2);
    for (const key of Object.keys(flags) as (keyof TaskFlags)[]) {
      if (key !== "--" && key !== "server" && key !== "apiKey" && !action.flags.includes(key)) throw new CliError(`${flagName(key)} does not apply to task ${name}; usage: coder-server ${action.usage}`, 2);
    }
    // Whatever follows `--` is positional even if it starts with a dash (instructions like "-v fails").
    const positional = [...args, ...flags["--"]].map(String);
    const fromStdin = stdinRequested(cli.rawArgs);
    if (action.args !== "instructions" && (positional.length !== action.args || fromStdin)) throw new CliError(`usage: coder-server ${action.usage}`, 2);
    const remote = remoteFromFlags(flags);
    // `task logs 1 | head` closes the pipe early: that is the reader's choice, not an error.
    process.stdout.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
      throw err;
    });
    await action.run(remote, positional, flags, fromStdin);
  });
}

/**
 * A lone "-" asks for standard input. cac's parser drops it (and takes the next word as its value),
 * so it is looked for in the raw arguments before any `--`.
 */
function stdinRequested(rawArgs: string[]): boolean {
  const end = rawArgs.indexOf("--");
  const raw = end === -1 ? rawArgs : rawArgs.slice(0, end);
  const at = raw.indexOf("-");
  if (at === -1) return false;
  if (at + 1 < raw.length && !raw[at + 1].startsWith("-")) throw new CliError(`"-" (instructions from standard input) must come after "${raw[at + 1]}", as the last argument`, 2);
  return true;
}

async function instructions(args: string[], file: string | undefined, fromStdin: boolean): Promise<string> {
  const sources = [args.length > 0, file !== undefined, fromStdin].filter(Boolean).length;
  if (sources !== 1) throw new CliError(`give the instructions one way: as an argument, with --file PATH, or "-" for standard input`, 2);
  let text: string;
  if (fromStdin || file === "-") text = await readStdin("Reading the instructions from standard input; end with Ctrl-D.\n");
  else if (file !== undefined) {
    try {
      text = readFileSync(String(file), "utf8");
    } catch (err) {
      throw new CliError(`cannot read --file ${file}: ${(err as Error).message}`, 2);
    }
  } else text = args.join(" ");
  if (!text.trim()) throw new CliError("the instructions are empty", 2);
  return text;
}

/** Repeated `--flag key=value` as an object; values may contain "=". */
function pairs(values: string[] | undefined, flag: string, shape: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const value of values ?? []) {
    const eq = value.indexOf("=");
    if (eq <= 0) throw new CliError(`${flag} "${value}" must look like ${shape}`, 2);
    result[value.slice(0, eq)] = value.slice(eq + 1);
  }
  return result;
}

interface StatusEvent {
  status: string;
  reason?: string | null;
}

/**
 * Prints log lines to stdout as they arrive and status changes to stderr until the stream ends;
 * returns the final status. Resuming after a drop is the client's (Last-Event-ID).
 */
async function followLogs(remote: RemoteClient, id: string): Promise<string> {
  let last: StatusEvent | undefined;
  await remote.follow(`${taskPath(id)}/logs/stream`, {
    onEvents(events: SseEvent[]) {
      let out = "";
      const flush = () => {
        if (out) process.stdout.write(out);
        out = "";
      };
      for (const event of events) {
        if (event.type === "log") out += `${event.data}\n`;
        else if (event.type === "status") {
          const status = parseStatus(event.data);
          if (!status) continue;
          flush();
          // Every connection starts with the current status: only say what changed.
          if (status.status !== last?.status) process.stderr.write(`Task ${id} ${status.status}${status.reason ? `: ${status.reason}` : ""}\n`);
          last = status;
        } else if (event.type === "end") {
          flush();
          return true;
        }
      }
      flush();
      return false;
    },
    onReconnect: (reason, delayMs) => process.stderr.write(`coder-server: ${reason}; resuming ${delayMs ? `in ${delayMs / 1000} s` : "now"}\n`),
  });
  if (last && isFinished(last.status as TaskStatus)) return last.status;
  return (await remote.json<ApiTask>(taskPath(id), { notFound: noSuchTask(remote, id) })).status;
}

function parseStatus(data: string): StatusEvent | undefined {
  try {
    const parsed = JSON.parse(data) as StatusEvent;
    return typeof parsed?.status === "string" ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function describeTask(t: ApiTask, server: string): string {
  const fields: [string, string | null | undefined][] = [
    ["Status", `${t.status}${t.reason ? ` (${t.reason})` : ""}`],
    ["Exit code", t.exit_code === null || t.exit_code === undefined ? undefined : String(t.exit_code)],
    ["Environment", t.environment],
    ["Agent", t.model ? `${t.agent} (${t.model})` : t.agent],
    ["Created", `${t.created_at ?? "?"} by ${t.created_by}`],
    ["Started", t.started_at],
    ["Finished", t.finished_at],
    ["Usage", t.usage && `${t.usage.tokens_in ?? 0} tokens in, ${t.usage.tokens_out ?? 0} out, $${(t.usage.cost_usd ?? 0).toFixed(4)}`],
    ["URL", t.url && new URL(t.url, server).href],
  ];
  const width = Math.max(...fields.map(([k]) => k.length));
  let text = `Task ${t.id}\n`;
  for (const [key, value] of fields) if (value) text += `  ${key.padEnd(width)}  ${value}\n`;
  const files = t.files_changed ?? [];
  if (files.length) text += `\nFiles changed (${files.length}):\n${files.map((f) => `  ${f}\n`).join("")}`;
  for (const [title, body] of [["Instructions", t.instructions], ["Summary", t.summary], ["Commit message", t.commit_message]] as const) {
    if (body?.trim()) text += `\n${title}:\n${indent(body)}`;
  }
  return text;
}

const indent = (text: string) => text.trimEnd().split("\n").map((l) => `  ${l}\n`).join("");
function minutes(iso: string | null): string {
  const time = iso ? new Date(iso) : undefined;
  return time && !Number.isNaN(time.getTime()) ? time.toISOString().slice(0, 16).replace("T", " ") : "";
}
const flagName = (key: string) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

function firstLine(text: string, max: number): string {
  const line = text.trim().split("\n")[0];
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
