// 64-byte aligned host memory for tensors, recycled by exact size. Phases have fixed shapes, so
// after the first step every buffer a step asks for is one a previous step gave back, and the
// steady state allocates nothing; `allocations()` counts real allocations so tests can check.
// Not thread-safe: one pool per context, used by the thread that runs the step.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

namespace chimera {

class BufferPool : public std::enable_shared_from_this<BufferPool> {
public:
    static constexpr std::size_t alignment = 64;

    BufferPool() = default;
    ~BufferPool();
    BufferPool(const BufferPool&) = delete;
    BufferPool& operator=(const BufferPool&) = delete;

    // A buffer of at least `bytes` (rounded up to the alignment), zero-filled when `zero`.
    void* acquire(std::size_t bytes, bool zero);
    void release(void* data, std::size_t bytes);

    uint64_t allocations() const { return allocations_; }
    std::size_t bytes_held() const { return bytes_held_; }
    static std::size_t rounded(std::size_t bytes);

private:
    std::unordered_map<std::size_t, std::vector<void*>> free_;
    uint64_t allocations_ = 0;
    std::size_t bytes_held_ = 0;
};

}  // namespace chimera
