// Secrets available for tasks reach the container as a variable and as a file, and their values
// never come back out: not in the stored log, the streams, the diff, the pages or the API.
import { createHash, randomBytes } from "node:crypto";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { signedInClient } from "../helpers/browser-session.ts";
import { readEventStream } from "../helpers/sse.ts";
import { startTaskHarness, type TaskHarness } from "../helpers/tasks.ts";
import { reported } from "../helpers/hooks.ts";

const test = suite("task secrets");

const TOKEN = `tok-${randomBytes(12).toString("hex")}`;
const KEY = `key-${randomBytes(12).toString("hex")}`;
const BUILD_ONLY = `bld-${randomBytes(12).toString("hex")}`;
const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

// Prints digests to prove the values arrived, then leaks them every way a script can.
const SCRIPT = `
echo "token sha256: $(printf %s "$API_TOKEN" | sha256sum | cut -c1-64)"
echo "key sha256: $(sha256sum < /home/coder/deploy.key | cut -c1-64)"
echo "key file: $(stat -c '%a %u' /home/coder/deploy.key)"
echo "build-only: \${BUILD_TOKEN:-absent}"
echo "token=$API_TOKEN"
echo "key=$(cat /home/coder/deploy.key)"
echo "on stderr: $API_TOKEN" >&2
printf 'token %s\\nkey %s\\n' "$API_TOKEN" "$(cat /home/coder/deploy.key)" > /workspace/app/leak.txt
echo "summary with $API_TOKEN" > /task-output/summary.md
echo "commit with $(cat /home/coder/deploy.key)" > /task-output/commit-message.txt
`;

let h: TaskHarness;
let id: number;

test.before(reported(async () => {
  h = await startTaskHarness("secret", {
    environments: [
      {
        files: {
          ".secrets.json": {
            secrets: {
              api_token: { expose_as: "env_var", target: "API_TOKEN", value: TOKEN, available_for: ["tasks"] },
              deploy_key: { expose_as: "file", target: "/home/coder/deploy.key", value: KEY, available_for: ["tasks"] },
              build_token: { expose_as: "env_var", target: "BUILD_TOKEN", value: BUILD_ONLY, available_for: ["builds"] },
            },
          },
        },
      },
    ],
  });
  id = await h.dev.submit(h.environments[0], SCRIPT);
}));

test.after(async () => {
  await h?.close();
});

function assertNoSecret(where: string, text: string) {
  for (const value of [TOKEN, KEY, BUILD_ONLY]) assert.not.ok(text.includes(value), `${where} contains a secret value`);
}

test("the task's secrets reach the container as a variable and a 0400 file owned by coder; a builds-only one does not", async () => {
  const done = await h.dev.finished(id);
  assert.is(done.status, "completed", done.reason ?? "");
  const log = await h.dev.logLines(id);
  assert.ok(log.includes(`token sha256: ${sha256(TOKEN)}`), log.join("\n"));
  assert.ok(log.includes(`key sha256: ${sha256(KEY)}`), log.join("\n"));
  assert.ok(log.includes("key file: 400 1000"), log.join("\n"));
  assert.ok(log.includes("build-only: absent"), log.join("\n"));
  assert.ok(log.includes("token=[redacted]"));
  assert.ok(log.includes("key=[redacted]"));
  assert.ok(log.includes("on stderr: [redacted]"));
});

test("no secret value in the stored log, the event streams, the diff, the API JSON or the task page", async () => {
  assertNoSecret("GET /logs", await (await h.viewer.fetch(`/api/tasks/${id}/logs`)).text());
  assertNoSecret("the API event stream", (await readEventStream(`${h.server.url}/api/tasks/${id}/logs/stream`, { headers: h.viewer.auth })).raw);

  const diff = await (await h.viewer.fetch(`/api/tasks/${id}/diff`)).text();
  assert.match(diff, "+token [redacted]\n+key [redacted]\n");
  assertNoSecret("the diff", diff);

  const json = await (await h.viewer.fetch(`/api/tasks/${id}`)).text();
  assert.match(json, '"summary":"summary with [redacted]\\n"');
  assert.match(json, '"commit_message":"commit with [redacted]"');
  assertNoSecret("GET /api/tasks/:id", json);
  assertNoSecret("GET /api/tasks", await (await h.viewer.fetch("/api/tasks")).text());

  const client = await signedInClient(h.server, "watcher");
  const { html } = await client.page(`/tasks/${id}`);
  assert.match(html, "[redacted]");
  assertNoSecret("the task page", html);
  const cookie = client.cookieHeader;
  assertNoSecret("the page's event stream", (await readEventStream(`${h.server.url}/tasks/${id}/log/stream?after=0`, { headers: { cookie } })).raw);
});

test.run();
