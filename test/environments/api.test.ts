// The environments and builds API through the real server, building for real from the cached base image.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import type { DockerEngine } from "../../server/docker/engine.ts";
import { signedInClient } from "../helpers/browser-session.ts";
import { engineWithBaseImage, removeEnvironmentImages, testEnvironmentJson, uniqueEnvironmentName } from "../helpers/environments.ts";
import { bareRepository, type BareRepository } from "../helpers/git.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { setupRepoFixture } from "../helpers/setup-repo.ts";
import { readEventStream, type SseEvent } from "../helpers/sse.ts";
import { eventually } from "../helpers/wait.ts";
import { reported } from "../helpers/hooks.ts";

const test = suite("environments API");

const GOOD = uniqueEnvironmentName("api");
const BROKEN = uniqueEnvironmentName("api-broken");
const SECRET = "ui-entered-s3cr3t-value";

let origin: BareRepository;
let setup: ReturnType<typeof setupRepoFixture>;
let engine: DockerEngine;
let server: TestServer;
let developer: Record<string, string>;
let viewer: Record<string, string>;
let buildId: number;
let streamed: SseEvent[];

const goodEnvironment = (description: string) =>
  testEnvironmentJson(GOOD, {
    description,
    repos: [{ name: "app", url: origin.url, path: "app", post_clone_action: "echo token=$API_TOKEN; sleep 1; echo after the pause" }],
  });

async function api(path: string, headers: Record<string, string>, init: RequestInit = {}) {
  return fetch(`${server.url}${path}`, { ...init, headers: { ...headers, ...(init.headers as Record<string, string>) } });
}

const logEvents = (events: SseEvent[]) => events.filter((e) => e.event === "log");

test.before(reported(async () => {
  engine = await engineWithBaseImage();
  origin = await bareRepository({ "README.md": "# api app\n" });
  setup = setupRepoFixture({
    [`environments/${GOOD}/environment.json`]: goodEnvironment("the good one"),
    [`environments/${BROKEN}/environment.json`]: testEnvironmentJson(BROKEN, { repos: [{ name: "lib" }] }),
  });
  server = await startTestServer({ env: { CODERFLOW_SETUP_PATH: setup.root } });
  await server.createUser("admin", "admin");
  await server.createUser("dev", "developer");
  await server.createUser("watcher", "viewer");
  developer = { authorization: `Bearer ${await server.apiKey("dev")}` };
  viewer = { authorization: `Bearer ${await server.apiKey("watcher")}` };
}));

test.after(async () => {
  try {
    await server?.stop();
    if (engine) await removeEnvironmentImages(engine, GOOD);
  } finally {
    setup?.remove();
    origin?.remove();
  }
});

test("GET /api/environments shows a broken environment beside a good one, its problems naming file and field", async () => {
  const res = await api("/api/environments", viewer);
  assert.is(res.status, 200);
  const list = (await res.json()) as { name: string; status: string; problems: { file: string; field?: string; text: string }[] }[];
  const good = list.find((e) => e.name === GOOD)!;
  const broken = list.find((e) => e.name === BROKEN)!;
  assert.is(good.status, "ok");
  assert.equal(good.problems, []);
  assert.is(broken.status, "broken");
  assert.is(broken.problems.length, 1);
  assert.is(broken.problems[0].file, `environments/${BROKEN}/environment.json`);
  assert.is(broken.problems[0].field, "repos[0].url");
  assert.match(broken.problems[0].text, new RegExp(`^environments/${BROKEN}/environment\\.json: repos\\[0\\]\\.url: is required`));
});

test("GET /api/environments/:name describes one environment; an unknown name is 404", async () => {
  const res = await api(`/api/environments/${GOOD}`, viewer);
  assert.is(res.status, 200);
  const env = (await res.json()) as Record<string, unknown> & { repos: { url: string; path: string }[] };
  assert.is(env.name, GOOD);
  assert.is(env.description, "the good one");
  assert.is(env.default_agent, "script");
  assert.is(env.image, null, "nothing built yet");
  assert.is(env.repos[0].url, origin.url);
  assert.is((await api("/api/environments/no-such-env", viewer)).status, 404);
});

test("an admin's secret entered in the form is stored encrypted and listed without its value", async () => {
  const admin = await signedInClient(server, "admin");
  await admin.page(`/environments/${GOOD}`);
  const body = new URLSearchParams({ _csrf: admin.csrf, key: "api_token", description: "token for the build", expose_as: "env_var", target: "API_TOKEN", value: SECRET });
  body.append("available_for", "builds");
  body.append("available_for", "tasks");
  const res = await admin.request(`/environments/${GOOD}/secrets`, { method: "POST", body, headers: { "content-type": "application/x-www-form-urlencoded" } });
  assert.is(res.status, 303, await res.text());

  const rows = await server.accounts((a) => a.db.all<Record<string, string>>("SELECT * FROM environment_secrets"));
  assert.is(rows.length, 1);
  assert.is(rows[0].environment, GOOD);
  assert.is(rows[0].available_for, "builds,tasks");
  assert.match(rows[0].ciphertext, /^v1:/);
  assert.not.ok(JSON.stringify(rows).includes(SECRET), "the value is stored in the clear");

  const { html } = await admin.page(`/environments/${GOOD}`);
  assert.match(html, /api_token/);
  assert.match(html, /\$API_TOKEN/);
  assert.match(html, /entered here/);
  assert.not.ok(html.includes(SECRET));
});

test("POST /api/environments/:name/build: 403 for a viewer, 409 for a broken environment, 202 with build_id for a developer", async () => {
  assert.is((await api(`/api/environments/${GOOD}/build`, viewer, { method: "POST" })).status, 403);
  assert.is((await api(`/api/environments/${BROKEN}/build`, developer, { method: "POST" })).status, 409);
  const res = await api(`/api/environments/${GOOD}/build`, developer, { method: "POST" });
  assert.is(res.status, 202);
  const body = (await res.json()) as { build_id: number };
  assert.ok(Number.isInteger(body.build_id));
  buildId = body.build_id;
});

test("the log stream is SSE with id/event/data frames; a client that hangs up and resumes with Last-Event-ID misses nothing and repeats nothing", async () => {
  const url = `${server.url}/api/builds/${buildId}/logs/stream`;
  const first = await readEventStream(url, { headers: viewer, stopWhen: (events) => logEvents(events).some((e) => /^Step 3\//.test(e.data)) });
  assert.is(first.status, 200);
  assert.match(String(first.headers["content-type"]), /^text\/event-stream/);
  assert.is(first.closedByServer, false);
  assert.is(first.events[0].event, "status");
  assert.match(first.raw, /(^|\n)event: log\ndata: [^\n]*\nid: 1\n\n/);
  const lastSeen = logEvents(first.events).at(-1)!.id!;

  const rest = await readEventStream(url, { headers: { ...viewer, "last-event-id": lastSeen }, timeoutMs: 30_000 });
  assert.is(rest.closedByServer, true, "the server ends the stream after the build");
  assert.is(rest.events.at(-1)?.event, "end");
  const statuses = rest.events.filter((e) => e.event === "status").map((e) => JSON.parse(e.data).status);
  assert.is(statuses.at(-1), "succeeded");
  assert.is(Number(logEvents(rest.events)[0].id), Number(lastSeen) + 1, "resumes right after the last line seen");

  streamed = [...logEvents(first.events), ...logEvents(rest.events)];
  const ids = streamed.map((e) => Number(e.id));
  assert.equal(ids, ids.map((_, i) => i + 1), "every line exactly once, in order");
});

test("GET /api/builds/:id reports the finished build; /logs is the same lines as text, ?after=N only the later ones", async () => {
  const build = await eventually("the build to finish", 30_000, async () => {
    const b = (await (await api(`/api/builds/${buildId}`, viewer)).json()) as { status: string; tag: string; trigger: string; requested_by: string };
    return b.status === "queued" || b.status === "running" ? undefined : b;
  });
  assert.is(build.status, "succeeded");
  assert.is(build.trigger, "api");
  assert.is(build.requested_by, "dev");
  assert.is(build.tag, `coderflow-test/${GOOD}:build-${buildId}`);

  const res = await api(`/api/builds/${buildId}/logs`, viewer);
  assert.match(String(res.headers.get("content-type")), /^text\/plain/);
  const lines = (await res.text()).split("\n").slice(0, -1);
  assert.equal(lines, streamed.map((e) => e.data));
  const after = (await (await api(`/api/builds/${buildId}/logs?after=5`, viewer)).text()).split("\n").slice(0, -1);
  assert.equal(after, lines.slice(5));

  // The stream of a finished build replays everything and ends at once.
  const replay = await readEventStream(`${server.url}/api/builds/${buildId}/logs/stream`, { headers: viewer });
  assert.ok(replay.closedByServer);
  assert.equal(logEvents(replay.events).map((e) => e.data), lines);
  assert.equal(replay.events.map((e) => e.event).filter((e) => e !== "log"), ["status", "end"]);

  // The secret entered in the form reached the build and was redacted on the way to the log.
  assert.ok(lines.includes("token=[redacted]"), lines.join("\n"));
  assert.ok(lines.includes("after the pause"));
  const envJson = await (await api(`/api/environments/${GOOD}`, viewer)).text();
  assert.not.ok(envJson.includes(SECRET));
  assert.match(envJson, /"key":"api_token"/);
  assert.match(envJson, new RegExp(`"build_id":${buildId}`), "the new image is in use");
});

test("an edit to environment.json is picked up by the watcher within two seconds", async () => {
  const edited = Date.now();
  setup.write(`environments/${GOOD}/environment.json`, goodEnvironment("edited while running"));
  await eventually("the edit to show in the API", 5_000, async () => {
    const env = (await (await api(`/api/environments/${GOOD}`, viewer)).json()) as { description: string };
    return env.description === "edited while running" ? true : undefined;
  });
  const took = Date.now() - edited;
  assert.ok(took < 2_000, `the reload took ${took} ms`);
});

test.run();
