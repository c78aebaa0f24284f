# mutant: Add passes out_grad straight through, so a broadcast bias gets a gradient of the wrong shape
# cell: elementwise
class Add(Op):
    def forward(self, a, b):
        return a + b

    def gradient(self, out_grad, node):
        a, b = node.inputs
        return out_grad, out_grad


class Mul(Op):
    def forward(self, a, b):
        return a * b

    def gradient(self, out_grad, node):
        a, b = node.inputs
        return sum_to_shape(out_grad * b.data, a.shape), sum_to_shape(out_grad * a.data, b.shape)


class Div(Op):
    def forward(self, a, b):
        return a / b

    def gradient(self, out_grad, node):
        a, b = node.inputs
        return (sum_to_shape(out_grad / b.data, a.shape),
                sum_to_shape(-out_grad * a.data / b.data ** 2, b.shape))


class PowerScalar(Op):
    '''x ** p for a fixed number p.'''

    def __init__(self, exponent):
        self.exponent = exponent

    def forward(self, a):
        return a ** self.exponent

    def gradient(self, out_grad, node):
        (a,) = node.inputs
        return (out_grad * self.exponent * a.data ** (self.exponent - 1),)


class Exp(Op):
    def forward(self, a):
        return np.exp(a)

    def gradient(self, out_grad, node):
        return (out_grad * node.data,)


class Log(Op):
    def forward(self, a):
        return np.log(a)

    def gradient(self, out_grad, node):
        (a,) = node.inputs
        return (out_grad / a.data,)


class Tanh(Op):
    def forward(self, a):
        return np.tanh(a)

    def gradient(self, out_grad, node):
        return (out_grad * (1 - node.data ** 2),)


class ReLU(Op):
    def forward(self, a):
        return np.maximum(a, 0)

    def gradient(self, out_grad, node):
        (a,) = node.inputs
        return (out_grad * (a.data > 0),)
