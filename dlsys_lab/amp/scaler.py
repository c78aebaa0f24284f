"""GradScaler: dynamic loss scaling with the semantics of torch.amp.GradScaler.

float16 has 5 exponent bits: gradients below about 6e-8 round to zero. Multiplying the loss by a large scale
S moves the whole backward pass S times up; the optimizer then sees the gradients divided by S again (in float32).
When some gradient overflowed to inf or NaN the step is skipped and S is halved; after `growth_interval`
steps without overflow S doubles. The scale is a float32 number, updated exactly as torch updates it.
"""
from __future__ import annotations

import numpy as np

from dlsys_lab.autodiff.mode import grad_mode

_READY, _UNSCALED, _STEPPED = "ready", "unscaled", "stepped"


class GradScaler:
    """scaler.scale(loss).backward(); scaler.step(optimizer); scaler.update() — as with torch's GradScaler."""

    def __init__(self, init_scale: float = 2.0 ** 16, growth_factor: float = 2.0, backoff_factor: float = 0.5,
                 growth_interval: int = 2000, enabled: bool = True):
        if not growth_factor > 1.0 or not 0.0 < backoff_factor < 1.0 or growth_interval < 1 or not init_scale > 0:
            raise ValueError(f"need init_scale > 0, growth_factor > 1, 0 < backoff_factor < 1 and growth_interval "
                             f">= 1; got {init_scale}, {growth_factor}, {backoff_factor}, {growth_interval}")
        self._enabled = enabled
        self._scale = np.float32(init_scale)
        self._growth_factor, self._backoff_factor = growth_factor, backoff_factor
        self._growth_interval, self._growth_tracker = int(growth_interval), 0
        self._per_optimizer: dict[int, dict] = {}

    def is_enabled(self) -> bool:
        """Whether scaling is on (a disabled scaler passes everything through)."""
        return self._enabled

    def get_scale(self) -> float:
        """The current scale (1.0 when disabled)."""
        return float(self._scale) if self._enabled else 1.0

    def scale(self, loss):
        """loss times the current scale (a Tensor, differentiable)."""
        return loss * float(self._scale) if self._enabled else loss

    def _state(self, optimizer) -> dict:
        return self._per_optimizer.setdefault(id(optimizer), {"stage": _READY, "found_inf": False})

    def unscale_(self, optimizer) -> None:
        """Divide the optimizer's gradients by the scale in place (e.g. before clipping) and note any inf/NaN."""
        if not self._enabled:
            return
        state = self._state(optimizer)
        if state["stage"] == _UNSCALED:
            raise RuntimeError("unscale_() has already been called on this optimizer since the last update().")
        if state["stage"] == _STEPPED:
            raise RuntimeError("unscale_() is being called after step().")
        inv_scale = float(np.float32(1.0 / np.float64(self._scale)))  # torch: scale.double().reciprocal().float()
        found_inf = False
        with grad_mode(False):
            for p in optimizer.params:
                if p.grad is None:
                    continue
                found_inf = found_inf or not np.isfinite(p.grad.numpy()).all()
                p.grad = (p.grad * inv_scale).detach()
        state["stage"], state["found_inf"] = _UNSCALED, found_inf

    def step(self, optimizer):
        """optimizer.step() unless a gradient held inf/NaN (then the step is skipped and None returned)."""
        if not self._enabled:
            return optimizer.step()
        state = self._state(optimizer)
        if state["stage"] == _STEPPED:
            raise RuntimeError("step() has already been called since the last update().")
        if state["stage"] == _READY:
            self.unscale_(optimizer)
        result = None if state["found_inf"] else optimizer.step()
        state["stage"] = _STEPPED
        return result

    def update(self, new_scale: float | None = None) -> None:
        """Back off after an overflow, grow after growth_interval clean steps (or set new_scale); start afresh."""
        if not self._enabled:
            return
        if new_scale is not None:
            self._scale = np.float32(new_scale)
        else:
            if not self._per_optimizer:
                raise RuntimeError("No inf checks were recorded prior to update(): call step() or unscale_() first.")
            if any(s["found_inf"] for s in self._per_optimizer.values()):
                self._scale = np.float32(self._scale * np.float32(self._backoff_factor))
                self._growth_tracker = 0
            elif self._growth_tracker + 1 == self._growth_interval:
                grown = np.float32(self._scale * np.float32(self._growth_factor))
                if np.isfinite(grown):
                    self._scale = grown
                self._growth_tracker = 0
            else:
                self._growth_tracker += 1
        self._per_optimizer = {}

    def state_dict(self) -> dict:
        """The scale and its schedule, with torch's keys."""
        return {"scale": self.get_scale(), "growth_factor": self._growth_factor, "backoff_factor": self._backoff_factor,
                "growth_interval": self._growth_interval, "_growth_tracker": self._growth_tracker}

    def load_state_dict(self, state: dict) -> None:
        """Restore what state_dict returned."""
        self._scale = np.float32(state["scale"])
        self._growth_factor, self._backoff_factor = state["growth_factor"], state["backoff_factor"]
        self._growth_interval, self._growth_tracker = state["growth_interval"], state["_growth_tracker"]
