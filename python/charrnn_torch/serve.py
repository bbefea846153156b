"""`python3 -m charrnn_torch serve`: one worker process of `charrnn train --engine torch`.

Rank 0 reads commands from the CLI on stdin and answers on stdout (protocol.py). Commands that
change what every rank holds (init, train, setParams, setOptimizerState, shutdown) are broadcast
to the other ranks, which follow without talking to the CLI; queries (evaluate, getParams, …) are
answered by rank 0 alone. SIGINT and SIGTERM are ignored: Ctrl-C (or a stop of the whole process
group) reaches the workers too, and the CLI still needs them to finish the step and hand over the
weights for the checkpoint. A worker ends on `shutdown`, when its stdin closes (the CLI is gone), or
when its process group breaks.
"""

import os
import signal
import sys
import time
import traceback

import torch

from . import __version__
from .blas import torch_blas
from .distributed import WorkerError, init_from_env, receive_command, share_command
from .engine import Engine
from .precision import precision_warning
from .protocol import ProtocolClosed, read_message, write_message

BROADCAST = {"init", "train", "setParams", "setOptimizerState", "shutdown"}


def serve(device, timeout_s):
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    ctx = None
    out = sys.stdout.buffer
    try:
        ctx = init_from_env(device, timeout_s)
    except WorkerError as error:
        if int(os.environ.get("RANK", "0")) == 0:
            write_message(out, {"error": {"code": error.code, "message": error.message}})
        print(f"charrnn_torch: {error.message}", file=sys.stderr)
        return 1
    if ctx.rank != 0:
        return follow(ctx)
    inp = sys.stdin.buffer
    engine = None
    while True:
        try:
            header, tensors = read_message(inp)
        except ProtocolClosed:
            return 0
        op = header.get("op")
        if ctx.distributed and op in BROADCAST:
            header, tensors = share_command(ctx, header, tensors)
        try:
            started = time.perf_counter()
            reply, out_tensors = run(ctx, engine, header, tensors)
            if op == "init":
                engine = reply.pop("engine")
            # The worker's own share of a request (PyTorch compute and the collectives, not the
            # transfer to and from the CLI): what the bench measures the wrapper's overhead against.
            reply["workerSeconds"] = time.perf_counter() - started
        except WorkerError as error:
            reply, out_tensors = {"error": {"code": error.code, "message": error.message}}, []
        except Exception as error:  # noqa: BLE001 — reported to the CLI as one line, traceback on stderr
            traceback.print_exc(file=sys.stderr)
            message = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            reply, out_tensors = {"error": {"code": "TORCH_WORKER_FAILED", "message": f"{type(error).__name__}: {message}"}}, []
        write_message(out, reply, out_tensors)
        if op == "shutdown":
            return 0


def follow(ctx):
    """Ranks ≠ 0: run what rank 0 shares until it says shutdown (or its group goes away)."""
    engine = None
    while True:
        header, tensors = receive_command(ctx)
        try:
            reply, _ = run(ctx, engine, header, tensors)
        except WorkerError:
            # Rank 0 meets the same error on the same command and reports it; stay in step.
            continue
        if header["op"] == "init":
            engine = reply["engine"]
        if header["op"] == "shutdown":
            return 0


def run(ctx, engine, header, tensors):
    op = header.get("op")
    if op == "init":
        params = {k[len("param/"):]: v for k, v in tensors.items() if k.startswith("param/")}
        precision = header.get("precision", "fp32")
        engine = Engine(ctx, header["config"], header["optimizer"], params, header.get("dtype", "float32"), precision)
        device = ctx.device
        name = torch.cuda.get_device_name(device) if device.type == "cuda" else device.type
        # On CPU the BLAS decides the speed (blas.py), so the backend line names it.
        blas, warning = torch_blas(device.type)
        detail = name if device.type == "cuda" else f"BLAS {blas}" if device.type == "cpu" else None
        reply = {
            "engine": engine,
            "torch": torch.__version__,
            "worker": __version__,
            "device": name,
            "world": ctx.world,
            "backend": f"{device.type} (torch {torch.__version__}{', ' + detail if detail else ''}, {ctx.world} process{'es' if ctx.world > 1 else ''}"
            f"{', bf16 mixed precision' if precision == 'bf16' else ''})",
        }
        warnings = [w for w in (warning, precision_warning(precision, device)) if w is not None]
        if warnings:
            reply["warning"] = "; ".join(warnings)
        return reply, []
    if op == "shutdown":
        return {"ok": True}, []
    if engine is None:
        raise WorkerError("TORCH_PROTOCOL", f"command {op} before init")
    if op == "train":
        return engine.train_step(header, tensors)
    if op == "evaluate":
        return engine.evaluate(header, tensors)
    if op == "lossAndGrads":
        return engine.loss_and_grads(header, tensors)
    if op == "getParams":
        return {}, [(n, p) for n, p in engine.named_params()]
    if op == "setParams":
        engine.set_params(tensors)
        return {"ok": True}, []
    if op == "getOptimizerState":
        meta, slots = engine.optimizer.get_state()
        return meta, slots
    if op == "setOptimizerState":
        engine.set_optimizer_state(header["kind"], header["step"], tensors)
        return {"ok": True}, []
    raise WorkerError("TORCH_PROTOCOL", f"unknown command {op}")
