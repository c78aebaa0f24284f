# threat: none, fairness: a helper kept in a cell of the student's own (no nbgrader metadata) before the answer
# base: source
# expect: ok
# score: 20
def softmax(logits):
    """Row-wise softmax, through the student's own helper."""
    exps = np.exp(shifted(logits))
    return exps / exps.sum(axis=1, keepdims=True)
# --- own cell before: softmax
def shifted(logits):
    return logits - logits.max(axis=1, keepdims=True)
