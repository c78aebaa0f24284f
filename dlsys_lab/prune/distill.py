"""Knowledge distillation: a small student learns from a large teacher's softened outputs as well as the labels.

loss = alpha * T^2 * KL(softmax(teacher / T) || softmax(student / T)) + (1 - alpha) * cross_entropy(student, labels);
the T^2 keeps the soft term's gradients on the scale of the hard one's as T grows (Hinton et al., 2015).
"""
from __future__ import annotations

from ..autodiff.tensor import Tensor
from ..nn import CrossEntropyLoss
from ..ops import log_softmax, softmax


def distillation_loss(student_logits: Tensor, teacher_logits: Tensor, labels: Tensor, temperature: float = 4.0,
                      alpha: float = 0.9) -> Tensor:
    """The temperature-scaled KL to the teacher (mean over the batch) mixed with the labels' cross-entropy."""
    if temperature <= 0 or not 0 <= alpha <= 1:
        raise ValueError(f"need temperature > 0 and 0 <= alpha <= 1, got {temperature} and {alpha}")
    soft_teacher = softmax(teacher_logits.detach() / temperature, axis=-1)
    log_student = log_softmax(student_logits / temperature, axis=-1)
    log_teacher = log_softmax(teacher_logits.detach() / temperature, axis=-1)
    kl = (soft_teacher * (log_teacher - log_student)).sum() / student_logits.shape[0]
    return kl * (alpha * temperature ** 2) + CrossEntropyLoss()(student_logits, labels) * (1 - alpha)
