# mutant: shuffling reseeds every epoch, so each epoch repeats the same order
# cell: dataloader
class ArrayDataset:
    '''Arrays that share their first axis; indexing with an index array gives a tuple of sub-arrays.'''

    def __init__(self, *arrays):
        if len({len(a) for a in arrays}) != 1:
            raise ValueError("ArrayDataset: every array needs the same length along axis 0")
        self.arrays = arrays

    def __len__(self):
        return len(self.arrays[0])

    def __getitem__(self, index):
        return tuple(a[index] for a in self.arrays)


class DataLoader:
    '''Batches of a dataset, optionally shuffled per epoch with a seeded generator.'''

    def __init__(self, dataset, batch_size, shuffle=False, drop_last=False, seed=None):
        if batch_size < 1:
            raise ValueError(f"batch_size={batch_size}: pass batch_size >= 1")
        self.dataset, self.batch_size = dataset, batch_size
        self.shuffle, self.drop_last = shuffle, drop_last
        self.rng = np.random.default_rng(seed)

    def __len__(self):
                full, rest = divmod(len(self.dataset), self.batch_size)
        return full + (1 if rest and not self.drop_last else 0)
        
    def batches(self):
        '''One pass as a list of batches (what iterating gives); the tests use it.'''
        return list(self)

    def __iter__(self):
                n = len(self.dataset)
        order = np.random.default_rng(0).permutation(n) if self.shuffle else np.arange(n)
        for batch in range(len(self)):
            yield self.dataset[order[batch * self.batch_size:(batch + 1) * self.batch_size]]
