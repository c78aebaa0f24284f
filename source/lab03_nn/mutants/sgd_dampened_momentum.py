# mutant: momentum as an exponential average, buf = mu*buf + (1-mu)*g, which is not torch's rule
# cell: optimizers
class Optimizer:
    '''Holds the parameters to update; zero_grad() clears their gradients.'''

    def __init__(self, params):
        self.params = list(params)
        if not self.params:
            raise ValueError("optimizer got an empty parameter list; pass model.parameters()")

    def zero_grad(self):
        for param in self.params:
            param.grad[...] = 0.0

    def step(self):
        raise NotImplementedError(f"{type(self).__name__} must define step()")


class SGD(Optimizer):
    '''Stochastic gradient descent with optional momentum and L2 weight decay, as torch.optim.SGD.'''

    def __init__(self, params, lr, momentum=0.0, weight_decay=0.0):
        super().__init__(params)
        self.lr, self.momentum, self.weight_decay = lr, momentum, weight_decay
        self.velocity = [None] * len(self.params)

    def step(self):
                for index, param in enumerate(self.params):
            grad = param.grad + self.weight_decay * param.data
            if self.momentum:
                previous = self.velocity[index]
                grad = grad.copy() if previous is None else self.momentum * previous + (1 - self.momentum) * grad
                self.velocity[index] = grad
            param.data = param.data - self.lr * grad
        

class Adam(Optimizer):
    '''Adam with bias correction and L2 weight decay, as torch.optim.Adam.'''

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        super().__init__(params)
        self.lr, self.betas, self.eps, self.weight_decay = lr, betas, eps, weight_decay
        self.t = 0
        self.m = [np.zeros_like(p.data) for p in self.params]
        self.v = [np.zeros_like(p.data) for p in self.params]

    def step(self):
                beta1, beta2 = self.betas
        self.t += 1
        for index, param in enumerate(self.params):
            grad = param.grad + self.weight_decay * param.data
            self.m[index] = beta1 * self.m[index] + (1 - beta1) * grad
            self.v[index] = beta2 * self.v[index] + (1 - beta2) * grad * grad
            m_hat = self.m[index] / (1 - beta1 ** self.t)
            v_hat = self.v[index] / (1 - beta2 ** self.t)
            param.data = param.data - self.lr * m_hat / (np.sqrt(v_hat) + self.eps)
