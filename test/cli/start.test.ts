import * as fs from "node:fs";
import { mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { connect, createServer } from "node:net";
import { join, relative } from "node:path";
import git from "isomorphic-git";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { SETUP_TEMPLATE } from "../../server/setup/init.ts";
import { FormClient } from "../helpers/browser-session.ts";
import { CliProcess, runCli } from "../helpers/cli.ts";
import { freePort } from "../helpers/ports.ts";
import { probeHttp } from "../helpers/probe.ts";
import { tempHome } from "../helpers/server.ts";

const scratch = tempHome();
// The installation the first start bootstraps; later tests run other commands against it.
const home = join(scratch, "home");
const running: CliProcess[] = [];
test.after(() => {
  for (const proc of running) proc.kill();
  rmSync(scratch, { recursive: true, force: true });
});

const onPort = (port: number) => ({ CODERFLOW_SERVER_PORT: String(port), CODERFLOW_SERVER_HOST: "127.0.0.1" });

function start(port: number): CliProcess {
  const proc = new CliProcess(["start"], { home, env: onPort(port) });
  running.push(proc);
  return proc;
}

function templateFiles(dir = SETUP_TEMPLATE): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(SETUP_TEMPLATE, join(entry.parentPath, entry.name)))
    .sort();
}

async function assertCommittedTemplate(dir: string): Promise<void> {
  const commits = await git.log({ fs, dir });
  assert.is(commits.length, 1, `${dir} has exactly one commit`);
  assert.equal((await git.listFiles({ fs, dir })).sort(), templateFiles(), `${dir} holds the template`);
  assert.is(await git.currentBranch({ fs, dir }), "main");
}

/**
 * A login POST that the server has begun (it answered "100 Continue" to the headers) but
 * cannot finish until `finish` sends the body: a request provably in flight.
 */
async function heldLogin(port: number, username: string, password: string) {
  const client = new FormClient(`http://127.0.0.1:${port}`);
  await client.page("/login");
  const body = new URLSearchParams({ username, password, _csrf: client.csrf, next: "/" }).toString();
  const socket = connect(port, "127.0.0.1");
  let received = "";
  socket.setEncoding("utf8").on("data", (s: string) => (received += s));
  const closed = new Promise<string>((resolve, reject) => {
    socket.on("error", reject);
    socket.on("close", () => resolve(received));
  });
  const cookie = client.cookieHeader;
  socket.write(
    `POST /login HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\nCookie: ${cookie}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n`,
  );
  await new Promise<void>((resolve, reject) => {
    const check = () => (received.startsWith("HTTP/1.1 100 Continue\r\n\r\n") ? resolve() : undefined);
    socket.on("data", check);
    closed.then(() => reject(new Error(`connection closed before 100 Continue: ${received}`)), reject);
  });
  return {
    finish: async () => {
      socket.write(body);
      return (await closed).slice("HTTP/1.1 100 Continue\r\n\r\n".length);
    },
  };
}

test("first start: admin password shown once and kept 0600, setup repository made, JSON logs, graceful SIGTERM", async () => {
  mkdirSync(home);
  const port = await freePort();
  const proc = start(port);
  await proc.waitFor(/"event":"server\.listening"/);
  const [, password] = await proc.waitFor(/created user "admin" with password (\S+)/, "stderr");

  const passwordFile = join(home, "initial-admin-password");
  assert.is(statSync(passwordFile).mode & 0o777, 0o600);
  assert.is(readFileSync(passwordFile, "utf8").trim(), password);
  assert.is(proc.stderr.split(password).length - 1, 1, "the password is printed once");
  assert.not.ok(proc.stdout.includes(password), "the password stays out of the log");
  assert.is((await new FormClient(`http://127.0.0.1:${port}`).login("admin", password)).status, 303, "the printed password signs in");

  const setupPath = join(home, "setup");
  assert.is(JSON.parse(readFileSync(join(home, "config.json"), "utf8")).setup_path, setupPath);
  await assertCommittedTemplate(setupPath);

  const inFlight = await heldLogin(port, "admin", password);
  proc.child.kill("SIGTERM");
  await proc.waitFor(/"event":"server\.stopping"/);
  const newRequest = await probeHttp(`http://127.0.0.1:${port}/health`);
  // Refused, or reset if it reached the backlog in the instant before the listener closed.
  assert.ok(newRequest === "ECONNREFUSED" || newRequest === "ECONNRESET", `a stopping server serves no new connection, got ${newRequest}`);
  const response = await inFlight.finish();
  assert.match(response, /^HTTP\/1\.1 303 /, "the request in flight when the signal came still completes");
  assert.match(response, /\r\nset-cookie: cf_session=/i);

  const { code } = await proc.exited;
  assert.is(code, 0, proc.stderr);
  const lines = proc.stdout.trimEnd().split("\n");
  const events = lines.map((line) => {
    const entry = JSON.parse(line);
    assert.ok(!Number.isNaN(Date.parse(entry.time)) && typeof entry.level === "string", `structured line: ${line}`);
    return entry.event as string;
  });
  for (const event of ["setup.initialized", "admin.created", "server.listening", "login", "signal", "server.stopping", "server.stopped"]) {
    assert.ok(events.includes(event), `logged ${event}: ${events.join(", ")}`);
  }
  assert.is(events.at(-1), "server.stopped", "the database is closed before the process ends");
});

test("start on a port in use says what to do, without a stack trace, and makes no second admin", async () => {
  const passwordBefore = readFileSync(join(home, "initial-admin-password"), "utf8");
  const blocker = createServer();
  const port = await new Promise<number>((resolve) => blocker.listen(0, "127.0.0.1", () => resolve((blocker.address() as { port: number }).port)));
  try {
    const result = await start(port).exited;
    assert.is(result.code, 1);
    assert.match(result.stderr, `port ${port} on 127.0.0.1 is already in use by another process. Stop that process, or choose another port with "coder-server config set server_port <port>"`);
    assert.not.match(result.stderr, /\n\s+at /, "no stack trace");
    assert.not.match(result.stderr, /password/, "users exist, so no new admin password");
    assert.is(readFileSync(join(home, "initial-admin-password"), "utf8"), passwordBefore);
  } finally {
    blocker.close();
  }
});

test("init makes a committed setup repository and refuses a non-empty directory", async () => {
  const [initHome, refusedHome, work] = ["init-home", "refused-home", "work"].map((name) => join(scratch, name));
  for (const dir of [initHome, refusedHome, work, join(work, "occupied")]) mkdirSync(dir);
  writeFileSync(join(work, "occupied", "notes.txt"), "mine\n");

  const [made, refused] = await Promise.all([
    runCli(["init", "mycompany-coder-setup"], { home: initHome, cwd: work }),
    runCli(["init", "occupied"], { home: refusedHome, cwd: work }),
  ]);
  const dir = join(work, "mycompany-coder-setup");
  assert.is(made.code, 0, made.stderr);
  await assertCommittedTemplate(dir);
  assert.equal(JSON.parse(readFileSync(join(initHome, "config.json"), "utf8")), { setup_path: dir });

  assert.is(refused.code, 1);
  assert.match(refused.stderr, `${join(work, "occupied")} is not empty`);
  assert.equal(readdirSync(join(work, "occupied")), ["notes.txt"], "a refused init leaves the directory alone");
  assert.not.ok(fs.existsSync(join(refusedHome, "config.json")), "and records nothing");
});

test("doctor reports every check and fails when the setup repository is gone", async () => {
  const brokenHome = join(scratch, "broken-home");
  const vanished = join(scratch, "vanished-setup");
  mkdirSync(vanished);
  mkdirSync(brokenHome);
  const set = await runCli(["config", "set", "setup_path", vanished], { home: brokenHome });
  assert.is(set.code, 0, set.stderr);
  rmSync(vanished, { recursive: true });

  const [healthy, broken] = await Promise.all([runCli(["doctor"], { home, env: onPort(await freePort()) }), runCli(["doctor"], { home: brokenHome, env: onPort(await freePort()) })]);
  for (const check of ["docker", "git", "setup repository", "port", "certificate", "license"]) {
    assert.match(healthy.stdout, new RegExp(`^(ok  |warn|FAIL)  ${check}: `, "m"), `doctor reports ${check}`);
  }
  assert.match(healthy.stdout, `ok    setup repository: ${join(home, "setup")}`);
  assert.match(healthy.stdout, /^ok {4}git: git version /m);
  assert.match(healthy.stdout, /^ok {4}port: 127\.0\.0\.1:\d+ can be bound$/m);
  assert.match(healthy.stdout, /^warn {2}license: unlicensed: community edition$/m);
  // Docker is the one check outside this test's control: the exit code must follow it.
  const dockerUp = /^ok {4}docker: /m.test(healthy.stdout);
  assert.is(healthy.code, dockerUp ? 0 : 1, healthy.stdout + healthy.stderr);

  assert.is(broken.code, 1);
  assert.match(broken.stdout, `FAIL  setup repository: ${vanished} does not exist; fix setup_path or run coder-server init <dir>`);
  assert.match(broken.stderr, /\d checks? failed/);
});

test.run();
