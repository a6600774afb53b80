// A task prints LINES numbered, timestamped lines while CLIENTS SSE clients follow it. Checks that
// every client gets every line once and in order; reports line latency (print → client) and the
// server's RSS growth. Targets: p99 ≤ 50 ms, RSS growth ≤ 50 MB. The baseline for latency is the
// same measurement with a single client, taken in the same run. With a rate (lines per second)
// the task paces its output, which measures latency rather than how far a flat-out printer
// gets ahead of capture (dockerd alone passes ~65k lines/s here).
//   npx tsx bench/log-fanout.ts [lines] [clients] [rate]
import { execFileSync } from "node:child_process";
import { request } from "node:http";
import { api, cleanup, developerKey, installation, quantile, startServer, waitForTask, type RunningServer } from "./lib/harness.ts";

const LINES = Number(process.argv[2] ?? 200_000);
const CLIENTS = Number(process.argv[3] ?? 100);
const RATE = Number(process.argv[4] ?? 0);
const SAMPLE_EVERY = 20;

const inst = installation({ fanout: { image_name: "coderflow-bench/fanout" } });
inst.cli(["build", "fanout"]);
const key = developerKey(inst);
const server = await startServer(inst);
const call = api(server, key);

interface ClientResult {
  received: number;
  inOrder: boolean;
  latencies: number[];
}

/** A raw HTTP SSE client that parses only what it must: data lines "<n> <epoch ms>". */
function follow(server: RunningServer, id: number): Promise<ClientResult> {
  return new Promise((resolve, reject) => {
    const result: ClientResult = { received: 0, inOrder: true, latencies: [] };
    const req = request(`${server.url}/api/tasks/${id}/logs/stream`, { headers: { authorization: `Bearer ${key}` } }, (res) => {
      let partial = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        const now = Date.now();
        const lines = (partial + chunk).split("\n");
        partial = lines.pop()!;
        for (const line of lines) {
          if (!line.startsWith("data: ")) continue;
          const space = line.indexOf(" ", 6);
          const n = Number(line.slice(6, space));
          if (!Number.isInteger(n) || space < 0) continue;
          if (n !== result.received) result.inOrder = false;
          result.received++;
          if (n % SAMPLE_EVERY === 0) result.latencies.push(now - Number(line.slice(space + 1)));
        }
      });
      res.on("end", () => resolve(result));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

async function run(clients: number) {
  // Node in the container prints each line with its own clock; the host and container share it.
  const printer = RATE
    ? `let i = 0; const start = Date.now(); (function tick() { const due = Math.min(${LINES}, Math.floor((Date.now() - start) * ${RATE} / 1000) + 1); let out = ""; for (; i < due; i++) out += i + " " + Date.now() + "\\n"; process.stdout.write(out); if (i < ${LINES}) setTimeout(tick, 5); })()`
    : `for (let i = 0; i < ${LINES}; i++) console.log(i + " " + Date.now())`;
  const script = `node -e '${printer}'`;
  const { id } = await (await call("/api/tasks", { method: "POST", body: JSON.stringify({ environment: "fanout", instructions: script }) })).json();
  const followers = Array.from({ length: clients }, () => follow(server, id));
  const results = await Promise.all(followers);
  const task = await waitForTask(call, id);
  const latencies = results.flatMap((r) => r.latencies);
  return {
    task: task.status,
    complete: results.every((r) => r.received === LINES && r.inOrder),
    worstReceived: Math.min(...results.map((r) => r.received)),
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
  };
}

try {
  await run(1); // warm-up
  const single = await run(1);
  const rssBefore = server.rssKb();
  const many = await run(CLIENTS);
  const rssAfter = server.rssKb();
  console.log(`${LINES} lines, ${RATE ? `${RATE} lines/s` : "as fast as the container prints"}`);
  console.log(`1 client      : ${single.task}, all lines in order: ${single.complete}; latency p50 ${single.p50} ms, p99 ${single.p99} ms`);
  console.log(`${CLIENTS} clients   : ${many.task}, all lines in order at every client: ${many.complete} (fewest received ${many.worstReceived}/${LINES}); latency p50 ${many.p50} ms, p99 ${many.p99} ms (target ≤ 50 ms)`);
  console.log(`p99 ratio ${CLIENTS} clients / 1 client: ${(many.p99 / Math.max(1, single.p99)).toFixed(2)}×`);
  console.log(`server RSS ${(rssBefore / 1024).toFixed(0)} MB → ${(rssAfter / 1024).toFixed(0)} MB, growth ${((rssAfter - rssBefore) / 1024).toFixed(1)} MB (target ≤ 50 MB)`);
} finally {
  await server.stop();
  execFileSync("docker", ["rmi", "-f", "coderflow-bench/fanout:latest"], { stdio: "ignore" });
  cleanup(inst);
}
