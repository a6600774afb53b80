// Task start (submit → the agent's first line) for an environment whose repository has 50,000
// commits and 20,000 files, against the same for a one-file repository, in the same run.
// Target: ≤ 1.1×. Repositories are baked into the image, so the container's copy-on-write
// layer is the workspace and start-up does not grow with the repository.
//   npx tsx bench/task-start-large-repo.ts [runs] [commits] [files]
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { api, cleanup, developerKey, installation, median, startServer, submitToLine } from "./lib/harness.ts";

const runs = Number(process.argv[2] ?? 7);
const COMMITS = Number(process.argv[3] ?? 50_000);
const FILES = Number(process.argv[4] ?? 20_000);
const dir = mkdtempSync(join(tmpdir(), "coderflow-bench-large-"));

/** A bare repository made with git fast-import: `files` files in the first commit, then `commits` small ones. */
function makeRepo(name: string, commits: number, files: number): string {
  const bare = join(dir, `${name}.git`);
  execFileSync("git", ["init", "-q", "--bare", "-b", "main", bare]);
  let stream = "";
  let mark = 0;
  const blob = (content: string) => {
    stream += `blob\nmark :${++mark}\ndata ${Buffer.byteLength(content)}\n${content}\n`;
    return mark;
  };
  // `from` only where a new fast-import process continues the branch; inside one stream each
  // commit follows the previous one by itself.
  const commit = (message: string, changes: string[], continues: boolean) => {
    stream += `commit refs/heads/main\ncommitter Bench <b@x> ${1700000000 + mark} +0000\ndata ${message.length}\n${message}\n${continues ? "from refs/heads/main^0\n" : ""}${changes.join("")}\n`;
  };
  const initial: string[] = [];
  for (let i = 0; i < files; i++) initial.push(`M 100644 :${blob(`file ${i}\n`)} src/${i % 100}/f${i}.txt\n`);
  commit("initial", initial, false);
  let input = stream;
  stream = "";
  const result = spawnSync("git", ["fast-import", "--quiet"], { cwd: bare, input, maxBuffer: 1 << 30 });
  if (result.status !== 0) throw new Error(String(result.stderr));
  // Later commits in chunks, each touching one file.
  for (let done = 1; done < commits; ) {
    const chunk = Math.min(5000, commits - done);
    for (let i = 0; i < chunk; i++, done++) commit(`change ${done}`, [`M 100644 :${blob(`change ${done}\n`)} CHANGES.txt\n`], i === 0);
    input = stream;
    stream = "";
    const r = spawnSync("git", ["fast-import", "--quiet"], { cwd: bare, input, maxBuffer: 1 << 30 });
    if (r.status !== 0) throw new Error(String(r.stderr));
  }
  return bare;
}

const started = Date.now();
const large = makeRepo("large", COMMITS, FILES);
const small = makeRepo("small", 1, 1);
console.log(`made repositories in ${((Date.now() - started) / 1000).toFixed(1)} s: ${execFileSync("git", ["rev-list", "--count", "main"], { cwd: large }).toString().trim()} commits`);
const inst = installation({
  large: { image_name: "coderflow-bench/large", repos: [{ name: "app", url: large }] },
  small: { image_name: "coderflow-bench/small", repos: [{ name: "app", url: small }] },
});
inst.cli(["build", "large"]);
inst.cli(["build", "small"]);
const key = developerKey(inst);
const server = await startServer(inst);
const call = api(server, key);

const firstLine = (environment: string) => submitToLine(call, environment, "echo x", "x");

try {
  await firstLine("small");
  await firstLine("large");
  const s: number[] = [], l: number[] = [];
  for (let i = 0; i < runs; i++) {
    s.push(await firstLine("small"));
    l.push(await firstLine("large"));
  }
  console.log(`one-file repository          : median ${median(s).toFixed(0)} ms (${s.map((v) => v.toFixed(0)).join(", ")})`);
  console.log(`${COMMITS} commits, ${FILES} files : median ${median(l).toFixed(0)} ms (${l.map((v) => v.toFixed(0)).join(", ")})`);
  console.log(`ratio ${(median(l) / median(s)).toFixed(2)}× (target ≤ 1.1×)`);
} finally {
  await server.stop();
  execFileSync("sh", ["-c", "docker images -q 'coderflow-bench/*' | sort -u | xargs -r docker rmi -f || true"], { stdio: "ignore" });
  cleanup(inst);
  execFileSync("rm", ["-rf", dir]);
}
