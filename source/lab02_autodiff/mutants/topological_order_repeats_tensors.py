# mutant: no visited check when a tensor is popped, so shared tensors are listed twice
# cell: topological_order
def topological_order(output):
    '''Every tensor `output` depends on, each once, inputs before the tensors made from them.'''
    order, visited = [], set()
    stack = [(output, False)]
    while stack:
        tensor, inputs_done = stack.pop()
        if inputs_done:
            order.append(tensor)
            continue

        visited.add(id(tensor))
        stack.append((tensor, True))
        for node in reversed(tensor.inputs):
            if id(node) not in visited:
                stack.append((node, False))
    return order
