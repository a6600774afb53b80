import { readFile, writeFile, rename } from "node:fs/promises";
import type { LicenseFile } from "./store.ts";

export function licenseFile(path: string): LicenseFile {
  return {
    async read() {
      try {
        return (await readFile(path, "utf8")).trim() || null;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
        throw err;
      }
    },
    async write(key) {
      await writeFile(`${path}.tmp`, key + "\n", { mode: 0o600 });
      await rename(`${path}.tmp`, path);
    },
  };
}
