# mutant: sums the loss over the batch instead of averaging it
# cell: cross_entropy
def cross_entropy(logits, labels):
    """Mean softmax cross-entropy of (n, k) logits against n integer labels, as a float."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return float(-log_probs[np.arange(len(labels)), labels].sum())
