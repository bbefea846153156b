// Trains the demo's bundled model with our own CLI on the bundled corpus and copies
// model.safetensors, model.onnx and metrics.jsonl into apps/demo/public/models/.
//
//   node apps/demo/scripts/make-model.mjs [any other `charrnn train` flags, e.g. --time-budget 600]
//
// Flags given here override the defaults below (a later flag wins in `charrnn train`).
// Runs the CLI from source (no build needed); set CHARRNN_CLI=apps/cli/dist/charrnn.js to use a build.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../..", import.meta.url));
const target = fileURLToPath(new URL("../public/models", import.meta.url));
const built = process.env.CHARRNN_CLI;
const cli = built
  ? [join(root, built)]
  : ["--conditions=@charrnn/source", "--import", "tsx", join(root, "apps/cli/src/charrnn.ts")];

// The quickstart preset (2×128 LSTM, ~1 MB per file) for 5 minutes on the fastest engine (`auto`).
const defaults = ["--preset", "quickstart", "--time-budget", "300"];
const extra = process.argv.slice(2);

function charrnn(args) {
  console.log(`\n$ charrnn ${args.join(" ")}`);
  const result = spawnSync(process.execPath, [...cli, ...args], { cwd: root, stdio: "inherit" });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

const work = mkdtempSync(join(tmpdir(), "charrnn-demo-model-"));
try {
  const run = join(work, "run");
  charrnn(["train", "--data", "test-fixtures/tinyshakespeare.txt", "--out", run, ...defaults, ...extra]);
  charrnn(["export", "--model", run, "--onnx", join(work, "model.onnx")]);
  mkdirSync(target, { recursive: true });
  const files = [
    [join(run, "model.safetensors"), "model.safetensors"],
    [join(work, "model.onnx"), "model.onnx"],
    [join(run, "metrics.jsonl"), "metrics.jsonl"],
  ];
  for (const [from, name] of files) {
    copyFileSync(from, join(target, name));
    console.log(`${name}: ${(statSync(from).size / 1024).toFixed(0)} KiB`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
