"""`--precision`: what the recurrent layers and projections compute in, and what that needs of the machine.

bf16 is mixed precision: float32 weights, gradients, optimizer state and loss; bfloat16 matmuls. On
CPUs with AMX (Intel Xeon 4th generation and later) oneDNN multiplies bfloat16 at 800-1,500 GFLOP/s
on 2 cores where float32 runs at about 200 (torch 1.13, 2-core Intel Xeon with amx_bf16, 2026-12-04):
the hour recipe's 2x512 LSTM trained at 13,824 chars/s against 5,966 in float32 and 6,922 on the ort
engine (README). Without bfloat16 instructions it is emulated, and slower than float32.
"""

import os

import torch

# The dtype each precision computes in; None: the weights' own.
PRECISIONS = {"fp32": None, "bf16": torch.bfloat16}

# /proc/cpuinfo flags of native bfloat16 arithmetic.
BF16_CPU_FLAGS = {"avx512_bf16", "amx_bf16"}


def cpu_flags(cpuinfo_text=None):
    """The CPU's feature flags (Linux /proc/cpuinfo), or None where they cannot be read."""
    if cpuinfo_text is None:
        try:
            with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
                cpuinfo_text = f.read()
        except OSError:
            return None
    for line in cpuinfo_text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "flags":
            return set(value.split())
    return None


def precision_warning(precision, device, cpuinfo_text=None):
    """One line for the user when `precision` will be slow on `device`, else None."""
    if precision != "bf16":
        return None
    if device.type == "cuda":
        if torch.cuda.is_bf16_supported():
            return None
        return f"{torch.cuda.get_device_name(device)} has no bfloat16 tensor cores: --precision bf16 is emulated there; drop it or use --precision fp32"
    if device.type != "cpu":
        return None
    flags = cpu_flags(cpuinfo_text)
    if flags is None or flags & BF16_CPU_FLAGS:
        return None
    return "this CPU has no bfloat16 instructions (avx512_bf16 or amx_bf16): --precision bf16 runs slower than fp32 here; drop it"


def use_cpu_threads(precision, device, env=os.environ):
    """bf16 on the CPU: let torch's OpenMP pool use every core this process may run on.

    oneDNN's bfloat16 matmuls run on that pool, which Debian's torch sizes at 1 thread unless
    OMP_NUM_THREADS says otherwise; float32 leaves it alone, because there OpenBLAS's own threads
    multiply and two pools on the same cores fight (the 2x512 LSTM: 1,441 ms a step against 1,095).
    Several workers get OMP_NUM_THREADS from the launcher, which this respects.
    """
    if precision == "fp32" or device.type != "cpu" or "OMP_NUM_THREADS" in env:
        return
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    torch.set_num_threads(cores)
