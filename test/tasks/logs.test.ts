// The log contract curl users rely on: plain text with ?after=, and an event stream that resumes
// from Last-Event-ID with nothing lost or repeated, read here with a raw node:http client.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { signedInClient } from "../helpers/browser-session.ts";
import { readEventStream, type SseEvent } from "../helpers/sse.ts";
import { startTaskHarness, type TaskHarness } from "../helpers/tasks.ts";
import { reported } from "../helpers/hooks.ts";

const test = suite("task logs");

const TAG = "<script>alert(1)</script>";
// 2000 numbered lines in two fast bursts with a pause between, so a reader can drop out mid-task.
const SCRIPT = `seq -f 'line %g' 1 1000; echo '${TAG}'; sleep 1.5; seq -f 'line %g' 1001 2000`;

let h: TaskHarness;
let id: number;
let firstRead: SseEvent[];
let secondRead: SseEvent[];
let resumedFrom: number;

const logEvents = (events: SseEvent[]) => events.filter((e) => e.event === "log");
const numbered = (lines: string[]) => lines.filter((l) => /^line \d+$/.test(l)).map((l) => Number(l.slice(5)));
/** The text of each log line element, as a browser would show it. */
const shownLines = (html: string) =>
  [...html.matchAll(/<div class="line">([^<]*)<\/div>/g)].map((m) =>
    m[1].replace(/&(lt|gt|amp|quot|#\d+);/g, (entity, name: string) => ({ lt: "<", gt: ">", amp: "&", quot: '"' })[name as "lt"] ?? String.fromCharCode(Number(name.slice(1)))),
  );
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

test.before(reported(async () => {
  h = await startTaskHarness("logs");
  id = await h.dev.submit(h.environments[0], SCRIPT);
  const url = `${h.server.url}/api/tasks/${id}/logs/stream`;
  // Hang up once line 500 has arrived: the socket is destroyed mid-stream, as by a dropped connection.
  const first = await h.viewer.printed(id, "line 500");
  assert.not.ok(first.closedByServer);
  firstRead = first.events;
  resumedFrom = Number(logEvents(firstRead).at(-1)!.id);
  const second = await readEventStream(url, { headers: { ...h.viewer.auth, "Last-Event-ID": String(resumedFrom) } });
  assert.ok(second.closedByServer, "the server ends the stream once the task has finished");
  secondRead = second.events;
}));

test.after(async () => {
  await h?.close();
});

test("the plain-text log has every line in order, and ?after=N the ones after N", async () => {
  const task = await h.dev.task(id);
  assert.is(task.status, "completed", task.reason ?? "");
  const all = await h.viewer.logLines(id);
  assert.equal(numbered(all), range(1, 2000));
  assert.is(all.indexOf(TAG), all.indexOf("line 1000") + 1);
  assert.is(all.at(-1), "completed: agent exited with code 0");

  const res = await h.viewer.fetch(`/api/tasks/${id}/logs`);
  assert.match(res.headers.get("content-type") ?? "", "text/plain");
  for (const after of [0, 1, 777, all.length - 1, all.length, all.length + 5]) {
    assert.equal(await h.viewer.logLines(id, after), all.slice(after), `?after=${after}`);
  }
});

test("SSE: a reader cut off mid-task resumes with Last-Event-ID and gets exactly the remaining lines, then end", async () => {
  const all = await h.viewer.logLines(id);
  const before = logEvents(firstRead);
  const after = logEvents(secondRead);
  // Ids are the lines' sequence numbers: 1..K on the first connection, K+1..N on the second.
  assert.equal(before.map((e) => Number(e.id)), range(1, resumedFrom));
  assert.equal(after.map((e) => Number(e.id)), range(resumedFrom + 1, all.length));
  assert.equal([...before, ...after].map((e) => e.data), all);
  assert.ok(numbered(before.map((e) => e.data)).includes(500));
  assert.ok(numbered(after.map((e) => e.data)).includes(2000));

  // The status comes first on each connection, the end last; nothing but log/status/end on the wire.
  assert.is(firstRead[0].event, "status");
  assert.is(secondRead[0].event, "status");
  assert.is(secondRead.at(-1)!.event, "end");
  assert.is(JSON.parse(secondRead.filter((e) => e.event === "status").at(-1)!.data).status, "completed");
  for (const e of [...firstRead, ...secondRead]) assert.ok(["log", "status", "end"].includes(e.event!), JSON.stringify(e));
});

test("SSE: ?after=N resumes like Last-Event-ID, and Last-Event-ID wins when both are sent", async () => {
  const url = `${h.server.url}/api/tasks/${id}/logs/stream`;
  const byQuery = await readEventStream(`${url}?after=1990`, { headers: h.viewer.auth });
  const both = await readEventStream(`${url}?after=5`, { headers: { ...h.viewer.auth, "Last-Event-ID": "1990" } });
  const total = (await h.viewer.logLines(id)).length;
  for (const capture of [byQuery, both]) {
    assert.equal(logEvents(capture.events).map((e) => Number(e.id)), range(1991, total));
    assert.is(capture.events.at(-1)!.event, "end");
  }
  assert.match(byQuery.headers["content-type"] ?? "", "text/event-stream");
});

test("the task page and its live-log stream show a script tag from the log as text, never as a tag", async () => {
  const client = await signedInClient(h.server, "watcher");
  const { res, html } = await client.page(`/tasks/${id}`);
  assert.is(res.status, 200);
  assert.ok(shownLines(html).includes(TAG), "the line is on the page, escaped");
  assert.not.ok(html.includes(TAG));

  const cookie = client.cookieHeader;
  const stream = await readEventStream(`${h.server.url}/tasks/${id}/log/stream?after=0`, { headers: { cookie } });
  assert.ok(shownLines(stream.raw).includes(TAG), "the line is in the stream, escaped");
  assert.not.ok(stream.raw.includes(TAG));
});

test.run();
