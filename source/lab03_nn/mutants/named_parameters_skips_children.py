# mutant: only the module's own parameters are registered, not its children's
# cell: module_system
class Parameter:
    '''A trainable float64 array and the gradient that backward() accumulates into it.'''

    def __init__(self, data):
        self.data = np.array(data, dtype=np.float64)
        self.grad = np.zeros_like(self.data)

    def copy_(self, value):
        '''Overwrite the values in place, keeping the shape (torch: param.data.copy_(value)).'''
        self.data[...] = np.broadcast_to(np.asarray(value, dtype=np.float64), self.data.shape)

    def set_grad(self, value):
        '''Set the gradient (torch: param.grad = value); tests use it to drive optimizers.'''
        self.grad = np.array(np.broadcast_to(value, self.data.shape), dtype=np.float64)

    def __repr__(self):
        return f"Parameter(shape={self.data.shape})"


class Module:
    '''Base class: parameters and children are found among the attributes, in assignment order.'''

    buffer_names = ()  # names of non-trainable arrays that belong in state_dict()

    def __init__(self):
        self.training = True

    def forward(self, x):
        raise NotImplementedError(f"{type(self).__name__} must define forward(x)")

    def backward(self, grad_out):
        raise NotImplementedError(f"{type(self).__name__} must define backward(grad_out)")

    def __call__(self, x):
        return self.forward(x)

    def children(self):
        '''(name, module) for each direct child, in assignment order.'''
        return [(name, value) for name, value in vars(self).items() if isinstance(value, Module)]

    def named_parameters(self, prefix=""):
        '''A list of (dotted name, Parameter): own parameters first, then each child's, like torch.'''
                named = [(prefix + name, value) for name, value in vars(self).items() if isinstance(value, Parameter)]

        return named
        
    def parameters(self):
        '''Every Parameter of this module and its descendants.'''
        return [param for _, param in self.named_parameters()]

    def train(self, mode=True):
        '''Set training mode on this module and every descendant; return self.'''
                self.training = mode
        for _, child in self.children():
            child.train(mode)
        return self
        
    def eval(self):
        '''Evaluation mode everywhere (Dropout off, BatchNorm uses running statistics).'''
        return self.train(False)

    def state_dict(self, prefix=""):
        '''A plain dict of dotted name -> copy of the array: own parameters, own buffers, then children.'''
                state = {}
        for name, value in vars(self).items():
            if isinstance(value, Parameter):
                state[prefix + name] = value.data.copy()
        for name in self.buffer_names:
            state[prefix + name] = np.array(getattr(self, name), dtype=np.float64)
        for name, child in self.children():
            state.update(child.state_dict(prefix + name + "."))
        return state
        
    def load_state_dict(self, state):
        '''Copy arrays from `state` into parameters and buffers; KeyError on missing or unexpected keys,
        ValueError on a shape mismatch. Later changes to `state` must not change the module.'''
                own = self.state_dict()
        missing = [key for key in own if key not in state]
        unexpected = [key for key in state if key not in own]
        if missing or unexpected:
            raise KeyError(f"state_dict mismatch: missing {missing}, unexpected {unexpected}")
        for key, current in own.items():
            value = np.asarray(state[key], dtype=np.float64)
            if value.shape != current.shape:
                raise ValueError(f"{key}: expected shape {current.shape}, got {value.shape}")
            *path, leaf = key.split(".")
            owner = self
            for part in path:
                owner = getattr(owner, part)
            target = getattr(owner, leaf)
            if isinstance(target, Parameter):
                target.data = value.copy()
            else:
                setattr(owner, leaf, value.copy())
        

class Sequential(Module):
    '''Layers applied in order; children are named "0", "1", ... like torch.nn.Sequential.'''

    def __init__(self, *layers):
        super().__init__()
        for index, layer in enumerate(layers):
            setattr(self, str(index), layer)

    def forward(self, x):
        for _, layer in self.children():
            x = layer(x)
        return x

    def backward(self, grad_out):
        for _, layer in reversed(self.children()):
            grad_out = layer.backward(grad_out)
        return grad_out


class ReLU(Module):
    '''max(x, 0), elementwise.'''

    def forward(self, x):
        self.mask = x > 0
        return x * self.mask

    def backward(self, grad_out):
        return grad_out * self.mask
