/**
 * What a graph computes: `train` = loss, final state and every gradient (with dropout mask inputs
 * when the config has dropout); `grads` = the same without dropout plus the logits (parity checks);
 * `eval` = forward only, the summed loss and the mask total. Classifier graphs take `labels` `[batch]`,
 * `pool` (pooling weights, time-major `[steps·batch]`) and `weights` `[batch]` instead of `y`/`mask`,
 * and also output the label `logits` `[batch, labels]` from `eval`.
 */
export type GraphKind = "train" | "grads" | "eval";

/** Graph value names shared by the graphs and the engine. */
export const IO = {
  x: "x",
  y: "y",
  mask: "mask",
  h0: "h0",
  c0: "c0",
  labels: "labels",
  pool: "pool",
  weights: "weights",
  loss: "loss",
  lossSum: "loss_sum",
  count: "count",
  logits: "logits",
  h: "h",
  c: "c",
  dropout: (layer: number) => `dropout_${layer}`,
  inputDropout: "input_dropout",
  grad: (param: string) => `grad.${param}`,
} as const;
