#include "runtime/philox.hpp"

#include <cmath>

namespace chimera {

namespace {

constexpr uint32_t mul0 = 0xD2511F53u, mul1 = 0xCD9E8D57u;
constexpr uint32_t weyl0 = 0x9E3779B9u, weyl1 = 0xBB67AE85u;

inline void mulhilo(uint32_t a, uint32_t b, uint32_t& hi, uint32_t& lo) {
    uint64_t p = static_cast<uint64_t>(a) * b;
    hi = static_cast<uint32_t>(p >> 32);
    lo = static_cast<uint32_t>(p);
}

// splitmix64: spreads seed and stream over the key's bits.
uint64_t mix(uint64_t x) {
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

}  // namespace

std::array<uint32_t, 4> philox4x32(PhiloxKey key, uint32_t c0, uint32_t c1, uint32_t c2,
                                   uint32_t c3) {
    uint32_t k0 = key.k0, k1 = key.k1;
    for (int round = 0; round < 10; ++round) {
        uint32_t hi0, lo0, hi1, lo1;
        mulhilo(mul0, c0, hi0, lo0);
        mulhilo(mul1, c2, hi1, lo1);
        uint32_t n0 = hi1 ^ c1 ^ k0, n1 = lo1, n2 = hi0 ^ c3 ^ k1, n3 = lo0;
        c0 = n0; c1 = n1; c2 = n2; c3 = n3;
        k0 += weyl0;
        k1 += weyl1;
    }
    return {c0, c1, c2, c3};
}

PhiloxKey philox_key(uint64_t seed, uint64_t stream) {
    uint64_t k = mix(seed ^ mix(stream));
    return {static_cast<uint32_t>(k), static_cast<uint32_t>(k >> 32)};
}

void philox_uniform(PhiloxKey key, float* out, int64_t n, int64_t first) {
    const int64_t end = first + n;
#pragma omp parallel for schedule(static)
    for (int64_t block = first / 4; block < (end + 3) / 4; ++block) {
        auto r = philox4x32(key, static_cast<uint32_t>(block), static_cast<uint32_t>(block >> 32), 0, 0);
        for (int j = 0; j < 4; ++j) {
            const int64_t g = block * 4 + j;
            if (g >= first && g < end) out[g - first] = uniform_open0(r[j]);
        }
    }
}

void philox_normal(PhiloxKey key, float* out, int64_t n, int64_t first) {
    const float two_pi = 6.283185307179586f;
    const int64_t end = first + n;
#pragma omp parallel for schedule(static)
    for (int64_t block = first / 4; block < (end + 3) / 4; ++block) {
        auto r = philox4x32(key, static_cast<uint32_t>(block), static_cast<uint32_t>(block >> 32), 1, 0);
        for (int pair = 0; pair < 2; ++pair) {
            const int64_t g = block * 4 + 2 * pair;
            if (g + 1 < first || g >= end) continue;
            float radius = std::sqrt(-2.0f * std::log(uniform_open0(r[2 * pair])));
            float angle = two_pi * uniform_open0(r[2 * pair + 1]);
            if (g >= first) out[g - first] = radius * std::cos(angle);
            if (g + 1 >= first && g + 1 < end) out[g + 1 - first] = radius * std::sin(angle);
        }
    }
}

}  // namespace chimera
