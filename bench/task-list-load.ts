// The task list page's latency while 16 script tasks run at once on this 2-core machine, against
// the same page with nothing running, in the same run. Target: p99 ≤ 150 ms under load.
//   npx tsx bench/task-list-load.ts [tasks] [seconds]
import { execFileSync } from "node:child_process";
import { api, cleanup, developerKey, installation, quantile, startServer, waitForTask } from "./lib/harness.ts";

const TASKS = Number(process.argv[2] ?? 16);
const SECONDS = Number(process.argv[3] ?? 20);
const inst = installation({ load: { image_name: "coderflow-bench/load" } });
inst.cli(["build", "load"]);
const key = developerKey(inst);
const server = await startServer(inst, { CODERFLOW_MAX_CONCURRENT_TASKS: String(TASKS) });
const call = api(server, key);

async function pageLatencies(durationMs: number): Promise<number[]> {
  const latencies: number[] = [];
  const until = Date.now() + durationMs;
  while (Date.now() < until) {
    const started = performance.now();
    const res = await fetch(`${server.url}/tasks`, { headers: { authorization: `Bearer ${key}` } });
    await res.text();
    if (!res.ok) throw new Error(`GET /tasks: ${res.status}`);
    latencies.push(performance.now() - started);
    await new Promise((r) => setTimeout(r, 20));
  }
  return latencies;
}

try {
  // Some history so the page has rows to render.
  const warm = await (await call("/api/tasks", { method: "POST", body: JSON.stringify({ environment: "load", instructions: "echo warm" }) })).json();
  await waitForTask(call, warm.id);
  const idle = await pageLatencies(5000);
  const script = `for i in $(seq 1 ${SECONDS * 10}); do echo "working $i"; sleep 0.1; done`;
  const ids: number[] = [];
  for (let i = 0; i < TASKS; i++) ids.push((await (await call("/api/tasks", { method: "POST", body: JSON.stringify({ environment: "load", instructions: script }) })).json()).id);
  // Measure once they are all running.
  for (;;) {
    const running = (await (await call("/api/tasks?status=running")).json()).length;
    if (running >= TASKS) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const loaded = await pageLatencies((SECONDS - 5) * 1000);
  const finished = await Promise.all(ids.map((id) => waitForTask(call, id)));
  console.log(`idle      : p50 ${quantile(idle, 0.5).toFixed(1)} ms, p99 ${quantile(idle, 0.99).toFixed(1)} ms (${idle.length} requests)`);
  console.log(`${TASKS} tasks  : p50 ${quantile(loaded, 0.5).toFixed(1)} ms, p99 ${quantile(loaded, 0.99).toFixed(1)} ms (${loaded.length} requests; target p99 ≤ 150 ms)`);
  console.log(`p99 ratio loaded/idle ${(quantile(loaded, 0.99) / quantile(idle, 0.99)).toFixed(2)}×; tasks: ${finished.map((t) => t.status).filter((s) => s === "completed").length}/${TASKS} completed`);
} finally {
  await server.stop();
  execFileSync("sh", ["-c", "docker images -q coderflow-bench/load | sort -u | xargs -r docker rmi -f"], { stdio: "ignore" });
  cleanup(inst);
}
