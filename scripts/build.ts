// Bundles the CLI, and the server with it, into dist/coder-server.js so that `coder-server`
// starts without compiling TypeScript on the fly (tsx). bench/startup.ts measures the gain.
// cli/bin.js runs the bundle only while every source it was built from is older than the
// build, so an edited checkout still runs its sources. Packages are bundled too (loading a few
// hundred files from node_modules was most of a cold start), except those with native code or
// that are only ever loaded on demand.
//   npm run build        (also run by `npm install` in a clone, as the prepare script)
import { build } from "esbuild";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
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
  write: false,
  bundle: true,
  external: ["@libsql/*", "libsql", "ssh2"],
  // ESM builds where a package has one: a UMD build (jsonc-parser's) requires its parts by
  // computed paths that a bundle cannot follow.
  mainFields: ["module", "main"],
  // Bundled CommonJS packages call require() for Node's own modules.
  banner: { js: "import { createRequire as __coderflowRequire } from 'node:module'; const require = __coderflowRequire(import.meta.url);" },
  platform: "node",
  format: "esm",
  target: "node20",
  metafile: true,
  // Whitespace and syntax only: the source stays in memory (V8 keeps it for lazy compilation),
  // and names are kept for readable stack traces.
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: "warning",
  plugins: [
    {
      // dockerode loads gRPC and protobuf (~850 KB of code, several MB of memory) for BuildKit
      // sessions, which only `version: "2"` builds use; the engine adapter builds with the
      // classic builder, so those two modules are left out and fail loudly if ever reached.
      name: "dockerode-without-buildkit",
      setup(b) {
        b.onResolve({ filter: /^\.\/(session|buildkit)$/ }, (args) =>
          /[\\/]dockerode[\\/]lib$/.test(args.resolveDir) ? { path: args.path, namespace: "left-out" } : undefined,
        );
        b.onLoad({ filter: /.*/, namespace: "left-out" }, (args) => ({
          contents: `module.exports = function () { throw new Error("dockerode's ${args.path} (BuildKit) is not part of the coder-server bundle"); };`,
          loader: "js",
        }));
      },
    },
    {
      // docker-modem loads ssh2 (~14 MB of memory at rest) at import for DOCKER_HOST=ssh://
      // alone: its ssh module is loaded at the first ssh connection instead.
      name: "docker-modem-ssh-on-demand",
      setup(b) {
        b.onResolve({ filter: /^\.\/ssh$/ }, (args) =>
          /[\\/]docker-modem[\\/]lib$/.test(args.resolveDir) ? { path: join(args.resolveDir, "ssh.js"), namespace: "on-demand" } : undefined,
        );
        b.onLoad({ filter: /.*/, namespace: "on-demand" }, (args) => ({
          contents: `module.exports = function (options) { return require(${JSON.stringify(args.path)})(options); };`,
          resolveDir: dirname(args.path),
          loader: "js",
        }));
      },
    },
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
// V8 keeps the bundle's source in memory for lazy compilation, one byte per character only if
// every character is ASCII, else two: 1.8 MB more. esbuild escapes non-ASCII text (its default
// charset) except inside regular expression literals, where a \uXXXX escape means the same.
mkdirSync(dirname(OUT), { recursive: true });
writeFileSync(OUT, result.outputFiles[0].text.replace(/[^\x00-\x7f]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`));

// Only files: the plugins' stand-ins (namespace:path) are not, and cli/bin.js stats each entry.
const sources = Object.keys(result.metafile.inputs).filter((input) => !/^[a-z-]+:/.test(input));
writeFileSync(join(ROOT, "dist", "sources.json"), JSON.stringify({ builtAt, sources }) + "\n");
