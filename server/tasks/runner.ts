import type { Builds } from "../environments/builds.ts";
import { RequestError } from "../http/request-error.ts";
import { repoPath } from "../environments/dockerfile.ts";
import type { EnvironmentRegistry } from "../environments/registry.ts";
import type { DockerEngine } from "../docker/engine.ts";
import type { Logger } from "../log.ts";
import type { LogStore } from "../logs/store.ts";
import { Redactor } from "../secrets/redact.ts";
import type { EnvironmentSecrets, ResolvedSecret } from "../secrets/secrets.ts";
import { renderTemplate } from "../templates/template.ts";
import type { Environment } from "../setup/load.ts";
import { type AgentAdapter, DEFAULT_HOME, type ParsedEvent } from "../agents/types.ts";
import type { TaskContainers } from "./container.ts";
import { isFinished, taskStream, type Attachment, type Task, type TaskStatus, type TaskStore } from "./tasks.ts";
import { STDIN_PATH, WRAPPER_PATH, wrapperScript } from "./wrapper.ts";
import { BranchError, prepareBranches } from "./branches.ts";
import { ATTACHMENT_DIR, checkAttachments } from "./attachments.ts";
import { OutputPosition } from "./output-position.ts";

export class TaskRequestError extends RequestError {}

export interface SubmitInput {
  environment: string;
  instructions?: string;
  agent?: string;
  model?: string;
  effort?: string;
  template?: string;
  attachments?: Attachment[];
  parameters?: Record<string, string | string[]>;
  branches?: Record<string, string>;
}

interface RunnerDeps {
  tasks: TaskStore;
  logs: LogStore;
  registry: EnvironmentRegistry;
  builds: Builds;
  secrets: EnvironmentSecrets;
  containers: TaskContainers;
  engine: DockerEngine;
  agents: (name: string) => AgentAdapter | undefined;
  agentApiKey: (agent: string) => Promise<string | undefined>;
  /** The model endpoint an admin set for the agent, when it is not the vendor's. */
  agentBaseUrl: (agent: string) => Promise<string | undefined>;
  log: Logger;
  /** Labels this installation's containers, so two installations on one host never adopt each other's. */
  installation: string;
  concurrency: number;
  /** Extra environment for agent processes (e.g. a model endpoint's base URL). */
  agentEnv?: Record<string, string>;
  /** Replaces every environment's network mode, e.g. "host" to reach a model endpoint on the host's loopback. */
  networkOverride?: "host" | "none" | "bridge";
  now?: () => number;
}

const OUTPUT_LIMIT = 5 * 1024 * 1024;

/**
 * Runs tasks: a queue with a global concurrency limit and exactly one active run per task,
 * each run in its own locked-down container whose output is stored line by line before it
 * is sent to anyone, and picked up again after a server restart.
 */
export class TaskRunner {
  #queue: number[] = [];
  #active = new Map<number, { containerId?: string; timer?: ReturnType<typeof setTimeout> }>();
  #stopping = false;
  /** Aborted on stop: log capture lets go of the containers, which carry on without the server. */
  #detach = new AbortController();

  constructor(private d: RunnerDeps) {}

  #now(): number {
    return (this.d.now ?? Date.now)();
  }

  get activeCount(): number {
    return this.#active.size;
  }

  async submit(input: SubmitInput, userId: number): Promise<Task> {
    const env = this.d.registry.get(input.environment ?? "");
    if (!env) throw new TaskRequestError(`no environment named "${input.environment}"`, 404);
    if (env.problems.length || !env.config) throw new TaskRequestError(`environment "${env.name}" is broken; fix its setup repository files first`, 409);
    const agent = input.agent || env.config.default_agent;
    const adapter = this.d.agents(agent);
    if (!adapter) throw new TaskRequestError(`agent "${agent}" is not one of claude, codex, gemini, script`);
    if (input.effort && !adapter.efforts.includes(input.effort)) {
      throw new TaskRequestError(adapter.efforts.length ? `effort "${input.effort}" is not one of ${adapter.efforts.join(", ")} for ${agent}` : `the ${agent} agent has no effort setting`);
    }
    const attachments = checkAttachments(input.attachments ?? []);
    let instructions = input.instructions ?? "";
    if (input.template) {
      const template = env.templates.find((t) => t.id === input.template);
      if (!template) throw new TaskRequestError(`environment "${env.name}" has no task template "${input.template}"`, 404);
      try {
        instructions = renderTemplate(template, input.parameters ?? {}) + (instructions ? `\n\n${instructions}` : "");
      } catch (err) {
        throw new TaskRequestError((err as Error).message);
      }
    }
    if (!instructions.trim()) throw new TaskRequestError("instructions are required (or a template)");
    for (const [repo, branch] of Object.entries(input.branches ?? {})) {
      const config = env.config.repos.find((r) => r.name === repo);
      if (!config) throw new TaskRequestError(`environment "${env.name}" has no repository "${repo}"`);
      if (typeof branch !== "string" || !/^[\w./-]+$/.test(branch) || branch.includes("..")) throw new TaskRequestError(`branch "${branch}" of repository "${repo}" is not a branch name`);
      if (branch !== config.branch && !config.allow_branch_selection) {
        throw new TaskRequestError(`repository "${repo}" is fixed at branch "${config.branch}" (allow_branch_selection is false in its environment.json)`);
      }
    }
    if (!(await this.d.builds.currentImage(env.name))) throw new TaskRequestError(`environment "${env.name}" has no image yet; build it first`, 409);
    const task = await this.d.tasks.create({
      environment: env.name,
      agent,
      model: input.model ?? null,
      effort: input.effort || null,
      instructions,
      template: input.template ?? null,
      parameters: input.parameters ?? {},
      branches: input.branches ?? {},
      created_by: userId,
      attachments,
    });
    await this.d.logs.append(taskStream(task.id), [`queued: ${agent} on ${env.name}`]);
    this.#queue.push(task.id);
    this.#pump();
    return task;
  }

  async cancel(id: number, by: string): Promise<Task> {
    const task = await this.d.tasks.get(id);
    if (!task) throw new TaskRequestError(`no task ${id}`, 404);
    if (isFinished(task.status)) throw new TaskRequestError(`task ${id} has already ${task.status === "cancelled" ? "been cancelled" : "finished"}`, 409);
    await this.d.tasks.update(id, { cancel_requested_by: by });
    const queued = this.#queue.indexOf(id);
    if (queued >= 0 && !this.#active.has(id)) {
      this.#queue.splice(queued, 1);
      return this.#finish(id, "cancelled", `cancelled by ${by} before it started`, null);
    }
    const containerId = this.#active.get(id)?.containerId ?? task.container_id;
    if (containerId) await this.d.containers.kill(containerId).catch(() => undefined);
    return (await this.d.tasks.get(id))!;
  }

  /**
   * Continues a finished task: the next run starts from a snapshot of the last container, so the
   * workspace carries over, and the agent resumes its session where the CLI supports it.
   */
  async followUp(id: number, instructions: string, by: string): Promise<Task> {
    const task = await this.d.tasks.get(id);
    if (!task) throw new TaskRequestError(`no task ${id}`, 404);
    if (!instructions?.trim()) throw new TaskRequestError("a follow-up needs instructions");
    if (!isFinished(task.status) || this.#active.has(id) || this.#queue.includes(id)) {
      throw new TaskRequestError(`task ${id} is ${task.status}: one run at a time; wait for it to finish or cancel it, then send the follow-up`, 409);
    }
    if (!task.container_id || task.container_removed) throw new TaskRequestError(`task ${id}'s container has been cleaned up; start a new task (or fork it) instead`, 409);
    await this.d.tasks.update(id, { status: "queued", follow_up: instructions, reason: null, exit_code: null, finished_at: null, cancel_requested_by: null });
    await this.d.logs.append(taskStream(id), [`follow-up by ${by}: ${instructions.split("\n")[0].slice(0, 200)}`]);
    this.d.logs.publishStatus(taskStream(id), statusOf((await this.d.tasks.get(id))!));
    this.#queue.push(id);
    this.#pump();
    return (await this.d.tasks.get(id))!;
  }

  /**
   * Removes containers of tasks finished longer ago than the cleanup age; logs, outputs and
   * diffs stay in the database. Returns how many were removed.
   */
  async sweep(maxAgeMs: number): Promise<number> {
    const cutoff = this.#now() - maxAgeMs;
    let removed = 0;
    for (const task of await this.d.tasks.withStatus("completed", "failed", "cancelled", "interrupted")) {
      if (!task.container_id || task.container_removed || (task.finished_at ?? Infinity) > cutoff || this.#active.has(task.id)) continue;
      await this.d.containers.remove(task.container_id);
      await this.d.containers.removeImage(`${this.#snapshotRepo()}:${task.id}`);
      await this.d.tasks.update(task.id, { container_removed: true });
      removed++;
    }
    if (removed) this.d.log.info("tasks.containers_removed", { count: removed });
    return removed;
  }

  #snapshotRepo(): string {
    return `coderflow-task-${this.d.installation}`;
  }

  /** After a start: queued tasks go back in the queue, running ones are reattached to their containers. */
  async recover(): Promise<void> {
    const pending = await this.d.tasks.withStatus("queued", "preparing", "running");
    if (pending.length === 0) return;
    const ping = await this.d.engine.ping();
    for (const task of pending) {
      // Queued, or a follow-up whose new container was not made yet: nothing ran, so queue it again.
      if (task.status === "queued" || (task.status === "preparing" && task.follow_up !== null)) {
        if (task.status === "preparing") await this.d.tasks.update(task.id, { status: "queued" });
        this.#queue.push(task.id);
        continue;
      }
      if (!ping.ok) {
        await this.#finish(task.id, "interrupted", `Docker unreachable when the server restarted: ${ping.error}`, null);
        continue;
      }
      const state = task.container_id ? await this.d.containers.state(task.container_id).catch(() => null) : null;
      if (!state || !task.container_id) {
        if (task.status === "preparing") {
          await this.d.tasks.update(task.id, { status: "queued" });
          this.#queue.push(task.id);
        } else {
          await this.#finish(task.id, "interrupted", "its container disappeared while the server was stopped", null);
        }
        continue;
      }
      this.d.log.info("task.reattached", { task: task.id, container: task.container_id.slice(0, 12) });
      this.#active.set(task.id, { containerId: task.container_id });
      void this.#guard(task.id, () => this.#follow(task, task.container_id!));
    }
    this.#pump();
  }

  /** Stops taking work; running containers carry on and are picked up by the next start. */
  stop(): void {
    this.#stopping = true;
    for (const a of this.#active.values()) clearTimeout(a.timer);
    this.#detach.abort();
  }

  #pump(): void {
    while (!this.#stopping && this.#active.size < this.d.concurrency && this.#queue.length) {
      const id = this.#queue.shift()!;
      if (this.#active.has(id)) continue;
      this.#active.set(id, {});
      void this.#guard(id, () => this.#start(id));
    }
  }

  async #guard(id: number, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (err) {
      // While stopping, the database is closing; the next start takes the task up again.
      if (this.#stopping) return;
      const ping = await this.d.engine.ping();
      const lost = !ping.ok || lostDockerConnection(err);
      const reason = !ping.ok ? `Docker unreachable: ${ping.error}` : lost ? `lost the connection to Docker (the daemon stopped or restarted): ${(err as Error).message}` : `internal error: ${(err as Error).message}`;
      this.d.log.error("task.error", { task: id, error: (err as Error).message });
      const task = await this.d.tasks.get(id);
      if (task && !isFinished(task.status)) await this.#finish(id, lost ? "interrupted" : "failed", reason, null).catch(() => undefined);
    } finally {
      clearTimeout(this.#active.get(id)?.timer);
      this.#active.delete(id);
      this.#pump();
    }
  }

  async #setStatus(id: number, status: TaskStatus, fields: Partial<Task> = {}): Promise<Task> {
    const task = await this.d.tasks.update(id, { status, ...fields });
    this.d.logs.publishStatus(taskStream(id), statusOf(task));
    return task;
  }

  async #start(id: number): Promise<void> {
    let task = (await this.d.tasks.get(id))!;
    if (task.cancel_requested_by) {
      await this.#finish(id, "cancelled", `cancelled by ${task.cancel_requested_by}`, null);
      return;
    }
    const stream = taskStream(id);
    const env = this.d.registry.get(task.environment);
    if (!env?.config) throw new Error(`environment "${task.environment}" is no longer available`);
    const followUp = task.follow_up !== null && task.container_id !== null;
    let image: string, imageName: string;
    let branches: Awaited<ReturnType<typeof prepareBranches>> = { checkouts: [], files: [] };
    if (followUp) {
      imageName = `${this.#snapshotRepo()}:${id}`;
      image = await this.d.containers.commit(task.container_id!, this.#snapshotRepo(), String(id));
      await this.d.containers.remove(task.container_id!);
    } else {
      const build = await this.d.builds.currentImage(env.name);
      if (!build?.image_id) throw new Error(`environment "${env.name}" has no image`);
      [image, imageName] = [build.image_id, build.tag!];
      try {
        branches = await prepareBranches({ builds: this.d.builds, environment: env.name, repos: env.config.repos, build, branches: task.branches });
      } catch (err) {
        if (!(err instanceof BranchError)) throw err;
        await this.#finish(id, "failed", err.message, null);
        return;
      }
    }
    task = await this.#setStatus(id, "preparing", { started_at: task.started_at ?? this.#now(), image: followUp ? task.image : imageName, runs: task.runs + 1 });
    await this.d.logs.append(stream, [`preparing container from ${imageName} (run ${task.runs})`]);

    const secrets = await this.d.secrets.resolve(env, "tasks");
    // A follow-up's snapshot already holds the attachments.
    const attachments = followUp ? [] : await this.d.tasks.attachments(id);
    const agent = this.d.agents(task.agent)!;
    const invocation = agent.command({
      instructions: followUp ? task.follow_up! : task.instructions,
      attachments: attachments.map((a) => `${ATTACHMENT_DIR}/${a.name}`),
      model: task.model ?? undefined,
      effort: task.effort ?? undefined,
      resumeSessionId: task.session_id ?? undefined,
      apiKey: await this.d.agentApiKey(task.agent),
      baseUrl: await this.d.agentBaseUrl(task.agent),
      workdir: "/workspace",
      outputDir: "/task-output",
      agentsMd: env.agentsMd ?? undefined,
      skills: this.#skills(env),
    });
    const config = env.config;
    const containerId = await this.d.containers.create({
      image,
      command: ["bash", WRAPPER_PATH],
      env: { ...this.d.agentEnv, ...invocation.env, ...envSecrets(secrets), TZ: config.timezone, HOME: DEFAULT_HOME },
      labels: { "coderflow.installation": this.d.installation, "coderflow.task": String(id) },
      memory: config.resources.memory,
      cpus: config.resources.cpus,
      pids: config.resources.pids,
      network: this.d.networkOverride ?? config.network,
      home: DEFAULT_HOME,
      directories: attachments.length || branches.files.length ? [ATTACHMENT_DIR] : [],
      files: [
        ...branches.files.map((f) => ({ ...f, mode: 0o444 })),
        ...attachments.map((a) => ({ path: `${ATTACHMENT_DIR}/${a.name}`, content: a.content, mode: 0o444 })),
        { path: WRAPPER_PATH, content: wrapperScript(invocation, config.repos.map(repoPath), branches.checkouts), mode: 0o755 },
        ...(invocation.stdin !== undefined ? [{ path: STDIN_PATH, content: invocation.stdin, mode: 0o600 }] : []),
        ...(invocation.files ?? []),
        ...secrets.filter((s) => s.expose_as === "file").map((s) => ({ path: s.target, content: s.value, mode: 0o400 })),
      ],
    });
    this.#active.get(id)!.containerId = containerId;
    const deadline = this.#now() + config.resources.timeout_minutes * 60_000;
    task = await this.d.tasks.update(id, { container_id: containerId, deadline, follow_up: null });
    if (task.cancel_requested_by) {
      await this.d.containers.remove(containerId);
      await this.#finish(id, "cancelled", `cancelled by ${task.cancel_requested_by}`, null);
      return;
    }
    await this.d.containers.start(containerId);
    task = await this.#setStatus(id, "running");
    // A cancel that landed between the check above and the start found nothing running to kill.
    if (task.cancel_requested_by) await this.d.containers.kill(containerId).catch(() => undefined);
    this.d.log.info("task.started", { task: id, environment: env.name, agent: task.agent, container: containerId.slice(0, 12) });
    await this.#follow(task, containerId);
  }

  #skills(env: Environment) {
    const snapshot = this.d.registry.snapshot;
    return (env.config?.skills ?? []).flatMap((skillId) => {
      const skill = snapshot?.skills.get(skillId);
      return skill ? [{ id: skill.id, files: [{ path: "SKILL.md", content: `---\nname: ${skill.name}\ndescription: ${skill.description}\n---\n${skill.body}` }] }] : [];
    });
  }

  /** Captures output from where the stored log stops, enforces the deadline, then finishes the task. */
  async #follow(task: Task, containerId: string): Promise<void> {
    const id = task.id;
    const stream = taskStream(id);
    const env = this.d.registry.get(task.environment);
    const secrets = env ? await this.d.secrets.resolve(env).catch(() => []) : [];
    const redactor = new Redactor(secrets.map((s) => s.value));
    const parser = this.d.agents(task.agent)!.createParser();
    let timedOut = false;
    const remaining = (task.deadline ?? Infinity) - this.#now();
    if (Number.isFinite(remaining)) {
      this.#active.get(id)!.timer = setTimeout(() => {
        timedOut = true;
        void this.d.containers.kill(containerId).catch(() => undefined);
      }, Math.max(0, remaining));
    }

    const position = new OutputPosition(await this.d.logs.lastSource(stream));
    let usage = { tokens_in: task.tokens_in, tokens_out: task.tokens_out, cost_usd: task.cost_usd };
    // Lines go to the log store as they come (it commits them in order, in groups). The task's own rows are written
    // one after another: each activity batch numbers itself after the last one stored. A failed write is kept, not
    // left as an unhandled rejection (which ends the process) while the container runs, and fails the task below.
    let writeError: unknown;
    const kept = (write: Promise<unknown>) => write.catch((err) => void (writeError ??= err));
    let linesWritten: Promise<unknown> = Promise.resolve();
    let pendingWrite: Promise<unknown> = Promise.resolve();
    const handle = (events: ParsedEvent[], source?: string) => {
      const lines = events.filter((e) => e.kind === "log").map((e) => redactor.redact((e as { line: string }).line));
      const activity = events.flatMap((e) => (e.kind === "activity" ? [e] : []));
      if (lines.length) linesWritten = kept(this.d.logs.append(stream, lines, this.#now(), source));
      if (activity.length) {
        for (const a of activity) {
          if (a.type === "usage") {
            // Session-scoped figures are running totals already; per-run figures add up.
            const base = a.scope === "session" ? { tokens_in: 0, tokens_out: 0, cost_usd: 0 } : usage;
            usage = { tokens_in: base.tokens_in + a.inputTokens, tokens_out: base.tokens_out + a.outputTokens, cost_usd: base.cost_usd + (a.costUsd ?? 0) };
          }
          if (a.type === "session") pendingWrite = pendingWrite.then(() => kept(this.d.tasks.update(id, { session_id: a.sessionId })));
        }
        const items = activity.map(({ kind: _kind, type, ...data }) => ({ type, data: JSON.parse(redactor.redact(JSON.stringify(data))) }));
        pendingWrite = pendingWrite.then(() => kept(this.d.tasks.addActivity(id, items)));
      }
    };
    await this.d.containers.follow(
      containerId,
      position.sinceSeconds,
      ({ ts, text }) => {
        const source = position.next(ts);
        if (this.#stopping || source === null) return;
        handle(parser.push(text + "\n"), source);
      },
      this.#detach.signal,
    );
    // Detached by a stop: the container runs on and the next start resumes from the stored log.
    if (this.#stopping) return;
    handle(parser.end());
    await Promise.all([linesWritten, pendingWrite]);
    if (writeError) throw writeError;

    const exit = await this.d.containers.wait(containerId);
    const cancelRequested = Boolean((await this.d.tasks.get(id))?.cancel_requested_by);
    // Killed by a signal that was not ours (cancel, timeout, memory): the daemon stopping takes its
    // containers down first, or someone stopped the container by hand. Either way the agent was
    // interrupted, not wrong; give the daemon a moment to be seen going away.
    if ((exit.exitCode === 137 || exit.exitCode === 143) && !cancelRequested && !timedOut && !exit.oomKilled) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const ping = await this.d.engine.ping();
      const reason = ping.ok ? `the container was stopped outside CoderFlow (docker stop or kill, or a Docker restart; exit code ${exit.exitCode})` : `Docker stopped while the task ran: ${ping.error}`;
      await this.#finish(id, "interrupted", reason, exit.exitCode);
      return;
    }
    const outputs = await this.d.containers.readFiles(containerId, "/task-output", OUTPUT_LIMIT);
    const diff = redactor.redact([...outputs].filter(([name]) => /^diffs\/[^/]+\.diff$/.test(name)).map(([, text]) => text).join(""));
    const files = (outputs.get("files-changed.txt") ?? "").split("\n").filter(Boolean);
    const latest = await this.d.tasks.update(id, {
      ...usage,
      diff: diff || null,
      files_changed: files,
      summary: outputs.has("summary.md") ? redactor.redact(outputs.get("summary.md")!) : null,
      commit_message: outputs.has("commit-message.txt") ? redactor.redact(outputs.get("commit-message.txt")!.trim()) : null,
    });
    const env2 = this.d.registry.get(task.environment)?.config;
    if (latest.cancel_requested_by) await this.#finish(id, "cancelled", `cancelled by ${latest.cancel_requested_by}`, exit.exitCode);
    else if (timedOut) await this.#finish(id, "failed", `timed out after ${env2?.resources.timeout_minutes ?? "?"} minutes`, exit.exitCode);
    else if (exit.oomKilled) await this.#finish(id, "failed", `killed: out of memory (limit ${env2?.resources.memory ?? "?"})`, exit.exitCode);
    else if (exit.exitCode === 0) await this.#finish(id, "completed", "agent exited with code 0", 0);
    else await this.#finish(id, "failed", `agent exited with code ${exit.exitCode}`, exit.exitCode);
  }

  async #finish(id: number, status: TaskStatus, reason: string, exitCode: number | null): Promise<Task> {
    await this.d.logs.append(taskStream(id), [`${status}: ${reason}`]);
    const task = await this.#setStatus(id, status, { reason, exit_code: exitCode, finished_at: this.#now() });
    await this.d.logs.end(taskStream(id));
    this.d.log.info("task.finished", { task: id, status, reason });
    return task;
  }
}

/** Errors that mean the daemon went away under a running task, not that the task went wrong. */
function lostDockerConnection(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return ["ECONNRESET", "EPIPE", "ECONNREFUSED", "ENOENT"].includes(e?.code ?? "") || /socket hang up|connection reset|ECONNRESET|aborted/i.test(e?.message ?? "");
}

function envSecrets(secrets: ResolvedSecret[]): Record<string, string> {
  return Object.fromEntries(secrets.filter((s) => s.expose_as === "env_var").map((s) => [s.target, s.value]));
}

export function statusOf(task: Task) {
  return { id: task.id, status: task.status, reason: task.reason, exit_code: task.exit_code, started_at: task.started_at, finished_at: task.finished_at };
}
