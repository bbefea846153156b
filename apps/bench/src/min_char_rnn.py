"""Numpy baseline: a vanilla character RNN trained one window at a time (batch 1), as in
min-char-rnn, written from the equations.

    a_t = W_xh[:, x_t] + W_hh h_{t-1} + b_h,   h_t = tanh(a_t)
    z_t = W_hy h_t + b_y,                       p_t = softmax(z_t)
    loss = -sum_t log p_t[y_t]

Backpropagation through time over the window, each gradient clipped elementwise to [-5, 5],
then Adagrad (G += g^2; w -= lr g / sqrt(G + 1e-8)). Prints one JSON object with the measured
chars/s (median seconds per window) and the process's peak RSS.
"""

import argparse
import json
import platform
import resource
import statistics
import time

import numpy as np


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="UTF-8 text file to train on")
    parser.add_argument("--hidden", type=int, default=100)
    parser.add_argument("--seq", type=int, default=25)
    parser.add_argument("--lr", type=float, default=0.1)
    parser.add_argument("--seconds", type=float, default=5.0, help="timed budget")
    parser.add_argument("--warmup", type=int, default=20, help="untimed windows first")
    parser.add_argument("--min-steps", type=int, default=20)
    return parser.parse_args()


class VanillaRnn:
    def __init__(self, vocab, hidden, rng):
        scale = 0.01
        self.w_xh = rng.standard_normal((hidden, vocab)) * scale
        self.w_hh = rng.standard_normal((hidden, hidden)) * scale
        self.w_hy = rng.standard_normal((vocab, hidden)) * scale
        self.b_h = np.zeros(hidden)
        self.b_y = np.zeros(vocab)
        self.params = [self.w_xh, self.w_hh, self.w_hy, self.b_h, self.b_y]
        self.accum = [np.zeros_like(p) for p in self.params]

    def loss_and_grads(self, inputs, targets, h_prev):
        steps = len(inputs)
        hidden = self.b_h.shape[0]
        hs = np.empty((steps + 1, hidden))
        hs[0] = h_prev
        probs = np.empty((steps, self.b_y.shape[0]))
        loss = 0.0
        for t in range(steps):
            hs[t + 1] = np.tanh(self.w_xh[:, inputs[t]] + self.w_hh @ hs[t] + self.b_h)
            z = self.w_hy @ hs[t + 1] + self.b_y
            e = np.exp(z - z.max())
            probs[t] = e / e.sum()
            loss -= np.log(probs[t, targets[t]])

        g_xh = np.zeros_like(self.w_xh)
        g_hh = np.zeros_like(self.w_hh)
        g_hy = np.zeros_like(self.w_hy)
        g_bh = np.zeros_like(self.b_h)
        g_by = np.zeros_like(self.b_y)
        dh_next = np.zeros(hidden)
        for t in reversed(range(steps)):
            dz = probs[t].copy()
            dz[targets[t]] -= 1.0  # d loss / d logits of softmax cross-entropy
            g_hy += np.outer(dz, hs[t + 1])
            g_by += dz
            da = (self.w_hy.T @ dz + dh_next) * (1.0 - hs[t + 1] ** 2)
            g_bh += da
            g_xh[:, inputs[t]] += da
            g_hh += np.outer(da, hs[t])
            dh_next = self.w_hh.T @ da
        grads = [g_xh, g_hh, g_hy, g_bh, g_by]
        for g in grads:
            np.clip(g, -5.0, 5.0, out=g)
        return loss / steps, grads, hs[steps]

    def adagrad(self, grads, lr):
        for p, g, acc in zip(self.params, grads, self.accum):
            acc += g * g
            p -= lr * g / np.sqrt(acc + 1e-8)


def main():
    args = parse_args()
    with open(args.data, encoding="utf-8") as f:
        text = f.read()
    chars = sorted(set(text))
    index = {ch: i for i, ch in enumerate(chars)}
    ids = np.array([index[ch] for ch in text], dtype=np.int64)
    model = VanillaRnn(len(chars), args.hidden, np.random.default_rng(1))

    pos = 0
    h = np.zeros(args.hidden)
    times = []
    spent = 0.0
    step = 0
    loss = float("nan")
    while step < args.warmup or len(times) < args.min_steps or spent < args.seconds:
        if pos + args.seq + 1 > len(ids):
            pos = 0
            h = np.zeros(args.hidden)
        inputs = ids[pos : pos + args.seq]
        targets = ids[pos + 1 : pos + args.seq + 1]
        start = time.perf_counter()
        loss, grads, h = model.loss_and_grads(inputs, targets, h)
        model.adagrad(grads, args.lr)
        seconds = time.perf_counter() - start
        if step >= args.warmup:
            times.append(seconds)
            spent += seconds
        pos += args.seq
        step += 1

    median = statistics.median(times)
    print(
        json.dumps(
            {
                "charsPerSec": args.seq / median,
                "secPerStep": median,
                "steps": len(times),
                "loss": loss,
                "vocab": len(chars),
                "maxRssKiB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                "python": platform.python_version(),
                "numpy": np.__version__,
            }
        )
    )


if __name__ == "__main__":
    main()
