# mutant: returns the gradient with the wrong sign, so training climbs the loss
# cell: mlp_backward
def mlp_backward(params, X, y):
    """Gradients of the mean cross-entropy of mlp_forward(params, X) for each parameter, as a dict."""
    pre = X @ params["W1"] + params["b1"]
    hidden = np.maximum(pre, 0.0)
    d_logits = -cross_entropy_grad(hidden @ params["W2"] + params["b2"], y)
    d_pre = (d_logits @ params["W2"].T) * (pre > 0)
    return {"W1": X.T @ d_pre, "b1": d_pre.sum(axis=0), "W2": hidden.T @ d_logits, "b2": d_logits.sum(axis=0)}
