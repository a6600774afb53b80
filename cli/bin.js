#!/usr/bin/env node
// Runs the prebuilt bundle (npm run build) while it is up to date with every source it was
// built from; otherwise the TypeScript sources, compiled on the fly by tsx.
import { readFileSync, statSync } from "node:fs";

function bundleIsCurrent() {
  try {
    const { builtAt, sources } = JSON.parse(readFileSync(new URL("../dist/sources.json", import.meta.url), "utf8"));
    return sources.every((source) => statSync(new URL(`../${source}`, import.meta.url)).mtimeMs < builtAt);
  } catch {
    return false; // not built, or a source is gone: the sources are the truth
  }
}

if (bundleIsCurrent()) {
  await import("../dist/coder-server.js");
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import("./main.ts");
}
