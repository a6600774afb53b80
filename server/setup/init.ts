import { cp, mkdir, readdir } from "node:fs/promises";
import * as fs from "node:fs";
import { fileURLToPath } from "node:url";

export const SETUP_TEMPLATE = fileURLToPath(new URL("../../setup-template/", import.meta.url));

export class SetupInitError extends Error {}

/** Copies setup-template/ into a new (or empty) directory and commits it as a new git repository. */
export async function initSetupRepository(dir: string, template = SETUP_TEMPLATE): Promise<void> {
  let existing: string[] = [];
  try {
    existing = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw new SetupInitError(`cannot read ${dir}: ${(err as Error).message}`);
  }
  if (existing.length > 0) throw new SetupInitError(`${dir} is not empty; choose a new directory, or for an existing clone run "coder-server config set setup_path ${dir}"`);
  await mkdir(dir, { recursive: true });
  await cp(template, dir, { recursive: true });
  // Only `init` and a first start need it: loaded then, not with every server.
  const { default: git } = await import("isomorphic-git");
  await git.init({ fs, dir, defaultBranch: "main" });
  const files = await git.statusMatrix({ fs, dir });
  for (const [filepath] of files) await git.add({ fs, dir, filepath });
  await git.commit({ fs, dir, message: "Initial setup repository from the CoderFlow template", author: { name: "CoderFlow", email: "coderflow@localhost" } });
}
