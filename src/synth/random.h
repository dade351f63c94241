// The generator's own randomness: xoshiro256** seeded through splitmix64, and the few
// transformations Generate needs. Written out here, not taken from <random>, because the
// standard distributions are allowed to differ between library implementations and the
// generated data must not.
#pragma once

#include <cmath>
#include <cstdint>

namespace sphere::synth {

inline uint64_t SplitMix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// An independent stream per (seed, creator, purpose), so a creator's records do not
// depend on how many records other creators got, nor its posts on its snapshots.
inline uint64_t StreamSeed(uint64_t seed, uint64_t creator, uint64_t purpose) {
  uint64_t s = seed;
  uint64_t h = SplitMix64(s);
  s = h ^ creator;
  h = SplitMix64(s);
  s = h ^ (purpose * 0xd1b54a32d192ed03ULL);
  return SplitMix64(s);
}

// xoshiro256** 1.0 (Blackman and Vigna, public domain reference implementation).
class Rng {
 public:
  explicit Rng(uint64_t seed) {
    for (uint64_t& word : s_) word = SplitMix64(seed);
  }

  uint64_t Next() {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, 1) with 53 random bits.
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

  // Uniform integer in [0, n); n > 0. Lemire's multiply-shift: no division, and a bias
  // below n / 2^64, far under anything a test could see.
  uint64_t Below(uint64_t n) {
    __extension__ using Wide = unsigned __int128;  // GCC and Clang; quiet under -Wpedantic
    return static_cast<uint64_t>((static_cast<Wide>(Next()) * n) >> 64);
  }

  bool Bernoulli(double p) { return Uniform() < p; }

  // Standard normal by the Box-Muller transform.
  double Normal() {
    double u1 = 1.0 - Uniform();  // (0, 1]: log stays finite
    double u2 = Uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

// The standard normal CDF: maps a normal draw to a uniform one (Gaussian copula).
inline double NormalCdf(double z) { return 0.5 * std::erfc(-z * 0.7071067811865476); }

}  // namespace sphere::synth
