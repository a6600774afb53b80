import type { Database } from "../db/database.ts";
import { nullableNumber, nullableString, updateById } from "../db/values.ts";

export const TASK_STATES = ["queued", "preparing", "running", "completed", "failed", "cancelled", "interrupted"] as const;
export type TaskStatus = (typeof TASK_STATES)[number];
export const FINISHED: readonly TaskStatus[] = ["completed", "failed", "cancelled", "interrupted"];
export const isFinished = (status: TaskStatus) => FINISHED.includes(status);

export interface Task {
  id: number;
  environment: string;
  agent: string;
  model: string | null;
  effort: string | null;
  instructions: string;
  template: string | null;
  parameters: Record<string, unknown>;
  branches: Record<string, string>;
  status: TaskStatus;
  reason: string | null;
  exit_code: number | null;
  created_by: number;
  created_by_name: string;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  image: string | null;
  container_id: string | null;
  deadline: number | null;
  session_id: string | null;
  tokens_in: number;
  tokens_out: number;
  cost_usd: number;
  summary: string | null;
  commit_message: string | null;
  diff: string | null;
  files_changed: string[];
  cancel_requested_by: string | null;
  /** Runs started so far: 1 for the first, +1 per follow-up. */
  runs: number;
  /** Instructions of the follow-up waiting to run. */
  follow_up: string | null;
  container_removed: boolean;
}

export const taskStream = (id: number) => `task:${id}`;

const num = nullableNumber;
const str = nullableString;

function toTask(r: Record<string, unknown>): Task {
  return {
    id: Number(r.id),
    environment: String(r.environment),
    agent: String(r.agent),
    model: str(r.model),
    effort: str(r.effort),
    instructions: String(r.instructions),
    template: str(r.template),
    parameters: JSON.parse(String(r.parameters)),
    branches: JSON.parse(String(r.branches)),
    status: r.status as TaskStatus,
    reason: str(r.reason),
    exit_code: num(r.exit_code),
    created_by: Number(r.created_by),
    created_by_name: String(r.created_by_name ?? ""),
    created_at: Number(r.created_at),
    started_at: num(r.started_at),
    finished_at: num(r.finished_at),
    image: str(r.image),
    container_id: str(r.container_id),
    deadline: num(r.deadline),
    session_id: str(r.session_id),
    tokens_in: Number(r.tokens_in),
    tokens_out: Number(r.tokens_out),
    cost_usd: Number(r.cost_usd),
    summary: str(r.summary),
    commit_message: str(r.commit_message),
    diff: str(r.diff),
    files_changed: JSON.parse(String(r.files_changed)),
    cancel_requested_by: str(r.cancel_requested_by),
    runs: Number(r.runs ?? 0),
    follow_up: str(r.follow_up),
    container_removed: Number(r.container_removed ?? 0) === 1,
  };
}

export interface TaskFilter {
  status?: string;
  environment?: string;
  agent?: string;
  createdBy?: number;
  limit?: number;
}

export type NewTask = Pick<Task, "environment" | "agent" | "model" | "effort" | "instructions" | "template" | "parameters" | "branches" | "created_by"> & {
  attachments: Attachment[];
};

export interface Attachment {
  name: string;
  content: Uint8Array;
}

const SELECT = "SELECT t.*, u.username AS created_by_name FROM tasks t JOIN users u ON u.id = t.created_by";
const LIST_COLUMNS =
  "SELECT t.id, t.environment, t.agent, t.model, t.effort, substr(t.instructions, 1, 300) AS instructions, t.template, t.parameters, t.branches, t.status, t.reason, t.exit_code, t.created_by, t.created_at, t.started_at, t.finished_at, t.image, t.container_id, t.deadline, t.session_id, t.tokens_in, t.tokens_out, t.cost_usd, NULL AS summary, NULL AS commit_message, NULL AS diff, t.files_changed, t.cancel_requested_by, t.runs, NULL AS follow_up, t.container_removed, u.username AS created_by_name FROM tasks t JOIN users u ON u.id = t.created_by";

/** Task rows: what was asked, where it stands, and what it produced. */
export class TaskStore {
  constructor(
    private db: Database,
    private now: () => number = Date.now,
  ) {}

  async create(t: NewTask): Promise<Task> {
    const { lastId } = await this.db.run(
      "INSERT INTO tasks (environment, agent, model, effort, instructions, template, parameters, branches, status, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?)",
      [t.environment, t.agent, t.model, t.effort, t.instructions, t.template, JSON.stringify(t.parameters), JSON.stringify(t.branches), t.created_by, this.now()],
    );
    if (t.attachments.length) {
      await this.db.batch(t.attachments.map((a) => ({ sql: "INSERT INTO task_attachments (task_id, name, content) VALUES (?, ?, ?)", args: [lastId, a.name, a.content] })));
    }
    return (await this.get(lastId))!;
  }

  async attachments(id: number): Promise<Attachment[]> {
    const rows = await this.db.all<{ name: string; content: Uint8Array }>("SELECT name, content FROM task_attachments WHERE task_id = ? ORDER BY name", [id]);
    return rows.map((r) => ({ name: String(r.name), content: new Uint8Array(r.content) }));
  }

  async attachmentNames(id: number): Promise<string[]> {
    return (await this.db.all<{ name: string }>("SELECT name FROM task_attachments WHERE task_id = ? ORDER BY name", [id])).map((r) => String(r.name));
  }

  async get(id: number): Promise<Task | undefined> {
    const row = await this.db.get(`${SELECT} WHERE t.id = ?`, [id]);
    return row && toTask(row);
  }

  /** Newest first; the list leaves out the large columns (diff, summary). */
  async list(filter: TaskFilter = {}): Promise<Task[]> {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (filter.status) where.push("t.status = ?") && args.push(filter.status);
    if (filter.environment) where.push("t.environment = ?") && args.push(filter.environment);
    if (filter.agent) where.push("t.agent = ?") && args.push(filter.agent);
    if (filter.createdBy !== undefined) where.push("t.created_by = ?") && args.push(filter.createdBy);
    const sql = `${LIST_COLUMNS} ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY t.id DESC LIMIT ?`;
    return (await this.db.all(sql, [...args, filter.limit ?? 100])).map(toTask);
  }

  #recent: { stamp: number; limit: number; tasks: Promise<Task[]> } | undefined;

  /**
   * The newest tasks for the dashboard, read again only once something was written
   * (Database.changeStamp): every signed-in visit shows them, and handing back the same array
   * lets the dashboard reuse its HTML.
   */
  recent(limit: number): Promise<Task[]> {
    const stamp = this.db.changeStamp();
    if (this.#recent?.stamp === stamp && this.#recent.limit === limit) return this.#recent.tasks;
    const recent = { stamp, limit, tasks: this.list({ limit }) };
    recent.tasks.catch(() => this.#recent === recent && (this.#recent = undefined));
    this.#recent = recent;
    return recent.tasks;
  }

  async withStatus(...statuses: TaskStatus[]): Promise<Task[]> {
    return (await this.db.all(`${SELECT} WHERE t.status IN (${statuses.map(() => "?").join(", ")}) ORDER BY t.id`, statuses)).map(toTask);
  }

  async update(id: number, fields: Partial<Omit<Task, "id" | "created_by_name">>): Promise<Task> {
    if (Object.keys(fields).length) {
      const { sql, args } = updateById("tasks", id, fields);
      await this.db.run(sql, args);
    }
    return (await this.get(id))!;
  }

  async addActivity(id: number, items: { type: string; data: unknown }[]): Promise<void> {
    if (items.length === 0) return;
    const row = await this.db.get<{ last: number | null }>("SELECT MAX(seq) AS last FROM task_activity WHERE task_id = ?", [id]);
    let seq = Number(row?.last ?? 0);
    await this.db.batch(items.map((item) => ({ sql: "INSERT INTO task_activity (task_id, seq, at, type, data) VALUES (?, ?, ?, ?, ?)", args: [id, ++seq, this.now(), item.type, JSON.stringify(item.data)] })));
  }

  async activity(id: number, limit = 500): Promise<{ seq: number; at: number; type: string; data: unknown }[]> {
    const rows = await this.db.all<{ seq: number; at: number; type: string; data: string }>("SELECT seq, at, type, data FROM task_activity WHERE task_id = ? ORDER BY seq DESC LIMIT ?", [id, limit]);
    return rows.reverse().map((r) => ({ seq: Number(r.seq), at: Number(r.at), type: String(r.type), data: JSON.parse(String(r.data)) }));
  }
}
