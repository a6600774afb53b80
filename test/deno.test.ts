import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { VERSION } from "../server/version.ts";
import { FormClient } from "./helpers/browser-session.ts";
import { freePort } from "./helpers/ports.ts";
import { tempHome } from "./helpers/server.ts";
import { CHAIN_NAMES, makeCertificateChain, trustedRequest } from "./helpers/tls.ts";
import { eventually } from "./helpers/wait.ts";

const REPO = fileURLToPath(new URL("..", import.meta.url));
// The npm package's binary; `npx deno` resolves to the same file, minus npm's start-up.
const DENO = join(REPO, "node_modules", ".bin", "deno");
// Deno's first run of a checkout resolves and transpiles every module; later runs hit its cache.
const BOOT_TIMEOUT_MS = 60_000;

/** `deno task start` on the installation in `home`, bound to 127.0.0.1:`port`. */
function denoStart(home: string, port: number, env: Record<string, string> = {}) {
  const inherited = Object.entries(process.env).filter(([k]) => !k.startsWith("CODERFLOW_"));
  // Its own process group, so cleanup reaches the task runner's child too.
  const child = spawn(DENO, ["task", "start"], {
    cwd: REPO,
    env: { ...Object.fromEntries(inherited), CODERFLOW_HOME: home, CODERFLOW_SERVER_PORT: String(port), CODERFLOW_SERVER_HOST: "127.0.0.1", ...env },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const out = { stdout: "", stderr: "" };
  child.stdout.setEncoding("utf8").on("data", (s: string) => (out.stdout += s));
  child.stderr.setEncoding("utf8").on("data", (s: string) => (out.stderr += s));
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) => child.once("close", (code) => resolve((exitCode = code))));
  return {
    out,
    /** Resolves with the logged URL once the server says it listens; fails if it exits first. */
    listening: () =>
      eventually("deno task start to log server.listening", BOOT_TIMEOUT_MS, () => {
        if (exitCode !== undefined) throw new Error(`deno task start exited (${exitCode})\nstdout: ${out.stdout}\nstderr: ${out.stderr}`);
        return out.stdout.match(/"event":"server\.listening","url":"([^"]+)"/)?.[1];
      }),
    /** SIGTERM to the task runner, which passes it on; resolves with its exit code. */
    stop: () => {
      process.kill(child.pid!, "SIGTERM");
      return exited;
    },
    kill: () => {
      if (exitCode === undefined) process.kill(-child.pid!, "SIGKILL");
    },
  };
}

test("deno task start: /health, the login page, a form sign-in, JSON logs, graceful SIGTERM", async () => {
  const home = tempHome();
  const deno = denoStart(home, await freePort());
  try {
    const base = await deno.listening();

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

    assert.is(await deno.stop(), 0, deno.out.stderr);
    const events = deno.out.stdout.trim().split("\n").map((line) => JSON.parse(line).event);
    assert.ok(events.includes("server.listening"), deno.out.stdout);
    assert.is(events.at(-1), "server.stopped", deno.out.stdout);
    assert.match(deno.out.stdout, /"event":"server\.listening".*"runtime":"deno"/);
  } finally {
    deno.kill();
    rmSync(home, { recursive: true, force: true });
  }
});

test("deno task start with the TLS paths configured serves HTTPS only, with the whole chain", async () => {
  const home = tempHome();
  const certs = join(home, "certs");
  mkdirSync(certs);
  const chain = await makeCertificateChain(certs);
  const port = await freePort();
  const deno = denoStart(home, port, { CODERFLOW_SSL_CERT_PATH: chain.chain, CODERFLOW_SSL_KEY_PATH: chain.leafKey });
  try {
    assert.is(await deno.listening(), `https://127.0.0.1:${port}`);
    const health = await trustedRequest(`https://127.0.0.1:${port}/health`, chain.rootPem);
    assert.is(health.status, 200);
    assert.equal(health.chain, [CHAIN_NAMES.leaf, CHAIN_NAMES.intermediate, CHAIN_NAMES.root]);
    assert.match(String(health.headers["strict-transport-security"]), /max-age=/);
    const login = await trustedRequest(`https://127.0.0.1:${port}/login`, chain.rootPem);
    assert.match(String(login.headers["set-cookie"]), /__Host-cf_csrf=[^;]+;.*Secure/);
    const plain = await fetch(`http://127.0.0.1:${port}/health`).then(
      (res) => res.status,
      () => "refused",
    );
    assert.is(plain, "refused", "no plain HTTP answer on the HTTPS port");
    assert.is(await deno.stop(), 0, deno.out.stderr);
  } finally {
    deno.kill();
    rmSync(home, { recursive: true, force: true });
  }
});

test.run();
