# threat: making the judge fetch and keep huge data (len 40, items of 60 MB) through its comparison helpers
# expect: output
class Big:
    def __len__(self):
        return 40
    def __getitem__(self, i):
        if not 0 <= i < 40:
            raise IndexError(i)
        return np.ones(60 << 17)
def softmax(logits):
    return Big()
