# mutant: backward assigns the weight gradient instead of accumulating it
# cell: linear
class Linear(Module):
    '''y = x @ weight.T + bias for x of shape (batch, in_features).'''

    def __init__(self, in_features, out_features, rng=None):
        super().__init__()
        rng = np.random.default_rng(rng)
        bound = 1.0 / math.sqrt(in_features)
        self.weight = Parameter(rng.uniform(-bound, bound, size=(out_features, in_features)))
        self.bias = Parameter(rng.uniform(-bound, bound, size=(out_features,)))

    def forward(self, x):
        '''Cache the input; return the affine map.'''
                self.x = x
        return x @ self.weight.data.T + self.bias.data
        
    def backward(self, grad_out):
        '''Add dL/dweight and dL/dbias into .grad; return dL/dx.'''
                self.weight.grad = grad_out.T @ self.x
        self.bias.grad += grad_out.sum(axis=0)
        return grad_out @ self.weight.data
