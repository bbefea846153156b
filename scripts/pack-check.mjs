// Packaging check (part of `pnpm test`): packs @charrnn/core, vocab, models and sampler with `pnpm pack`,
// installs the tarballs into an empty folder with npm, and runs the README's five-line script there
// against a model file written by the installed packages. Proves the published shape works alone.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const pnpm = ["-y", "pnpm@12.20.0"];
const run = (cmd, args, cwd) =>
  execFileSync(cmd, args, { cwd, stdio: ["ignore", "pipe", "inherit"], encoding: "utf8" });

run(
  "npx",
  [...pnpm, "turbo", "run", "build", "--filter=@charrnn/sampler...", "--output-logs=errors-only"],
  root,
);
const work = mkdtempSync(join(tmpdir(), "charrnn-pack-"));
try {
  const tarballs = join(work, "tgz");
  mkdirSync(tarballs);
  for (const pkg of ["core", "vocab", "models", "sampler"]) {
    run("npx", [...pnpm, "pack", "--pack-destination", tarballs], join(root, "packages", pkg));
  }
  const app = join(work, "app");
  mkdirSync(app);
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", private: true, type: "module" }));
  const files = readdirSync(tarballs).map((f) => join(tarballs, f));
  run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", ...files], app);
  // A small random model, written with the installed packages' own API.
  writeFileSync(
    join(app, "make-model.mjs"),
    `import { writeFileSync } from "node:fs";
import { defaultConfig, initParams, serializeModel } from "@charrnn/models";
import { createRng } from "@charrnn/core";
import { Vocab } from "@charrnn/vocab";
const vocab = Vocab.fromText("ROMEO: But soft, what light through yonder window breaks?");
const config = defaultConfig({ vocabSize: vocab.size, hidden: 32 });
writeFileSync("model.safetensors", serializeModel({ config, vocab: vocab.toJSON(), params: initParams(config, createRng(1)) }));
`,
  );
  run("node", ["make-model.mjs"], app);
  // The README's script, verbatim but for the model path.
  writeFileSync(
    join(app, "gen.mjs"),
    `import { readFileSync } from "node:fs";
import { generate, openModelFromBytes } from "@charrnn/sampler";
const { model, vocab } = await openModelFromBytes(readFileSync("model.safetensors"));
const { text } = await generate(model, vocab, { prime: "ROMEO:", length: 200, temperature: 0.8, seed: 1 });
console.log("ROMEO:" + text);
`,
  );
  const first = run("node", ["gen.mjs"], app);
  // The packed sampler carries its WebAssembly module (generated at build time) and picks it.
  const engine = run(
    "node",
    [
      "--input-type=module",
      "-e",
      `import { defaultSamplerEngine } from "@charrnn/sampler"; console.log(defaultSamplerEngine());`,
    ],
    app,
  );
  if (engine.trim() !== "wasm")
    throw new Error(`pack-check: the packed sampler's default engine is ${engine}`);
  const second = run("node", ["gen.mjs"], app);
  const generated = [...first.trimEnd()].length - "ROMEO:".length;
  if (!first.startsWith("ROMEO:") || generated < 190 || first !== second) {
    throw new Error(`pack-check: unexpected output from the packed sampler:\n${first}`);
  }
  const tree = run("npm", ["ls", "--all", "--parseable"], app);
  if (/@tensorflow|onnxruntime/.test(tree))
    throw new Error("pack-check: the sampler's install pulled in TF.js or onnxruntime");
  console.log(
    `pack-check: core, vocab, models and sampler install from their tarballs and generate text (${generated} chars): ok`,
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
