# threat: a reply holding a number no float or index can hold (10**400) where the judge decodes a shape
# expect: crashed
import autograder.wire as wire
_encode = wire.encode
def encode(value, handle_of, depth=0):
    tree, blobs = _encode(value, handle_of, depth)
    return {{"t": "nd", "dtype": "<f8", "shape": [10 ** 400], "blob": 0}}, [b""]
wire.encode = encode
def softmax(logits):
    return logits
