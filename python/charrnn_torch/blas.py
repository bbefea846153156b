"""Which BLAS this process's torch multiplies with on the CPU, and a warning when it is the slow one.

Debian's python3-torch links the system's `libblas.so.3`, which apt points at whichever BLAS is
installed: with none but `libblas3` (what python3-torch pulls in) that is the netlib reference code,
and the bench's 2x512 LSTM trains at 148 chars/s instead of 3,184 with OpenBLAS (2x128: 1,639 and
22,461; 2-core AMD EPYC, 2026-12-03, README). PyTorch's own wheels carry MKL and map no libblas.
"""

import os
import re

import torch

# Debian's alternatives keep each BLAS in a directory of its own; the reference one's is `blas`.
REFERENCE_DIR = "blas"


def mapped_blas(maps_text):
    """The path of the `libblas.so*` this process mapped (from /proc/self/maps text), or None."""
    for line in maps_text.splitlines():
        fields = line.split(maxsplit=5)
        path = fields[5].strip() if len(fields) == 6 else ""
        if os.path.basename(path).startswith("libblas.so"):
            return path
    return None


def torch_blas(device_type, maps_text=None):
    """(name, warning) for training on `device_type`; (None, None) off the CPU. The name is Debian's
    alternative in use (`openblas-pthread`, `blis-openmp`, `blas` for the reference), else the BLAS
    torch was built with (`mkl` in PyTorch's wheels); the warning is one line to show the user when
    it is the reference BLAS, else None."""
    if device_type != "cpu":
        return None, None
    path = mapped_blas(maps_text if maps_text is not None else read_maps())
    if path is None:
        built = re.search(r"BLAS_INFO=([\w.-]+)", torch.__config__.show())
        return (built.group(1) if built else None), None
    name = os.path.basename(os.path.dirname(path)) or path
    if name != REFERENCE_DIR:
        return name, None
    return name, (
        f"torch multiplies with the reference BLAS ({path}), 14-22x slower than OpenBLAS on CPU for LSTMs "
        "of 2x128 and 2x512: install OpenBLAS (Debian: apt-get install libopenblas0-pthread) or train with --engine ort"
    )


def read_maps():
    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:  # not Linux: no maps to read, and no Debian alternatives either
        return ""
