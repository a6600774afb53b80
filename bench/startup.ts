// Cold `coder-server start` (the real CLI, a new process each run) to the first 200 from
// /health, and the server's RSS once idle after a few requests. Targets (issue 2): ≤ 600 ms,
// ≤ 90 MB. Baseline in the same run: a bare node:http server started and polled the same
// way, so the cost of starting any Node process is visible. The installation already has a
// user and a setup repository, so no first-start bootstrap is timed. Variants run
// interleaved, so a burst of load on the machine hits all of them alike.
// cli/bin.js runs either the bundle (npm run build; rebuilt here first) or, in a checkout
// edited since, the sources through tsx. Both are timed, each started directly: in a working
// tree others are editing, bin.js would switch between them mid-run.
//   npx tsx bench/startup.ts [runs]
import { execFileSync, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { waitForHealth } from "./lib/health-poll.ts";
import { cleanup, freePort, installation, median } from "./lib/harness.ts";

const RUNS = Number(process.argv[2] ?? 5);
const ROOT = fileURLToPath(new URL("../", import.meta.url));
const BUNDLE = join(ROOT, "dist/coder-server.js");
const TARGET_MS = 600;
const TARGET_RSS_MB = 90;

interface Variant {
  name: string;
  args: string[];
  /** Timed to the first 200 from /health; otherwise to the process's exit. */
  serves: boolean;
}

const BARE_SERVER = `require("node:http").createServer((req, res) => res.end("ok")).listen(Number(process.env.CODERFLOW_SERVER_PORT), "127.0.0.1")`;
const variants: Variant[] = [
  { name: "bare node:http (baseline)", args: ["-e", BARE_SERVER], serves: true },
  { name: "coder-server start (bundle)", args: [BUNDLE, "start"], serves: true },
  { name: "start, sources via tsx", args: ["--import", "tsx", join(ROOT, "cli/main.ts"), "start"], serves: true },
  { name: "--version (bundle)", args: [BUNDLE, "--version"], serves: false },
];

execFileSync(process.execPath, ["--import", "tsx", join(ROOT, "scripts/build.ts")], { cwd: ROOT, stdio: "inherit" });

/** VmRSS of a process and its descendants (tsx's esbuild service counts against the server). */
function treeRssKb(pid: number): number {
  const own = Number(readFileSync(`/proc/${pid}/status`, "utf8").match(/VmRSS:\s+(\d+)/)![1]);
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
  return own + children.reduce((sum, child) => sum + treeRssKb(child), 0);
}

const inst = installation({});
inst.cli(["create-user", "--username=bench", "--email=bench@example.test", "--name=Bench", "--role=admin", "--password-stdin"], "bench-password-1\n");

async function runOnce(variant: Variant, restMs = 1000): Promise<{ ms: number; rssKb?: number }> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const started = performance.now();
  const child = spawn(process.execPath, variant.args, { cwd: ROOT, env: { ...inst.env, CODERFLOW_SERVER_PORT: String(port) }, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (s: string) => (stderr += s));
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  if (!variant.serves) {
    const code = await exited;
    if (code !== 0) throw new Error(`${variant.name} exited ${code}: ${stderr}`);
    return { ms: performance.now() - started };
  }
  await waitForHealth(base, { timeoutMs: 60_000, intervalMs: 5, exited }).catch((err: Error) => {
    throw new Error(`${variant.name}: ${err.message}\n${stderr}`);
  });
  const ms = performance.now() - started;
  for (let i = 0; i < 5; i++) for (const path of ["/health", "/login"]) await (await fetch(base + path)).arrayBuffer();
  await new Promise((resolve) => setTimeout(resolve, restMs));
  const rssKb = treeRssKb(child.pid!);
  child.kill("SIGTERM");
  await exited;
  return { ms, rssKb };
}

const results = new Map(variants.map((v) => [v, [] as { ms: number; rssKb?: number }[]]));
for (let run = 0; run < RUNS; run++) for (const variant of variants) results.get(variant)!.push(await runOnce(variant));
// One second after start-up the young generation still holds start-up's size; V8's memory
// reducer gives it back after some seconds with nothing to do. Both figures are reported.
const AT_REST_MS = 12_000;
const atRest = await runOnce(variants[1], AT_REST_MS);
cleanup(inst);

const summary = variants.map((v) => {
  const runs = results.get(v)!;
  const ms = runs.map((r) => r.ms);
  const rss = runs.flatMap((r) => (r.rssKb === undefined ? [] : [r.rssKb / 1024]));
  return { v, median: median(ms), min: Math.min(...ms), max: Math.max(...ms), rss: rss.length ? median(rss) : undefined };
});
const baseline = summary[0].median;
console.log(`startup, ${RUNS} runs each, median (min..max); RSS is the process tree's, idle after 10 requests`);
for (const s of summary) {
  const rss = s.rss === undefined ? "" : `  RSS ${s.rss.toFixed(1)} MB`;
  console.log(`  ${s.v.name.padEnd(30)} ${s.median.toFixed(0).padStart(6)} ms (${s.min.toFixed(0)}..${s.max.toFixed(0)})  ${(s.median / baseline).toFixed(2)}x baseline${rss}`);
}
console.log(`  ${variants[1].name}, ${AT_REST_MS / 1000} s at rest: RSS ${(atRest.rssKb! / 1024).toFixed(1)} MB`);
const start = summary[1];
console.log(`target: start ≤ ${TARGET_MS} ms: ${start.median <= TARGET_MS ? "met" : "NOT met"} (${start.median.toFixed(0)} ms); idle RSS ≤ ${TARGET_RSS_MB} MB: 1 s after the last request ${start.rss! <= TARGET_RSS_MB ? "met" : "NOT met"} (${start.rss!.toFixed(1)} MB), at rest ${atRest.rssKb! / 1024 <= TARGET_RSS_MB ? "met" : "NOT met"} (${(atRest.rssKb! / 1024).toFixed(1)} MB)`);
console.log(`load average during the run: ${readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")} on this machine's CPUs`);
