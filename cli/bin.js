#!/usr/bin/env node
// Runs the prebuilt bundle (npm run build) while it is up to date with every source it was
// built from; otherwise the TypeScript sources, compiled on the fly by tsx.
import { bundleIsCurrent } from "./bundle.js";

if (bundleIsCurrent()) {
  await import("../dist/coder-server.js");
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import("./main.ts");
}
