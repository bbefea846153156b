"""The charrnn language model as fused PyTorch modules.

`embedding` (or one-hot input) → `rnn` (nn.LSTM/GRU/RNN, all layers in one fused module, cuDNN on
GPUs) → `output` (nn.Linear). Its state_dict names and gate orders are charrnn's weight layout
(`embedding.weight`, `rnn.weight_ih_l0`, …, `output.weight`, `output.bias`), so parameters move
between engines by name. Dropout sits where charrnn's engines put it: on the embedded inputs (`inputDropout`),
between layers (nn.LSTM's own `dropout`) and on the last layer's output before the projection; the
weight drop (`weightDrop`) masks each layer's `weight_hh` once per step, as AWD-LSTM does (under
DDP once per rank: each rank's streams see their own mask, and the averaged gradient covers them all).
With `dropoutMode: "locked"` the activation masks are drawn once per stream and shared by the window's
time steps; the layers then run one at a time so a locked mask can sit between them.

With a `compute_dtype` (bfloat16: `--precision bf16`) the parameters stay float32 and the recurrent
layers and the output projection compute in that dtype: each weight is cast once per window, before
the kernel, not once per time step as autocast would cast the (weight-dropped, non-leaf) recurrent
weights; the carried state and the logits come back as float32.
"""

import contextlib
import warnings

import torch
import torch.nn.functional as F
from torch import _VF, nn

CELLS = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}
# The fused one-layer kernels nn.LSTM/GRU/RNN call (torch 1.13 to 2.x), for the layer-by-layer run.
KERNELS = {"lstm": _VF.lstm, "gru": _VF.gru, "rnn": _VF.rnn_tanh}


@contextlib.contextmanager
def unflattened_weights():
    """Silences cuDNN's notice that it copies weights which are not its one flattened buffer (weight-dropped
    copies, per-layer slices): it comes on every call, and the copy is what these runs mean to do."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="RNN module weights are not part of single contiguous")
        yield


class CharRnn(nn.Module):
    def __init__(self, config, compute_dtype=None):
        super().__init__()
        self.compute_dtype = compute_dtype
        self.cell = config["cell"]
        self.layers = config["layers"]
        self.hidden = config["hidden"]
        self.vocab_size = config["vocabSize"]
        self.dropout = float(config.get("dropout", 0))
        self.input_dropout = float(config.get("inputDropout") or 0)
        self.weight_drop = float(config.get("weightDrop") or 0)
        self.locked = config.get("dropoutMode") == "locked"
        self.onehot = config["input"] == "onehot"
        if not self.onehot:
            self.embedding = nn.Embedding(self.vocab_size, config["embed"])
        width = self.vocab_size if self.onehot else config["embed"]
        extra = {"nonlinearity": "tanh"} if self.cell == "rnn" else {}
        # Locked masks between layers are applied by `rnn_by_layer`, not by the fused module.
        between = self.dropout if self.layers > 1 and not self.locked else 0.0
        self.rnn = CELLS[self.cell](width, self.hidden, num_layers=self.layers, dropout=between, **extra)
        head = config.get("head") or {"kind": "lm"}
        self.pooling = head.get("pooling") if head.get("kind") == "classifier" else None
        if self.pooling is None:
            self.output = nn.Linear(self.hidden, self.vocab_size)
        else:
            # A sequence classifier: the pooled top-layer state projected onto the labels.
            self.classifier = nn.Linear(self.hidden, len(head["labels"]))

    def forward(self, x, state, pool=None):
        """`x` [B, T] token ids, `state` h (or (h, c)) [L, B, H] → logits [T, B, V] (time-major), state.

        A classifier takes `pool` [T, B] (each row's pooling weights over its real tokens) and returns
        label logits [B, labels].
        """
        xt = x.t()
        if self.onehot:
            inputs = F.one_hot(xt, self.vocab_size).to(self.rnn.weight_hh_l0.dtype)
        else:
            inputs = self.embedding(xt)
            if self.training and self.input_dropout > 0:
                inputs = self.drop(inputs, self.input_dropout)
        dtype = inputs.dtype
        weights = self.recurrent_weights()
        if self.compute_dtype is not None:
            inputs, state, weights = self.cast(inputs), cast_state(state, self.compute_dtype), [self.cast(w) for w in weights]
        if self.training and self.locked and self.dropout > 0 and self.layers > 1:
            out, state = self.rnn_by_layer(inputs, state, weights)
        else:
            out, state = self.rnn_fused(inputs, state, weights)
        if self.training and self.dropout > 0:
            out = self.drop(out, self.dropout)
        state = cast_state(state, dtype)
        if pool is not None:
            return self.project(self.classifier, (out * self.cast(pool).unsqueeze(-1)).sum(0)), state
        return self.project(self.output, out), state

    def cast(self, t):
        """`t` in the compute dtype (itself without one)."""
        return t if self.compute_dtype is None else t.to(self.compute_dtype)

    def project(self, linear, x):
        """`linear(x)` in the compute dtype, as float32 (the loss and the logits the CLI reads are float32)."""
        if self.compute_dtype is None:
            return linear(x)
        return F.linear(x, self.cast(linear.weight), self.cast(linear.bias)).float()

    def drop(self, x, p):
        """Inverted dropout on time-major `x` [T, B, W]: per position, or one [B, W] mask for every step when locked."""
        if not self.locked:
            return F.dropout(x, p, training=True)
        return x * F.dropout(x.new_ones(1, x.shape[1], x.shape[2]), p, training=True)

    def recurrent_weights(self):
        """The fused module's weights in its own order, each `weight_hh_l{k}` weight-dropped while training."""
        rnn = self.rnn
        if not (self.training and self.weight_drop > 0):
            return rnn._flat_weights
        return [
            F.dropout(w, self.weight_drop, training=True) if name.startswith("weight_hh_l") else w
            for name, w in zip(rnn._flat_weights_names, rnn._flat_weights)
        ]

    def rnn_fused(self, inputs, state, weights):
        """All layers in one fused kernel call, as nn.LSTM/GRU/RNN's forward makes it (dropout between
        layers per position when training), on the given weights: the module's own, weight-dropped or cast."""
        rnn = self.rnn
        with unflattened_weights():
            result = KERNELS[self.cell](inputs, state, weights, True, self.layers, rnn.dropout, self.training, False, False)
        return result[0], join_state(*result[1:]) if self.cell == "lstm" else result[1]

    def rnn_by_layer(self, inputs, state, weights):
        """The stack run one layer at a time with a locked dropout mask on each layer's input from below:
        the fused kernel of each layer with its slice of the given weights."""
        per_layer = len(weights) // self.layers
        h, c = split_state(state)
        kernel = KERNELS[self.cell]
        x, hs, cs = inputs, [], []
        with unflattened_weights():
            for k in range(self.layers):
                if k > 0:
                    x = self.drop(x, self.dropout)
                w = weights[k * per_layer : (k + 1) * per_layer]
                hx = (h[k : k + 1], c[k : k + 1]) if c is not None else h[k : k + 1]
                result = kernel(x, hx, w, True, 1, 0.0, True, False, False)
                x = result[0]
                hs.append(result[1])
                if c is not None:
                    cs.append(result[2])
        return x, join_state(torch.cat(hs), torch.cat(cs) if c is not None else None)

    def pool_weights(self, mask):
        """Pooling weights [T, B] from a classifier batch's mask [B, T] (positive over each row's tokens)."""
        lengths = (mask > 0).sum(1)
        steps = torch.arange(mask.shape[1], device=mask.device).unsqueeze(1)
        if self.pooling == "last":
            return (steps == (lengths - 1).unsqueeze(0)).to(mask.dtype)
        return (steps < lengths.unsqueeze(0)).to(mask.dtype) / lengths.unsqueeze(0).to(mask.dtype)

    def zero_state(self, batch, device, dtype=torch.float32):
        h = torch.zeros(self.layers, batch, self.hidden, device=device, dtype=dtype)
        return (h, torch.zeros_like(h)) if self.cell == "lstm" else h


def split_state(state):
    """(h, c) for an LSTM state, (h, None) otherwise."""
    return state if isinstance(state, tuple) else (state, None)


def join_state(h, c):
    return (h, c) if c is not None else h


def cast_state(state, dtype):
    h, c = split_state(state)
    return join_state(h.to(dtype), c.to(dtype) if c is not None else None)


def token_losses(logits, y):
    """Per-position cross-entropy, time-major [T, B], from time-major logits and batch-major targets."""
    v = logits.shape[-1]
    return F.cross_entropy(logits.reshape(-1, v), y.t().reshape(-1), reduction="none").view(y.shape[1], y.shape[0])
