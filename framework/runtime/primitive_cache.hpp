// oneDNN primitives (and their primitive descriptors) built once per (op, shapes, attributes)
// and reused: building one costs far more than running it on small tensors. Counts creations and
// hits so tests can show that a repeated step builds nothing. Not thread-safe (one per context).
#pragma once

#include <oneapi/dnnl/dnnl.hpp>

#include <any>
#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>

namespace chimera {

class PrimitiveCache {
public:
    // The entry for `key`, built by `make` the first time. T is whatever the op keeps (usually a
    // struct of primitive descriptors and primitives).
    template <class T>
    T& get(const std::string& key, const std::function<T()>& make) {
        auto it = entries_.find(key);
        if (it != entries_.end()) {
            ++hits_;
            return std::any_cast<T&>(it->second);
        }
        T made = make();
        ++created_;
        return std::any_cast<T&>(entries_.emplace(key, std::move(made)).first->second);
    }

    uint64_t created() const { return created_; }
    uint64_t hits() const { return hits_; }
    std::size_t size() const { return entries_.size(); }

private:
    std::unordered_map<std::string, std::any> entries_;
    uint64_t created_ = 0;
    uint64_t hits_ = 0;
};

}  // namespace chimera
