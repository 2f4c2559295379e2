// Character data of an XML document checked 32 bytes at a time with AVX2: the byte reader spends
// much of its time on text, and text in Vietnamese mixes one-, two- and three-byte UTF-8
// sequences too irregularly for a byte loop's branches to be predicted. CPUs without AVX2 (few
// servers of the last ten years) leave every byte to the reader's own loop.
//
// The UTF-8 check follows the approach of Keiser and Lemire ("Validating UTF-8 in less than one
// instruction per byte", 2021): every error shows in the pair (previous byte, this byte), looked
// up by nibbles in three 16-entry tables whose bits name the kinds of error, plus one check that
// the second and third continuation bytes of longer sequences are where their leading byte says.
#include "CXMLText.h"

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <cpuid.h>
#include <immintrin.h>

// Whether this CPU has AVX2, found by esign_xml_text_available.
static int available;

int esign_xml_text_available(void) {
    unsigned a, b, c, d;
    available = 0;
    // AVX2, with the operating system saving the YMM registers (OSXSAVE and XCR0's bits 1 and 2).
    if (!__get_cpuid(1, &a, &b, &c, &d) || !((c >> 27) & 1) || !((c >> 28) & 1)) return 0;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d) || !((b >> 5) & 1)) return 0;
    unsigned low, high;
    __asm__("xgetbv" : "=a"(low), "=d"(high) : "c"(0));
    available = (low & 6) == 6;
    return available;
}

#define KERNEL __attribute__((target("avx2")))

// The kinds of error a (previous byte, this byte) pair can show, one bit each.
enum {
    TOO_SHORT = 1 << 0,   // a leading byte, then no continuation byte
    TOO_LONG = 1 << 1,    // an ASCII byte, then a continuation byte
    OVERLONG_3 = 1 << 2,  // E0 80..9F
    SURROGATE = 1 << 3,   // ED A0..BF
    OVERLONG_2 = 1 << 4,  // C0 or C1, then a continuation byte
    TOO_LARGE = 1 << 5,   // F4 90..BF, F5..FF 90..BF
    OVERLONG_4 = 1 << 6,  // F0 80..8F; and F5..FF 80..8F (beyond U+10FFFF)
    TWO_CONTS = 1 << 7,   // two continuation bytes: right only inside a three- or four-byte sequence
};

// The bits each nibble allows; a pair has an error when all three of its lookups share a bit.
#define CARRY (TOO_SHORT | TOO_LONG | TWO_CONTS)  // kinds that do not depend on the low nibble

// By the previous byte's high nibble.
static const uint8_t by_prev_high[16] = {
    TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG,  // 0..7: ASCII
    TWO_CONTS, TWO_CONTS, TWO_CONTS, TWO_CONTS,                                      // 8..B: continuation
    TOO_SHORT | OVERLONG_2,                                                          // C
    TOO_SHORT,                                                                       // D
    TOO_SHORT | OVERLONG_3 | SURROGATE,                                              // E
    TOO_SHORT | TOO_LARGE | OVERLONG_4,                                              // F
};
// By the previous byte's low nibble.
static const uint8_t by_prev_low[16] = {
    CARRY | OVERLONG_3 | OVERLONG_2 | OVERLONG_4,  // 0: C0, E0, F0
    CARRY | OVERLONG_2,                            // 1: C1
    CARRY, CARRY,                                  // 2, 3
    CARRY | TOO_LARGE,                             // 4: F4
    CARRY | TOO_LARGE | OVERLONG_4, CARRY | TOO_LARGE | OVERLONG_4, CARRY | TOO_LARGE | OVERLONG_4,
    CARRY | TOO_LARGE | OVERLONG_4, CARRY | TOO_LARGE | OVERLONG_4, CARRY | TOO_LARGE | OVERLONG_4,
    CARRY | TOO_LARGE | OVERLONG_4, CARRY | TOO_LARGE | OVERLONG_4,  // 5..C: F5..FC
    CARRY | TOO_LARGE | OVERLONG_4 | SURROGATE,                      // D: ED, FD
    CARRY | TOO_LARGE | OVERLONG_4, CARRY | TOO_LARGE | OVERLONG_4,  // E, F: FE, FF
};
// By this byte's high nibble.
static const uint8_t by_high[16] = {
    TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT,  // ASCII
    TOO_LONG | TWO_CONTS | OVERLONG_3 | OVERLONG_2 | OVERLONG_4,                           // 80..8F
    TOO_LONG | TWO_CONTS | OVERLONG_3 | OVERLONG_2 | TOO_LARGE,                            // 90..9F
    TOO_LONG | TWO_CONTS | SURROGATE | OVERLONG_2 | TOO_LARGE,                             // A0..AF
    TOO_LONG | TWO_CONTS | SURROGATE | OVERLONG_2 | TOO_LARGE,                             // B0..BF
    TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT,                                            // leading bytes
};

// Bytes that end a run of character data, by nibbles as above: control characters but tab and
// line feed (0x00-0x1F less 0x09 and 0x0A, in two bits by high nibble), `&`, `<` and `>`, and
// 0xEF, which leads U+FFFE and U+FFFF among others: the caller's byte loop decides those.
enum {
    CONTROL_0 = 1 << 0,  // 0x00-0x0F but 0x09, 0x0A
    CONTROL_1 = 1 << 1,  // 0x10-0x1F
    AMPERSAND = 1 << 2,  // 0x26
    ANGLE = 1 << 3,      // 0x3C, 0x3E
    EF = 1 << 4,         // 0xEF
};
static const uint8_t stop_by_high[16] = {CONTROL_0, CONTROL_1, AMPERSAND, ANGLE, 0, 0, 0, 0,
                                         0, 0, 0, 0, 0, 0, EF, 0};
static const uint8_t stop_by_low[16] = {
    CONTROL_0 | CONTROL_1, CONTROL_0 | CONTROL_1, CONTROL_0 | CONTROL_1, CONTROL_0 | CONTROL_1,
    CONTROL_0 | CONTROL_1, CONTROL_0 | CONTROL_1, CONTROL_0 | CONTROL_1 | AMPERSAND, CONTROL_0 | CONTROL_1,
    CONTROL_0 | CONTROL_1, CONTROL_1, CONTROL_1, CONTROL_0 | CONTROL_1,
    CONTROL_0 | CONTROL_1 | ANGLE, CONTROL_0 | CONTROL_1, CONTROL_0 | CONTROL_1 | ANGLE, CONTROL_0 | CONTROL_1 | EF,
};

// Back from `end` (a position whose earlier bytes are checked) to the start of the last character
// that begins before it, which may be incomplete: what comes before that is whole characters.
static size_t whole_characters(const uint8_t *bytes, size_t end) {
    size_t k = end;
    int continuations = 0;
    while (k > 0 && continuations < 3 && (bytes[k - 1] & 0xC0) == 0x80) {
        k -= 1;
        continuations += 1;
    }
    if (k > 0 && bytes[k - 1] >= 0xC0) k -= 1;
    return k;
}

// Where the first of `bad` (a movemask) is, from `at`: the whole characters before it.
static inline size_t stopped(const uint8_t *bytes, size_t at, unsigned bad) {
    return whole_characters(bytes, at + (size_t)__builtin_ctz(bad));
}

KERNEL static inline __m256i lookup(const uint8_t *table, __m256i nibbles) {
    return _mm256_shuffle_epi8(_mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)table)), nibbles);
}

// One block's checks: a bit per byte that ends the run or breaks UTF-8 (a movemask). The bytes
// before each 16-byte lane are brought in across lanes (alignr works within lanes).
KERNEL static inline unsigned block_bad(__m256i input, __m256i previous) {
    const __m256i low_mask = _mm256_set1_epi8(0x0F);
    __m256i before = _mm256_permute2x128_si256(previous, input, 0x21);  // previous's high lane, input's low
    __m256i high = _mm256_and_si256(_mm256_srli_epi16(input, 4), low_mask);
    __m256i low = _mm256_and_si256(input, low_mask);
    __m256i stop = _mm256_and_si256(lookup(stop_by_high, high), lookup(stop_by_low, low));
    __m256i prev1 = _mm256_alignr_epi8(input, before, 15);
    __m256i prev_high = _mm256_and_si256(_mm256_srli_epi16(prev1, 4), low_mask);
    __m256i prev_low = _mm256_and_si256(prev1, low_mask);
    __m256i pairs = _mm256_and_si256(
        _mm256_and_si256(lookup(by_prev_high, prev_high), lookup(by_prev_low, prev_low)), lookup(by_high, high));
    __m256i prev2 = _mm256_alignr_epi8(input, before, 14);
    __m256i prev3 = _mm256_alignr_epi8(input, before, 13);
    __m256i third = _mm256_subs_epu8(prev2, _mm256_set1_epi8((char)(0xE0 - 0x80)));
    __m256i fourth = _mm256_subs_epu8(prev3, _mm256_set1_epi8((char)(0xF0 - 0x80)));
    __m256i expected = _mm256_and_si256(_mm256_or_si256(third, fourth), _mm256_set1_epi8((char)0x80));
    __m256i errors = _mm256_or_si256(_mm256_xor_si256(pairs, expected), stop);
    return ~(unsigned)_mm256_movemask_epi8(_mm256_cmpeq_epi8(errors, _mm256_setzero_si256()));
}

KERNEL static size_t prefix_avx2(const uint8_t *bytes, size_t count) {
    __m256i previous = _mm256_setzero_si256();  // the caller starts at a character boundary
    size_t at = 0;
    while (at + 32 <= count) {
        __m256i input = _mm256_loadu_si256((const __m256i *)(bytes + at));
        unsigned bad = block_bad(input, previous);
        if (bad) return stopped(bytes, at, bad);
        previous = input;
        at += 32;
    }
    return whole_characters(bytes, at);
}

size_t esign_xml_text_prefix(const uint8_t *bytes, size_t count) {
    return available ? prefix_avx2(bytes, count) : 0;
}

#else

int esign_xml_text_available(void) { return 0; }

size_t esign_xml_text_prefix(const uint8_t *bytes, size_t count) {
    (void)bytes; (void)count;
    return 0;
}

#endif
