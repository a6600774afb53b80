#!/usr/bin/env node
// The package ships TypeScript; tsx's loader compiles it on the fly (cached between runs).
import { register } from "tsx/esm/api";

register();
await import("./main.ts");
