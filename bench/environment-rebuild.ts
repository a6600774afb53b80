// Rebuilding an environment whose Dockerfile and repositories did not change, against a plain
// `docker build` of the same generated context in the same run. Target: ≤ 1.5× (the layer
// cache must hold, repository checkouts included).
//   npx tsx bench/environment-rebuild.ts [runs]
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { api, cleanup, developerKey, installation, median, startServer } from "./lib/harness.ts";

const runs = Number(process.argv[2] ?? 5);
const repo = mkdtempSync(join(tmpdir(), "coderflow-bench-repo-"));
const git = (...args: string[]) => execFileSync("git", args, { cwd: repo, stdio: "ignore" });
git("init", "-q", "-b", "main", "--bare", join(repo, "app.git"));
const work = join(repo, "work");
execFileSync("git", ["clone", "-q", join(repo, "app.git"), work], { stdio: "ignore" });
for (let i = 0; i < 200; i++) writeFileSync(join(work, `file-${i}.txt`), `content ${i}\n`.repeat(50));
execFileSync("sh", ["-c", "git add -A && git -c user.name=b -c user.email=b@x commit -qm init && git push -q origin main"], { cwd: work });

const inst = installation({
  rebuild: {
    image_name: "coderflow-bench/rebuild",
    repos: [{ name: "app", url: join(repo, "app.git"), post_clone_action: "ls | wc -l > .files" }],
    docker_config: { pre_clone_instructions: ["RUN echo tools > /etc/tools"], post_clone_instructions: ["RUN echo done > /etc/done"] },
  },
});
const time = (fn: () => void) => {
  const started = performance.now();
  fn();
  return performance.now() - started;
};
const key = developerKey(inst);
const server = await startServer(inst);
const call = api(server, key);

/** A rebuild as people ask for it: the API of a running server, until the build has finished. */
async function serverBuild(): Promise<number> {
  const started = performance.now();
  const { build_id } = await (await call("/api/environments/rebuild/build", { method: "POST" })).json();
  for (;;) {
    const build = await (await call(`/api/builds/${build_id}`)).json();
    if (build.status === "succeeded") return performance.now() - started;
    if (build.status === "failed") throw new Error(`build ${build_id} failed: ${build.error}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

try {
  await serverBuild();
  const context = join(inst.home, "build-cache", "rebuild");
  const plainBuild = () => execFileSync("docker", ["build", "-q", "-t", "coderflow-bench/rebuild:plain", context], { stdio: "ignore", env: { ...process.env, DOCKER_BUILDKIT: "0" } });
  plainBuild();
  const ours: number[] = [], plain: number[] = [];
  for (let i = 0; i < runs; i++) {
    plain.push(time(plainBuild));
    ours.push(await serverBuild());
  }
  console.log(`plain docker build (cached)     : median ${median(plain).toFixed(0)} ms  (${plain.map((v) => v.toFixed(0)).join(", ")})`);
  console.log(`server rebuild (no changes)     : median ${median(ours).toFixed(0)} ms  (${ours.map((v) => v.toFixed(0)).join(", ")})`);
  console.log(`ratio ${(median(ours) / median(plain)).toFixed(2)}× (target ≤ 1.5×; ours includes the git fetch of each repository and 5 ms status polling)`);
} finally {
  await server.stop();
  execFileSync("sh", ["-c", "docker images -q coderflow-bench/rebuild | sort -u | xargs -r docker rmi -f"], { stdio: "ignore" });
  cleanup(inst);
  execFileSync("rm", ["-rf", repo]);
}
