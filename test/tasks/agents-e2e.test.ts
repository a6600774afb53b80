// The real agent CLIs (claude, codex, gemini) inside task containers, through the real server: each answers
// a scripted model endpoint on the host's loopback (the containers get host networking) that asks for a file
// write and a shell command, and the task's diff, log, activity and the endpoint's requests show what happened.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import type { AgentName } from "../../server/agents/index.ts";
import { AGENT_CLI_MANIFEST, BASE_LATEST } from "../../server/docker/base-image.ts";
import { installationId } from "../../server/runtime.ts";
import { TaskStore } from "../../server/tasks/tasks.ts";
import { alertText, type FormClient, signedInClient } from "../helpers/browser-session.ts";
import { startFakeAnthropic } from "../helpers/fake-anthropic.ts";
import { startFakeGemini } from "../helpers/fake-gemini.ts";
import type { FakeModelServer, RecordedRequest, ScriptTurn } from "../helpers/fake-model.ts";
import { startFakeOpenAI } from "../helpers/fake-openai.ts";
import { removeTaskContainers, startTaskHarness, taskContainers, type TaskHarness, type TaskJson } from "../helpers/tasks.ts";
import { reported } from "../helpers/hooks.ts";

const test = suite("agent CLIs in task containers");

const NOTES = "/workspace/app/NOTES.md";
const NOTES_TEXT = "notes from the fake model";
/** The shell command every script asks for: who runs it, and what git sees of the write before it. */
const CHECK = "id -u && git -C app status --short && ls app";
const AGENTS_MD = `MARKER-AGENTS-MD-${randomBytes(6).toString("hex")}: standing instructions for this environment.`;
/** setup-template/skills/write-summary's description: what the CLIs offer the model for that skill. */
const SKILL_DESCRIPTION = "How to write the task summary and commit message reviewers expect";
const INSTRUCTIONS = "Add NOTES.md to the app repository and check it is there.";

interface AgentCase {
  start: (opts: { script: ScriptTurn[] }) => Promise<FakeModelServer>;
  script: ScriptTurn[];
  /** The header each vendor's API takes the key in. */
  keyHeader: (r: RecordedRequest) => unknown;
  /** The log line the write becomes (from the adapter's parser). */
  writeLine: string;
  model?: string;
  /** How the container finds the endpoint: a variable the server passes to every agent, or the admin-set endpoint. */
  endpointVia: { env: string } | "admin";
}

const CASES: Record<Exclude<AgentName, "script">, AgentCase> = {
  claude: {
    start: startFakeAnthropic,
    script: [
      { text: "I'll add the notes.", tools: [{ name: "Write", input: { file_path: NOTES, content: `${NOTES_TEXT}\n` } }] },
      { tools: [{ name: "Bash", input: { command: CHECK, description: "Check the change" } }] },
      { text: "Added NOTES.md." },
      // The follow-up, resumed in the same session: reads the first run's file and edits another.
      { tools: [{ name: "Bash", input: { command: "cat app/NOTES.md && echo 'from the follow-up' >> app/README.md", description: "Continue" } }] },
      { text: "Follow-up done." },
    ],
    keyHeader: (r) => r.headers["x-api-key"],
    writeLine: `→ Write(${NOTES})`,
    endpointVia: { env: "ANTHROPIC_BASE_URL" },
  },
  codex: {
    start: startFakeOpenAI,
    script: [
      { text: "I'll add the notes.", tools: [{ name: "apply_patch", input: `*** Begin Patch\n*** Add File: app/NOTES.md\n+${NOTES_TEXT}\n*** End Patch\n` }] },
      { tools: [{ name: "exec_command", input: { cmd: CHECK } }] },
      { text: "Added NOTES.md." },
    ],
    keyHeader: (r) => r.headers.authorization,
    writeLine: `→ apply_patch(add ${NOTES})`,
    // A model Codex knows, so it offers its apply_patch tool.
    model: "gpt-5.5",
    endpointVia: "admin",
  },
  gemini: {
    start: startFakeGemini,
    script: [
      { text: "I'll add the notes.", tools: [{ name: "write_file", input: { file_path: NOTES, content: `${NOTES_TEXT}\n` } }] },
      { tools: [{ name: "run_shell_command", input: { command: CHECK, description: "Check the change" } }] },
      { text: "Added NOTES.md." },
    ],
    keyHeader: (r) => r.headers["x-goog-api-key"],
    writeLine: `→ write_file(${NOTES})`,
    endpointVia: { env: "GOOGLE_GEMINI_BASE_URL" },
  },
};
const AGENT_NAMES = Object.keys(CASES) as (keyof typeof CASES)[];
const apiKeys = Object.fromEntries(AGENT_NAMES.map((a) => [a, `${a}-key-${randomBytes(8).toString("hex")}`]));

/**
 * The CLIs the base image holds, from its manifest. An image built without the npm registry has none, which no
 * code here can fix. Read synchronously (the docker CLI), as uvu needs to know which tests to skip when they are declared.
 */
function cliManifest(): Record<string, string> {
  const run = spawnSync("docker", ["run", "--rm", "--network", "none", BASE_LATEST, "cat", AGENT_CLI_MANIFEST], { encoding: "utf8" });
  if (run.status !== 0) throw new Error(`reading ${AGENT_CLI_MANIFEST} from ${BASE_LATEST} failed: ${run.error?.message ?? run.stderr}; run \`bash scripts/ensure-base-image.sh\` first (npm test does)`);
  return Object.fromEntries(run.stdout.split("\n").filter((line) => line.includes("=")).map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]));
}
const manifest = cliManifest();
const usable = AGENT_NAMES.filter((a) => manifest[a] && manifest[a] !== "missing");
for (const a of AGENT_NAMES.filter((a) => !usable.includes(a))) {
  console.log(`skipped: the ${a} CLI is missing from ${BASE_LATEST} (${AGENT_CLI_MANIFEST} says "${manifest[a] ?? "nothing"}": its npm install failed when the base image was built)`);
}

let h: TaskHarness;
let admin: FormClient;
const endpoints: Partial<Record<AgentName, FakeModelServer>> = {};
const taskIds: Partial<Record<AgentName, number>> = {};

test.before(reported(async () => {
  for (const a of usable) endpoints[a] = await CASES[a].start({ script: CASES[a].script });
  const endpointEnv = Object.fromEntries(
    usable.flatMap((a) => {
      const via = CASES[a].endpointVia;
      return via === "admin" ? [] : [[`CODERFLOW_AGENT_ENV_${via.env}`, endpoints[a]!.url]];
    }),
  );
  h = await startTaskHarness("agents", {
    environments: [{ config: { skills: ["write-summary"], resources: { memory: "2g", cpus: 2, pids: 1024, timeout_minutes: 3 } }, files: { "AGENTS.md": AGENTS_MD } }],
    env: { CODERFLOW_TASK_NETWORK: "host", ...endpointEnv },
  });
  // Keys and the Codex endpoint are set the way an admin sets them: the Agent keys page's forms.
  await h.server.createUser("boss", "admin");
  admin = await signedInClient(h.server, "boss");
  await admin.page("/admin/agents");
  for (const a of usable) {
    assert.is((await admin.submit("/admin/agents", { agent: a, api_key: apiKeys[a] })).status, 303);
    if (CASES[a].endpointVia === "admin") assert.is((await admin.submit("/admin/agents", { agent: a, base_url: endpoints[a]!.url })).status, 303);
  }
  // All at once: each CLI takes seconds, and the runner runs up to four tasks side by side.
  for (const a of usable) taskIds[a] = await h.dev.submit(h.environments[0], INSTRUCTIONS, { agent: a, ...(CASES[a].model ? { model: CASES[a].model } : {}) });
}));

test.after(async () => {
  // The follow-up's snapshot of the first container is a child of the environment's image: it goes first.
  if (h) {
    await removeTaskContainers(h.engine, h.server.home);
    for (const image of await h.engine.docker.listImages({ filters: { reference: [`coderflow-task-${installationId(h.server.home)}`] } })) await h.engine.removeImage(image.Id, { force: true });
  }
  await h?.close();
  for (const endpoint of Object.values(endpoints)) await endpoint.close();
});

async function activityOf(id: number) {
  return h.server.accounts((a) => new TaskStore(a.db).activity(id));
}

async function sessionIdOf(id: number): Promise<string | null> {
  return h.server.accounts(async (a) => (await new TaskStore(a.db).get(id))!.session_id);
}

async function finishedWithLog(id: number): Promise<{ task: TaskJson; log: string[] }> {
  const task = await h.dev.finished(id, 90_000);
  return { task, log: await h.dev.logLines(id) };
}

for (const a of AGENT_NAMES) {
  const c = CASES[a];
  (usable.includes(a) ? test : test.skip)(`${a}: the real CLI in the task container writes a file and runs a command for the scripted model`, async () => {
    const id = taskIds[a]!;
    const endpoint = endpoints[a]!;
    const { task, log } = await finishedWithLog(id);
    const shown = `log:\n${log.join("\n")}`;
    assert.is(task.status, "completed", shown);

    const diff = await (await h.dev.fetch(`/api/tasks/${id}/diff`)).text();
    assert.match(diff, "diff --git a/NOTES.md b/NOTES.md\nnew file mode 100644");
    assert.match(diff, `+${NOTES_TEXT}\n`);
    assert.equal(task.files_changed, ["app/NOTES.md"]);

    // Readable lines from the adapter's parser: the write, the command, its output (run as uid 1000, seeing the new file).
    assert.ok(log.includes(c.writeLine), shown);
    const command = log.indexOf(`$ ${CHECK}`);
    assert.ok(command > 0, shown);
    // The CLI's own stderr diagnostics (Gemini's "[STARTUP] …") may land between the command and its output.
    const output = log.slice(command + 1).filter((line) => line.startsWith("  "));
    assert.equal(output.slice(0, 2), ["  1000", "  ?? NOTES.md"], shown);
    assert.ok(log.includes("Added NOTES.md."), shown);

    const activity = await activityOf(id);
    const session = activity.find((x) => x.type === "session")?.data as { sessionId?: string } | undefined;
    assert.ok(session?.sessionId, "the CLI reported a session id");
    assert.is(await sessionIdOf(id), session.sessionId, "kept for a follow-up to resume");
    assert.ok(activity.some((x) => x.type === "usage" && (x.data as { inputTokens: number }).inputTokens > 0), "usage activity");
    assert.ok((task.usage as { tokens_in: number }).tokens_in > 0);

    const [container] = await taskContainers(h.engine, h.server.home, id);
    assert.is((await h.engine.docker.getContainer(container.Id).inspect()).Config.User, "1000:1000");

    assert.ok(endpoint.requests.length > 0, "the CLI reached the endpoint");
    for (const r of endpoint.requests) assert.match(String(c.keyHeader(r)), apiKeys[a], "the key the admin set");
    const sent = JSON.stringify(endpoint.requests.map((r) => r.body));
    assert.match(sent, AGENTS_MD, "AGENTS.md reached the model");
    assert.match(sent, SKILL_DESCRIPTION, "the environment's skill was offered to the model");
    assert.match(sent, INSTRUCTIONS);
  });
}

(usable.includes("claude") ? test : test.skip)("claude: a follow-up resumes the session in the first run's workspace", async () => {
  const id = taskIds.claude!;
  const endpoint = endpoints.claude!;
  await h.dev.finished(id, 90_000);
  const session = await sessionIdOf(id);
  assert.ok(session, "the first run reported its session");
  const firstRunLines = (await h.dev.logLines(id)).length;
  const before = endpoint.requests.length;

  const res = await h.dev.post(`/api/tasks/${id}/follow-up`, { instructions: "Now add a line to the README." });
  assert.is(res.status, 202, await res.text());
  const { task, log } = await finishedWithLog(id);
  const followUpLog = log.slice(firstRunLines);
  const shown = `follow-up log:\n${followUpLog.join("\n")}`;
  assert.is(task.status, "completed", shown);
  assert.is(task.runs, 2);

  // The CLI was given --resume with the first run's session: it sent the earlier conversation and kept the id.
  const resumed = JSON.stringify(endpoint.requests.slice(before).map((r) => r.body));
  assert.match(resumed, INSTRUCTIONS, "the first run's conversation was sent again");
  assert.match(resumed, "Now add a line to the README.");
  assert.ok(followUpLog.some((l) => l.startsWith(`session ${session}`)), shown);

  // The first run's file is still in the workspace, and the change now holds both runs' edits.
  assert.ok(followUpLog.includes(`  ${NOTES_TEXT}`), shown);
  assert.ok(followUpLog.includes("Follow-up done."), shown);
  assert.equal([...task.files_changed].sort(), ["app/NOTES.md", "app/README.md"]);
  const diff = await (await h.dev.fetch(`/api/tasks/${id}/diff`)).text();
  assert.match(diff, `+${NOTES_TEXT}\n`);
  assert.match(diff, "+from the follow-up\n");
});

/** The model endpoint the Agent keys page shows for an agent. */
async function endpointShown(agent: string): Promise<string | undefined> {
  const { html } = await admin.page("/admin/agents");
  return html.match(new RegExp(`name="base_url" type="url" value="([^"]*)"[^>]*aria-label="Model endpoint for ${agent}"`))?.[1];
}

// Last: the tasks above have all started, so changing an endpoint here changes none of them.
test("the Agent keys page shows a model endpoint back, refuses one that is not http(s) and clears one left empty", async () => {
  assert.is((await admin.submit("/admin/agents", { agent: "gemini", api_key: apiKeys.gemini })).status, 303);
  assert.is((await admin.submit("/admin/agents", { agent: "gemini", base_url: "https://models.internal.example/gemini" })).status, 303);
  assert.is(await endpointShown("gemini"), "https://models.internal.example/gemini");

  const refused = await admin.submit("/admin/agents", { agent: "gemini", base_url: "ftp://models.internal.example" });
  assert.is(refused.status, 400);
  assert.is(alertText(await refused.text()), 'gemini: "ftp://models.internal.example" is not an http:// or https:// URL');
  assert.is(await endpointShown("gemini"), "https://models.internal.example/gemini");

  assert.is((await admin.submit("/admin/agents", { agent: "gemini", base_url: " " })).status, 303);
  assert.is(await endpointShown("gemini"), "");
  // Only the field sent changes: the key is still there.
  assert.match((await admin.page("/admin/agents")).html, /<td>gemini<\/td>\s*<td>configured<\/td>/);
});

test.run();
