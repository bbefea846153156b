// The README's main job: train for 150 s on the bundled tiny-Shakespeare corpus with the model and
// schedule the time-budget recipe table picks for that budget, then sample from the model it wrote.
// Run it with `pnpm quickstart` (which builds the CLI first).
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const cli = fileURLToPath(new URL("../apps/cli/dist/charrnn.js", import.meta.url));
const out = "runs/quickstart";

function charrnn(args) {
  console.log(`\n$ charrnn ${args.join(" ")}`);
  const result = spawnSync(process.execPath, [cli, ...args], { cwd: root, stdio: "inherit" });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

// A fresh run each time: train refuses an output directory that holds another run's checkpoints.
rmSync(new URL(`../${out}`, import.meta.url), { recursive: true, force: true });
charrnn(["train", "--data", "test-fixtures/tinyshakespeare.txt", "--out", out, "--time-budget", "150"]);
charrnn([
  "sample",
  "--model",
  out,
  "--prime",
  "ROMEO:",
  "--length",
  "400",
  "--temperature",
  "0.8",
  "--seed",
  "1",
]);
