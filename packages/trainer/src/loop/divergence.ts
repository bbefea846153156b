import type { ModelConfig } from "@charrnn/models";

/**
 * A training loss above this many times `ln V` (the loss of a uniform guess over V classes) counts as
 * divergence. An untrained model starts near `ln V`; a healthy run only goes down from there, while
 * a runaway learning rate drives the loss to millions of nats without ever reaching Infinity.
 */
export const RUNAWAY_LOSS_FACTOR = 10;

/**
 * The loss (nats per token or example) above which a step counts as diverged:
 * `RUNAWAY_LOSS_FACTOR × ln V`, with V the vocabulary (or label) count, and never below
 * `RUNAWAY_LOSS_FACTOR` nats so that two-class models are not stopped by an ordinary bad step.
 */
export function runawayLossLimit(config: ModelConfig): number {
  const classes = config.head?.kind === "classifier" ? config.head.labels.length : config.vocabSize;
  return RUNAWAY_LOSS_FACTOR * Math.max(Math.log(classes), 1);
}

/**
 * Why a step's result counts as divergence (a non-finite loss or gradient norm, or a loss over
 * `limit`), or `undefined` when it does not.
 */
export function divergence(step: number, loss: number, gradNorm: number, limit: number): string | undefined {
  if (!Number.isFinite(loss) || !Number.isFinite(gradNorm)) {
    return `training diverged at step ${step} (loss ${loss}, gradient norm ${gradNorm})`;
  }
  if (loss > limit) {
    return `training diverged at step ${step} (loss ${loss.toPrecision(4)} nats, over ${limit.toFixed(2)}: ${RUNAWAY_LOSS_FACTOR} × ln V, at least ${RUNAWAY_LOSS_FACTOR}, where ln V is a uniform guess's loss; gradient norm ${gradNorm.toPrecision(4)})`;
  }
  return undefined;
}
