import { existsSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Build, Builds } from "../environments/builds.ts";
import { CheckoutError, git } from "../environments/checkout.ts";
import { repoPath } from "../environments/dockerfile.ts";
import type { RepoConfig } from "../environments/schema.ts";
import { ATTACHMENT_DIR } from "./attachments.ts";

const BRANCH_BUNDLE_DIR = `${ATTACHMENT_DIR}/.branches`;

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
 * A task on another branch than the image's: the server fetches it (the credentials stay on the
 * server) into a store that borrows the build checkout's objects, and hands the container a
 * bundle of only the commits the image does not already have, so the work does not grow with
 * the repository's history.
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
    const store = await branchStore(opts.builds.branchStoreDir(opts.environment, repo), opts.builds.checkoutDir(opts.environment, repo));
    const ref = `refs/coderflow/${branch}`;
    try {
      await git(["fetch", "--quiet", "--no-write-fetch-head", repo.url, `+refs/heads/${branch}:${ref}`], store);
    } catch (err) {
      if (!(err instanceof CheckoutError)) throw err;
      throw new BranchError(`repository "${name}" has no branch "${branch}" (or its remote cannot be reached): ${err.message}`);
    }
    const commit = await git(["rev-parse", ref], store);
    const baked = opts.build.repo_heads[name];
    const tmp = await mkdtemp(join(tmpdir(), "coderflow-bundle-"));
    try {
      const file = join(tmp, "branch.bundle");
      let bundle: string | null = `${BRANCH_BUNDLE_DIR}/${name}.bundle`;
      try {
        await git(["bundle", "create", "--quiet", file, ref, ...(baked ? ["--not", baked] : [])], store);
        files.push({ path: bundle, content: new Uint8Array(await readFile(file)) });
      } catch (err) {
        // Every commit of the branch is in the image already.
        if (!(err instanceof CheckoutError && /empty bundle/i.test(err.message))) throw err;
        bundle = null;
      }
      checkouts.push({ dir: `/workspace/${repoPath(repo)}`, branch, commit, bundle });
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }
  return { checkouts, files };
}

/** A bare repository at `dir` that reads the checkout's objects (so `--not <baked>` resolves) and stores only what it fetches. */
async function branchStore(dir: string, checkout: string): Promise<string> {
  if (!existsSync(join(dir, "HEAD"))) {
    await mkdir(dir, { recursive: true });
    await git(["init", "--quiet", "--bare", dir]);
  }
  await writeFile(join(dir, "objects", "info", "alternates"), `${join(checkout, ".git", "objects")}\n`);
  // A shallow checkout (git_depth): its history ends where its shallow file says.
  const shallow = join(checkout, ".git", "shallow");
  if (existsSync(shallow)) await copyFile(shallow, join(dir, "shallow"));
  else await rm(join(dir, "shallow"), { force: true });
  return dir;
}
