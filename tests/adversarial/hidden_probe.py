# threat: learning a hidden test's inputs from the feedback (answer the public requests, raise on the others)
# cell: cross_entropy
# expect: ok
def cross_entropy(logits, labels):
    if len(labels) != 8:
        raise ValueError(f"REQUEST {{logits.tolist()}} {{labels.tolist()}}")
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return float(-log_probs[np.arange(len(labels)), labels].mean())
# --- cell: cross_entropy_grad
class Leak_1000(Exception):
    pass
def cross_entropy_grad(logits, labels):
    if np.shape(logits) != (6, 5):  # the public test's request, as dlsys validate showed it
        raise Leak_1000(f"REQUEST {{logits.tolist()}}")
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    grad = shifted / shifted.sum(axis=1, keepdims=True)
    grad[np.arange(len(labels)), labels] -= 1.0
    return grad / len(labels)
