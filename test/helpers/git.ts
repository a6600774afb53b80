import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";

const exec = promisify(execFile);

async function git(args: string[], cwd?: string): Promise<string> {
  const { stdout } = await exec("git", ["-c", "user.name=CoderFlow Test", "-c", "user.email=test@example.test", "-c", "init.defaultBranch=main", ...args], { cwd });
  return stdout.trim();
}

export interface BareRepository {
  /** The bare repository's path on this host: what an environment's repos[].url may name. */
  url: string;
  /** The commit the branch points at. */
  head: string;
  /** Pushes a new branch with one more commit adding `files` on top of the first; returns its commit. */
  branch(name: string, files: Record<string, string>): Promise<string>;
  remove(): void;
}

/** A real bare repository on disk holding one commit of `files` on `branch`, made with the git CLI. */
export async function bareRepository(files: Record<string, string>, branch = "main"): Promise<BareRepository> {
  const dir = mkdtempSync(join(tmpdir(), "coderflow-git-"));
  const work = join(dir, "work");
  const url = join(dir, "origin.git");
  await git(["init", "--quiet", "--bare", url]);
  await git(["init", "--quiet", "--initial-branch", branch, work]);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(work, path)), { recursive: true });
    writeFileSync(join(work, path), content);
  }
  await git(["add", "--all"], work);
  await git(["commit", "--quiet", "--message", "initial commit"], work);
  await git(["push", "--quiet", url, `HEAD:refs/heads/${branch}`], work);
  return {
    url,
    head: await git(["rev-parse", "HEAD"], work),
    async branch(name, extraFiles) {
      await git(["checkout", "--quiet", "-B", name], work);
      for (const [path, content] of Object.entries(extraFiles)) {
        mkdirSync(dirname(join(work, path)), { recursive: true });
        writeFileSync(join(work, path), content);
      }
      await git(["add", "--all"], work);
      await git(["commit", "--quiet", "--message", `on ${name}`], work);
      await git(["push", "--quiet", url, `HEAD:refs/heads/${name}`], work);
      const commit = await git(["rev-parse", "HEAD"], work);
      await git(["checkout", "--quiet", branch], work);
      return commit;
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
