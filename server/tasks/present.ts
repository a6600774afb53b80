import type { Task } from "./tasks.ts";

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

/** The API's view of a task: no container internals, and the diff only on its own route. */
export function taskJson(t: Task) {
  return {
    id: t.id,
    environment: t.environment,
    agent: t.agent,
    model: t.model,
    effort: t.effort,
    status: t.status,
    reason: t.reason,
    exit_code: t.exit_code,
    created_by: t.created_by_name,
    created_at: iso(t.created_at),
    started_at: iso(t.started_at),
    finished_at: iso(t.finished_at),
    instructions: t.instructions,
    template: t.template,
    parameters: t.parameters,
    branches: t.branches,
    image: t.image,
    summary: t.summary,
    commit_message: t.commit_message,
    usage: { tokens_in: t.tokens_in, tokens_out: t.tokens_out, cost_usd: t.cost_usd },
    files_changed: t.files_changed,
    runs: t.runs,
    container_removed: t.container_removed,
    url: `/tasks/${t.id}`,
  };
}
