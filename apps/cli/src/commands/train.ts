import { readFile, stat } from "node:fs/promises";
import { resolve } from "node:path";
import { CharrnnError } from "@charrnn/core";
import type { EngineOptions, Recipe, TorchEngineSettings, TrainingEngine } from "@charrnn/trainer";
import type { Command } from "commander";
import { bf16Hint, readCpuinfo } from "../bf16-hint";
import { engineFactory, parseTrainEngine, type TrainEngineName } from "../engines";
import type { CliIo } from "../io";
import { withFlagNames } from "../option-names";
import { addOptions, flagNamesOf, settingsOf } from "../option-table";
import { parseChoiceFlag, parseIntFlag, parseNumberFlag, UsageError } from "../options";
import { createProgressRenderer, formatDuration } from "../progress";
import { flagSettings, TORCH_OPTIONS, TRAIN_COMMAND_OPTIONS, type TrainFlags } from "./train-options";

export function registerTrainCommand(program: Command, io: CliIo): void {
  const command = program
    .command("train")
    .description(
      "train a model on a text file; writes checkpoints, model.safetensors and metrics.jsonl to --out",
    );
  addOptions(command, TRAIN_COMMAND_OPTIONS).action((flags: TrainFlags) =>
    withFlagNames(flagNamesOf(TRAIN_COMMAND_OPTIONS, flags), () => trainCommand(flags, io)),
  );
}

async function trainCommand(flags: TrainFlags, io: CliIo): Promise<void> {
  const engine = parseTrainEngine(flags.engine);
  const torch = torchSettings(flags, engine);
  const trainer = await import("@charrnn/trainer");
  if (torch.nodeRank !== undefined && torch.nodeRank > 0) {
    // Another machine of a multi-machine job: its workers follow rank 0; node 0 writes the run.
    const { worldSize } = await trainer.runTorchFollowers({
      ...torch,
      log: (m) => io.stderr.write(`${m}\n`),
    });
    io.stdout.write(`node ${torch.nodeRank}: training finished (${worldSize} processes in the job)\n`);
    return;
  }
  if (flags.data.length === 0) throw new UsageError("--data is required: a text file, a directory or a glob");
  const outDir = flags.out ?? flags.resume;
  if (outDir === undefined) throw new UsageError("--out is required (or --resume DIR to continue a run)");
  if (flags.initFrom !== undefined && flags.resume !== undefined) {
    throw new UsageError("--init-from starts a new run and --resume continues one; give one of them");
  }
  if (flags.vocab !== undefined && flags.initFrom === undefined) {
    throw new UsageError(
      "--vocab extend|keep goes with --init-from (it says how a fine-tune grows the vocabulary)",
    );
  }
  if (flags.backend !== undefined) parseChoiceFlag("--backend", flags.backend, trainer.BACKEND_NAMES);
  const configFile = flags.config === undefined ? undefined : await readConfigFile(flags.config);
  const overrides = flagSettings(flags);
  const createEngine = engineFactory(
    engine,
    flags.backend,
    (message) => io.stderr.write(`${message}\n`),
    torch,
  );
  const recipe = await budgetRecipe(flags, overrides, { engine, torch, createEngine, io });
  // Validate the merged settings now so a bad flag fails before any data is read.
  const settings = trainer.mergeTrainOptions(recipe?.settings ?? flags.preset, configFile, overrides);
  const world = (torch.nproc ?? 1) * (torch.nnodes ?? 1);
  if (flags.resume === undefined && settings.batch % world !== 0) {
    throw new UsageError(
      `--batch ${settings.batch} does not split over ${world} torch processes (--nproc × --nnodes); use a batch divisible by ${world}`,
    );
  }
  const render = createProgressRenderer(io);
  // The run's own level: a resumed run takes it from its checkpoint, not from these flags.
  let level = settings.level;
  const result = await trainer.train({
    ...(flags.resume !== undefined
      ? { ...configFile, ...overrides }
      : flags.initFrom !== undefined
        ? {
            ...trainingPart(trainer.mergeTrainOptions(flags.preset), trainer.INIT_FIXED_SETTINGS),
            ...configFile,
            ...overrides,
          }
        : settings),
    corpus: flags.data.length === 1 ? flags.data[0]! : flags.data.map((p) => resolve(p)),
    outDir,
    ...(flags.resume !== undefined && { resume: flags.resume }),
    createEngine,
    ...(io.signal !== undefined && { signal: io.signal }),
    onEvent: (event) => {
      if (event.type === "start") level = event.settings.level;
      render(event);
    },
  });
  const unit = level === "word" ? "word" : level === "bpe" ? "token" : "char";
  const best =
    result.bestValLoss === null
      ? "none"
      : `${result.bestValLoss.toFixed(4)} nats/${unit} at step ${result.bestStep}`;
  const test =
    result.testLoss === null
      ? ""
      : `test loss ${result.testLoss.toFixed(4)} nats/${unit}, perplexity ${Math.exp(result.testLoss).toFixed(3)}\n`;
  // Each rollback halved the learning rate (the scale is 0.5 to the power of the count).
  const rollbacks =
    result.rollbacks === 0
      ? ""
      : `; ${result.rollbacks} divergence rollback${result.rollbacks === 1 ? "" : "s"} (learning rate × ${0.5 ** result.rollbacks})`;
  io.stdout.write(
    `trained ${result.step} steps in ${formatDuration(result.elapsed)} (${result.stopReason}); best val loss ${best}${rollbacks}\n` +
      test +
      `model: ${result.modelPath ?? "(none written)"}\n`,
  );
  if (result.stopReason === "diverged") throw divergedError(result, outDir);
}

/**
 * The time-budget recipe a new run starts from: only with --time-budget > 0 and neither --preset nor
 * --config (those, and --resume/--init-from, keep their own settings). The corpus size is the bytes
 * of the --data files, measured without reading them. The row is the one for what the budget buys
 * on this machine (`machineRecipe`); the seconds the probes took come off the training budget, so the
 * command still ends on time. Writes the choice and the speeds it rests on to stderr.
 */
async function budgetRecipe(
  flags: TrainFlags,
  overrides: Record<string, unknown>,
  run: RecipeRun,
): Promise<Recipe | undefined> {
  const budget = overrides.timeBudget;
  const recipeRun =
    typeof budget === "number" &&
    budget > 0 &&
    flags.preset === undefined &&
    flags.config === undefined &&
    flags.resume === undefined &&
    flags.initFrom === undefined;
  if (!recipeRun) {
    if (flags.machineSpeed !== undefined) {
      throw new UsageError(
        "--machine-speed picks a --time-budget recipe row; it does not apply with --preset, --config, --resume or --init-from, or without --time-budget",
      );
    }
    return undefined;
  }
  const { resolveCorpusFiles } = await import("@charrnn/data");
  const files = await resolveCorpusFiles(flags.data, {
    name: "--data",
    ...(flags.dataGlob !== undefined && { glob: flags.dataGlob }),
  });
  let chars = 0;
  for (const file of files) chars += (await stat(file)).size;
  // A bad flag fails now, not after seconds of probing: any row merges with the flags alike.
  const trainer = await import("@charrnn/trainer");
  trainer.mergeTrainOptions(trainer.recipeFor(budget, chars).settings, undefined, overrides);
  const { recipe, seconds, notes } = await machineRecipe(flags, budget, chars, run);
  const hint = bf16Hint(run.engine, readCpuinfo());
  if (hint !== undefined) notes.push(hint);
  if (seconds > 0) overrides.timeBudget = Number(Math.max(budget - seconds, 1).toFixed(1));
  run.io.stderr.write(
    `${notes.join("\n")}\nrecipe ${recipe.name} for a ${budget} s budget` +
      `${seconds > 0 ? ` (${overrides.timeBudget} s left to train)` : ""}: ${recipe.status}; flags override it\n`,
  );
  return recipe;
}

interface RecipeRun {
  engine: TrainEngineName;
  torch: TorchEngineSettings;
  createEngine: (options: EngineOptions) => Promise<TrainingEngine>;
  io: CliIo;
}

/** Budgets under this many seconds skip the probes (their seconds would be a large share of them). */
const PROBE_MIN_BUDGET = 60;

/**
 * The row for what the budget buys on this machine: at --machine-speed when given, else at the speed
 * probes of the rows' own models measure on the run's engine (`recipeForMachine`), with the seconds
 * they took and a line per probe. At the table's speed without probing on the reference engine (an
 * exactness oracle, not a training engine: `measureThroughput` leaves it untimed), in a
 * multi-machine torch job (its other nodes wait for the run itself) and for budgets under a minute.
 */
async function machineRecipe(
  flags: TrainFlags,
  budget: number,
  chars: number,
  run: RecipeRun,
): Promise<{ recipe: Recipe; seconds: number; notes: string[] }> {
  const trainer = await import("@charrnn/trainer");
  if (flags.machineSpeed !== undefined) {
    const speed = parseNumberFlag("--machine-speed", flags.machineSpeed, { min: 0, minInclusive: false });
    const recipe = trainer.recipeFor(budget, chars, speed);
    return {
      recipe,
      seconds: 0,
      notes: [`machine speed ${speed}× the recipe table's (--machine-speed): ${worth(budget, speed)}`],
    };
  }
  const skip =
    (run.torch.nnodes ?? 1) > 1
      ? "a multi-machine job"
      : budget < PROBE_MIN_BUDGET
        ? `a budget under ${PROBE_MIN_BUDGET} s`
        : undefined;
  const unmeasured = (why: string) => ({
    recipe: trainer.recipeFor(budget, chars),
    seconds: 0,
    notes: [`machine speed not measured (${why}): taken as the recipe table's; --machine-speed sets it`],
  });
  if (skip !== undefined) return unmeasured(skip);
  // The reference engine (also what `auto` falls back to) is made but never timed: no probes.
  const found = await trainer.recipeForMachine(budget, chars, run.createEngine);
  if (found.probes.length === 0) return unmeasured("the reference engine");
  const notes = found.probes.map(
    (p) =>
      `speed probe of the ${p.row} row's model: ${Math.round(p.charsPerSec).toLocaleString("en-US")} chars/s, ` +
      `${p.speed.toFixed(2)}× the recipe table's machine (${p.seconds.toFixed(1)} s): ${worth(budget, p.speed)}`,
  );
  return { recipe: found.recipe, seconds: found.seconds, notes };
}

/** What a budget at a speed is worth on the table's machine, as the notes say it. */
function worth(budget: number, speed: number): string {
  return `${budget} s here buy what ${Math.round(budget * speed)} s bought there`;
}

/** The torch engine's flags; with another engine they are a usage error. */
function torchSettings(flags: TrainFlags, engine: string): TorchEngineSettings {
  const given = Object.entries(TORCH_OPTIONS).find(([name]) => flags[name as keyof TrainFlags] !== undefined);
  if (engine !== "torch") {
    if (given !== undefined) {
      const { flag } = given[1];
      throw new UsageError(`${flag} applies to --engine torch; add --engine torch or drop ${flag}`);
    }
    return {};
  }
  const out = settingsOf(TORCH_OPTIONS, flags) as TorchEngineSettings;
  if (flags.nodeRank !== undefined) {
    parseIntFlag("--node-rank", flags.nodeRank, { min: 0, max: (out.nnodes ?? 1) - 1 });
  }
  if ((out.nnodes ?? 1) > 1 && out.masterPort === undefined) {
    throw new UsageError(
      "--nnodes > 1 needs --master-port PORT (and --master-addr HOST of node 0), the same on every node",
    );
  }
  return out;
}

/** The error a run that stopped as diverged ends with (exit 1), naming what to keep and do. */
export function divergedError(result: { step: number; checkpoint?: string }, outDir: string): CharrnnError {
  return new CharrnnError(
    "TRAIN_DIVERGED",
    result.checkpoint === undefined
      ? `training diverged (non-finite loss, gradients or weights, or a runaway loss) at step ${result.step} before any checkpoint; lower --lr or set --clip and start again`
      : `training diverged (non-finite loss, gradients or weights, or a runaway loss) at step ${result.step}; the last good checkpoint ${result.checkpoint} is kept — lower --lr or set --clip and --resume ${outDir}`,
  );
}

/**
 * A preset's (or the defaults') settings without those a fine-tune takes from its model: the
 * architecture, and the init scheme its new rows are drawn with.
 */
function trainingPart(settings: object, fixed: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = { ...settings };
  for (const key of [...fixed, "init", "forgetBias"]) delete out[key];
  return out;
}

async function readConfigFile(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (cause) {
    throw new CharrnnError("CONFIG_UNREADABLE", `cannot read --config ${path}: ${(cause as Error).message}`, {
      cause,
    });
  }
  try {
    const json = JSON.parse(text) as unknown;
    if (typeof json !== "object" || json === null || Array.isArray(json)) throw new Error("not an object");
    return json as Record<string, unknown>;
  } catch (cause) {
    throw new CharrnnError(
      "CONFIG_INVALID",
      `--config ${path} must be a JSON object of training options (e.g. {"hidden": 256})`,
      { cause },
    );
  }
}
