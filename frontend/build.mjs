// `make frontend`: bundles the embeddable stock widget into one content-hashed file with esbuild
// and writes its embed snippet with a Subresource Integrity hash. The ES-module sources in js/
// stay the development path (the pages load them directly, no build step).
//
// esbuild rather than webpack: one dependency with no plugins or config to keep up, and a bundle
// this small needs nothing more (CSS is inlined as text, the rest is plain ES modules).
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "dist");
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const result = await build({
  entryPoints: { "inventory-widget": join(here, "js", "embed.js") },
  bundle: true,
  minify: true,
  format: "iife",
  target: ["es2020"],
  loader: { ".css": "text" },
  define: { "globalThis.INVENTORY_WIDGET_BUNDLE": "true" },
  entryNames: "[name].[hash]",
  outdir: out,
  metafile: true,
  legalComments: "none",
});

const [file] = Object.keys(result.metafile.outputs).map((path) => path.split("/").pop());
const body = readFileSync(join(out, file));
const integrity = `sha384-${createHash("sha384").update(body).digest("base64")}`;
const snippet = [
  '<div data-inventory-widget data-product-id="YOUR-SKU"></div>',
  `<script src="https://YOUR-FRONTEND-HOST/dist/${file}" integrity="${integrity}"`,
  '        crossorigin="anonymous" async data-api-key="YOUR-STOREFRONT-KEY"></script>',
  "",
].join("\n");
writeFileSync(join(out, "embed-snippet.html"), snippet);
writeFileSync(join(out, "manifest.json"), `${JSON.stringify({ file, integrity, bytes: body.length }, null, 2)}\n`);
console.log(`frontend/dist/${file}: ${body.length} bytes, ${integrity}`);
if (readdirSync(out).length !== 3) throw new Error("unexpected files in dist/");
