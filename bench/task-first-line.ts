// Submit → first line of the agent's own output at an SSE client, warm image, against a bare
// `docker run --rm IMAGE echo x` measured in the same run. Target: ≤ 1.25×.
//   npx tsx bench/task-first-line.ts [runs]
import { execFileSync } from "node:child_process";
import { api, cleanup, developerKey, installation, median, startServer, submitToLine } from "./lib/harness.ts";

const runs = Number(process.argv[2] ?? 7);
const inst = installation({ bench: { image_name: "coderflow-bench/first-line" } });
inst.cli(["build", "bench"]);
const image = "coderflow-bench/first-line:latest";
const key = developerKey(inst);
const server = await startServer(inst);
const call = api(server, key);

const firstLine = () => submitToLine(call, "bench", "echo x", "x");

function dockerRun(): number {
  const started = performance.now();
  execFileSync("docker", ["run", "--rm", image, "echo", "x"]);
  return performance.now() - started;
}

try {
  await firstLine();
  dockerRun();
  const server_ms: number[] = [], docker_ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    docker_ms.push(dockerRun());
    server_ms.push(await firstLine());
  }
  const ratio = median(server_ms) / median(docker_ms);
  console.log(`docker run --rm echo x : median ${median(docker_ms).toFixed(0)} ms  (${docker_ms.map((v) => v.toFixed(0)).join(", ")})`);
  console.log(`submit → first line    : median ${median(server_ms).toFixed(0)} ms  (${server_ms.map((v) => v.toFixed(0)).join(", ")})`);
  console.log(`ratio ${ratio.toFixed(2)}× (target ≤ 1.25×)`);
} finally {
  await server.stop();
  execFileSync("docker", ["rmi", "-f", image], { stdio: "ignore" });
  cleanup(inst);
}
