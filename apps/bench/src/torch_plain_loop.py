"""PyTorch baseline: the plain training loop a PyTorch user writes for the same model, with no
charrnn in it, so the bench can report what the torch engine's wrapper costs.

nn.Embedding (or one-hot) → nn.LSTM/GRU/RNN → nn.Linear, mean cross-entropy, loss.backward(),
clip_grad_norm_, torch.optim (Adam, RMSprop with alpha 0.95, SGD or Adagrad), over tiny-Shakespeare
TBPTT windows with the state carried (detached) from window to window. Prints one JSON object with
the measured chars/s (median seconds per step).
"""

import argparse
import json
import statistics
import time

import torch
import torch.nn.functional as F
from torch import nn


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", required=True)
    p.add_argument("--cell", default="lstm")
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--hidden", type=int, default=128)
    p.add_argument("--input", default="embedding")
    p.add_argument("--embed", type=int, default=64)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--seq", type=int, default=64)
    p.add_argument("--optimizer", default="adam")
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--clip", type=float, default=5.0)
    p.add_argument("--device", default="cpu")
    p.add_argument("--seconds", type=float, default=5.0)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--min-steps", type=int, default=2)
    p.add_argument("--max-steps", type=int, default=10_000)
    return p.parse_args()


def main():
    a = parse_args()
    torch.manual_seed(1)
    with open(a.data, encoding="utf-8") as f:
        text = f.read()
    chars = sorted(set(text))
    index = {c: i for i, c in enumerate(chars)}
    ids = torch.tensor([index[c] for c in text], dtype=torch.long)
    V = len(chars)
    dev = torch.device(a.device)
    onehot = a.input == "onehot"
    emb = None if onehot else nn.Embedding(V, a.embed).to(dev)
    rnn = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}[a.cell](V if onehot else a.embed, a.hidden, a.layers).to(dev)
    out = nn.Linear(a.hidden, V).to(dev)
    params = [p for m in (emb, rnn, out) if m is not None for p in m.parameters()]
    opt = {
        "adam": lambda: torch.optim.Adam(params, lr=a.lr),
        "rmsprop": lambda: torch.optim.RMSprop(params, lr=a.lr, alpha=0.95),
        "sgd": lambda: torch.optim.SGD(params, lr=a.lr),
        "adagrad": lambda: torch.optim.Adagrad(params, lr=a.lr),
    }[a.optimizer]()
    B, T = a.batch, a.seq
    stream = (len(ids) - 1) // B
    windows = stream // T
    rows = torch.arange(B).unsqueeze(1) * stream
    state = None
    losses = []

    def step(k):
        nonlocal state
        idx = rows + (k % windows) * T + torch.arange(T).unsqueeze(0)
        x = ids[idx].t().to(dev)
        y = ids[idx + 1].t().to(dev)
        inputs = F.one_hot(x, V).float() if onehot else emb(x)
        h, state = rnn(inputs, state)
        loss = F.cross_entropy(out(h).reshape(-1, V), y.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(params, a.clip)
        opt.step()
        state = tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()
        losses.append(loss.item())

    k = 0
    for _ in range(a.warmup):
        step(k)
        k += 1
    times = []
    while len(times) < a.max_steps and (len(times) < a.min_steps or sum(times) < a.seconds):
        start = time.perf_counter()
        step(k)
        if dev.type == "cuda":
            torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
        k += 1
    median = statistics.median(times)
    print(json.dumps({"charsPerSec": B * T / median, "secPerStep": median, "steps": len(times), "loss": losses[-1], "torch": torch.__version__}))


if __name__ == "__main__":
    main()
