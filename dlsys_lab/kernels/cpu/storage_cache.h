// A cache of freed output storages, by size. Training repeats the same shapes every step, so the
// next array of a size reuses a block freed moments ago: no malloc, and memory still in the CPU's
// caches instead of lines fetched cold. (PyTorch's CUDA allocator caches blocks the same way.)
#pragma once
#include <ATen/ops/from_blob.h>

#include <cstdlib>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace dlsys {

class StorageCache {
 public:
  static constexpr size_t kLargestBlock = size_t(8) << 20;   // larger arrays go straight to the system
  static constexpr size_t kCapacity = size_t(128) << 20;     // at most this many bytes kept free

  // A flat storage of n elements of the options' dtype, reusing a free block of that size if any.
  at::Tensor empty(int64_t n, const at::TensorOptions& options) {
    const size_t bytes = static_cast<size_t>(n) * options.dtype().itemsize();
    void* block = take(bytes);
    if (block == nullptr) {
      block = std::aligned_alloc(kHeader, kHeader + round_up(bytes));
      TORCH_CHECK(block != nullptr, "out of memory allocating ", bytes, " bytes");
      *static_cast<size_t*>(block) = bytes;  // the header remembers the size for give_back
    }
    return at::for_blob(static_cast<char*>(block) + kHeader, {n})
        .context(block, &StorageCache::give_back)
        .options(options)
        .make_tensor();
  }

  // The one cache of the process, never destroyed: tensors may be freed during interpreter exit.
  static StorageCache& instance() {
    static StorageCache* cache = new StorageCache;
    return *cache;
  }

 private:
  static constexpr size_t kHeader = 64;  // one cache line in front of the data keeps it 64-byte aligned

  static size_t round_up(size_t bytes) { return (bytes + kHeader - 1) / kHeader * kHeader; }

  void* take(size_t bytes) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = free_.find(bytes);
    if (it == free_.end() || it->second.empty()) return nullptr;
    void* block = it->second.back();  // the most recently freed: the likeliest to be in cache
    it->second.pop_back();
    free_bytes_ -= bytes;
    return block;
  }

  static void give_back(void* block) {
    const size_t bytes = *static_cast<size_t*>(block);
    StorageCache& cache = instance();
    {
      std::lock_guard<std::mutex> lock(cache.mutex_);
      if (cache.free_bytes_ + bytes <= kCapacity) {
        cache.free_[bytes].push_back(block);
        cache.free_bytes_ += bytes;
        return;
      }
    }
    std::free(block);
  }

  std::mutex mutex_;
  std::unordered_map<size_t, std::vector<void*>> free_;
  size_t free_bytes_ = 0;
};

}  // namespace dlsys
