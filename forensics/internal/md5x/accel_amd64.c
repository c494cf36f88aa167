//go:build linux && amd64 && cgo

// MD5 of thirty-two messages at once on AVX-512: one 32-bit lane of a zmm register per
// message, in two groups of sixteen whose steps are interleaved. Each step of one MD5 depends
// on the step before, so a single message keeps a core waiting on latency; independent
// messages run their steps side by side for about the price of one (measured: one group of
// sixteen lanes and two groups take the same time). vpternlogd gives each round function in
// one instruction and vprold the rotation. md5x_scalar runs one lane alone, for when only one
// or two messages are left: a lane of the vector code is slower than plain scalar code.

#include <cpuid.h>
#include <immintrin.h>
#include <stddef.h>
#include <stdint.h>

#define GROUP 16
#define LANES (2 * GROUP)
#define X_TARGET __attribute__((target("avx512f")))

int md5x_supported(void) {
	unsigned int a, b, c, d;
	if (!__get_cpuid(1, &a, &b, &c, &d))
		return 0;
	if (!(c & bit_OSXSAVE))
		return 0;
	if (!__get_cpuid_count(7, 0, &a, &b, &c, &d) || !(b & bit_AVX512F))
		return 0;
	// The operating system must save the opmask and zmm registers: XCR0 bits 1, 2, 5, 6, 7.
	unsigned int lo, hi;
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return (lo & 0xE6) == 0xE6;
}

static const uint8_t zero_block[64];

// transpose turns sixteen rows (one message block each) into sixteen columns: c[w] holds
// word w of every row.
X_TARGET static inline void transpose(const __m512i r[16], __m512i c[16]) {
	__m512i a[16], b[16];
	for (int i = 0; i < 8; i++) {
		a[2 * i] = _mm512_unpacklo_epi32(r[2 * i], r[2 * i + 1]);
		a[2 * i + 1] = _mm512_unpackhi_epi32(r[2 * i], r[2 * i + 1]);
	}
	// b[4i+j], 128-bit lane k: word 4k+j of rows 4i..4i+3.
	for (int i = 0; i < 4; i++) {
		b[4 * i + 0] = _mm512_unpacklo_epi64(a[4 * i], a[4 * i + 2]);
		b[4 * i + 1] = _mm512_unpackhi_epi64(a[4 * i], a[4 * i + 2]);
		b[4 * i + 2] = _mm512_unpacklo_epi64(a[4 * i + 1], a[4 * i + 3]);
		b[4 * i + 3] = _mm512_unpackhi_epi64(a[4 * i + 1], a[4 * i + 3]);
	}
	for (int j = 0; j < 4; j++) {
		__m512i u0 = _mm512_shuffle_i32x4(b[j], b[4 + j], 0x88);
		__m512i u1 = _mm512_shuffle_i32x4(b[j], b[4 + j], 0xDD);
		__m512i v0 = _mm512_shuffle_i32x4(b[8 + j], b[12 + j], 0x88);
		__m512i v1 = _mm512_shuffle_i32x4(b[8 + j], b[12 + j], 0xDD);
		c[j] = _mm512_shuffle_i32x4(u0, v0, 0x88);
		c[8 + j] = _mm512_shuffle_i32x4(u0, v0, 0xDD);
		c[4 + j] = _mm512_shuffle_i32x4(u1, v1, 0x88);
		c[12 + j] = _mm512_shuffle_i32x4(u1, v1, 0xDD);
	}
}

// Truth tables for vpternlogd with (b, c, d) as its operands.
#define F_TABLE 0xCA // (b & c) | (~b & d)
#define G_TABLE 0xE4 // (b & d) | (c & ~d)
#define H_TABLE 0x96 // b ^ c ^ d
#define I_TABLE 0x39 // c ^ (b | ~d)

#define STEP(table, a, b, c, d, w, k, s)                                                          \
	do {                                                                                           \
		__m512i k_ = _mm512_set1_epi32((int)(k));                                                  \
		__m512i t_ = _mm512_add_epi32(a, _mm512_add_epi32(m[w], k_));                              \
		__m512i u_ = _mm512_add_epi32(a##2, _mm512_add_epi32(m2[w], k_));                          \
		t_ = _mm512_add_epi32(t_, _mm512_ternarylogic_epi32(b, c, d, table));                     \
		u_ = _mm512_add_epi32(u_, _mm512_ternarylogic_epi32(b##2, c##2, d##2, table));            \
		a = _mm512_add_epi32(b, _mm512_rol_epi32(t_, s));                                          \
		a##2 = _mm512_add_epi32(b##2, _mm512_rol_epi32(u_, s));                                    \
	} while (0)

// ROUNDS(S) is MD5's 64 steps: S(table, a, b, c, d, message word, constant, rotation).
#define ROUNDS(S)  \
	S(F_TABLE, a, b, c, d, 0, 0xd76aa478, 7); \
	S(F_TABLE, d, a, b, c, 1, 0xe8c7b756, 12); \
	S(F_TABLE, c, d, a, b, 2, 0x242070db, 17); \
	S(F_TABLE, b, c, d, a, 3, 0xc1bdceee, 22); \
	S(F_TABLE, a, b, c, d, 4, 0xf57c0faf, 7); \
	S(F_TABLE, d, a, b, c, 5, 0x4787c62a, 12); \
	S(F_TABLE, c, d, a, b, 6, 0xa8304613, 17); \
	S(F_TABLE, b, c, d, a, 7, 0xfd469501, 22); \
	S(F_TABLE, a, b, c, d, 8, 0x698098d8, 7); \
	S(F_TABLE, d, a, b, c, 9, 0x8b44f7af, 12); \
	S(F_TABLE, c, d, a, b, 10, 0xffff5bb1, 17); \
	S(F_TABLE, b, c, d, a, 11, 0x895cd7be, 22); \
	S(F_TABLE, a, b, c, d, 12, 0x6b901122, 7); \
	S(F_TABLE, d, a, b, c, 13, 0xfd987193, 12); \
	S(F_TABLE, c, d, a, b, 14, 0xa679438e, 17); \
	S(F_TABLE, b, c, d, a, 15, 0x49b40821, 22); \
	S(G_TABLE, a, b, c, d, 1, 0xf61e2562, 5); \
	S(G_TABLE, d, a, b, c, 6, 0xc040b340, 9); \
	S(G_TABLE, c, d, a, b, 11, 0x265e5a51, 14); \
	S(G_TABLE, b, c, d, a, 0, 0xe9b6c7aa, 20); \
	S(G_TABLE, a, b, c, d, 5, 0xd62f105d, 5); \
	S(G_TABLE, d, a, b, c, 10, 0x02441453, 9); \
	S(G_TABLE, c, d, a, b, 15, 0xd8a1e681, 14); \
	S(G_TABLE, b, c, d, a, 4, 0xe7d3fbc8, 20); \
	S(G_TABLE, a, b, c, d, 9, 0x21e1cde6, 5); \
	S(G_TABLE, d, a, b, c, 14, 0xc33707d6, 9); \
	S(G_TABLE, c, d, a, b, 3, 0xf4d50d87, 14); \
	S(G_TABLE, b, c, d, a, 8, 0x455a14ed, 20); \
	S(G_TABLE, a, b, c, d, 13, 0xa9e3e905, 5); \
	S(G_TABLE, d, a, b, c, 2, 0xfcefa3f8, 9); \
	S(G_TABLE, c, d, a, b, 7, 0x676f02d9, 14); \
	S(G_TABLE, b, c, d, a, 12, 0x8d2a4c8a, 20); \
	S(H_TABLE, a, b, c, d, 5, 0xfffa3942, 4); \
	S(H_TABLE, d, a, b, c, 8, 0x8771f681, 11); \
	S(H_TABLE, c, d, a, b, 11, 0x6d9d6122, 16); \
	S(H_TABLE, b, c, d, a, 14, 0xfde5380c, 23); \
	S(H_TABLE, a, b, c, d, 1, 0xa4beea44, 4); \
	S(H_TABLE, d, a, b, c, 4, 0x4bdecfa9, 11); \
	S(H_TABLE, c, d, a, b, 7, 0xf6bb4b60, 16); \
	S(H_TABLE, b, c, d, a, 10, 0xbebfbc70, 23); \
	S(H_TABLE, a, b, c, d, 13, 0x289b7ec6, 4); \
	S(H_TABLE, d, a, b, c, 0, 0xeaa127fa, 11); \
	S(H_TABLE, c, d, a, b, 3, 0xd4ef3085, 16); \
	S(H_TABLE, b, c, d, a, 6, 0x04881d05, 23); \
	S(H_TABLE, a, b, c, d, 9, 0xd9d4d039, 4); \
	S(H_TABLE, d, a, b, c, 12, 0xe6db99e5, 11); \
	S(H_TABLE, c, d, a, b, 15, 0x1fa27cf8, 16); \
	S(H_TABLE, b, c, d, a, 2, 0xc4ac5665, 23); \
	S(I_TABLE, a, b, c, d, 0, 0xf4292244, 6); \
	S(I_TABLE, d, a, b, c, 7, 0x432aff97, 10); \
	S(I_TABLE, c, d, a, b, 14, 0xab9423a7, 15); \
	S(I_TABLE, b, c, d, a, 5, 0xfc93a039, 21); \
	S(I_TABLE, a, b, c, d, 12, 0x655b59c3, 6); \
	S(I_TABLE, d, a, b, c, 3, 0x8f0ccc92, 10); \
	S(I_TABLE, c, d, a, b, 10, 0xffeff47d, 15); \
	S(I_TABLE, b, c, d, a, 1, 0x85845dd1, 21); \
	S(I_TABLE, a, b, c, d, 8, 0x6fa87e4f, 6); \
	S(I_TABLE, d, a, b, c, 15, 0xfe2ce6e0, 10); \
	S(I_TABLE, c, d, a, b, 6, 0xa3014314, 15); \
	S(I_TABLE, b, c, d, a, 13, 0x4e0811a1, 21); \
	S(I_TABLE, a, b, c, d, 4, 0xf7537e82, 6); \
	S(I_TABLE, d, a, b, c, 11, 0xbd3af235, 10); \
	S(I_TABLE, c, d, a, b, 2, 0x2ad7d2bb, 15); \
	S(I_TABLE, b, c, d, a, 9, 0xeb86d391, 21);

// md5x_blocks runs n blocks of each of the thirty-two messages whose next blocks start at
// p[0..31] (NULL for an idle lane, which hashes zeros) on the states in s: s[0..31] are the
// a words of the lanes, s[32..63] the b words, and so on.
X_TARGET void md5x_blocks(uint32_t *s, const uint8_t *const *p, size_t n) {
	__m512i a = _mm512_loadu_si512(s), b = _mm512_loadu_si512(s + LANES);
	__m512i c = _mm512_loadu_si512(s + 2 * LANES), d = _mm512_loadu_si512(s + 3 * LANES);
	__m512i a2 = _mm512_loadu_si512(s + GROUP), b2 = _mm512_loadu_si512(s + LANES + GROUP);
	__m512i c2 = _mm512_loadu_si512(s + 2 * LANES + GROUP), d2 = _mm512_loadu_si512(s + 3 * LANES + GROUP);
	const uint8_t *q[LANES];
	size_t step[LANES];
	for (int l = 0; l < LANES; l++) {
		q[l] = p[l] ? p[l] : zero_block;
		step[l] = p[l] ? 64 : 0;
	}
	for (; n > 0; n--) {
		__m512i r[GROUP], m[16], m2[16];
		for (int l = 0; l < GROUP; l++) {
			r[l] = _mm512_loadu_si512(q[l]);
			q[l] += step[l];
		}
		transpose(r, m);
		for (int l = 0; l < GROUP; l++) {
			r[l] = _mm512_loadu_si512(q[GROUP + l]);
			q[GROUP + l] += step[GROUP + l];
		}
		transpose(r, m2);
		__m512i a0 = a, b0 = b, c0 = c, d0 = d, a20 = a2, b20 = b2, c20 = c2, d20 = d2;

		ROUNDS(STEP);

		a = _mm512_add_epi32(a, a0);
		b = _mm512_add_epi32(b, b0);
		c = _mm512_add_epi32(c, c0);
		d = _mm512_add_epi32(d, d0);
		a2 = _mm512_add_epi32(a2, a20);
		b2 = _mm512_add_epi32(b2, b20);
		c2 = _mm512_add_epi32(c2, c20);
		d2 = _mm512_add_epi32(d2, d20);
	}
	_mm512_storeu_si512(s, a);
	_mm512_storeu_si512(s + LANES, b);
	_mm512_storeu_si512(s + 2 * LANES, c);
	_mm512_storeu_si512(s + 3 * LANES, d);
	_mm512_storeu_si512(s + GROUP, a2);
	_mm512_storeu_si512(s + LANES + GROUP, b2);
	_mm512_storeu_si512(s + 2 * LANES + GROUP, c2);
	_mm512_storeu_si512(s + 3 * LANES + GROUP, d2);
}

static inline uint32_t rol32(uint32_t x, int s) { return (x << s) | (x >> (32 - s)); }

#define SF(b, c, d) (d ^ (b & (c ^ d)))
#define SG(b, c, d) (c ^ (d & (b ^ c)))
#define SH(b, c, d) (b ^ c ^ d)
#define SI(b, c, d) (c ^ (b | ~d))
#define SCALAR_STEP(table, a, b, c, d, w, k, s)                                                   \
	a = b + rol32(a + (table == F_TABLE   ? SF(b, c, d)                                            \
	                   : table == G_TABLE ? SG(b, c, d)                                            \
	                   : table == H_TABLE ? SH(b, c, d)                                            \
	                                      : SI(b, c, d)) +                                         \
	                      (uint32_t)(k) + m[w],                                                    \
	              s)

// md5x_scalar1 runs n blocks at p on the state s (a, b, c, d).
static void md5x_scalar1(uint32_t *s, const uint8_t *p, size_t n) {
	uint32_t a = s[0], b = s[1], c = s[2], d = s[3];
	for (; n > 0; n--, p += 64) {
		uint32_t m[16];
		for (int w = 0; w < 16; w++)
			m[w] = (uint32_t)p[4 * w] | (uint32_t)p[4 * w + 1] << 8 | (uint32_t)p[4 * w + 2] << 16 | (uint32_t)p[4 * w + 3] << 24;
		uint32_t a0 = a, b0 = b, c0 = c, d0 = d;
		ROUNDS(SCALAR_STEP);
		a += a0;
		b += b0;
		c += c0;
		d += d0;
	}
	s[0] = a, s[1] = b, s[2] = c, s[3] = d;
}

// md5x_scalar runs n blocks at p on lane l of the states in s.
void md5x_scalar(uint32_t *s, size_t l, const uint8_t *p, size_t n) {
	uint32_t t[4] = {s[l], s[LANES + l], s[2 * LANES + l], s[3 * LANES + l]};
	md5x_scalar1(t, p, n);
	for (int w = 0; w < 4; w++)
		s[w * LANES + l] = t[w];
}
