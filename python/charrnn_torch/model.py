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
    def __init__(self, config):
        super().__init__()
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
        if self.training and self.locked and self.dropout > 0 and self.layers > 1:
            out, state = self.rnn_by_layer(inputs, state)
        elif self.training and self.weight_drop > 0:
            out, state = self.rnn_weight_dropped(inputs, state)
        else:
            out, state = self.rnn(inputs, state)
        if self.training and self.dropout > 0:
            out = self.drop(out, self.dropout)
        if pool is not None:
            return self.classifier((out * pool.unsqueeze(-1)).sum(0)), state
        return self.output(out), state

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

    def rnn_by_layer(self, inputs, state):
        """The stack run one layer at a time with a locked dropout mask on each layer's input from below:
        the fused kernel of each layer with its slice of the module's (possibly weight-dropped) weights."""
        weights = self.recurrent_weights()
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

    def rnn_weight_dropped(self, inputs, state):
        """The fused RNN run with each `weight_hh_l{k}` replaced by an inverted-dropout copy of it (one
        mask for the whole window); gradients reach the weight through the mask."""
        rnn = self.rnn
        # The fused kernel reads `_flat_weights` (torch 1.13 to 2.x), which 1.13's functional_call
        # (torch.nn.utils.stateless) leaves unchanged; swapping the list in and back works on both.
        saved = rnn._flat_weights
        rnn._flat_weights = self.recurrent_weights()
        try:
            with unflattened_weights():
                return rnn(inputs, state)
        finally:
            rnn._flat_weights = saved

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


def token_losses(logits, y):
    """Per-position cross-entropy, time-major [T, B], from time-major logits and batch-major targets."""
    v = logits.shape[-1]
    return F.cross_entropy(logits.reshape(-1, v), y.t().reshape(-1), reduction="none").view(y.shape[1], y.shape[0])
