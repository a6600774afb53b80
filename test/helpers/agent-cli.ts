import { execFileSync, spawn, spawnSync } from "node:child_process";
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { AgentAdapter, AgentRunInput } from "../../server/agents/index.ts";

/**
 * Runs a real agent CLI on this host the way the task runner starts it in a container: the adapter's files
 * written first, its argv and env, as a non-root user (Claude Code refuses --dangerously-skip-permissions as
 * root), in a throwaway home/workspace/task-output tree, so nothing touches the developer's own CLI config.
 */

/** The account the CLIs run as when the tests run as root; created on first use. */
const AGENT_USER = "coderflow-agent";
// A real CLI against a loopback endpoint finishes in seconds; this only stops a hang from stalling the suite.
const TIMEOUT_MS = 60_000;

export function cliInstalled(name: string): boolean {
  return spawnSync(name, ["--version"], { stdio: "ignore" }).status === 0;
}

function agentUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  if (spawnSync("id", ["-u", AGENT_USER], { stdio: "ignore" }).status !== 0) {
    // --no-create-home: every run gets its own temporary HOME.
    execFileSync("useradd", ["--no-create-home", "--shell", "/bin/bash", "--user-group", AGENT_USER]);
  }
  const id = (flag: string) => Number(execFileSync("id", [flag, AGENT_USER], { encoding: "utf8" }).trim());
  return { uid: id("-u"), gid: id("-g") };
}

function chownTree(path: string, owner: { uid: number; gid: number }): void {
  chownSync(path, owner.uid, owner.gid);
  if (statSync(path).isDirectory()) for (const entry of readdirSync(path)) chownTree(join(path, entry), owner);
}

export interface AgentSandbox {
  home: string;
  workdir: string;
  outputDir: string;
  /** The run's paths, for `adapter.command({...sandbox.paths, instructions})`. */
  paths: Pick<AgentRunInput, "home" | "workdir" | "outputDir">;
  run(adapter: AgentAdapter, input: Omit<AgentRunInput, "home" | "workdir" | "outputDir">): Promise<{ code: number | null; stdout: string; stderr: string }>;
  remove(): void;
}

export function agentSandbox(): AgentSandbox {
  const root = mkdtempSync(join(tmpdir(), "coderflow-agent-"));
  const home = join(root, "home");
  const workdir = join(root, "workspace");
  const outputDir = join(root, "task-output");
  for (const dir of [home, workdir, outputDir]) mkdirSync(dir);
  chmodSync(root, 0o755);
  const owner = agentUser();
  const paths = { home, workdir, outputDir };
  return {
    home,
    workdir,
    outputDir,
    paths,
    run(adapter, input) {
      const command = adapter.command({ ...input, ...paths });
      for (const file of command.files ?? []) {
        mkdirSync(dirname(file.path), { recursive: true });
        writeFileSync(file.path, file.content);
      }
      if (owner) chownTree(root, owner);
      const child = spawn(command.argv[0], command.argv.slice(1), {
        cwd: workdir,
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...command.env },
        stdio: [command.stdin === undefined ? "ignore" : "pipe", "pipe", "pipe"],
        ...owner,
      });
      if (command.stdin !== undefined) child.stdin!.end(command.stdin);
      let stdout = "";
      let stderr = "";
      child.stdout!.setEncoding("utf8").on("data", (s: string) => (stdout += s));
      child.stderr!.setEncoding("utf8").on("data", (s: string) => (stderr += s));
      const timer = setTimeout(() => child.kill("SIGKILL"), TIMEOUT_MS);
      return new Promise((resolve, reject) => {
        child.once("error", reject);
        child.once("close", (code) => {
          clearTimeout(timer);
          resolve({ code, stdout, stderr });
        });
      });
    },
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}
