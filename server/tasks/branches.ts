import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { Build, Builds } from "../environments/builds.ts";
import { repoPath } from "../environments/dockerfile.ts";
import type { RepoConfig } from "../environments/schema.ts";

const exec = promisify(execFile);

export const BRANCH_BUNDLE_DIR = "/task-input/.branches";

export class BranchError extends Error {}

export interface BranchCheckout {
  /** The repository's directory in the container. */
  dir: string;
  branch: string;
  commit: string;
  /** A git bundle with the commits the image lacks, or null when it has them all. */
  bundle: string | null;
}

/**
 * A task on another branch than the image's: the server fetches it into its own checkout (the
 * credentials stay on the server) and hands the container a bundle of only the commits the
 * image does not already have, so the work does not grow with the repository's history.
 */
export async function prepareBranches(opts: {
  builds: Builds;
  environment: string;
  repos: RepoConfig[];
  build: Build;
  branches: Record<string, string>;
}): Promise<{ checkouts: BranchCheckout[]; files: { path: string; content: Uint8Array }[] }> {
  const checkouts: BranchCheckout[] = [];
  const files: { path: string; content: Uint8Array }[] = [];
  for (const [name, branch] of Object.entries(opts.branches)) {
    const repo = opts.repos.find((r) => r.name === name);
    if (!repo || branch === repo.branch) continue;
    const dir = opts.builds.checkoutDir(opts.environment, repo);
    const ref = `refs/coderflow/${branch}`;
    const git = (...args: string[]) => exec("git", ["-C", dir, ...args], { maxBuffer: 16 * 1024 * 1024, env: { ...process.env, GIT_TERMINAL_PROMPT: "0" } });
    try {
      await git("fetch", "--quiet", "--no-write-fetch-head", repo.url, `+refs/heads/${branch}:${ref}`);
    } catch (err) {
      throw new BranchError(`repository "${name}" has no branch "${branch}" (or its remote cannot be reached): ${String((err as { stderr?: string }).stderr ?? err).trim().split("\n").at(-1)}`);
    }
    const commit = (await git("rev-parse", ref)).stdout.trim();
    const baked = opts.build.repo_heads[name];
    const tmp = await mkdtemp(join(tmpdir(), "coderflow-bundle-"));
    try {
      const file = join(tmp, "branch.bundle");
      let bundle: string | null = `${BRANCH_BUNDLE_DIR}/${name}.bundle`;
      try {
        await git("bundle", "create", "--quiet", file, ref, ...(baked ? ["--not", baked] : []));
        files.push({ path: bundle, content: new Uint8Array(await readFile(file)) });
      } catch (err) {
        // Every commit of the branch is in the image already.
        if (!/empty bundle/i.test(String((err as { stderr?: string }).stderr))) throw err;
        bundle = null;
      }
      checkouts.push({ dir: `/workspace/${repoPath(repo)}`, branch, commit, bundle });
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }
  return { checkouts, files };
}
