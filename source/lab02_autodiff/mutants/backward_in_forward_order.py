# mutant: walks the graph inputs-first, so gradients are used before they are complete
# cell: backward
def backward(output, out_grad=None):
    '''Set .grad on every tensor of output's graph to d(output . out_grad)/d tensor.'''
    grads = {id(output): np.ones_like(output.data) if out_grad is None else np.asarray(out_grad, np.float64)}
    for tensor in topological_order(output):
        tensor.grad = grads.pop(id(tensor), np.zeros_like(tensor.data))
        if tensor.op is None:
            continue
        for node, grad in zip(tensor.inputs, tensor.op.gradient(tensor.grad, tensor)):
            if id(node) in grads:
                grads[id(node)] = grads[id(node)] + grad
            else:
                grads[id(node)] = grad
