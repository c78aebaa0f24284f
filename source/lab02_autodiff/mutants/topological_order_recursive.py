# mutant: a recursive depth-first search: right on small graphs, RecursionError on deep ones
# cell: topological_order
def topological_order(output):
    '''Every tensor `output` depends on, each once, inputs before the tensors made from them.'''
    order, visited = [], set()

    def visit(tensor):
        if id(tensor) in visited:
            return
        visited.add(id(tensor))
        for node in tensor.inputs:
            visit(node)
        order.append(tensor)

    visit(output)
    return order
