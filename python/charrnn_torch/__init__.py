"""charrnn's PyTorch training engine.

`charrnn train --engine torch` starts one worker per process (`python3 -m charrnn_torch serve`),
joined by torch.distributed's env:// rendezvous (MASTER_ADDR, MASTER_PORT, RANK, LOCAL_RANK,
WORLD_SIZE: torchrun's contract). Rank 0 answers the Node CLI over stdin/stdout; the training loop,
checkpoints and everything the user sees stay in the CLI. `python3 -m charrnn_torch train` runs a
plain loop on a settings file and a corpus, for machines without Node.
"""

__version__ = "0.1.0"
