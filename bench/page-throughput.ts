// Throughput of an authenticated page (GET / with a session cookie: the real server started by
// the real CLI, the real database) on 127.0.0.1, against a bare Hono hello-world on
// @hono/node-server measured in the same run with the same load. Target (issue 2): ≥ 0.5×.
// Load generator: wrk (apt-get install wrk). It is C on epoll and needs far less CPU per
// request than a Node generator such as autocannon; on a small machine the generator shares
// the CPUs with the server, and a heavier one would cap the hello-world figure and flatter
// the ratio. Rounds alternate between the two servers so load spikes hit both alike.
//   npx tsx bench/page-throughput.ts [rounds] [seconds] [connections]
import { execFileSync, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { FormClient } from "../test/helpers/browser-session.ts";
import { waitForHealth } from "./lib/health-poll.ts";
import { cleanup, freePort, installation, median, startServer } from "./lib/harness.ts";

const ROUNDS = Number(process.argv[2] ?? 5);
const SECONDS = Number(process.argv[3] ?? 5);
const CONNECTIONS = Number(process.argv[4] ?? 32);
const TARGET_RATIO = 0.5;
const ROOT = fileURLToPath(new URL("../", import.meta.url));

try {
  execFileSync("wrk", ["--version"], { stdio: "ignore" });
} catch (err) {
  // wrk --version exits 1 after printing; only a missing binary is a problem.
  if ((err as NodeJS.ErrnoException).code === "ENOENT") {
    console.error("wrk is not installed: apt-get install -y wrk");
    process.exit(1);
  }
}

const HELLO = `
import { Hono } from "hono";
import { serve } from "@hono/node-server";
const app = new Hono();
app.get("/", (c) => c.text("Hello Hono!"));
app.get("/health", (c) => c.text("ok"));
serve({ fetch: app.fetch, port: Number(process.env.PORT), hostname: "127.0.0.1" });
`;

interface WrkResult {
  requestsPerSec: number;
  p50: string;
  p99: string;
}

function wrk(url: string, seconds: number, cookie?: string): WrkResult {
  const args = ["-t2", `-c${CONNECTIONS}`, `-d${seconds}s`, "--latency", ...(cookie ? ["-H", `Cookie: ${cookie}`] : []), url];
  const out = execFileSync("wrk", args, { encoding: "utf8" });
  // Any redirect to /login or error would make the page figure meaningless.
  const bad = out.match(/Non-2xx or 3xx responses: (\d+)/) ?? out.match(/Socket errors: .*/);
  if (bad) throw new Error(`wrk against ${url} saw failures:\n${out}`);
  return {
    requestsPerSec: Number(out.match(/Requests\/sec:\s+([\d.]+)/)![1]),
    p50: out.match(/^\s+50%\s+(\S+)/m)![1],
    p99: out.match(/^\s+99%\s+(\S+)/m)![1],
  };
}

const inst = installation({});
inst.cli(["create-user", "--username=bench", "--email=bench@example.test", "--name=Bench", "--role=viewer", "--password-stdin"], "bench-password-1\n");
const server = await startServer(inst);
const helloPort = await freePort();
const hello = spawn(process.execPath, ["--input-type=module", "-e", HELLO], { cwd: ROOT, env: { ...process.env, PORT: String(helloPort) }, stdio: "ignore" });
const helloUrl = `http://127.0.0.1:${helloPort}`;

try {
  await waitForHealth(helloUrl, { timeoutMs: 30_000, exited: new Promise((resolve) => hello.once("exit", resolve)) });
  const client = new FormClient(server.url);
  const login = await client.login("bench", "bench-password-1");
  if (login.status !== 303) throw new Error(`login failed: ${login.status}`);
  const page = await client.page("/");
  if (page.res.status !== 200 || !page.html.includes("Signed in as <strong>bench</strong>")) throw new Error(`GET / is not the signed-in dashboard: ${page.res.status}`);
  // The session and the CSRF cookie, as a browser sends them on every page.
  const cookie = client.cookieHeader;
  const pageUrl = `${server.url}/`;

  // Warm-up: JIT, database page cache, the Docker status cache.
  wrk(helloUrl + "/", 2);
  wrk(pageUrl, 2, cookie);
  const rounds: { hello: WrkResult; page: WrkResult }[] = [];
  for (let i = 0; i < ROUNDS; i++) rounds.push({ hello: wrk(helloUrl + "/", SECONDS), page: wrk(pageUrl, SECONDS, cookie) });

  console.log(`page throughput: wrk -t2 -c${CONNECTIONS} -d${SECONDS}s, ${ROUNDS} alternating rounds, 127.0.0.1`);
  for (const [i, r] of rounds.entries()) {
    console.log(
      `  round ${i + 1}: hello-world ${r.hello.requestsPerSec.toFixed(0).padStart(6)} req/s (p50 ${r.hello.p50}, p99 ${r.hello.p99})` +
        `   GET / signed in ${r.page.requestsPerSec.toFixed(0).padStart(6)} req/s (p50 ${r.page.p50}, p99 ${r.page.p99})` +
        `   ratio ${(r.page.requestsPerSec / r.hello.requestsPerSec).toFixed(2)}`,
    );
  }
  const ratio = median(rounds.map((r) => r.page.requestsPerSec / r.hello.requestsPerSec));
  console.log(`median ratio ${ratio.toFixed(2)}x hello-world; target ≥ ${TARGET_RATIO}x: ${ratio >= TARGET_RATIO ? "met" : "NOT met"}`);
} finally {
  hello.kill("SIGTERM");
  await server.stop();
  cleanup(inst);
}
