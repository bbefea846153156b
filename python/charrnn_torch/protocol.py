"""Framing of the messages between the Node engine and rank 0 (stdin/stdout, binary).

A message is a little-endian u32 header length, the header as UTF-8 JSON, then the raw bytes of
each tensor the header lists in `tensors` (`{"name", "dtype", "shape"}`, C order, little-endian).
Tensors travel as raw bytes, not JSON numbers, so a step's batch and state cost a memcpy.
"""

import ctypes
import json
import math
import struct

import torch

DTYPES = {"float32": torch.float32, "int32": torch.int32}
_SIZES = {"float32": 4, "int32": 4}


class ProtocolClosed(Exception):
    """The peer closed the stream (the CLI exited)."""


def _read_exact(stream, n):
    chunks = []
    while n > 0:
        chunk = stream.read(n)
        if not chunk:
            raise ProtocolClosed()
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def read_message(stream):
    """Reads one message: (header dict, {name: CPU tensor})."""
    (size,) = struct.unpack("<I", _read_exact(stream, 4))
    header = json.loads(_read_exact(stream, size).decode("utf-8"))
    tensors = {}
    for spec in header.get("tensors", []):
        count = 1
        for d in spec["shape"]:
            count *= d
        raw = _read_exact(stream, count * _SIZES[spec["dtype"]])
        t = torch.frombuffer(bytearray(raw), dtype=DTYPES[spec["dtype"]]) if raw else torch.empty(0, dtype=DTYPES[spec["dtype"]])
        tensors[spec["name"]] = t.reshape(spec["shape"])
    return header, tensors


def tensor_bytes(t):
    """The float32/int32 bytes of `t` (any device), without numpy."""
    t = t.detach().to("cpu").contiguous()
    return ctypes.string_at(t.data_ptr(), t.numel() * t.element_size()) if t.numel() else b""


def _finite_json(value):
    """JSON has no NaN or Infinity: a diverged loss travels as the string JavaScript's Number() reads."""
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, dict):
        return {k: _finite_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite_json(v) for v in value]
    return value


def write_message(stream, header, tensors=()):
    """Writes one message; `tensors` is a sequence of (name, tensor) pairs (float32 or int32)."""
    specs = []
    payload = []
    for name, t in tensors:
        dtype = "int32" if t.dtype == torch.int32 else "float32"
        t = t.to(torch.int32 if dtype == "int32" else torch.float32)
        specs.append({"name": name, "dtype": dtype, "shape": list(t.shape)})
        payload.append(tensor_bytes(t))
    body = json.dumps(_finite_json({**header, "tensors": specs}), allow_nan=False).encode("utf-8")
    stream.write(struct.pack("<I", len(body)))
    stream.write(body)
    for raw in payload:
        stream.write(raw)
    stream.flush()
