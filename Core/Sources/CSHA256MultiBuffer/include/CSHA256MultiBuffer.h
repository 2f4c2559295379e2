#ifndef CSHA256_MULTIBUFFER_H
#define CSHA256_MULTIBUFFER_H

#include <stddef.h>
#include <stdint.h>

/// The most messages one call compresses together.
#define ESIGN_SHA256_MB_MAX_LANES 4

/// 1 when this CPU has the x86 SHA extensions (with SSSE3 and SSE4.1) the kernel needs, else 0.
int esign_sha256_mb_available(void);

/// Compresses `blocks` 64-byte blocks of each of `lanes` messages (1 to ESIGN_SHA256_MB_MAX_LANES)
/// into that message's state: `states[i]` is lane i's 8 words (host order), `data[i]` points at
/// its next `64 * blocks` bytes. Only call when esign_sha256_mb_available().
void esign_sha256_mb_compress(uint32_t *const *states, const unsigned char *const *data, int lanes, size_t blocks);

#endif
