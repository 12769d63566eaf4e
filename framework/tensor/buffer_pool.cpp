#include "tensor/buffer_pool.hpp"

#include <cstdlib>
#include <cstring>
#include <new>

namespace chimera {

BufferPool::~BufferPool() {
    for (auto& [bytes, buffers] : free_)
        for (void* p : buffers) std::free(p);
}

std::size_t BufferPool::rounded(std::size_t bytes) {
    std::size_t b = bytes == 0 ? alignment : bytes;
    return (b + alignment - 1) / alignment * alignment;
}

void* BufferPool::acquire(std::size_t bytes, bool zero) {
    std::size_t size = rounded(bytes);
    void* data = nullptr;
    auto it = free_.find(size);
    if (it != free_.end() && !it->second.empty()) {
        data = it->second.back();
        it->second.pop_back();
    } else {
        data = std::aligned_alloc(alignment, size);
        if (!data) throw std::bad_alloc();
        ++allocations_;
        bytes_held_ += size;
    }
    if (zero) std::memset(data, 0, size);
    return data;
}

void BufferPool::release(void* data, std::size_t bytes) {
    if (data) free_[rounded(bytes)].push_back(data);
}

}  // namespace chimera
