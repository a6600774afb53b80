import { readFileSync, rmSync, writeFileSync } from "node:fs";

/** Another server already runs on this installation: two would capture the same tasks' output. */
export class InstanceLockError extends Error {}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Takes the installation's lock file (server.pid): refused while the process named in it is
 * alive, taken over when it is gone (a server stopped with kill -9 leaves its file behind).
 */
export function acquireInstanceLock(path: string, home: string): () => void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, `${process.pid}\n`, { flag: "wx", mode: 0o600 });
      return () => {
        // Only our own file: a successor may have taken over a lock we lost track of.
        if (readFileSync(path, "utf8").trim() === String(process.pid)) rmSync(path, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const holder = Number(readFileSync(path, "utf8").trim());
      if (Number.isInteger(holder) && holder > 0 && alive(holder)) {
        throw new InstanceLockError(`another coder-server (pid ${holder}) is already running for ${home}; stop it first, or give this one its own CODERFLOW_HOME`);
      }
      rmSync(path, { force: true });
    }
  }
  throw new InstanceLockError(`cannot take the lock file ${path}`);
}
