"""The env:// rendezvous (torchrun's contract) and the devices each rank uses."""

import datetime
import os

import torch
import torch.distributed as dist


class WorkerError(Exception):
    """An error the CLI shows as one line: `code` is stable, `message` says what to do."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


class Context:
    """Rank, world size and device of this process."""

    def __init__(self, rank, local_rank, world, device):
        self.rank = rank
        # gloo scatters a step's rows to their ranks; with NCCL the (small) batch is broadcast.
        self.scatter = world > 1 and device.type == "cpu"
        self.local_rank = local_rank
        self.world = world
        self.device = device

    @property
    def distributed(self):
        return self.world > 1


def pick_device(requested, local_rank):
    """`cuda` by default when available; `cuda` → `cuda:LOCAL_RANK`. Unavailable devices are WorkerErrors."""
    if requested in (None, "", "auto"):
        requested = "cuda" if torch.cuda.is_available() else "cpu"
    if requested == "cuda":
        if not torch.cuda.is_available():
            raise WorkerError(
                "TORCH_DEVICE_UNAVAILABLE",
                f"--device cuda: PyTorch {torch.__version__} sees no CUDA GPU; use --device cpu, or install a CUDA build of PyTorch",
            )
        count = torch.cuda.device_count()
        if local_rank >= count:
            raise WorkerError(
                "TORCH_DEVICE_UNAVAILABLE",
                f"local rank {local_rank} has no GPU ({count} visible); use --nproc {count} or fewer",
            )
        torch.cuda.set_device(local_rank)
        return torch.device("cuda", local_rank)
    if requested == "mps":
        if not (hasattr(torch.backends, "mps") and torch.backends.mps.is_available()):
            raise WorkerError("TORCH_DEVICE_UNAVAILABLE", "--device mps: PyTorch sees no Apple GPU; use --device cpu")
        return torch.device("mps")
    if requested == "cpu":
        return torch.device("cpu")
    raise WorkerError("TORCH_DEVICE_UNAVAILABLE", f"--device {requested}: expected cpu, cuda or mps")


def init_from_env(requested_device, timeout_s=600):
    """Joins the process group the env:// variables describe (none for a world of 1)."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    device = pick_device(requested_device, local_rank)
    if world > 1:
        if device.type == "mps":
            raise WorkerError("TORCH_DEVICE_UNAVAILABLE", "--device mps trains in one process; drop --nproc/--nnodes")
        backend = "nccl" if device.type == "cuda" else "gloo"
        dist.init_process_group(backend, init_method="env://", timeout=datetime.timedelta(seconds=timeout_s))
    return Context(rank, local_rank, world, device)


def broadcast_object(ctx, obj):
    """Rank 0's `obj` on every rank."""
    box = [obj]
    dist.broadcast_object_list(box, src=0)
    return box[0]


def scatter_object(ctx, objs):
    """Rank 0's `objs[r]` on rank r (`objs` is None on the other ranks)."""
    box = [None]
    dist.scatter_object_list(box, objs, src=0)
    return box[0]


def shard_rows(header, tensors, rank, world):
    """The rows of a training step's batch (x, y, mask) and of its given state (h, c) for `rank`."""
    B = header["batch"]
    per = B // world
    lo, hi = rank * per, (rank + 1) * per
    out = {}
    for name, t in tensors.items():
        # Cloned: a pickled view would carry its whole storage, every rank's rows.
        out[name] = (t[:, lo:hi] if name in ("h", "c") else t.view(B, -1)[lo:hi]).clone()
    return out


def share_command(ctx, header, tensors):
    """Rank 0 hands a command to every rank; for a training step each rank gets only its streams."""
    sharded = ctx.scatter and header.get("op") == "train" and header["batch"] % ctx.world == 0
    header = {**header, "sharded": sharded}
    broadcast_object(ctx, header)
    if not sharded:
        broadcast_object(ctx, tensors)
        return header, tensors
    pieces = [shard_rows(header, tensors, r, ctx.world) for r in range(ctx.world)]
    return header, scatter_object(ctx, pieces)


def receive_command(ctx):
    """Ranks ≠ 0: the next command from rank 0 (see share_command)."""
    header = broadcast_object(ctx, None)
    tensors = scatter_object(ctx, None) if header.get("sharded") else broadcast_object(ctx, None)
    return header, tensors
