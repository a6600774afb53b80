// Against the real Docker engine. Needs `bash scripts/ensure-docker.sh` (npm test runs it first);
// without a daemon the tests fail saying so.
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer as createHttpServer } from "node:http";
import { createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { DockerEngine, splitTag } from "../../server/docker/engine.ts";
import { dockerEngine } from "../helpers/docker.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

test("ping reaches the running daemon and reports its version", async () => {
  const engine = await dockerEngine();
  const result = await engine.ping();
  assert.ok(result.ok, JSON.stringify(result));
  if (result.ok) {
    assert.match(result.version, /^\d+\.\d+/);
    assert.match(result.apiVersion, /^1\.\d+$/);
  }
});

test("ping on a missing socket says the daemon is not running, without throwing", async () => {
  const result = await new DockerEngine({ socketPath: "/nonexistent/docker.sock" }).ping();
  assert.is(result.ok, false);
  if (!result.ok) {
    assert.match(result.error, /\/nonexistent\/docker\.sock does not exist/);
    assert.match(result.error, /not running/);
  }
});

test("ping on a socket that never answers gives up in time", async () => {
  const dir = await mkdtemp(join(tmpdir(), "coderflow-ping-"));
  const socketPath = join(dir, "silent.sock");
  const held: Socket[] = [];
  const server = createServer((socket) => held.push(socket));
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  try {
    const started = Date.now();
    const result = await new DockerEngine({ socketPath }).ping(300);
    assert.is(result.ok, false);
    if (!result.ok) assert.match(result.error, /did not answer in time/);
    assert.ok(Date.now() - started < 5_000, "ping waited far beyond its timeout");
  } finally {
    for (const socket of held) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
    await rm(dir, { recursive: true, force: true });
  }
});

test("ping on a socket where some other HTTP server answers does not mistake it for Docker", async () => {
  const dir = await mkdtemp(join(tmpdir(), "coderflow-ping-"));
  const socketPath = join(dir, "other.sock");
  const server = createHttpServer((_req, res) => res.end("hello"));
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  try {
    const result = await new DockerEngine({ socketPath }).ping();
    assert.equal(result, { ok: false, error: `${socketPath} answered, but not like a Docker daemon` });
  } finally {
    await new Promise((resolve) => server.close(resolve));
    await rm(dir, { recursive: true, force: true });
  }
});

test("ping as a user outside the docker group reports permission denied", async () => {
  if (process.getuid?.() !== 0) {
    console.warn("  (skipped: switching to an unprivileged user needs root)");
    return;
  }
  // A real second process as "nobody" against the default socket: root itself is never denied.
  const script = `import("./server/docker/engine.ts").then(async ({ DockerEngine }) =>
    process.stdout.write(JSON.stringify(await new DockerEngine().ping())));`;
  const { stdout } = await promisify(execFile)(
    "setpriv",
    ["--reuid=65534", "--regid=65534", "--clear-groups", join(ROOT, "node_modules/.bin/tsx"), "--eval", script],
    { cwd: ROOT, env: { ...process.env, HOME: tmpdir() } },
  );
  const result = JSON.parse(stdout);
  assert.is(result.ok, false);
  assert.match(result.error, /permission denied on \/var\/run\/docker\.sock/);
});

test("imageExists and removeImage tell a missing image apart from an error", async () => {
  const engine = await dockerEngine();
  assert.is(await engine.imageExists("coderflow/does-not-exist:never"), false);
  assert.is(await engine.removeImage("coderflow/does-not-exist:never"), false);
});

test("splitTag keeps a registry port out of the tag", () => {
  assert.equal(splitTag("coderflow/base:abc123"), { repo: "coderflow/base", tag: "abc123" });
  assert.equal(splitTag("coderflow/base"), { repo: "coderflow/base", tag: "latest" });
  assert.equal(splitTag("localhost:5000/base"), { repo: "localhost:5000/base", tag: "latest" });
  assert.equal(splitTag("localhost:5000/base:v1"), { repo: "localhost:5000/base", tag: "v1" });
});

test.run();
