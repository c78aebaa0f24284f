# mutant: gradient not divided by the batch size
# cell: cross_entropy_grad
def cross_entropy_grad(logits, labels):
    """Gradient of cross_entropy(logits, labels) with respect to the logits, shape (n, k)."""
    grad = softmax(logits)
    grad[np.arange(len(labels)), labels] -= 1.0
    return grad
