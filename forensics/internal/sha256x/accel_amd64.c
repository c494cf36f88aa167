//go:build amd64 && cgo

// SHA-256 block functions on the x86 SHA extensions. The state is kept as the two registers
// the sha256rnds2 instruction works on, (a,b,e,f) and (c,d,g,h); each step of the message
// schedule yields four words, and each pair of sha256rnds2 runs four rounds. The two-state
// variant computes the schedule once and interleaves the rounds of both states, which hides
// most of the rounds' latency.

#include <cpuid.h>
#include <immintrin.h>
#include <stddef.h>
#include <stdint.h>

#define SHA_TARGET __attribute__((target("sha,sse4.1,ssse3")))

static const uint32_t round_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

int sha256x_supported(void) {
	unsigned int a, b, c, d;
	if (!__get_cpuid(1, &a, &b, &c, &d))
		return 0;
	int sse = (c & bit_SSSE3) && (c & bit_SSE4_1);
	if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
		return 0;
	return sse && (b & bit_SHA);
}

// (a,b,c,d,e,f,g,h) in memory -> abef = (f,e,b,a), cdgh = (h,g,d,c) from the high lane down.
SHA_TARGET static inline void load_state(const uint32_t *h, __m128i *abef, __m128i *cdgh) {
	__m128i abcd = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)h), 0xB1);
	__m128i efgh = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)(h + 4)), 0x1B);
	*abef = _mm_alignr_epi8(abcd, efgh, 8);
	*cdgh = _mm_blend_epi16(efgh, abcd, 0xF0);
}

SHA_TARGET static inline void store_state(uint32_t *h, __m128i abef, __m128i cdgh) {
	__m128i feba = _mm_shuffle_epi32(abef, 0x1B);
	__m128i dchg = _mm_shuffle_epi32(cdgh, 0xB1);
	_mm_storeu_si128((__m128i *)h, _mm_blend_epi16(feba, dchg, 0xF0));
	_mm_storeu_si128((__m128i *)(h + 4), _mm_alignr_epi8(dchg, feba, 8));
}

// schedule returns message words 4i..4i+3 of the block at p; w holds the last four groups.
SHA_TARGET static inline __m128i schedule(__m128i *w, int i, const uint8_t *p) {
	const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
	if (i < 4) {
		w[i] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16 * i)), bswap);
	} else {
		// W[t] = s1(W[t-2]) + W[t-7] + s0(W[t-15]) + W[t-16], four at a time.
		__m128i t = _mm_sha256msg1_epu32(w[i & 3], w[(i + 1) & 3]);
		t = _mm_add_epi32(t, _mm_alignr_epi8(w[(i + 3) & 3], w[(i + 2) & 3], 4));
		w[i & 3] = _mm_sha256msg2_epu32(t, w[(i + 3) & 3]);
	}
	return _mm_add_epi32(w[i & 3], _mm_loadu_si128((const __m128i *)&round_k[4 * i]));
}

SHA_TARGET void sha256x_blocks(uint32_t *h, const uint8_t *p, size_t n) {
	__m128i abef, cdgh;
	load_state(h, &abef, &cdgh);
	for (; n >= 64; n -= 64, p += 64) {
		__m128i abef0 = abef, cdgh0 = cdgh, w[4];
		// Unrolled, the schedule and the rounds of neighbouring steps overlap.
		_Pragma("GCC unroll 16") for (int i = 0; i < 16; i++) {
			__m128i wk = schedule(w, i, p);
			cdgh = _mm_sha256rnds2_epu32(cdgh, abef, wk);
			abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32(wk, 0x0E));
		}
		abef = _mm_add_epi32(abef, abef0);
		cdgh = _mm_add_epi32(cdgh, cdgh0);
	}
	store_state(h, abef, cdgh);
}

SHA_TARGET void sha256x_blocks2(uint32_t *ha, uint32_t *hb, const uint8_t *p, size_t n) {
	__m128i abef_a, cdgh_a, abef_b, cdgh_b;
	load_state(ha, &abef_a, &cdgh_a);
	load_state(hb, &abef_b, &cdgh_b);
	for (; n >= 64; n -= 64, p += 64) {
		__m128i abef_a0 = abef_a, cdgh_a0 = cdgh_a, abef_b0 = abef_b, cdgh_b0 = cdgh_b, w[4];
		// Unrolled, the schedule and the rounds of neighbouring steps overlap.
		_Pragma("GCC unroll 16") for (int i = 0; i < 16; i++) {
			__m128i wk = schedule(w, i, p);
			__m128i wk_hi = _mm_shuffle_epi32(wk, 0x0E);
			cdgh_a = _mm_sha256rnds2_epu32(cdgh_a, abef_a, wk);
			cdgh_b = _mm_sha256rnds2_epu32(cdgh_b, abef_b, wk);
			abef_a = _mm_sha256rnds2_epu32(abef_a, cdgh_a, wk_hi);
			abef_b = _mm_sha256rnds2_epu32(abef_b, cdgh_b, wk_hi);
		}
		abef_a = _mm_add_epi32(abef_a, abef_a0);
		cdgh_a = _mm_add_epi32(cdgh_a, cdgh_a0);
		abef_b = _mm_add_epi32(abef_b, abef_b0);
		cdgh_b = _mm_add_epi32(cdgh_b, cdgh_b0);
	}
	store_state(ha, abef_a, cdgh_a);
	store_state(hb, abef_b, cdgh_b);
}
