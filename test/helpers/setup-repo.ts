import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { SETUP_TEMPLATE } from "../../server/setup/init.ts";

/** A copy of setup-template/ in a temp dir, with files overwritten as a test needs. */
export function setupRepoFixture(files: Record<string, string | object> = {}): { root: string; write(path: string, content: string | object): void; remove(): void } {
  const root = mkdtempSync(join(tmpdir(), "coderflow-setup-"));
  cpSync(SETUP_TEMPLATE, root, { recursive: true });
  const write = (path: string, content: string | object) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), typeof content === "string" ? content : JSON.stringify(content, null, 2));
  };
  for (const [path, content] of Object.entries(files)) write(path, content);
  return { root, write, remove: () => rmSync(root, { recursive: true, force: true }) };
}

export function environmentJson(overrides: Record<string, unknown> = {}) {
  return { name: "demo", description: "d", default_agent: "script", repos: [], ...overrides };
}
