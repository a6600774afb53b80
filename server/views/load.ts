import { readdir, readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { join, relative } from "node:path";

const viewsDir = fileURLToPath(new URL("../../views/", import.meta.url));

/** Reads every .eta file under views/, keyed by its path without the extension. */
export async function loadTemplates(dir = viewsDir): Promise<Map<string, string>> {
  const templates = new Map<string, string>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith(".eta")) continue;
    const full = join(entry.parentPath, entry.name);
    templates.set(relative(dir, full).replace(/\.eta$/, "").split("\\").join("/"), await readFile(full, "utf8"));
  }
  return templates;
}
