import { rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { RemoteClient, RemoteError, SseParser, type SseEvent } from "../../cli/remote.ts";
import { runCli } from "../helpers/cli.ts";
import { freePort } from "../helpers/ports.ts";
import { tempHome } from "../helpers/server.ts";
import { reported } from "../helpers/hooks.ts";

// ---------------------------------------------------------------------------------------------
// The SSE parser, fed the same bytes cut at every position.

const STREAM = [
  "\uFEFF: opening comment\r\n",
  "id: 1\r\nevent: log\r\ndata: first ✓ ünïcode\r\n\r\n",
  'event: status\ndata: {"status":"running"}\n\n',
  "id: 2\revent: log\rdata: line one\rdata:line two\rdata\r\r",
  "id: 3\nevent: log\ndata:  two spaces\nretry: 1000\nunknown: field\n\n",
  ": keep-alive\n\n",
  "id: bad\0id\nevent: end\n\n",
  "id: 4\nevent: log\ndata: cut off by a dropped connection",
].join("");

const EXPECTED: SseEvent[] = [
  { type: "log", data: "first ✓ ünïcode", id: "1" },
  { type: "status", data: '{"status":"running"}', id: "1" },
  { type: "log", data: "line one\nline two\n", id: "2" },
  { type: "log", data: " two spaces", id: "3" },
  { type: "end", data: "", id: "3" },
];

function parseInChunks(bytes: Uint8Array, cuts: number[]): { events: SseEvent[]; lastEventId: string } {
  const parser = new SseParser();
  const events: SseEvent[] = [];
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    events.push(...parser.push(bytes.subarray(from, cut)));
    from = cut;
  }
  return { events, lastEventId: parser.lastEventId };
}

test("SSE parser: CRLF, CR and LF, comments, multi-line data, sticky ids; an unterminated event is not dispatched", () => {
  const bytes = new TextEncoder().encode(STREAM);
  const whole = parseInChunks(bytes, []);
  assert.equal(whole.events, EXPECTED);
  assert.is(whole.lastEventId, "3", "the cut-off event 4 must not count as received");
});

test("SSE parser: the same events whatever the chunk boundaries, inside CRLF and multi-byte characters too", () => {
  const bytes = new TextEncoder().encode(STREAM);
  for (let cut = 0; cut <= bytes.length; cut++) {
    const split = parseInChunks(bytes, [cut]);
    assert.equal(split.events, EXPECTED, `split at byte ${cut}`);
    assert.is(split.lastEventId, "3", `split at byte ${cut}`);
  }
  const byteByByte = parseInChunks(bytes, Array.from({ length: bytes.length }, (_, i) => i));
  assert.equal(byteByByte.events, EXPECTED, "one byte at a time");
});

test("SSE parser: a resumed parser starts from the id it was given", () => {
  const parser = new SseParser("41");
  assert.equal(parser.push(new TextEncoder().encode('event: status\ndata: {}\n\nid: 42\nevent: log\ndata: x\n\n')), [
    { type: "status", data: "{}", id: "41" },
    { type: "log", data: "x", id: "42" },
  ]);
});

// ---------------------------------------------------------------------------------------------
// A loopback fake of the task API, to run the real CLI against.

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

async function listen(handler: Handler): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8").on("data", (s: string) => (body += s));
    req.on("end", () => handler(req, res, body));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

const KEY = "cf_fake_key_d41d8cd98f00b204";

/** A task's log and how each stream connection to it ends: dropped after some line, or finished. */
interface LogPlan {
  lines: string[];
  final: { status: string; reason: string | null };
  /** Connection n is cut after sending this line (plus half of the next event); none: it finishes. */
  dropAfter: number[];
}

const completedLines = Array.from({ length: 30 }, (_, i) => (i === 4 ? "  indented ✓ línea 5" : `line ${i + 1}`));
const plans: Record<string, LogPlan> = {
  "7": { lines: completedLines, final: { status: "completed", reason: "exit code 0" }, dropAfter: [12, 20] },
  "8": { lines: ["compiling", "1 test failed", "done"], final: { status: "failed", reason: "exit code 2" }, dropAfter: [] },
};

function apiTask(id: string) {
  const plan = plans[id];
  return {
    id: Number(id), environment: "demo", agent: "script", model: null, status: plan.final.status, reason: plan.final.reason, exit_code: plan.final.status === "completed" ? 0 : 2,
    created_by: "alice", created_at: "2026-01-02T03:04:05.000Z", started_at: "2026-01-02T03:04:06.000Z", finished_at: "2026-01-02T03:05:00.000Z",
    instructions: `make task ${id}\nsecond line`, summary: "Renamed the helper.", commit_message: "Rename helper", usage: { tokens_in: 1200, tokens_out: 300, cost_usd: 0.0123 },
    files_changed: ["src/a.ts", "src/b.ts"], url: `/tasks/${id}`,
  };
}

interface Recorded {
  method: string;
  path: string;
  query: string;
  body: unknown;
}

function fakeTaskApi() {
  const requests: Recorded[] = [];
  /** The Last-Event-ID of each stream connection, per task. */
  const resumes: Record<string, (string | undefined)[]> = {};
  const handler: Handler = (req, res, body) => {
    const url = new URL(req.url!, "http://fake");
    const json = (status: number, value: unknown) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(value));
    const text = (value: string) => res.writeHead(200, { "content-type": "text/plain; charset=utf-8" }).end(value);
    if (req.headers.authorization !== `Bearer ${KEY}`) return json(401, { error: "invalid or revoked API key" });
    requests.push({ method: req.method!, path: url.pathname, query: url.search, body: body ? JSON.parse(body) : undefined });
    if (url.pathname === "/api/tasks" && req.method === "POST") {
      const { environment } = JSON.parse(body) as { environment: string };
      if (environment === "nope") return json(422, { error: 'no environment named "nope"' });
      return json(201, { id: 7, status: "queued", url: "/tasks/7" });
    }
    if (url.pathname === "/api/tasks") return json(200, Object.keys(plans).map(apiTask));
    const [, id, rest = ""] = url.pathname.match(/^\/api\/tasks\/([^/]+)(\/.*)?$/) ?? [];
    if (!plans[id]) return json(404, { error: "task not found" });
    if (rest === "" && req.method === "GET") return json(200, apiTask(id));
    if (rest === "/cancel" && req.method === "POST") return json(200, { ...apiTask(id), status: "cancelled", reason: "cancelled by alice" });
    if (rest === "/logs") return text(plans[id].lines.map((l) => `${l}\n`).join(""));
    if (rest === "/diff") return text("--- a/src/a.ts\n+++ b/src/a.ts\n@@ -1 +1 @@\n-old\n+new\n");
    if (rest === "/logs/stream") {
      const lastEventId = req.headers["last-event-id"] as string | undefined;
      (resumes[id] ??= []).push(lastEventId);
      return streamLog(res, plans[id], Number(lastEventId ?? 0), resumes[id].length - 1);
    }
    json(404, { error: "no such route" });
  };
  return { requests, resumes, handler };
}

/** Serves the lines after `after` like the real server; alternates CRLF and LF between connections. */
function streamLog(res: ServerResponse, plan: LogPlan, after: number, connection: number): void {
  const eol = connection % 2 ? "\r\n" : "\n";
  const status = (s: object) => `event: status${eol}data: ${JSON.stringify(s)}${eol}${eol}`;
  const line = (seq: number) => `id: ${seq}${eol}event: log${eol}data: ${plan.lines[seq - 1]}${eol}${eol}`;
  const dropAfter = plan.dropAfter[connection];
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-store" });
  res.write(status({ status: "running", reason: null }));
  res.write(`: keep-alive${eol}${eol}`);
  const last = dropAfter ?? plan.lines.length;
  for (let seq = after + 1; seq <= last; seq++) res.write(line(seq));
  if (dropAfter !== undefined) {
    // Half an event, then the connection dies without the chunked terminator: a real drop.
    const half = line(dropAfter + 1);
    res.write(half.slice(0, half.length - 6), () => res.socket?.destroy());
    return;
  }
  res.write(status(plan.final));
  res.end(`event: end${eol}data: ${eol}${eol}`);
}

const home = tempHome();
const fake = fakeTaskApi();
let api: Awaited<ReturnType<typeof listen>>;
test.before(reported(async () => {
  api = await listen(fake.handler);
}));
test.after(async () => {
  await api?.close();
  rmSync(home, { recursive: true, force: true });
});

const task = (args: string[], opts: { env?: Record<string, string>; input?: string } = {}) =>
  runCli(["task", ...args], { home, input: opts.input, env: { CODERFLOW_SERVER: api.url, CODERFLOW_API_KEY: KEY, ...opts.env } });

test("task submit prints the id and sends environment, instructions, template parameters and branches", async () => {
  const instructionsFile = join(home, "instructions.md");
  writeFileSync(instructionsFile, "From a file.\n");
  const before = fake.requests.length;
  const [withArgs, fromStdin, fromFile, refused] = await Promise.all([
    task(["submit", "--env", "demo", "--agent", "claude", "--model", "4", "--template", "rename", "--param", "from=old=name", "--param", "to=new", "--branch", "api=feature/x", "--branch", "web=main", "Rename the helper"]),
    task(["submit", "--env", "demo", "-"], { input: "From stdin.\nSecond line.\n" }),
    task(["submit", "--env", "demo", "--file", instructionsFile]),
    task(["submit", "--env", "nope", "x"]),
  ]);
  for (const r of [withArgs, fromStdin, fromFile]) {
    assert.is(r.code, 0, r.stderr);
    assert.is(r.stdout, "7\n", "stdout is the id alone, for scripts");
    assert.match(r.stderr, `Task 7 queued: ${api.url}/tasks/7`);
  }
  const bodies = fake.requests.slice(before).filter((r) => r.method === "POST").map((r) => r.body as { instructions: string });
  const byInstructions = (text: string) => bodies.find((b) => b.instructions === text);
  assert.equal(byInstructions("Rename the helper"), {
    environment: "demo", instructions: "Rename the helper", agent: "claude", model: "4", template: "rename",
    parameters: { from: "old=name", to: "new" }, branches: { api: "feature/x", web: "main" },
  });
  assert.equal(byInstructions("From stdin.\nSecond line.\n"), { environment: "demo", instructions: "From stdin.\nSecond line.\n" });
  assert.equal(byInstructions("From a file.\n"), { environment: "demo", instructions: "From a file.\n" });

  assert.is(refused.code, 1);
  assert.match(refused.stderr, 'coder-server: the server refused the request (HTTP 422): no environment named "nope"');
  assert.is(bodies.length, 4);
});

test("task list, show, cancel, diff and plain logs", async () => {
  const [table, json, show, missing, cancel, diff, logs] = await Promise.all([
    task(["list", "--status", "failed", "--env", "demo", "--mine"]),
    task(["list", "--json"]),
    task(["show", "7"]),
    task(["show", "404"]),
    task(["cancel", "8"]),
    task(["diff", "7"]),
    task(["logs", "8"]),
  ]);
  assert.is(table.code, 0, table.stderr);
  const [header, ...rows] = table.stdout.trimEnd().split("\n");
  assert.match(header, /^ID\s+STATUS\s+ENVIRONMENT\s+AGENT\s+CREATED \(UTC\)\s+BY\s+INSTRUCTIONS$/);
  assert.equal(rows.map((r) => r.split(/\s{2,}/)), [
    ["7", "completed", "demo", "script", "2026-01-02 03:04", "alice", "make task 7"],
    ["8", "failed", "demo", "script", "2026-01-02 03:04", "alice", "make task 8"],
  ]);
  assert.ok(fake.requests.some((r) => r.path === "/api/tasks" && r.query === "?status=failed&environment=demo&mine=1"), "filters reach the server");
  assert.is(json.code, 0, json.stderr);
  assert.equal(JSON.parse(json.stdout), [apiTask("7"), apiTask("8")]);

  assert.is(show.code, 0, show.stderr);
  for (const expected of [/^Task 7$/m, /Status\s+completed \(exit code 0\)\n\s+Exit code\s+0\n/, /Agent\s+script/, /Usage\s+1200 tokens in, 300 out, \$0\.0123/, `URL          ${api.url}/tasks/7`, "Files changed (2):\n  src/a.ts\n  src/b.ts", "Instructions:\n  make task 7\n  second line", "Summary:\n  Renamed the helper."]) {
    assert.match(show.stdout, expected);
  }
  assert.is(missing.code, 1);
  assert.is(missing.stderr, `coder-server: no task 404 on ${api.url}\n`);
  assert.is(cancel.code, 0, cancel.stderr);
  assert.is(cancel.stdout, "Task 8 is cancelled: cancelled by alice.\n");
  assert.is(diff.stdout, "--- a/src/a.ts\n+++ b/src/a.ts\n@@ -1 +1 @@\n-old\n+new\n");
  assert.is(logs.stdout, "compiling\n1 test failed\ndone\n");
});

test("task logs --follow resumes after drops with the right Last-Event-ID, every line once and in order; exits 0 if the task completed, 1 if it failed", async () => {
  const [result, failed] = await Promise.all([task(["logs", "7", "--follow"]), task(["logs", "8", "--follow"])]);
  assert.is(result.code, 0, result.stderr);
  assert.is(result.stdout, completedLines.map((l) => `${l}\n`).join(""));
  assert.equal(fake.resumes["7"], [undefined, "12", "20"], "each reconnection resumes after the last complete event");
  assert.is(result.stderr.match(/Task 7 running/g)?.length, 1, `status printed once per change:\n${result.stderr}`);
  assert.match(result.stderr, "Task 7 completed: exit code 0");
  assert.is(result.stderr.match(/resuming now/g)?.length, 2);

  assert.is(failed.code, 1, failed.stderr);
  assert.is(failed.stdout, "compiling\n1 test failed\ndone\n");
  assert.match(failed.stderr, "Task 8 failed: exit code 2");
});

test("a wrong key says it is invalid or revoked; a key on the command line is warned about and never printed; an unreachable server is named", async () => {
  const wrongKey = "cf_wrong_key_5f4dcc3b5aa765d6";
  const closedPort = await freePort();
  const [invalid, onArgv, unreachable] = await Promise.all([
    task(["list"], { env: { CODERFLOW_API_KEY: wrongKey } }),
    task(["show", "7", "--api-key", wrongKey]),
    task(["show", "7"], { env: { CODERFLOW_SERVER: `http://127.0.0.1:${closedPort}` } }),
  ]);
  assert.is(invalid.code, 1);
  assert.is(invalid.stderr, `coder-server: the server at ${api.url} refused the API key: it is invalid or revoked\n`);
  assert.is(onArgv.code, 1);
  assert.match(onArgv.stderr, "warning: --api-key is visible to other users of this machine");
  assert.match(onArgv.stderr, "it is invalid or revoked");
  for (const r of [invalid, onArgv]) assert.not.match(r.stdout + r.stderr, wrongKey);
  assert.is(unreachable.code, 1);
  assert.match(unreachable.stderr, `coder-server: cannot reach the server at http://127.0.0.1:${closedPort}: connect ECONNREFUSED`);
});

// ---------------------------------------------------------------------------------------------
// The reconnect loop's limits, in process with short timings.

test("follow: a silent connection is abandoned and resumed; failing reconnections give up with the reason", async () => {
  const seen: (string | undefined)[] = [];
  const stalling = await listen((req, res) => {
    seen.push(req.headers["last-event-id"] as string | undefined);
    res.writeHead(200, { "content-type": "text/event-stream" });
    if (seen.length === 1) res.write("id: 1\nevent: log\ndata: a\n\n"); // then silence, connection open
    else res.end("id: 2\nevent: log\ndata: b\n\nevent: end\ndata:\n\n");
  });
  const lines: string[] = [];
  const reasons: string[] = [];
  try {
    await new RemoteClient(stalling.url, KEY).follow("/s", {
      idleTimeoutMs: 300,
      onReconnect: (reason) => reasons.push(reason),
      onEvents: (events) => events.some((e) => (e.type === "log" && lines.push(e.data), e.type === "end")),
    });
  } finally {
    await stalling.close();
  }
  assert.equal(lines, ["a", "b"]);
  assert.equal(seen, [undefined, "1"]);
  assert.match(reasons[0], "nothing came from");

  const once = await listen((_req, res) => res.writeHead(200, { "content-type": "text/event-stream" }).end("id: 1\nevent: log\ndata: a\n\n"));
  const client = new RemoteClient(once.url, KEY);
  const delays: number[] = [];
  const started = Date.now();
  const failure = await client
    .follow("/s", {
      initialDelayMs: 10, maxDelayMs: 40, giveUpAfterMs: 600,
      onReconnect: (_reason, delay) => {
        delays.push(delay);
        if (delays.length === 1) void once.close(); // the server goes away after the first connection
      },
      onEvents: () => false,
    })
    .then(() => undefined, (err: unknown) => err);
  assert.instance(failure, RemoteError);
  assert.match((failure as Error).message, /could not reconnect for 0.6 s: cannot reach the server at .*ECONNREFUSED/);
  assert.is(delays[0], 0, "resumes at once after a connection that brought events");
  assert.equal(delays.slice(1, 4), [10, 20, 40], "then backs off, doubling...");
  assert.ok(delays.length >= 5 && delays.every((d) => d <= 40), `...up to the maximum: ${delays}`);
  assert.ok(Date.now() - started < 5000, "gave up within its budget");
});

test.run();
