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
from .precision import PRECISIONS, use_cpu_threads


class Engine:
    def __init__(self, ctx, config, optimizer, params, dtype="float32", precision="fp32"):
        self.ctx = ctx
        self.config = config
        # float64 serves exactness checks against the float64 reference engine.
        self.dtype = torch.float64 if dtype == "float64" else torch.float32
        if precision not in PRECISIONS:
            raise WorkerError("TORCH_PRECISION", f"precision must be one of {', '.join(PRECISIONS)}, got {precision!r}")
        if precision != "fp32" and self.dtype != torch.float32:
            raise WorkerError("TORCH_PRECISION", f"precision {precision} keeps float32 weights; it does not go with dtype {dtype}")
        use_cpu_threads(precision, ctx.device)
        self.model = CharRnn(config, PRECISIONS[precision]).to(ctx.device, self.dtype)
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

    def _loss(self, net, h, tensors, lo, hi, state):
        """Rows [lo, hi) of a batch through `net`: (loss sum, weight sum, state, logits).

        A language model's loss is the (masked) sum of per-token cross-entropy; a classifier's (its
        batch as toClassifierTrainBatch builds it: `y` the row's label, `mask` its class weight over
        its tokens) is the weighted sum of per-row cross-entropy, with the state left as given.
        """
        T = h["steps"]
        dev = self.ctx.device
        x = tensors["x"].view(-1, T)[lo:hi].to(dev, torch.long)
        y = tensors["y"].view(-1, T)[lo:hi].to(dev, torch.long)
        mask = tensors["mask"].view(-1, T)[lo:hi].to(dev, self.dtype) if "mask" in tensors else None
        if self.model.pooling is not None:
            if mask is None:
                mask = torch.ones(hi - lo, T, device=dev, dtype=self.dtype)
            # Each row is read from a zero state (as the reference does); the given state comes back as is.
            logits, _ = net(x, self.model.zero_state(hi - lo, dev, self.dtype), self.model.pool_weights(mask))
            ce = torch.nn.functional.cross_entropy(logits, y[:, 0], reduction="none")
            weights = mask[:, 0]
            return (ce * weights).sum(), weights.sum(), state, logits
        logits, new_state = net(x, state)
        ce = token_losses(logits, y)
        if mask is None:
            return ce.sum(), torch.tensor(float(ce.numel()), device=dev, dtype=self.dtype), new_state, logits
        mask = mask.t()
        return (ce * mask).sum(), mask.sum(), new_state, logits

    def train_step(self, h, tensors):
        B = h["batch"]
        lo, hi = self._shard(B)
        if h.get("sharded"):
            # Rank 0 sent this rank its rows only (share_command).
            lo, hi = 0, hi - lo
        state = self._state(h["state"], tensors, lo, hi, hi - lo)
        if self.model.dropout > 0 or self.model.input_dropout > 0 or self.model.weight_drop > 0:
            # Same step seed → same masks on a resume (the stream is torch's, not charrnn's RNG).
            torch.manual_seed((int(h["dropoutSeed"]) + self.ctx.rank) % (2**63))
        self.model.train()
        local_sum, weight, new_state, _ = self._loss(self.net, h, tensors, lo, hi, state)
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
        """Loss sum and count over a whole batch (rank 0 alone; no dropout); a classifier's logits too."""
        B = h["batch"]
        state = self._state("given", tensors, 0, B, B)
        self.model.eval()
        loss_sum, count, new_state, logits = self._loss(self.model, h, tensors, 0, B, state)
        out = list(zip(("h", "c"), self._local_state(new_state)))
        if self.model.pooling is not None:
            out.append(("logits", logits))
        return {"lossSum": float(loss_sum), "count": float(count)}, out

    def loss_and_grads(self, h, tensors):
        """Loss, logits ([B, T, V], or [B, labels]), state and gradients of one window, updating nothing (rank 0 alone)."""
        B = h["batch"]
        state = self._state("given", tensors, 0, B, B)
        self.model.eval()
        for p in self.model.parameters():
            p.grad = None
        loss_sum, weight, new_state, logits = self._loss(self.model, h, tensors, 0, B, state)
        (loss_sum / weight).backward()
        grads = [(f"grad/{n}", p.grad) for n, p in self.named_params()]
        for p in self.model.parameters():
            p.grad = None
        if self.model.pooling is None:
            logits = logits.transpose(0, 1)
        out = [("logits", logits.detach())] + list(zip(("h", "c"), self._local_state(new_state)))
        return {"loss": float(loss_sum / weight)}, out + grads

    @staticmethod
    def _local_state(state):
        h, c = split_state(state)
        return [t.detach().to("cpu", torch.float32) for t in ([h] if c is None else [h, c])]
