// Bundles the CLI, and the server with it, into dist/coder-server.js so that `coder-server`
// starts without compiling TypeScript on the fly (tsx). bench/startup.ts measures the gain.
// cli/bin.js runs the bundle only while every source it was built from is older than the
// build, so an edited checkout still runs its sources. Packages stay external: Node loads
// them from node_modules as usual.
//   npm run build        (also run by `npm install` in a clone, as the prepare script)
import { build } from "esbuild";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const OUT = join(ROOT, "dist", "coder-server.js");

// Taken before any source is read, so a file edited during the build counts as newer.
const builtAt = Date.now();
const result = await build({
  absWorkingDir: ROOT,
  entryPoints: ["cli/main.ts"],
  outfile: OUT,
  bundle: true,
  packages: "external",
  platform: "node",
  format: "esm",
  target: "node20",
  metafile: true,
  logLevel: "warning",
  plugins: [
    {
      // Modules find their data files (views, migrations, assets) relative to their own
      // source file; in one bundle import.meta.url would name the bundle instead.
      name: "source-relative-import-meta-url",
      setup(b) {
        b.onLoad({ filter: /\.ts$/ }, (args) => {
          const fromBundle = JSON.stringify(relative(dirname(OUT), args.path));
          const contents = readFileSync(args.path, "utf8").replaceAll("import.meta.url", `new URL(${fromBundle}, import.meta.url).href`);
          return { contents, loader: "ts" };
        });
      },
    },
  ],
});
writeFileSync(join(ROOT, "dist", "sources.json"), JSON.stringify({ builtAt, sources: Object.keys(result.metafile.inputs) }) + "\n");
