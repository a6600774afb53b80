import { spawn } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { VERSION } from "../server/version.ts";
import { FormClient } from "./helpers/browser-session.ts";
import { waitForHealth } from "./helpers/health-poll.ts";
import { freePort } from "./helpers/ports.ts";
import { tempHome } from "./helpers/server.ts";

const REPO = fileURLToPath(new URL("..", import.meta.url));
// The npm package's binary; `npx deno` resolves to the same file, minus npm's start-up.
const DENO = join(REPO, "node_modules", ".bin", "deno");
// Deno's first run of a checkout resolves and transpiles every module; later runs hit its cache.
const BOOT_TIMEOUT_MS = 60_000;

test("deno task start: /health, the login page, a form sign-in, JSON logs, graceful SIGTERM", async () => {
  const home = tempHome();
  const port = await freePort();
  const inherited = Object.entries(process.env).filter(([k]) => !k.startsWith("CODERFLOW_"));
  const env = { ...Object.fromEntries(inherited), CODERFLOW_HOME: home, CODERFLOW_SERVER_PORT: String(port), CODERFLOW_SERVER_HOST: "127.0.0.1" };
  // Its own process group, so cleanup can reach the task runner's child too.
  const child = spawn(DENO, ["task", "start"], { cwd: REPO, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (s: string) => (stdout += s));
  child.stderr.setEncoding("utf8").on("data", (s: string) => (stderr += s));
  const exited = new Promise<number | null>((resolve) => child.once("close", (code) => resolve(code)));
  const base = `http://127.0.0.1:${port}`;
  try {
    await waitForHealth(base, { timeoutMs: BOOT_TIMEOUT_MS, exited }).catch((err: Error) => {
      throw new Error(`${err.message}\nstdout: ${stdout}\nstderr: ${stderr}`);
    });

    const health = await fetch(`${base}/health`);
    assert.is(health.status, 200);
    assert.match(health.headers.get("content-type") ?? "", /^application\/json/);
    const body = await health.json();
    assert.equal(Object.keys(body).sort(), ["db", "docker", "status", "version"]);
    assert.ok(body.status === "ok" || body.status === "degraded", `status ${body.status}`);
    assert.is(body.version, VERSION);
    assert.equal(body.db, { ok: true });
    assert.type(body.docker.ok, "boolean");

    const login = await fetch(`${base}/login`);
    assert.is(login.status, 200);
    assert.match(login.headers.get("content-type") ?? "", /^text\/html/);
    const html = await login.text();
    assert.match(html, /<form method="post" action="\/login"/);
    assert.match(html, /<input name="username"/);
    assert.match(html, /<input name="password" type="password"/);

    // First-start bootstrap ran under Deno, and scrypt, sessions and the peer address work there.
    const password = readFileSync(join(home, "initial-admin-password"), "utf8").trim();
    const client = new FormClient(base);
    assert.is((await client.login("admin", password)).status, 303);
    const dashboard = await client.page("/");
    assert.is(dashboard.res.status, 200);
    assert.match(dashboard.html, /Signed in as <strong>admin<\/strong>/);

    process.kill(child.pid!, "SIGTERM");
    assert.is(await exited, 0, stderr);
    const events = stdout.trim().split("\n").map((line) => JSON.parse(line).event);
    assert.ok(events.includes("server.listening"), stdout);
    assert.is(events.at(-1), "server.stopped", stdout);
    assert.match(stdout, /"event":"server\.listening".*"runtime":"deno"/);
  } finally {
    if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, "SIGKILL");
    rmSync(home, { recursive: true, force: true });
  }
});

test.run();
