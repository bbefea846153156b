"""charrnn's optimizers on torch tensors, written out rather than taken from torch.optim.

They follow packages/trainer/src/optim/optimizer.ts line for line (its conventions differ from
torch.optim in places: RMSprop's decay default, decoupled Adam weight decay, the slot names that
make optimizer state portable between engines). `config` is the resolved config the CLI sends
(`resolveOptimizerConfig`: every default filled in there, so the two cannot disagree). g = gradient,
t = step after increment:
- adam: m = β1·m + (1−β1)·g; v = β2·v + (1−β2)·g²; w = w·(1 − lr·wd) − lr·(m/(1−β1^t)) / (sqrt(v/(1−β2^t)) + ε)
- sgd: g += wd·w; buf = μ·buf + g; w −= lr·(nesterov ? g + μ·buf : buf) (w −= lr·g without momentum)
- rmsprop: ms = ρ·ms + (1−ρ)·g²; centered: mg = ρ·mg + (1−ρ)·g, d = sqrt(ms − mg²) + ε, else
  d = sqrt(ms) + ε; momentum: buf = μ·buf + g/d, w −= lr·buf; else w −= lr·g/d
- adagrad: acc += g²; w −= lr·g/(sqrt(acc) + ε)
"""

import torch


# The learning rate multiplies tensors rather than going in as `alpha=`/`value=`: those are converted
# to the tensor's dtype with an overflow check, so a diverging lr (1e38 / (1 − β1)) would raise
# instead of giving the inf the CLI's divergence handling expects.


class StateMismatch(Exception):
    pass


def slot_specs(config):
    """(name, initial value) of each slot an optimizer keeps per parameter, as optimizerSlots()."""
    kind = config["kind"]
    if kind == "adam":
        return [("m", 0.0), ("v", 0.0)]
    if kind == "sgd":
        return [("momentum", 0.0)] if config["momentum"] > 0 else []
    if kind == "rmsprop":
        slots = [("ms", 0.0)]
        if config["centered"]:
            slots.append(("mg", 0.0))
        if config["momentum"] > 0:
            slots.append(("momentum", 0.0))
        return slots
    if kind == "adagrad":
        return [("accum", float(config["initialAccumulator"]))]
    raise ValueError(f"unknown optimizer {kind}")


class Optimizer:
    def __init__(self, config):
        self.config = config
        self.kind = config["kind"]
        self.specs = slot_specs(config)
        self.step = 0
        # `${param}/${slot}` → tensor on the parameter's device; created on the first update.
        self.slots = {}

    def _slot(self, name, index, param):
        slot_name, init = self.specs[index]
        key = f"{name}/{slot_name}"
        buf = self.slots.get(key)
        if buf is None:
            buf = torch.full_like(param, init)
            self.slots[key] = buf
        elif buf.numel() != param.numel():
            raise StateMismatch(
                f"optimizer slot {key} has {buf.numel()} values but parameter {name} has {param.numel()}; the state belongs to another model"
            )
        return buf

    @torch.no_grad()
    def apply(self, named_params, lr):
        """Updates every (name, parameter) in place from its `.grad`."""
        self.step += 1
        c = self.config
        for name, w in named_params:
            g = w.grad
            if self.kind == "adam":
                m = self._slot(name, 0, w)
                v = self._slot(name, 1, w)
                bc1 = 1 - c["beta1"] ** self.step
                bc2 = 1 - c["beta2"] ** self.step
                m.mul_(c["beta1"]).add_(g, alpha=1 - c["beta1"])
                v.mul_(c["beta2"]).addcmul_(g, g, value=1 - c["beta2"])
                if c["weightDecay"] != 0:
                    w.mul_(1 - lr * c["weightDecay"])
                w.sub_(m / (v / bc2).sqrt_().add_(c["epsilon"]) * lr / bc1)
            elif self.kind == "sgd":
                gi = g + c["weightDecay"] * w if c["weightDecay"] != 0 else g
                if c["momentum"] > 0:
                    buf = self._slot(name, 0, w)
                    buf.mul_(c["momentum"]).add_(gi)
                    w.sub_((gi + c["momentum"] * buf if c["nesterov"] else buf) * lr)
                else:
                    w.sub_(gi * lr)
            elif self.kind == "rmsprop":
                rho = c["decay"]
                ms = self._slot(name, 0, w)
                ms.mul_(rho).addcmul_(g, g, value=1 - rho)
                k = 1
                if c["centered"]:
                    mg = self._slot(name, k, w)
                    k += 1
                    mg.mul_(rho).add_(g, alpha=1 - rho)
                    d = (ms - mg * mg).sqrt_().add_(c["epsilon"])
                else:
                    d = ms.sqrt().add_(c["epsilon"])
                if c["momentum"] > 0:
                    buf = self._slot(name, k, w)
                    buf.mul_(c["momentum"]).add_(g / d)
                    w.sub_(buf * lr)
                else:
                    w.sub_(g / d * lr)
            elif self.kind == "adagrad":
                acc = self._slot(name, 0, w)
                acc.addcmul_(g, g)
                w.sub_(g / acc.sqrt().add_(c["epsilon"]) * lr)

    def get_state(self):
        return {"kind": self.kind, "step": self.step}, list(self.slots.items())

    def set_state(self, kind, step, slots, params):
        """Replaces the state with `slots` ({key: flat CPU tensor}), checked against `params` ({name: tensor})."""
        if kind != self.kind:
            raise StateMismatch(
                f"optimizer state is for {kind} but the optimizer is {self.kind}; resume with the same optimizer"
            )
        nxt = {}
        for key, flat in slots.items():
            name = key.rsplit("/", 1)[0]
            param = params.get(name)
            if param is None or flat.numel() != param.numel():
                raise StateMismatch(f"optimizer slot {key} does not fit this model; the state belongs to another model")
            nxt[key] = flat.to(device=param.device, dtype=param.dtype).reshape(param.shape).clone()
        self.slots = nxt
        self.step = int(step)
