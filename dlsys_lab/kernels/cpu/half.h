// Half-precision storage on the CPU: bfloat16 and float16 arrays whose arithmetic runs in float32.
// Every kernel loads each element as a float32, computes (and accumulates) in float32, and rounds the result
// to the storage type once, round-to-nearest-even: what torch's and NumPy's (ml_dtypes') CPU kernels do.
#pragma once
#include <cstdint>
#include <cstring>
#if defined(__F16C__)
#include <immintrin.h>
#endif

namespace dlsys {

// bfloat16 is the top half of a float32: widening is a shift, narrowing rounds the dropped 16 bits to even.
struct BF16 {
  using storage = uint16_t;
  static float load(uint16_t h) {
    const uint32_t u = uint32_t(h) << 16;
    float f;
    std::memcpy(&f, &u, 4);
    return f;
  }
  static uint16_t store(float f) {
    uint32_t u;
    std::memcpy(&u, &f, 4);
    if ((u & 0x7fffffffu) > 0x7f800000u) return uint16_t((u >> 16) | 0x40u);  // NaN stays a (quiet) NaN
    u += 0x7fffu + ((u >> 16) & 1u);  // round to nearest, ties to even (overflow rounds up to inf, as it should)
    return uint16_t(u >> 16);
  }
};

// IEEE binary16 (1 sign, 5 exponent, 10 mantissa bits): F16C's conversion instructions where the CPU has them,
// else a portable bit-level conversion with the same rounding.
struct F16 {
  using storage = uint16_t;
  static float load(uint16_t h) {
#if defined(__F16C__)
    return _cvtsh_ss(h);
#else
    const uint32_t sign = uint32_t(h & 0x8000u) << 16, exp = (h >> 10) & 0x1fu, man = h & 0x3ffu;
    uint32_t u;
    if (exp == 0x1f) u = sign | 0x7f800000u | (man << 13);          // inf, NaN
    else if (exp != 0) u = sign | ((exp + 112) << 23) | (man << 13);  // normal: rebias 15 -> 127
    else if (man == 0) u = sign;                                      // zero
    else {                                                            // subnormal: normalize
      int e = -1;
      uint32_t m = man;
      do { m <<= 1; ++e; } while (!(m & 0x400u));
      u = sign | uint32_t(112 - e) << 23 | ((m & 0x3ffu) << 13);
    }
    float f;
    std::memcpy(&f, &u, 4);
    return f;
#endif
  }
  static uint16_t store(float f) {
#if defined(__F16C__)
    return _cvtss_sh(f, _MM_FROUND_TO_NEAREST_INT);
#else
    uint32_t u;
    std::memcpy(&u, &f, 4);
    const uint16_t sign = uint16_t((u >> 16) & 0x8000u);
    u &= 0x7fffffffu;
    if (u > 0x7f800000u) return sign | 0x7e00u;   // NaN
    if (u >= 0x477ff000u) return sign | 0x7c00u;  // rounds to >= 65520: inf
    if (u >= 0x38800000u) {                        // normal half: drop 13 bits, ties to even
      u += 0x0fffu + ((u >> 13) & 1u);
      return sign | uint16_t((u - 0x38000000u) >> 13);
    }
    // subnormal half (or zero): value = m * 2^-24; shift the full mantissa, ties to even
    const int shift = 126 - int(u >> 23);  // 14 for the largest subnormal exponent (2^-15)
    if (shift > 24) return sign;
    const uint32_t m = (u & 0x7fffffu) | 0x800000u;
    const uint32_t half_ulp = 1u << (shift - 1), rest = m & ((1u << shift) - 1);
    uint32_t r = m >> shift;
    if (rest > half_ulp || (rest == half_ulp && (r & 1u))) ++r;
    return sign | uint16_t(r);
#endif
  }
};

// Identity "conversions" for the full-precision storages, so one strided kernel serves every cast.
struct F32 {
  using storage = float;
  static float load(float x) { return x; }
  static float store(float x) { return x; }
};
struct F64 {
  using storage = double;
  static float load(double x) { return static_cast<float>(x); }
  static double store(float x) { return x; }
};

}  // namespace dlsys
