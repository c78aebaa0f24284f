# mutant: forgot to subtract the row max, so exp overflows on large logits
# cell: softmax
def softmax(logits):
    """Row-wise softmax of an (n, k) array of logits."""
    exps = np.exp(logits)
    return exps / exps.sum(axis=1, keepdims=True)
