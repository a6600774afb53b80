import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import { join, dirname } from "node:path";
import { promisify } from "node:util";
import type { RepoConfig } from "./schema.ts";

const exec = promisify(execFile);

export class CheckoutError extends Error {}

/** Runs git without a prompt; a failure is a CheckoutError whose message names no credential. */
export async function git(args: string[], cwd?: string): Promise<string> {
  try {
    const { stdout } = await exec("git", args, { cwd, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, GIT_TERMINAL_PROMPT: "0" } });
    return stdout.trim();
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new CheckoutError(redactUrl(`git ${args.filter((a) => !a.startsWith("-c")).join(" ")} failed: ${(e.stderr || e.message).trim().split("\n").slice(-3).join(" ")}`));
  }
}

/**
 * Brings a repository's checkout in the build cache up to the branch head: cloned once, then
 * fetched. An unchanged remote leaves every file as it was, so Docker's layer cache holds.
 */
export async function updateCheckout(repo: RepoConfig, dir: string, log: (line: string) => void): Promise<string> {
  const depth = repo.git_depth > 0 ? [`--depth=${repo.git_depth}`] : [];
  const logged = (head: string) => {
    log(`${repo.name}: ${repo.branch} at ${head.slice(0, 12)}`);
    return head;
  };
  if (!existsSync(join(dir, ".git"))) {
    await rm(dir, { recursive: true, force: true });
    await mkdir(dirname(dir), { recursive: true });
    log(`cloning ${repo.name} (${repo.branch}) from ${redactUrl(repo.url)}`);
    await git(["clone", "--quiet", "--branch", repo.branch, "--single-branch", ...depth, repo.url, dir]);
    // The checkout is copied into the image: its config must not keep credentials from the URL.
    // (Later fetches name the URL themselves.)
    await git(["remote", "set-url", "origin", withoutCredentials(repo.url)], dir);
    return logged(await git(["rev-parse", "HEAD"], dir));
  }
  // Two git processes when nothing changed: every rebuild pays for this. Fetching from the URL
  // itself (not "origin") keeps working when environment.json changes it.
  // No FETCH_HEAD: a file the first clone lacks would change the COPY step and miss the cache.
  await git(["fetch", "--quiet", "--no-write-fetch-head", ...depth, repo.url, `+refs/heads/${repo.branch}:refs/remotes/origin/${repo.branch}`], dir);
  const [before, after] = (await git(["rev-parse", "HEAD", `refs/remotes/origin/${repo.branch}`], dir)).split("\n");
  if (after !== before) {
    await git(["checkout", "--quiet", "-B", repo.branch, `refs/remotes/origin/${repo.branch}`], dir);
    await git(["clean", "-qfdx"], dir);
  }
  return logged(after);
}

/** user:password@ in a URL (or every URL in a message) never reaches a log line. */
export function redactUrl(text: string): string {
  return text.replace(/\/\/[^/@\s]+@/g, "//***@");
}

/** The URL with its user and password taken out, for where it is stored. */
export function withoutCredentials(url: string): string {
  return url.replace(/\/\/[^/@]+@/, "//");
}
