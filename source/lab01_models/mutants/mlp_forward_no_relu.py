# mutant: forgot the ReLU between the two layers
# cell: mlp_forward
def mlp_forward(params, X):
    """Logits of the two-layer MLP: relu(X @ W1 + b1) @ W2 + b2."""
    return (X @ params["W1"] + params["b1"]) @ params["W2"] + params["b2"]
