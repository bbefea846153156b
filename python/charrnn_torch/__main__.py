"""Entry point: `python3 -m charrnn_torch serve|train …` (see serve.py and standalone.py)."""

import argparse
import sys

from .precision import PRECISIONS


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python3 -m charrnn_torch", description="charrnn's PyTorch training engine")
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("serve", help="a worker of `charrnn train --engine torch` (commands on stdin)")
    s.add_argument("--device", default=None, help="cpu, cuda or mps (default: cuda when available)")
    s.add_argument("--timeout", type=float, default=600, help="seconds to wait for the other ranks")
    t = sub.add_parser("train", help="train on a settings file and a corpus, without Node")
    t.add_argument("--settings", required=True, help="a run's config.json, or a JSON object of charrnn training settings")
    t.add_argument("--data", required=True, help="training corpus (UTF-8 text)")
    t.add_argument("--device", default=None, help="cpu, cuda or mps (default: cuda when available)")
    t.add_argument("--precision", default="fp32", choices=list(PRECISIONS), help="bf16: bfloat16 matmuls on float32 weights (mixed precision)")
    t.add_argument("--max-steps", type=int, default=None, help="stop after this many steps")
    t.add_argument("--target-loss", type=float, default=None, help="stop once the validation loss reaches this")
    args = parser.parse_args(argv)
    if args.command == "serve":
        from .serve import serve

        return serve(args.device, args.timeout)
    from .standalone import train

    return train(args)


if __name__ == "__main__":
    sys.exit(main())
