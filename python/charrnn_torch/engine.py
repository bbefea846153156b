"""One rank's share of the training engine: the model, its optimizer and the carried state.

Every rank runs the same commands (rank 0 broadcasts them); a training step takes this rank's
streams — rows [rank·B/N, (rank+1)·B/N) of the global batch — and DistributedDataParallel averages
the gradients, so N processes compute the update one process computes on the whole batch.
"""

import torch
import torch.distributed as dist

from .distributed import WorkerError
from .model import CharRnn, join_state, split_state, token_losses
from .optim import Optimizer, StateMismatch


class Engine:
    def __init__(self, ctx, config, optimizer, params, dtype="float32"):
        if config.get("head") not in (None, {"kind": "lm"}):
            raise WorkerError("ENGINE_UNSUPPORTED", "the torch engine trains language models; train classifiers with --engine ort")
        self.ctx = ctx
        self.config = config
        # float64 serves exactness checks against the float64 reference engine.
        self.dtype = torch.float64 if dtype == "float64" else torch.float32
        self.model = CharRnn(config).to(ctx.device, self.dtype)
        self.set_params(params)
        self.optimizer = Optimizer(optimizer)
        self.net = self.model
        if ctx.distributed:
            from torch.nn.parallel import DistributedDataParallel

            ids = [ctx.device.index] if ctx.device.type == "cuda" else None
            # broadcast_buffers off: there are no buffers, and it would add a collective per step.
            self.net = DistributedDataParallel(self.model, device_ids=ids, broadcast_buffers=False)
        self.carried = None

    # --- parameters and optimizer state -------------------------------------------------------

    def named_params(self):
        return list(self.model.named_parameters())

    @torch.no_grad()
    def set_params(self, params):
        own = dict(self.model.named_parameters())
        missing = sorted(set(own) - set(params))
        extra = sorted(set(params) - set(own))
        if missing or extra:
            raise WorkerError("MODEL_PARAMS_MISMATCH", f"parameters do not fit the model (missing {missing}, unexpected {extra})")
        for name, p in own.items():
            src = params[name]
            if src.numel() != p.numel():
                raise WorkerError("MODEL_PARAMS_MISMATCH", f"parameter {name} has {src.numel()} values, the model needs {p.numel()}")
            p.copy_(src.reshape(p.shape))

    def set_optimizer_state(self, kind, step, slots):
        try:
            self.optimizer.set_state(kind, step, slots, dict(self.model.named_parameters()))
        except StateMismatch as error:
            raise WorkerError("OPTIMIZER_STATE_MISMATCH", str(error)) from None

    # --- steps ---------------------------------------------------------------------------------

    def _shard(self, batch):
        """This rank's rows of a global batch of `batch` streams."""
        world = self.ctx.world
        if batch % world != 0:
            raise WorkerError(
                "TORCH_BATCH_SPLIT",
                f"batch {batch} does not split over {world} torch processes; use a --batch divisible by --nproc × --nnodes",
            )
        per = batch // world
        return self.ctx.rank * per, (self.ctx.rank + 1) * per

    def _state(self, mode, tensors, lo, hi, rows):
        dev = self.ctx.device
        if mode == "carried" and self.carried is not None:
            return self.carried
        if mode == "given":
            h = tensors["h"][:, lo:hi].to(dev, self.dtype)
            c = tensors["c"][:, lo:hi].to(dev, self.dtype) if "c" in tensors else None
            return join_state(h, c)
        return self.model.zero_state(rows, dev, self.dtype)

    def _gather_state(self, state):
        """The full [L, B, H] state (this rank's rows joined with the others'), on the CPU."""
        h, c = split_state(state)
        parts = [h] if c is None else [h, c]
        if self.ctx.distributed:
            joined = []
            for t in parts:
                bucket = [torch.empty_like(t) for _ in range(self.ctx.world)]
                dist.all_gather(bucket, t.contiguous())
                joined.append(torch.cat(bucket, dim=1))
            parts = joined
        return [p.detach().to("cpu", torch.float32) for p in parts]

    def train_step(self, h, tensors):
        B, T = h["batch"], h["steps"]
        lo, hi = self._shard(B)
        dev = self.ctx.device
        x = tensors["x"].view(B, T)[lo:hi].to(dev, torch.long)
        y = tensors["y"].view(B, T)[lo:hi].to(dev, torch.long)
        mask = tensors["mask"].view(B, T)[lo:hi].to(dev, self.dtype).t() if "mask" in tensors else None
        state = self._state(h["state"], tensors, lo, hi, hi - lo)
        if self.model.dropout > 0 or self.model.input_dropout > 0:
            # Same step seed → same masks on a resume (the stream is torch's, not charrnn's RNG).
            torch.manual_seed((int(h["dropoutSeed"]) + self.ctx.rank) % (2**63))
        self.model.train()
        logits, new_state = self.net(x, state)
        ce = token_losses(logits, y)
        if mask is None:
            local_sum = ce.sum()
            weight = torch.tensor(float(ce.numel()), device=dev, dtype=self.dtype)
        else:
            local_sum = (ce * mask).sum()
            weight = mask.sum()
        if self.ctx.distributed:
            # DDP averages gradients over ranks; dividing the local sum by the global weight times
            # the world size makes that average the gradient of the global mean loss.
            dist.all_reduce(weight)
            loss = local_sum * (self.ctx.world / weight)
        else:
            loss = local_sum / weight
        for p in self.model.parameters():
            p.grad = None
        loss.backward()
        params = self.named_params()
        grads = [p.grad for _, p in params]
        norm = torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g) for g in grads]))
        clip = h.get("clipNorm") or 0
        if clip > 0:
            # PyTorch's clip_grad_norm_ (charrnn's clipGradients): scale by clip/(norm + 1e-6) when above.
            scale = torch.clamp(clip / (norm + 1e-6), max=1.0)
            for g in grads:
                g.mul_(scale)
        self.optimizer.apply(params, float(h["lr"]))
        mean = local_sum.detach()
        if self.ctx.distributed:
            dist.all_reduce(mean)
        mean = mean / weight
        self.carried = tuple(s.detach() for s in new_state) if isinstance(new_state, tuple) else new_state.detach()
        # The standalone loop keeps the state here and skips the copy back.
        state_out = self._gather_state(self.carried) if h.get("returnState", True) else []
        return {"loss": float(mean), "gradNorm": float(norm)}, list(zip(("h", "c"), state_out))

    @torch.no_grad()
    def evaluate(self, h, tensors):
        """Loss sum and count over a whole batch (rank 0 alone; no dropout)."""
        B, T = h["batch"], h["steps"]
        dev = self.ctx.device
        x = tensors["x"].view(B, T).to(dev, torch.long)
        y = tensors["y"].view(B, T).to(dev, torch.long)
        state = self._state("given", tensors, 0, B, B)
        self.model.eval()
        logits, new_state = self.model(x, state)
        ce = token_losses(logits, y)
        if "mask" in tensors:
            mask = tensors["mask"].view(B, T).to(dev, self.dtype).t()
            loss_sum, count = (ce * mask).sum(), mask.sum()
        else:
            loss_sum, count = ce.sum(), ce.numel()
        return {"lossSum": float(loss_sum), "count": float(count)}, self._local_state(new_state)

    def loss_and_grads(self, h, tensors):
        """Loss, logits [B, T, V], state and gradients of one window, updating nothing (rank 0 alone)."""
        B, T = h["batch"], h["steps"]
        dev = self.ctx.device
        x = tensors["x"].view(B, T).to(dev, torch.long)
        y = tensors["y"].view(B, T).to(dev, torch.long)
        state = self._state("given", tensors, 0, B, B)
        self.model.eval()
        for p in self.model.parameters():
            p.grad = None
        logits, new_state = self.model(x, state)
        ce = token_losses(logits, y)
        if "mask" in tensors:
            mask = tensors["mask"].view(B, T).to(dev, self.dtype).t()
            loss = (ce * mask).sum() / mask.sum()
        else:
            loss = ce.mean()
        loss.backward()
        grads = [(f"grad/{n}", p.grad) for n, p in self.named_params()]
        for p in self.model.parameters():
            p.grad = None
        out = [("logits", logits.detach().transpose(0, 1))] + [(n, t) for n, t in zip(("h", "c"), self._local_state(new_state))]
        return {"loss": float(loss)}, out + grads

    @staticmethod
    def _local_state(state):
        h, c = split_state(state)
        return [t.detach().to("cpu", torch.float32) for t in ([h] if c is None else [h, c])]
