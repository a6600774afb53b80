import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { sha256 } from "@oslojs/crypto/sha2";
import { encodeHexLowerCase } from "@oslojs/encoding";

export interface Asset {
  body: Uint8Array;
  type: string;
}

/** Static files served under /static/<hash>/<name>: the hash changes with the content, so they cache forever. */
export class Assets {
  readonly version: string;

  constructor(readonly files: Map<string, Asset>) {
    const all = [...files].map(([name, a]) => name + encodeHexLowerCase(sha256(a.body))).join();
    this.version = encodeHexLowerCase(sha256(new TextEncoder().encode(all))).slice(0, 12);
  }

  /** Bound, so views can be handed the same function on every render. */
  readonly url = (name: string): string => {
    if (!this.files.has(name)) throw new Error(`unknown asset "${name}"`);
    return `/static/${this.version}/${name}`;
  };
}

const root = new URL("../", import.meta.url);
const SOURCES: Record<string, { path: string; type: string }> = {
  "htmx.min.js": { path: "node_modules/htmx.org/dist/htmx.min.js", type: "text/javascript; charset=utf-8" },
  "hx-sse.min.js": { path: "node_modules/htmx.org/dist/ext/hx-sse.min.js", type: "text/javascript; charset=utf-8" },
  "app.css": { path: "static/app.css", type: "text/css; charset=utf-8" },
  "app.js": { path: "static/app.js", type: "text/javascript; charset=utf-8" },
};

export async function loadAssets(): Promise<Assets> {
  const files = new Map<string, Asset>();
  for (const [name, { path, type }] of Object.entries(SOURCES)) {
    files.set(name, { body: new Uint8Array(await readFile(fileURLToPath(new URL(path, root)))), type });
  }
  return new Assets(files);
}
