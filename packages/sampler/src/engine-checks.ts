import { CharrnnError } from "@charrnn/core";
import type { ModelConfig, RnnState } from "@charrnn/models";

/** Throws `MODEL_IS_CLASSIFIER` for a sequence classifier: the sampler's engines run language models. */
export function refuseClassifier(config: ModelConfig): void {
  if (config.head?.kind === "classifier") {
    throw new CharrnnError(
      "MODEL_IS_CLASSIFIER",
      "this model is a sequence classifier, not a language model: it predicts labels, not text; use `charrnn classify predict`",
    );
  }
}

/** The checks every engine's `forward` makes: shapes, token ids in range, state of the model's shape. */
export function checkForwardInputs(
  tokens: Int32Array,
  batch: number,
  steps: number,
  state: RnnState,
  V: number,
  L: number,
  H: number,
  lstm: boolean,
): void {
  if (!Number.isInteger(batch) || batch < 1 || !Number.isInteger(steps) || steps < 1) {
    throw new CharrnnError(
      "FORWARD_SHAPE",
      `forward needs integer batch ≥ 1 and steps ≥ 1, got batch ${batch}, steps ${steps}`,
    );
  }
  if (tokens.length !== batch * steps) {
    throw new CharrnnError(
      "FORWARD_SHAPE",
      `tokens has ${tokens.length} ids but batch ${batch} × steps ${steps} = ${batch * steps}`,
    );
  }
  for (let i = 0; i < tokens.length; i++) {
    const id = tokens[i]!;
    if (id < 0 || id >= V) {
      throw new CharrnnError(
        "TOKEN_RANGE",
        `token id ${id} at [${Math.floor(i / steps)}, ${i % steps}] is outside the vocabulary of ${V} tokens`,
      );
    }
  }
  const n = L * batch * H;
  if (
    state.layers !== L ||
    state.batch !== batch ||
    state.hidden !== H ||
    state.h.length !== n ||
    (lstm && state.c?.length !== n)
  ) {
    throw new CharrnnError(
      "STATE_SHAPE_MISMATCH",
      `state is [${state.layers}, ${state.batch}, ${state.hidden}]${lstm && state.c === undefined ? " without c" : ""} ` +
        `but the model needs [${L}, ${batch}, ${H}]${lstm ? " with h and c" : ""}; use model.initialState(${batch})`,
    );
  }
}
