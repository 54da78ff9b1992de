// Bundles the ES modules of frontend/ with esbuild (pinned in package.json) into
// var/frontend-build/, which Django serves as static files under build/. Prints each bundle's
// size. Nothing built is committed. `node frontend/build.mjs` or `npm run build`.
import { build } from "esbuild";
import { mkdir, rm } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const outdir = path.join(root, "var", "frontend-build");

await rm(outdir, { recursive: true, force: true });
await mkdir(outdir, { recursive: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: {
    workspace: "frontend/workspace/index.js",
    "project-list": "frontend/project-list.js",
    "workspace-styles": "frontend/workspace/styles.css",
  },
  bundle: true,
  minify: true,
  format: "esm",
  target: ["chrome110", "firefox110", "safari16"],
  outdir,
  sourcemap: "linked",
  metafile: true,
  logLevel: "warning",
  splitting: true,
  chunkNames: "chunks/[name]-[hash]",
  assetNames: "assets/[name]-[hash]",
  jsx: "automatic",
  jsxImportSource: "@bpmn-io/properties-panel/preact",
  loader: { ".woff": "file", ".woff2": "file", ".ttf": "file", ".eot": "file", ".svg": "file" },
  legalComments: "linked",
});

const rows = Object.entries(result.metafile.outputs)
  .filter(([file]) => !file.endsWith(".map") && !file.endsWith(".LEGAL.txt"))
  .map(([file, info]) => [path.relative(root, path.join(root, file)), info.bytes]);
for (const [file, bytes] of rows) console.log(`${(bytes / 1024).toFixed(1).padStart(9)} KiB  ${file}`);
