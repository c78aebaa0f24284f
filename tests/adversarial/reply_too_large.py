# threat: a reply larger than the judge accepts (a 100 MB string)
# expect: output
import numpy as np
def softmax(logits):
    return "x" * (100 << 20)
