// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11): a
// counter-based generator. The value at (key, counter) is a pure function of both, so element i
// of a random tensor is the same whichever thread computes it, and a run's random state is just
// (seed, how many random calls it has made). Not a stream generator: callers pick counters.
#pragma once

#include <array>
#include <cstdint>

namespace chimera {

struct PhiloxKey {
    uint32_t k0, k1;
};

// Four 32-bit words for counter (c0, c1, c2, c3) under `key`.
std::array<uint32_t, 4> philox4x32(PhiloxKey key, uint32_t c0, uint32_t c1, uint32_t c2,
                                   uint32_t c3);

// The key of random stream `stream` of run `seed`.
PhiloxKey philox_key(uint64_t seed, uint64_t stream);

// Uniform in (0, 1] from 32 random bits: never 0, so log() is safe.
inline float uniform_open0(uint32_t bits) {
    return (static_cast<float>(bits >> 8) + 1.0f) * (1.0f / 16777216.0f);
}

// Fills out[0..n) with U(0,1] for stream `key`, element i from counter first + i (any thread
// split): elements [first, first + n) of the stream, as a rank computing part of a batch needs.
void philox_uniform(PhiloxKey key, float* out, int64_t n, int64_t first = 0);
// Fills out[0..n) with N(0,1) by Box-Muller on the pair from counter (first + i)/2.
void philox_normal(PhiloxKey key, float* out, int64_t n, int64_t first = 0);

}  // namespace chimera
