"""`python3 -m charrnn_torch train`: the engine's training loop without Node, for machines that have
PyTorch but not charrnn's CLI (GPU boxes), and for measuring the engine on its own.

Reads a settings file (a run's `config.json`, or a JSON object of charrnn training settings) and
a UTF-8 corpus; builds a character vocabulary (code points in sorted order), holds out the last
`valFraction` for validation, and trains with the stream layout (truncated BPTT, state carried)
with charrnn's optimizers and clipping. Weights start from PyTorch's default init, not charrnn's
seeded one. Prints one JSON line per event on stdout (rank 0). Under torchrun each rank reads the
corpus and trains on its own streams.
"""

import json
import math
import sys
import time

import torch

from .blas import torch_blas
from .distributed import WorkerError, init_from_env
from .engine import Engine
from .precision import precision_warning

DEFAULTS = {
    "cell": "lstm", "layers": 2, "hidden": 128, "input": "embedding", "embed": 64, "dropout": 0,
    "seq": 64, "batch": 32, "valFraction": 0.1, "lr": 2e-3, "optimizer": {"kind": "adam"}, "clip": 5,
    "epochs": 10, "maxSteps": 0, "valEvery": 500, "valSteps": 256, "valBatch": 16, "logEvery": 10,
}
OPTIMIZER_DEFAULTS = {
    "adam": {"beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8, "weightDecay": 0},
    "sgd": {"momentum": 0, "nesterov": False, "weightDecay": 0},
    "rmsprop": {"decay": 0.95, "epsilon": 1e-8, "momentum": 0, "centered": False},
    "adagrad": {"epsilon": 1e-10, "initialAccumulator": 0},
}


def load_settings(path):
    with open(path, encoding="utf-8") as f:
        raw = json.load(f)
    given = raw.get("settings", raw) if isinstance(raw, dict) else {}
    settings = {**DEFAULTS, **given}
    kind = settings["optimizer"]["kind"]
    settings["optimizer"] = {"kind": kind, **OPTIMIZER_DEFAULTS[kind], **settings["optimizer"]}
    return settings


def emit(ctx, event):
    if ctx.rank == 0:
        print(json.dumps(event), flush=True)


def evaluate_split(engine, ids, batch, steps):
    """Mean loss over a split in `batch` streams walked `steps` at a time, cut as charrnn's
    evaluateSplit (and scoreCorpus) cut it: streams of len // batch tokens, each token scored given
    the stream before it (a stream's first token is context only)."""
    if len(ids) < 2:
        return None
    batch = max(1, min(batch, len(ids) // 2))
    stream_length = len(ids) // batch
    length = stream_length - 1
    state = engine.model.zero_state(batch, "cpu")
    state = tuple(s.float() for s in state) if isinstance(state, tuple) else state.float()
    loss_sum = 0.0
    count = 0.0
    for start in range(0, length, steps):
        n = min(steps, length - start)
        idx = torch.arange(batch).unsqueeze(1) * stream_length + start + torch.arange(n).unsqueeze(0)
        tensors = {"x": ids[idx].to(torch.int32), "y": ids[idx + 1].to(torch.int32)}
        tensors["h"], *rest = state if isinstance(state, tuple) else (state,)
        if rest:
            tensors["c"] = rest[0]
        result, out = engine.evaluate({"batch": batch, "steps": n}, tensors)
        loss_sum += result["lossSum"]
        count += result["count"]
        out = dict(out)
        state = (out["h"], out["c"]) if "c" in out else out["h"]
    return loss_sum / count if count else None


def train(args):
    try:
        ctx = init_from_env(args.device)
    except WorkerError as error:
        print(f"charrnn_torch: {error.message}", file=sys.stderr)
        return 1
    s = load_settings(args.settings)
    with open(args.data, encoding="utf-8") as f:
        text = f.read()
    tokens = sorted(set(text))
    index = {ch: i for i, ch in enumerate(tokens)}
    ids = torch.tensor([index[ch] for ch in text], dtype=torch.int64)
    split = math.floor(len(ids) * round((1 - s["valFraction"]) * 1e12) / 1e12)
    train_ids, val_ids = ids[:split], ids[split:]
    config = {
        "cell": s["cell"], "layers": s["layers"], "hidden": s["hidden"], "vocabSize": len(tokens),
        "input": s["input"], "embed": s.get("embed"), "dropout": s["dropout"],
        "inputDropout": s.get("inputDropout", 0), "weightDrop": s.get("weightDrop", 0),
        "dropoutMode": s.get("dropoutMode", "step"),
    }
    from .model import CharRnn

    params = dict(CharRnn(config).named_parameters())
    engine = Engine(ctx, config, s["optimizer"], {k: v.detach() for k, v in params.items()}, precision=args.precision)
    B, T = s["batch"], s["seq"]
    stream = (len(train_ids) - 1) // B
    windows = stream // T
    if windows < 1:
        print(f"charrnn_torch: corpus too short for batch {B} × seq {T}", file=sys.stderr)
        return 1
    max_steps = args.max_steps if args.max_steps is not None else s["maxSteps"]
    blas, warning = torch_blas(ctx.device.type)
    for line in (warning, precision_warning(args.precision, ctx.device)):
        if line is not None and ctx.rank == 0:
            print(f"charrnn_torch: {line}", file=sys.stderr)
    emit(ctx, {"type": "start", "device": str(ctx.device), "world": ctx.world, "torch": torch.__version__, "precision": args.precision,
               **({"blas": blas} if ctx.device.type == "cpu" else {}), "config": config, "batch": B, "seq": T, "windowsPerEpoch": windows,
               "params": sum(p.numel() for p in params.values())})
    rows = torch.arange(B).unsqueeze(1) * stream
    step = 0
    start = time.perf_counter()
    log_time, log_tokens, loss_sum, loss_n = start, 0, 0.0, 0
    done = False
    for epoch in range(s["epochs"]):
        state_mode = "zero"
        for w in range(windows):
            idx = rows + w * T + torch.arange(T).unsqueeze(0)
            tensors = {"x": train_ids[idx].to(torch.int32), "y": train_ids[idx + 1].to(torch.int32)}
            header = {"batch": B, "steps": T, "state": state_mode, "lr": s["lr"], "clipNorm": s["clip"],
                      "dropoutSeed": step, "returnState": False}
            result, _ = engine.train_step(header, tensors)
            state_mode = "carried"
            step += 1
            loss_sum += result["loss"]
            loss_n += 1
            log_tokens += B * T
            if step % s["logEvery"] == 0:
                now = time.perf_counter()
                emit(ctx, {"type": "progress", "step": step, "epoch": epoch, "loss": loss_sum / loss_n,
                           "gradNorm": result["gradNorm"], "charsPerSec": log_tokens / (now - log_time),
                           "elapsed": now - start})
                log_time, log_tokens, loss_sum, loss_n = now, 0, 0.0, 0
            if s["valEvery"] > 0 and step % s["valEvery"] == 0 or w == windows - 1:
                val = evaluate_split(engine, val_ids, s["valBatch"], s["valSteps"]) if ctx.rank == 0 else None
                emit(ctx, {"type": "validation", "step": step, "epoch": epoch, "valLoss": val,
                           "elapsed": time.perf_counter() - start})
                stop = args.target_loss is not None and val is not None and val <= args.target_loss
                if ctx.distributed:
                    flag = torch.tensor([1.0 if stop else 0.0], device=ctx.device)
                    torch.distributed.broadcast(flag, 0)
                    stop = bool(flag.item())
                if stop:
                    done = True
                # Evaluation on rank 0 must not hold the others' clocks against the next step.
                log_time = time.perf_counter()
            if max_steps and step >= max_steps:
                done = True
            if done:
                break
        if done:
            break
    emit(ctx, {"type": "end", "step": step, "elapsed": time.perf_counter() - start})
    return 0
