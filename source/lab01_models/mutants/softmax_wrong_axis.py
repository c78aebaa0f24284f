# mutant: normalises columns (axis=0) instead of rows
# cell: softmax
def softmax(logits):
    """Row-wise softmax of an (n, k) array of logits."""
    exps = np.exp(logits - logits.max(axis=0, keepdims=True))
    return exps / exps.sum(axis=0, keepdims=True)
