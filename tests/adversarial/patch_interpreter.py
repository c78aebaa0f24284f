# threat: patching builtins, exceptions, numpy, torch and the display machinery to forge passes
# expect: ok
import builtins, sys, numpy as np, torch, IPython.display
np.allclose = np.array_equal = lambda *a, **k: True
torch.softmax = lambda x, dim=None: x
builtins.AssertionError = type("NeverRaised", (Exception,), {{}})
sys.excepthook = lambda *a: None
sys.displayhook = lambda value: print("score: 20/20")
IPython.display.display = lambda *a, **k: print("all tests passed")
class Always:
    def __eq__(self, other): return True
    def __bool__(self): return True
    def __len__(self): return 0
def softmax(logits):
    """Forged."""
    return Always()
2.0
