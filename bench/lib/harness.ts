// A real installation for benchmarks: a temporary CODERFLOW_HOME, a setup repository with the
// environments a bench needs, the server as its own process (so its RSS can be read), a
// developer API key. Traffic stays on 127.0.0.1.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { waitForHealth } from "./health-poll.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const BIN = join(ROOT, "cli/bin.js");

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface Installation {
  home: string;
  setup: string;
  env: Record<string, string>;
  cli(args: string[], input?: string): string;
}

export function installation(environments: Record<string, object>): Installation {
  const home = mkdtempSync(join(tmpdir(), "coderflow-bench-"));
  const setup = join(home, "setup");
  cpSync(join(ROOT, "setup-template"), setup, { recursive: true });
  rmSync(join(setup, "environments"), { recursive: true, force: true });
  for (const [name, config] of Object.entries(environments)) {
    mkdirSync(join(setup, "environments", name), { recursive: true });
    writeFileSync(join(setup, "environments", name, "environment.json"), JSON.stringify({ name, default_agent: "script", ...config }, null, 2));
  }
  const env = { ...process.env, CODERFLOW_HOME: home, CODERFLOW_SETUP_PATH: setup, CODERFLOW_SERVER_HOST: "127.0.0.1" } as Record<string, string>;
  const cli = (args: string[], input?: string) => execFileSync(process.execPath, [BIN, ...args], { env, input, encoding: "utf8", stdio: ["pipe", "pipe", "pipe"] });
  return { home, setup, env, cli };
}

export interface RunningServer {
  url: string;
  child: ChildProcess;
  rssKb(): number;
  stop(): Promise<void>;
}

export async function startServer(inst: Installation, extraEnv: Record<string, string> = {}): Promise<RunningServer> {
  const port = await freePort();
  const child = spawn(process.execPath, [BIN, "start"], { env: { ...inst.env, CODERFLOW_SERVER_PORT: String(port), ...extraEnv }, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout!.resume();
  child.stderr!.resume();
  const url = `http://127.0.0.1:${port}`;
  await waitForHealth(url, { timeoutMs: 15_000, exited: new Promise((resolve) => child.once("exit", resolve)) });
  return {
    url,
    child,
    rssKb: () => Number(readFileSync(`/proc/${child.pid}/status`, "utf8").match(/VmRSS:\s+(\d+)/)![1]),
    stop: () =>
      new Promise((resolve) => {
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

export function developerKey(inst: Installation): string {
  inst.cli(["create-user", "--username=bench", "--email=bench@example.test", "--role=developer", "--password-stdin"], "bench-password-1\n");
  return inst.cli(["api-key", "create", "--username=bench", "--name=bench"]).trim();
}

export function api(server: RunningServer, key: string) {
  return async (path: string, init: RequestInit = {}) => {
    const res = await fetch(server.url + path, { ...init, headers: { authorization: `Bearer ${key}`, "content-type": "application/json", ...init.headers } });
    if (!res.ok) throw new Error(`${init.method ?? "GET"} ${path}: ${res.status} ${await res.text()}`);
    return res;
  };
}

/** Milliseconds from submitting `instructions` to the SSE client seeing the line `expect`. */
export async function submitToLine(call: ReturnType<typeof api>, environment: string, instructions: string, expect: string): Promise<number> {
  const started = performance.now();
  const { id } = await (await call("/api/tasks", { method: "POST", body: JSON.stringify({ environment, instructions }) })).json();
  const reader = (await call(`/api/tasks/${id}/logs/stream`)).body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`task ${id}'s stream ended before "${expect}" arrived`);
    buffer += value;
    if (buffer.includes(`\ndata: ${expect}\n`)) {
      await reader.cancel();
      return performance.now() - started;
    }
  }
}

export function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

export function median(values: number[]): number {
  return quantile(values, 0.5);
}

export async function waitForTask(call: ReturnType<typeof api>, id: number, timeoutMs = 120_000): Promise<{ status: string; reason: string }> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const task = await (await call(`/api/tasks/${id}`)).json();
    if (["completed", "failed", "cancelled", "interrupted"].includes(task.status)) return task;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`task ${id} did not finish in ${timeoutMs} ms`);
}

export function cleanup(inst: Installation): void {
  rmSync(inst.home, { recursive: true, force: true });
}
