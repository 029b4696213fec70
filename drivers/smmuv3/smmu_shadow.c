// SPDX-License-Identifier: GPL-2.0
/*
 * Shadow nesting for SMMUv3: validate the guest's STE and context
 * descriptor, compose its stage-1 table with the nest parent.
 *
 * Everything the guest wrote is untrusted.  Its tables and pages are
 * reached only through the parent's mappings (src->gpa_to_hpa), so a
 * pointer outside them is counted and skipped, never read.  The walk goes
 * down one level per table whatever the entries point at (a table pointing
 * at itself is read again one level lower), so it ends after at most four
 * levels; work per call is bounded by the range, SMMU_SHADOW_MAX_PAGES
 * entries and SMMU_SHADOW_MAX_TABLES tables.  Shadow entries are 4K: the
 * parent's pages behind a guest block need not be contiguous.  The shadow
 * never grants more than the nested translation would: R always, W only
 * when the guest's AP[2] and APTable[1] and the parent all allow it.
 *
 * Levels are the Arm ones here: 0 (512G per entry) to 3 (4K pages).
 */
#include <linux/bits.h>
#include <linux/bitfield.h>
#include <linux/errno.h>
#include <linux/gfp.h>
#include <linux/minmax.h>
#include <linux/sched.h>
#include <linux/sizes.h>
#include <linux/string.h>
#include "smmu_hw.h"
#include "smmu_shadow.h"

/* What a guest STE may hold (upstream's "nesting allowed" fields) */
#define SMMU_VSTE0_ALLOWED	(SMMU_STE0_V | SMMU_STE0_CFG | SMMU_STE0_S1FMT | \
				 SMMU_STE0_S1CTXPTR | SMMU_STE0_S1CDMAX)
#define SMMU_VSTE1_ALLOWED	(SMMU_STE1_S1DSS | SMMU_STE1_S1CIR | \
				 SMMU_STE1_S1COR | SMMU_STE1_S1CSH | \
				 SMMU_STE1_S1STALLD | SMMU_STE1_EATS)

/* Guest context descriptor fields checked (section 5.4) */
#define SMMU_CD0_ENDI		BIT_ULL(15)
#define SMMU_CD0_HD		BIT_ULL(42)
#define SMMU_CD0_HA		BIT_ULL(43)
#define SMMU_CD0_S		BIT_ULL(44)

/* Stage-1 table descriptor: APTable[1] no writes, [0] no unprivileged */
#define SMMU_PTE_APT_RDONLY	BIT_ULL(62)
#define SMMU_PTE_APT_NOUNPRIV	BIT_ULL(61)

static unsigned int smmu_level_shift(unsigned int level)
{
	return 12 + 9 * (3 - level);
}

/* The level the guest's walk starts at for @ias input bits */
static unsigned int smmu_start_level(unsigned int ias)
{
	return ias > 39 ? 0 : ias > 30 ? 1 : 2;
}

/*
 * Check a guest STE as upstream does: only the stage-1 fields a guest may
 * own, Config abort / bypass / stage-1, EATS abort or translate (cleared:
 * no ATS here).  A non-valid vSTE becomes all zeroes (abort).  Stage 1
 * with more context descriptors than @ssid_bits allow is refused too.
 * 0 and the normalized entry in @out (zero on failure), or -EIO.
 */
int smmu_vste_check(const u64 vste[2], u64 out[2], unsigned int ssid_bits)
{
	u64 in[2] = { vste[0], vste[1] };	/* @out may be @vste */
	unsigned int cfg;

	out[0] = 0;
	out[1] = 0;
	if (!(in[0] & SMMU_STE0_V))
		return 0;
	if ((in[0] & ~SMMU_VSTE0_ALLOWED) || (in[1] & ~SMMU_VSTE1_ALLOWED))
		return -EIO;
	cfg = FIELD_GET(SMMU_STE0_CFG, in[0]);
	if (cfg != SMMU_STE_CFG_ABORT && cfg != SMMU_STE_CFG_BYPASS &&
	    cfg != SMMU_STE_CFG_S1)
		return -EIO;
	if (FIELD_GET(SMMU_STE1_EATS, in[1]) > 1)
		return -EIO;
	if (cfg == SMMU_STE_CFG_S1 &&
	    FIELD_GET(SMMU_STE0_S1CDMAX, in[0]) > ssid_bits)
		return -EIO;
	out[0] = in[0];
	out[1] = in[1] & ~SMMU_STE1_EATS;
	return 0;
}

/* Read guest-physical memory through the parent; -EFAULT outside it */
static int smmu_guest_read(const struct smmu_shadow_src *mem, u64 gpa,
			   void *buf, size_t len)
{
	unsigned int perm = 0;
	u64 hpa = mem->gpa_to_hpa(mem->ctx, gpa & ~(u64)(SZ_4K - 1), &perm);

	if (!hpa || !(perm & IOFD_PT_R) || (gpa & (SZ_4K - 1)) + len > SZ_4K)
		return -EFAULT;
	return mem->read_hpa(mem->ctx, hpa + (gpa & (SZ_4K - 1)), buf, len);
}

/*
 * Read and check the guest's context descriptor at @cd_gpa.  Shadow mode
 * takes what the SMMU it emulates would: AArch64, little-endian, 4K
 * granule, T0SZ 16..39, TTB0 walks enabled, no hardware access/dirty
 * flags, no stalls, faults aborted.  0 and *@out; -ENOENT when the CD is
 * not valid; -EFAULT when it is outside the parent; -EIO for a CD the
 * shadow cannot follow.  Every failure leaves @out->valid false.
 */
int smmu_guest_cd_read(const struct smmu_shadow_src *mem, u64 cd_gpa,
		       struct smmu_guest_cd *out)
{
	u64 cd[8];
	unsigned int t0sz;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = smmu_guest_read(mem, cd_gpa & SMMU_STE0_S1CTXPTR, cd, sizeof(cd));
	if (rc)
		return rc;
	if (!(cd[0] & SMMU_CD0_V))
		return -ENOENT;
	t0sz = FIELD_GET(SMMU_CD0_T0SZ, cd[0]);
	if (!(cd[0] & SMMU_CD0_AA64) || (cd[0] & SMMU_CD0_ENDI) ||
	    FIELD_GET(SMMU_CD0_TG0, cd[0]) != 0 || t0sz < 16 || t0sz > 39 ||
	    (cd[0] & (SMMU_CD0_HA | SMMU_CD0_HD | SMMU_CD0_S)) ||
	    !(cd[0] & SMMU_CD0_A) || (cd[0] & SMMU_CD0_EPD0))
		return -EIO;
	out->ttb0 = cd[1] & SMMU_CD1_TTB0 & ~(u64)(SZ_4K - 1);
	out->ias = 64 - t0sz;
	out->asid = FIELD_GET(SMMU_CD0_ASID, cd[0]);
	out->valid = true;
	return 0;
}

struct smmu_shadow_walk {
	struct iofd_pgtable *shadow;
	const struct smmu_shadow_src *src;
	struct smmu_shadow_stats *st;
	u64 start;
	u64 last;
	u64 max_pages;
	bool refill;
};

/* Map the guest leaf's pages that fall in [start, last] */
static int smmu_shadow_leaf(struct smmu_shadow_walk *w, u64 block, u64 size,
			    u64 out, bool writable)
{
	u64 first = max(block, w->start);
	u64 end = min(block + size - 1, w->last);
	u64 iova;

	for (iova = first; iova <= end && iova >= first; iova += SZ_4K) {
		u64 gpa = out + (iova - block), hpa;
		unsigned int perm = 0;
		size_t mapped;
		int rc;

		if (w->st->mapped >= w->max_pages) {
			w->st->truncated = true;
			return 0;
		}
		/* A refill keeps what is there (no window without a leaf) */
		if (w->refill && iofd_pgtable_lookup(w->shadow, iova, NULL))
			continue;
		hpa = w->src->gpa_to_hpa(w->src->ctx, gpa, &perm);
		if (!hpa || !(perm & IOFD_PT_R)) {
			w->st->unreachable++;
			continue;
		}
		rc = iofd_pgtable_map(w->shadow, iova, hpa & ~(u64)(SZ_4K - 1),
				     SZ_4K, 1, true,
				     writable && (perm & IOFD_PT_W),
				     GFP_KERNEL_ACCOUNT, &mapped);
		if (rc)
			return rc;
		w->st->mapped++;
	}
	return 0;
}

/*
 * Guest PTEs read per read_hpa() call: one RAM check and kmap per chunk
 * instead of per PTE (128 bytes of stack per level of the recursion)
 */
#define SMMU_SHADOW_READ_PTES	16

static int smmu_shadow_table(struct smmu_shadow_walk *w, u64 table_gpa,
			     unsigned int level, u64 base, bool writable)
{
	unsigned int shift = smmu_level_shift(level), perm = 0, i, first, end;
	unsigned int chunk_first = 0, chunk_n = 0;
	u64 ptes[SMMU_SHADOW_READ_PTES];
	unsigned int bits = level == smmu_start_level(w->src->ias) ?
			    w->src->ias - shift : 9;
	u64 span_last = base + (1ULL << (shift + bits)) - 1;
	u64 hpa;
	int rc;

	if (w->st->tables >= SMMU_SHADOW_MAX_TABLES) {
		w->st->truncated = true;
		return 0;
	}
	hpa = w->src->gpa_to_hpa(w->src->ctx, table_gpa, &perm);
	if (!hpa || !(perm & IOFD_PT_R)) {
		w->st->unreachable++;
		return 0;
	}
	w->st->tables++;
	cond_resched();
	first = (max(base, w->start) - base) >> shift;
	end = (min(span_last, w->last) - base) >> shift;
	for (i = first; i <= end && !w->st->truncated; i++) {
		u64 block = base + ((u64)i << shift), pte, next;
		bool ww;

		if (i >= chunk_first + chunk_n) {
			chunk_first = i;
			chunk_n = min_t(unsigned int, end - i + 1,
					SMMU_SHADOW_READ_PTES);
			if (w->src->read_hpa(w->src->ctx,
					     (hpa & ~(u64)(SZ_4K - 1)) + 8 * i,
					     ptes, 8 * chunk_n)) {
				/* Each PTE of the chunk is out of reach */
				w->st->unreachable += chunk_n;
				i += chunk_n - 1;
				continue;
			}
		}
		pte = ptes[i - chunk_first];
		if (!(pte & SMMU_PTE_VALID))
			continue;
		next = pte & SMMU_PTE_ADDR;
		if (level < 3 && (pte & SMMU_PTE_TYPE_TABLE)) {
			if (pte & SMMU_PTE_APT_NOUNPRIV) {
				w->st->bad++;
				continue;
			}
			rc = smmu_shadow_table(w, next, level + 1, block,
					       writable &&
					       !(pte & SMMU_PTE_APT_RDONLY));
			if (rc)
				return rc;
			continue;
		}
		/* No level-0 block (4K granule); level 3 needs 0b11 */
		if (level == 0 || (level == 3 && !(pte & SMMU_PTE_TYPE_TABLE)) ||
		    !(pte & SMMU_PTE_AF) || !(pte & SMMU_PTE_AP_UNPRIV)) {
			w->st->bad++;
			continue;
		}
		ww = writable && !(pte & SMMU_PTE_AP_RDONLY);
		rc = smmu_shadow_leaf(w, block, 1ULL << shift,
				      next & ~((1ULL << shift) - 1), ww);
		if (rc)
			return rc;
	}
	return 0;
}

/*
 * Make @shadow's [@start, @last] what the guest's table and the parent say
 * now: drop the range's old entries, walk the guest table over it.  With
 * @refill nothing is dropped, only missing entries are added (after the
 * parent mapped more).  @src NULL: the guest has no usable table, the
 * range just empties.  Freed shadow tables go to @freelist (free them
 * after the TLB invalidation).  0, or -ENOMEM with the range partly
 * filled, -EINVAL for a bad range.
 */
int smmu_shadow_sync(struct iofd_pgtable *shadow,
		     const struct smmu_shadow_src *src, u64 start, u64 last,
		     bool refill, struct list_head *freelist,
		     struct smmu_shadow_stats *st)
{
	u64 shadow_last = iofd_pgtable_last(shadow), top_last;
	struct smmu_shadow_walk w = {
		.shadow = shadow, .src = src, .st = st,
		.start = start & ~(u64)(SZ_4K - 1),
		.last = last | (SZ_4K - 1),
		.refill = refill,
	};

	memset(st, 0, sizeof(*st));
	if (start > last || (src && (src->ias < 25 || src->ias > 48)))
		return -EINVAL;
	if (!refill && w.start <= shadow_last)
		iofd_pgtable_unmap(shadow, w.start, SZ_4K,
				  (min(w.last, shadow_last) - w.start + 1) /
				  SZ_4K, freelist);
	if (!src)
		return 0;
	w.max_pages = src->max_pages ?: SMMU_SHADOW_MAX_PAGES;
	top_last = min((1ULL << src->ias) - 1, shadow_last);
	if (w.start > top_last)
		return 0;
	w.last = min(w.last, top_last);
	return smmu_shadow_table(&w, src->ttb0, smmu_start_level(src->ias), 0,
				 true);
}

/*
 * The guest's translation of @va now, by the rules the sync follows:
 * true with the guest-physical address and whether it is writable
 */
static bool smmu_guest_lookup(const struct smmu_shadow_src *src, u64 va,
			      u64 *gpa, bool *writable)
{
	unsigned int level = smmu_start_level(src->ias), perm;
	u64 table = src->ttb0;
	bool w = true;

	if (va >> src->ias)
		return false;
	for (;; level++) {
		unsigned int shift = smmu_level_shift(level);
		u64 hpa, pte, size = 1ULL << shift;

		perm = 0;
		hpa = src->gpa_to_hpa(src->ctx, table, &perm);
		if (!hpa || !(perm & IOFD_PT_R) ||
		    src->read_hpa(src->ctx, (hpa & ~(u64)(SZ_4K - 1)) +
				  8 * ((va >> shift) & 511), &pte, sizeof(pte)) ||
		    !(pte & SMMU_PTE_VALID))
			return false;
		if (level < 3 && (pte & SMMU_PTE_TYPE_TABLE)) {
			if (pte & SMMU_PTE_APT_NOUNPRIV)
				return false;
			w &= !(pte & SMMU_PTE_APT_RDONLY);
			table = pte & SMMU_PTE_ADDR;
			continue;
		}
		if (level == 0 || (level == 3 && !(pte & SMMU_PTE_TYPE_TABLE)) ||
		    !(pte & SMMU_PTE_AF) || !(pte & SMMU_PTE_AP_UNPRIV))
			return false;
		*writable = w && !(pte & SMMU_PTE_AP_RDONLY);
		*gpa = (pte & SMMU_PTE_ADDR & ~(size - 1)) | (va & (size - 1));
		return true;
	}
}

/* What the shadow's page at @iova must be now (iofd_pgtable_prune()) */
static bool smmu_shadow_expect(void *ctx, u64 iova, phys_addr_t *pa,
			       unsigned int *perm)
{
	const struct smmu_shadow_src *src = ctx;
	unsigned int pperm = 0;
	u64 gpa, hpa;
	bool w;

	if (!smmu_guest_lookup(src, iova, &gpa, &w))
		return false;
	hpa = src->gpa_to_hpa(src->ctx, gpa & ~(u64)(SZ_4K - 1), &pperm);
	if (!hpa || !(pperm & IOFD_PT_R))
		return false;
	*pa = hpa;
	*perm = IOFD_PT_R | (w && (pperm & IOFD_PT_W) ? IOFD_PT_W : 0);
	return true;
}

/*
 * Drop the shadow entries that the guest's tables and the parent no
 * longer give (after a parent unmap: entries may point at pages about to
 * be unpinned), keeping every other one.  Allocates nothing, so it cannot
 * fail; a refill (smmu_shadow_sync() with @refill) adds what is missing.
 * Returns the number of entries dropped.
 */
u64 smmu_shadow_prune(struct iofd_pgtable *shadow,
		      const struct smmu_shadow_src *src,
		      struct list_head *freelist)
{
	return iofd_pgtable_prune(shadow, smmu_shadow_expect, (void *)src,
				  freelist);
}

/*
 * How much a guest TLB invalidation without a range (TLBI_NH_VA with
 * TG 0) at @va covers: the extent of the guest entry where a walk of @va
 * ends now (a leaf, an invalid entry, or a table entry whose table is out
 * of reach).  After break-before-make the old leaf lay inside it.  4K when
 * @va is outside the table.
 */
u64 smmu_shadow_extent(const struct smmu_shadow_src *src, u64 va)
{
	unsigned int level = smmu_start_level(src->ias), perm;
	u64 table = src->ttb0, span;

	if (src->ias < 25 || src->ias > 48 || va >> src->ias)
		return SZ_4K;
	span = 1ULL << src->ias;	/* of the entry that linked @table */
	for (;; level++) {
		unsigned int shift = smmu_level_shift(level);
		u64 hpa, pte;

		perm = 0;
		hpa = src->gpa_to_hpa(src->ctx, table, &perm);
		if (!hpa || !(perm & IOFD_PT_R) ||
		    src->read_hpa(src->ctx, (hpa & ~(u64)(SZ_4K - 1)) +
				  8 * ((va >> shift) & 511), &pte, sizeof(pte)))
			return span;
		span = 1ULL << shift;
		if (level == 3 || !(pte & SMMU_PTE_VALID) ||
		    !(pte & SMMU_PTE_TYPE_TABLE))
			return span;
		table = pte & SMMU_PTE_ADDR;
	}
}
