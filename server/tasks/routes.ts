import type { Context } from "hono";
import type { AppEnv } from "../http/env.ts";
import { RequestError } from "../http/request-error.ts";
import { formFields, formFiles } from "../http/forms.ts";
import { render } from "../http/render.ts";
import type { GuardedRoutes } from "../http/routes.ts";
import { escapeHtml, htmlFormat, logEventStream, logText, resumePoint, type LogStreamSource } from "../logs/sse.ts";
import type { Services } from "../services.ts";
import { renderMarkdown } from "../views/markdown.ts";
import { AGENTS } from "../environments/schema.ts";
import { statusOf, TaskRequestError, type SubmitInput } from "./runner.ts";
import { taskJson } from "./present.ts";
import { isFinished, TASK_STATES, taskStream, type Attachment, type Task, type TaskFilter } from "./tasks.ts";
import { decodeBase64 } from "@oslojs/encoding";

function taskSource(s: Services, id: number): LogStreamSource {
  return {
    logs: s.logs,
    stream: taskStream(id),
    isFinished: async () => isFinished((await s.tasks.get(id))!.status),
    status: async () => statusOf((await s.tasks.get(id))!),
  };
}

/** The task the path names; a 404 (through the app's error handler) when there is none. */
async function findTask(c: Context<AppEnv>, s: Services): Promise<Task> {
  const id = Number(c.req.param("id"));
  const task = Number.isInteger(id) ? await s.tasks.get(id) : undefined;
  if (!task) throw new RequestError(`no task ${c.req.param("id")}`, 404);
  return task;
}

/** Developers change their own tasks; admins any. */
function mayChange(c: Context<AppEnv>, task: Task): boolean {
  const user = c.get("identity")!.user;
  return user.role === "admin" || task.created_by === user.id;
}

function requireChangeRight(c: Context<AppEnv>, task: Task, action: string): void {
  if (!mayChange(c, task)) throw new RequestError(`only the task's creator or an admin can ${action}`, 403);
}

/** JSON attachments: [{name, content_base64}]. */
function decodeAttachments(value: unknown): Attachment[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new TaskRequestError("attachments must be an array of {name, content_base64}");
  return value.map((a, i) => {
    if (!a || typeof a.name !== "string" || typeof a.content_base64 !== "string") throw new TaskRequestError(`attachments[${i}] needs a name and content_base64`);
    try {
      return { name: a.name, content: decodeBase64(a.content_base64) };
    } catch {
      throw new TaskRequestError(`attachments[${i}].content_base64 is not base64`);
    }
  });
}

function filterFrom(c: Context<AppEnv>): TaskFilter {
  const q = (k: string) => c.req.query(k) || undefined;
  const limit = Number(q("limit") ?? 100);
  return {
    status: q("status"),
    environment: q("environment"),
    agent: q("agent"),
    createdBy: q("mine") ? c.get("identity")!.user.id : undefined,
    limit: Number.isInteger(limit) && limit > 0 ? Math.min(limit, 500) : 100,
  };
}

export function taskRoutes(r: GuardedRoutes, s: Services): void {
  // One format object for every page client, so a batch is serialised once for all of them.
  const liveLogFormat = htmlFormat((st) => s.views.render("tasks/status", { status: st, escapeHtml }));
  const listPage = async (c: Context<AppEnv>) => {
    const filter = filterFrom(c);
    const tasks = await s.tasks.list(filter);
    const view = c.req.header("hx-request") && c.req.query("rows") ? "tasks/rows" : "tasks/list";
    return render(c, s, view, { tasks, filter: { ...filter, mine: c.req.query("mine") ?? "" }, states: TASK_STATES, environments: s.registry.list().map((e) => e.name), agents: AGENTS, query: new URL(c.req.url).search });
  };
  r.get("/tasks", "viewer", listPage);

  const newTaskPage = async (c: Context<AppEnv>, fields: Record<string, string>, error: string | null = null, status: 200 | 400 | 403 | 404 | 409 = 200) => {
    const environments = s.registry.list().filter((e) => e.problems.length === 0 && e.config);
    const env = environments.find((e) => e.name === fields.environment) ?? environments[0];
    const template = env?.templates.find((t) => t.id === fields.template) ?? null;
    return render(c, s, "tasks/new", { environments, env, template, fields, agents: AGENTS, error }, status);
  };
  r.get("/tasks/new", "developer", (c) => newTaskPage(c, c.req.query() as Record<string, string>));

  r.post("/tasks", "developer", async (c) => {
    const fields = await formFields(c);
    const prefixed = (prefix: string) => Object.fromEntries(Object.entries(fields).filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v]));
    const parameters = prefixed("param_");
    try {
      const attachments = await Promise.all((await formFiles(c, "attachments")).map(async (f) => ({ name: f.name, content: new Uint8Array(await f.arrayBuffer()) })));
      const task = await s.runner.submit(
        {
          environment: fields.environment,
          agent: fields.agent || undefined,
          model: fields.model || undefined,
          effort: fields.effort || undefined,
          instructions: fields.instructions,
          template: fields.template || undefined,
          parameters,
          branches: prefixed("branch_"),
          attachments,
        },
        c.get("identity")!.user.id,
      );
      return c.redirect(`/tasks/${task.id}`, 303);
    } catch (err) {
      if (err instanceof TaskRequestError) return newTaskPage(c, fields, err.message, err.status);
      throw err;
    }
  });

  r.get("/tasks/:id", "viewer", async (c) => {
    const task = await findTask(c, s);
    const [lines, activity, attachments] = await Promise.all([s.logs.read(taskStream(task.id), 0, 20_000), s.tasks.activity(task.id, 200), s.tasks.attachmentNames(task.id)]);
    return render(c, s, "tasks/show", {
      task,
      lines,
      lastSeq: lines.at(-1)?.seq ?? 0,
      activity,
      attachments,
      finished: isFinished(task.status),
      summaryHtml: task.summary ? await renderMarkdown(task.summary) : null,
      mayChange: mayChange(c, task),
    });
  });

  r.post("/tasks/:id/cancel", "developer", async (c) => {
    const task = await findTask(c, s);
    requireChangeRight(c, task, "cancel it");
    await s.runner.cancel(task.id, c.get("identity")!.user.username).catch((err) => {
      if (!(err instanceof TaskRequestError)) throw err;
    });
    return c.redirect(`/tasks/${task.id}`, 303);
  });

  r.post("/tasks/:id/follow-up", "developer", async (c) => {
    const task = await findTask(c, s);
    requireChangeRight(c, task, "send a follow-up");
    const form = await formFields(c);
    await s.runner.followUp(task.id, form.instructions ?? "", c.get("identity")!.user.username);
    return c.redirect(`/tasks/${task.id}`, 303);
  });

  r.get("/tasks/:id/log/stream", "viewer", async (c) => {
    const task = await findTask(c, s);
    return logEventStream(c, taskSource(s, task.id), liveLogFormat);
  });

  // JSON API
  r.post("/api/tasks", "developer", async (c) => {
    const body = (await c.req.json().catch(() => null)) as (Omit<SubmitInput, "attachments"> & { attachments?: unknown }) | null;
    if (!body || typeof body !== "object") return c.json({ error: "request body must be a JSON object {environment, instructions, agent?, model?, effort?, template?, parameters?, branches?, attachments?: [{name, content_base64}]}" }, 400);
    const task = await s.runner.submit({ ...body, attachments: decodeAttachments(body.attachments) }, c.get("identity")!.user.id);
    return c.json({ id: task.id, status: task.status, url: `/tasks/${task.id}` }, 201);
  });

  r.get("/api/tasks", "viewer", async (c) => c.json((await s.tasks.list(filterFrom(c))).map(taskJson)));

  r.get("/api/tasks/:id", "viewer", async (c) => {
    const task = await findTask(c, s);
    return c.json(taskJson(task));
  });

  r.post("/api/tasks/:id/cancel", "developer", async (c) => {
    const task = await findTask(c, s);
    requireChangeRight(c, task, "cancel it");
    return c.json(taskJson(await s.runner.cancel(task.id, c.get("identity")!.user.username)));
  });

  r.post("/api/tasks/:id/follow-up", "developer", async (c) => {
    const task = await findTask(c, s);
    requireChangeRight(c, task, "send a follow-up");
    const body = (await c.req.json().catch(() => null)) as { instructions?: string } | null;
    return c.json(taskJson(await s.runner.followUp(task.id, body?.instructions ?? "", c.get("identity")!.user.username)), 202);
  });

  r.get("/api/tasks/:id/logs", "viewer", async (c) => {
    const task = await findTask(c, s);
    return c.text(await logText(s.logs, taskStream(task.id), resumePoint(c)), 200, { "Cache-Control": "no-store" });
  });

  r.get("/api/tasks/:id/logs/stream", "viewer", async (c) => {
    const task = await findTask(c, s);
    return logEventStream(c, taskSource(s, task.id));
  });

  r.get("/api/tasks/:id/diff", "viewer", async (c) => {
    const task = await findTask(c, s);
    return c.text(task.diff ?? "", 200, { "Content-Type": "text/x-diff; charset=utf-8" });
  });
}
