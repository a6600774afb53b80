import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { AptSource } from "./apt-sources.ts";
import { formatDeb822 } from "./apt-sources.ts";
import type { DockerEngine } from "./engine.ts";

export type DebootstrapOptions = {
  engine: DockerEngine;
  tag: string;
  suite: string;
  mirror: string;
  /** Written as the image's apt configuration, so it uses the host's mirrors afterwards too. */
  aptSources: AptSource[];
  onLine?: (line: string) => void;
};

/**
 * Builds a Debian image without any registry: debootstrap a minimal system from the host's
 * mirror into a scratch directory (on disk, not tmpfs: it is a few hundred MB) and import it.
 * Needs root and debootstrap on the host.
 */
export async function importDebootstrappedRootfs(options: DebootstrapOptions): Promise<{ imageId: string }> {
  const onLine = options.onLine ?? (() => {});
  const dir = await mkdtemp("/var/tmp/coderflow-rootfs-");
  try {
    await runTool("debootstrap", ["--variant=minbase", options.suite, dir, options.mirror], onLine);
    await rm(join(dir, "etc/apt/sources.list"), { force: true });
    await writeFile(join(dir, "etc/apt/sources.list.d/debian.sources"), formatDeb822(options.aptSources));
    onLine(`importing ${dir} as ${options.tag}`);
    const tar = spawn("tar", ["--numeric-owner", "-C", dir, "-c", "."], { stdio: ["ignore", "pipe", "pipe"] });
    createInterface({ input: tar.stderr }).on("line", onLine);
    try {
      const [imported] = await Promise.all([options.engine.importRootfs(tar.stdout, options.tag), exitOf(tar, "tar")]);
      return imported;
    } catch (err) {
      // A failed import stops reading, and tar would wait on the pipe for ever.
      tar.kill();
      throw err;
    }
  } finally {
    await removeScratch(dir);
  }
}

/** Runs a host tool, passing its output on line by line; rejects with the tail on failure. */
function runTool(command: string, args: string[], onLine: (line: string) => void): Promise<void> {
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
  const tail: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on("line", (line) => {
      tail.push(line);
      if (tail.length > 20) tail.shift();
      onLine(line);
    });
  }
  return exitOf(child, command).catch((err: Error) => {
    throw new Error(`${err.message}\n${tail.join("\n")}`);
  });
}

function exitOf(child: ReturnType<typeof spawn>, command: string): Promise<void> {
  return new Promise((resolve, reject) => {
    child.on("error", (err) => reject(new Error(`${command} could not start: ${err.message}`)));
    child.on("close", (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`${command} failed (${signal ?? `exit code ${code}`})`));
    });
  });
}

/**
 * debootstrap mounts /proc and /sys inside the target and leaves them mounted when it is
 * interrupted. A recursive delete would then walk into the host's own filesystems, so anything
 * still mounted is detached first, and the directory is kept if that does not work.
 */
async function removeScratch(dir: string): Promise<void> {
  const mountedUnder = async () =>
    (await readFile("/proc/self/mounts", "utf8"))
      .split("\n")
      .map((line) => line.split(" ")[1]?.replace(/\\(\d{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8))))
      .filter((point): point is string => !!point && (point === dir || point.startsWith(`${dir}/`)))
      .sort((a, b) => b.length - a.length);
  for (const point of await mountedUnder()) {
    await exitOf(spawn("umount", ["--lazy", point], { stdio: "ignore" }), "umount").catch(() => {});
  }
  const left = await mountedUnder();
  if (left.length) throw new Error(`not deleting ${dir}: still mounted there: ${left.join(", ")}`);
  await rm(dir, { recursive: true, force: true });
}
