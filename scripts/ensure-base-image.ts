// Makes sure the offline agent base image exists: built once (debootstrap + docker build, a few
// minutes), then a cached no-op. scripts/ensure-base-image.sh runs it after scripts/ensure-docker.sh.
//   npx tsx scripts/ensure-base-image.ts
import { ensureBaseImage } from "../server/docker/base-image.ts";
import { DockerEngine } from "../server/docker/engine.ts";

const engine = new DockerEngine();
const ping = await engine.ping();
if (!ping.ok) {
  process.stderr.write(`ensure-base-image: ${ping.error}\n`);
  process.exit(1);
}
const started = Date.now();
try {
  const tag = await ensureBaseImage({ engine, offline: true, onLine: (line) => process.stdout.write(`${line}\n`) });
  process.stdout.write(`ensure-base-image: ${tag} ready in ${((Date.now() - started) / 1000).toFixed(1)}s\n`);
} catch (err) {
  process.stderr.write(`ensure-base-image: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
