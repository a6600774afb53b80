// Whether dist/coder-server.js (npm run build) is up to date with every source it was built from.
import { readFileSync, statSync } from "node:fs";

export function bundleIsCurrent() {
  try {
    const { builtAt, sources } = JSON.parse(readFileSync(new URL("../dist/sources.json", import.meta.url), "utf8"));
    return sources.every((source) => statSync(new URL(`../${source}`, import.meta.url)).mtimeMs < builtAt);
  } catch {
    return false; // not built, or a source is gone: the sources are the truth
  }
}
