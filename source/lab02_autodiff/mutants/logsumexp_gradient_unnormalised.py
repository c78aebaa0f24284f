# mutant: exp(x) instead of softmax(x) = exp(x - logsumexp(x))
# cell: structure
class MatMul(Op):
    def forward(self, a, b):
        return a @ b

    def gradient(self, out_grad, node):
        a, b = node.inputs
        return out_grad @ b.data.T, a.data.T @ out_grad


def kept_shape(shape, axes):
    '''`shape` with the reduced `axes` (None: all) set to 1, as keepdims=True would leave it.'''
    axes = range(len(shape)) if axes is None else [axis % len(shape) for axis in axes]
    return tuple(1 if i in axes else size for i, size in enumerate(shape))


class Sum(Op):
    def __init__(self, axes=None):
        self.axes = axes

    def forward(self, a):
        return a.sum(axis=self.axes)

    def gradient(self, out_grad, node):
        (a,) = node.inputs
        return (np.broadcast_to(out_grad.reshape(kept_shape(a.shape, self.axes)), a.shape),)


class LogSumExp(Op):
    def __init__(self, axes):
        self.axes = axes

    def forward(self, a):
        top = a.max(axis=self.axes, keepdims=True)
        return np.log(np.exp(a - top).sum(axis=self.axes)) + top.reshape(np.shape(top.sum(axis=self.axes)))

    def gradient(self, out_grad, node):
        (a,) = node.inputs
        shape = kept_shape(a.shape, self.axes)
        softmax = np.exp(a.data)
        return (softmax * out_grad.reshape(shape),)


class Reshape(Op):
    def __init__(self, shape):
        self.shape = shape

    def forward(self, a):
        return a.reshape(self.shape)

    def gradient(self, out_grad, node):
        (a,) = node.inputs
        return (out_grad.reshape(a.shape),)


class BroadcastTo(Op):
    def __init__(self, shape):
        self.shape = shape

    def forward(self, a):
        return np.broadcast_to(a, self.shape)

    def gradient(self, out_grad, node):
        (a,) = node.inputs
        return (sum_to_shape(out_grad, a.shape),)


class Transpose(Op):
    def __init__(self, axes):
        self.axes = tuple(axes)

    def forward(self, a):
        return np.transpose(a, self.axes)

    def gradient(self, out_grad, node):
        return (np.transpose(out_grad, np.argsort(self.axes)),)
