# mutant: training normalises with the unbiased (N-1) batch variance
# cell: normalization
class BatchNorm1d(Module):
    '''Batch normalisation over axis 0 of (batch, features) inputs, with running statistics.'''

    buffer_names = ("running_mean", "running_var")

    def __init__(self, num_features, eps=1e-5, momentum=0.1):
        super().__init__()
        self.eps, self.momentum = eps, momentum
        self.weight = Parameter(np.ones(num_features))
        self.bias = Parameter(np.zeros(num_features))
        self.running_mean = np.zeros(num_features)
        self.running_var = np.ones(num_features)

    def forward(self, x):
        '''Normalise with batch statistics (training) or running statistics (eval); cache for backward.'''
                if self.training:
            mean, var = x.mean(axis=0), x.var(axis=0, ddof=1)
            n = x.shape[0]
            self.running_mean = (1 - self.momentum) * self.running_mean + self.momentum * mean
            self.running_var = (1 - self.momentum) * self.running_var + self.momentum * var * n / (n - 1)
        else:
            mean, var = self.running_mean, self.running_var
        self.inv_std = 1.0 / np.sqrt(var + self.eps)
        self.x_hat = (x - mean) * self.inv_std
        return self.weight.data * self.x_hat + self.bias.data
        
    def backward(self, grad_out):
        '''Add dL/dweight, dL/dbias; return dL/dx (batch statistics depend on x only in training).'''
                self.weight.grad += (grad_out * self.x_hat).sum(axis=0)
        self.bias.grad += grad_out.sum(axis=0)
        grad_x_hat = grad_out * self.weight.data
        if not self.training:
            return grad_x_hat * self.inv_std
        return self.inv_std * (grad_x_hat - grad_x_hat.mean(axis=0)
                               - self.x_hat * (grad_x_hat * self.x_hat).mean(axis=0))
        

class LayerNorm(Module):
    '''Normalise each sample over its last axis, then scale and shift per feature.'''

    def __init__(self, num_features, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.weight = Parameter(np.ones(num_features))
        self.bias = Parameter(np.zeros(num_features))

    def forward(self, x):
        '''Per-sample normalisation over the last axis; cache for backward.'''
                mean = x.mean(axis=-1, keepdims=True)
        self.inv_std = 1.0 / np.sqrt(x.var(axis=-1, keepdims=True) + self.eps)
        self.x_hat = (x - mean) * self.inv_std
        return self.weight.data * self.x_hat + self.bias.data
        
    def backward(self, grad_out):
        '''Add dL/dweight, dL/dbias; return dL/dx.'''
                batch_axes = tuple(range(grad_out.ndim - 1))
        self.weight.grad += (grad_out * self.x_hat).sum(axis=batch_axes)
        self.bias.grad += grad_out.sum(axis=batch_axes)
        grad_x_hat = grad_out * self.weight.data
        return self.inv_std * (grad_x_hat - grad_x_hat.mean(axis=-1, keepdims=True)
                               - self.x_hat * (grad_x_hat * self.x_hat).mean(axis=-1, keepdims=True))
        

class Dropout(Module):
    '''Inverted dropout: zero with probability p, scale survivors by 1/(1-p); identity in eval.'''

    def __init__(self, p, rng=None):
        super().__init__()
        if not 0 <= p < 1:
            raise ValueError(f"Dropout(p={p}): pass 0 <= p < 1")
        self.p, self.rng = p, np.random.default_rng(rng)

    def forward(self, x):
        '''Draw a fresh mask in training; remember it for backward.'''
                if not self.training:
            self.scale = np.ones_like(x)
            return x
        self.scale = (self.rng.random(x.shape) >= self.p) / (1.0 - self.p)
        return x * self.scale
        
    def backward(self, grad_out):
        '''The same mask and scale as the forward pass.'''
                return grad_out * self.scale
