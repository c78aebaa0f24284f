# mutant: the biases are never updated
# cell: sgd_epoch
def sgd_epoch(W, b, X, y, lr, batch_size):
    """One epoch of minibatch SGD on softmax regression (logits = X @ W + b); returns the new (W, b)."""
    W = W.copy()
    for start in range(0, len(X), batch_size):
        xb, yb = X[start:start + batch_size], y[start:start + batch_size]
        W -= lr * xb.T @ cross_entropy_grad(xb @ W + b, yb)
    return W, b
