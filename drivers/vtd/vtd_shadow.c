// SPDX-License-Identifier: GPL-2.0
/*
 * Shadow nesting: compose a guest first-level table with the nest parent.
 *
 * The guest's entries are untrusted.  Every table and page is reached
 * through the parent's mappings (src->gpa_to_hpa), so a pointer outside
 * them is counted and skipped, never read.  The walk descends one level
 * per table, whatever the entries point at (a table that points at itself
 * is just read again one level lower), so it ends after at most
 * fl_levels levels; the work per call is bounded by the range and by
 * VTD_SHADOW_MAX_PAGES entries and VTD_SHADOW_MAX_TABLES tables.  Shadow
 * entries are 4K: a guest 2M/1G leaf is split, because the parent's pages
 * behind it need not be contiguous.  The shadow never grants more than
 * the nested translation would: U/S must be set at every level (requests
 * through it are user requests), R and W are what both levels allow.
 */
#include <linux/errno.h>
#include <linux/gfp.h>
#include <linux/minmax.h>
#include <linux/sched.h>
#include <linux/sizes.h>
#include <linux/string.h>
#include <linux/bitfield.h>
#include "vtd_hw.h"
#include "vtd_shadow.h"

struct vtd_shadow_walk {
	struct iofd_pgtable *shadow;
	const struct vtd_shadow_src *src;
	struct vtd_shadow_stats *st;
	u64 start;
	u64 last;
	u64 shadow_last;
	u64 max_pages;
	bool refill;
};

/* Map the guest leaf's pages that fall in [start, last] */
static int vtd_shadow_leaf(struct vtd_shadow_walk *w, u64 block, u64 size,
			   u64 out, bool writable)
{
	u64 first = max(block, w->start) & ~(u64)(SZ_4K - 1);
	u64 end = min(block + size - 1, w->last);
	u64 iova;

	for (iova = first; iova <= end && iova >= first; iova += SZ_4K) {
		u64 gpa = out + (iova - block), hpa;
		unsigned int perm = 0;
		size_t mapped;
		int rc;

		if (iova > w->shadow_last) {
			w->st->beyond++;
			break;
		}
		if (w->st->mapped >= w->max_pages) {
			w->st->truncated = true;
			return 0;
		}
		/* A refill keeps what is there (no window without a leaf) */
		if (w->refill && iofd_pgtable_lookup(w->shadow, iova, NULL))
			continue;
		hpa = w->src->gpa_to_hpa(w->src->ctx, gpa, &perm);
		if (!hpa || !(perm & (writable ? VTD_SHADOW_R | VTD_SHADOW_W :
					       VTD_SHADOW_R))) {
			w->st->unreachable++;
			continue;
		}
		rc = iofd_pgtable_map(w->shadow, iova, hpa & ~(u64)(SZ_4K - 1),
				     SZ_4K, 1, perm & VTD_SHADOW_R,
				     writable && (perm & VTD_SHADOW_W),
				     GFP_KERNEL_ACCOUNT, &mapped);
		if (rc)
			return rc;
		w->st->mapped++;
	}
	return 0;
}

static int vtd_shadow_table(struct vtd_shadow_walk *w, u64 table_gpa,
			    unsigned int level, u64 base, bool writable)
{
	unsigned int shift = vtd_level_shift(level);
	u64 span_last = base + (1ULL << (shift + 9)) - 1;
	unsigned int i, first, end, perm = 0;
	u64 hpa;
	int rc;

	/* Nothing under this table fits the shadow: do not even read it */
	if (base > w->shadow_last) {
		w->st->beyond++;
		return 0;
	}
	if (w->st->tables >= VTD_SHADOW_MAX_TABLES) {
		w->st->truncated = true;
		return 0;
	}
	hpa = w->src->gpa_to_hpa(w->src->ctx, table_gpa & VTD_FL_ADDR, &perm);
	if (!hpa || !(perm & VTD_SHADOW_R)) {
		w->st->unreachable++;
		return 0;
	}
	w->st->tables++;
	cond_resched();
	first = vtd_level_index(max(base, w->start), level);
	end = vtd_level_index(min(span_last, w->last), level);
	for (i = first; i <= end && !w->st->truncated; i++) {
		u64 block = base + ((u64)i << shift), pte;
		bool leaf, ww;

		/* The upper half of the top table is not canonical */
		if (level == w->src->fl_levels && i >= VTD_PT_ENTRIES / 2) {
			w->st->beyond++;
			break;
		}
		if (w->src->read_hpa(w->src->ctx,
				     (hpa & ~(u64)(SZ_4K - 1)) + 8 * i, &pte,
				     sizeof(pte))) {
			w->st->unreachable++;
			continue;
		}
		if (!(pte & VTD_FL_P))
			continue;
		if (!(pte & VTD_FL_US)) {
			w->st->bad++;
			continue;
		}
		ww = writable && (pte & VTD_FL_RW);
		leaf = level == 1;
		/* Bit 7 is PS above level 1 (PAT in a 4K leaf) */
		if (level > 1 && (pte & VTD_FL_PS)) {
			if (level != 2 && !(level == 3 && w->src->fl1gp)) {
				w->st->bad++;
				continue;
			}
			leaf = true;
		}
		if (leaf)
			rc = vtd_shadow_leaf(w, block, 1ULL << shift,
					     pte & VTD_FL_ADDR &
					     ~((1ULL << shift) - 1), ww);
		else
			rc = vtd_shadow_table(w, pte & VTD_FL_ADDR, level - 1,
					      block, ww);
		if (rc)
			return rc;
	}
	return 0;
}

/*
 * Make @shadow's [@start, @last] what the guest's table and the parent say
 * now: drop the old entries of the range, walk the guest table over it.
 * With @refill nothing is dropped: only missing entries are added (after
 * the parent mapped more).  Freed shadow table pages go to @freelist (free
 * them after the IOTLB invalidation).  0, or -ENOMEM with the range
 * partly filled.
 */
int vtd_shadow_sync(struct iofd_pgtable *shadow,
		    const struct vtd_shadow_src *src, u64 start, u64 last,
		    bool refill, struct list_head *freelist,
		    struct vtd_shadow_stats *st)
{
	struct vtd_shadow_walk w = {
		.shadow = shadow, .src = src, .st = st,
		.start = start & ~(u64)(SZ_4K - 1),
		.last = last | (SZ_4K - 1),
		.shadow_last = iofd_pgtable_last(shadow),
		.max_pages = src->max_pages ?: VTD_SHADOW_MAX_PAGES,
		.refill = refill,
	};
	u64 top_last;

	memset(st, 0, sizeof(*st));
	if (start > last || (src->fl_levels != 4 && src->fl_levels != 5))
		return -EINVAL;
	if (!refill && w.start <= w.shadow_last)
		iofd_pgtable_unmap(shadow, w.start, SZ_4K,
				  (min(w.last, w.shadow_last) - w.start + 1) /
				  SZ_4K, freelist);
	top_last = (1ULL << vtd_level_shift(src->fl_levels + 1)) - 1;
	if (w.start > top_last)
		return 0;
	w.last = min(w.last, top_last);
	return vtd_shadow_table(&w, src->flptr, src->fl_levels, 0, true);
}

/*
 * The guest's translation of @va now, by the rules the sync follows:
 * true with the guest-physical address and whether it is writable
 */
static bool vtd_guest_lookup(const struct vtd_shadow_src *src, u64 va,
			     u64 *gpa, bool *writable)
{
	unsigned int level = src->fl_levels, perm;
	u64 table = src->flptr;
	bool w = true;

	/* The upper half of the top table is not canonical */
	if (va >> (vtd_level_shift(level) + 8))
		return false;
	for (;; level--) {
		unsigned int shift = vtd_level_shift(level);
		u64 hpa, pte, size = 1ULL << shift;

		perm = 0;
		hpa = src->gpa_to_hpa(src->ctx, table & VTD_FL_ADDR, &perm);
		if (!hpa || !(perm & VTD_SHADOW_R) ||
		    src->read_hpa(src->ctx, (hpa & ~(u64)(SZ_4K - 1)) +
				  8 * vtd_level_index(va, level), &pte,
				  sizeof(pte)) ||
		    !(pte & VTD_FL_P) || !(pte & VTD_FL_US))
			return false;
		w &= !!(pte & VTD_FL_RW);
		if (level > 1 && !(pte & VTD_FL_PS)) {
			table = pte & VTD_FL_ADDR;
			continue;
		}
		if (level > 1 && level != 2 && !(level == 3 && src->fl1gp))
			return false;
		*writable = w;
		*gpa = (pte & VTD_FL_ADDR & ~(size - 1)) | (va & (size - 1));
		return true;
	}
}

/* What the shadow's page at @iova must be now (iofd_pgtable_prune()) */
static bool vtd_shadow_expect(void *ctx, u64 iova, phys_addr_t *pa,
			      unsigned int *perm)
{
	const struct vtd_shadow_src *src = ctx;
	unsigned int pperm = 0;
	u64 gpa, hpa;
	bool w;

	if (!vtd_guest_lookup(src, iova, &gpa, &w))
		return false;
	hpa = src->gpa_to_hpa(src->ctx, gpa & ~(u64)(SZ_4K - 1), &pperm);
	if (!hpa || !(pperm & VTD_SHADOW_R))
		return false;
	*pa = hpa;
	*perm = VTD_SHADOW_R | (w && (pperm & VTD_SHADOW_W) ? VTD_SHADOW_W : 0);
	return true;
}

/*
 * Drop the shadow entries that the guest's table and the parent no longer
 * give (after a parent unmap: entries may point at pages about to be
 * unpinned), keeping every other one.  Allocates nothing, so it cannot
 * fail; a refill (vtd_shadow_sync() with @refill) adds what is missing.
 * Returns the number of entries dropped.
 */
u64 vtd_shadow_prune(struct iofd_pgtable *shadow,
		     const struct vtd_shadow_src *src,
		     struct list_head *freelist)
{
	return iofd_pgtable_prune(shadow, vtd_shadow_expect, (void *)src,
				  freelist);
}

/* Read guest-physical memory through the parent; -EFAULT outside it */
static int vtd_guest_read(const struct vtd_shadow_src *mem, u64 gpa,
			  void *buf, size_t len)
{
	unsigned int perm = 0;
	u64 hpa = mem->gpa_to_hpa(mem->ctx, gpa, &perm);

	if (!hpa || !(perm & VTD_SHADOW_R) ||
	    (gpa & (SZ_4K - 1)) + len > SZ_4K)
		return -EFAULT;
	return mem->read_hpa(mem->ctx, hpa, buf, len);
}

/*
 * Read and validate the guest's PASID entry @pasid of the PASID directory
 * at @dir_gpa (scalable-mode layout, as the guest's vIOMMU defines it).
 * The guest may only describe first-level translation (PGTT 1); the host
 * decides domain IDs and the second level.  0 and *@out for a valid entry;
 * -ENOENT when the directory or table entry is not present; -EFAULT when
 * the guest's tables are outside the parent; -EIO for an entry the host
 * refuses (other PGTT, reserved bits, a feature not allowed by @allow).
 */
int vtd_guest_pasid_read(const struct vtd_shadow_src *mem, u64 dir_gpa,
			 u32 pasid, u32 allow, struct vtd_guest_pasid *out)
{
	struct vtd_pasid_entry pe;
	u64 pde;
	int rc;

	if (pasid >> 20)
		return -EINVAL;
	rc = vtd_guest_read(mem, (dir_gpa & VTD_PDE_PTP) +
			    8 * (pasid >> VTD_PASID_PDE_SHIFT), &pde,
			    sizeof(pde));
	if (rc)
		return rc;
	if (!(pde & VTD_PDE_P))
		return -ENOENT;
	rc = vtd_guest_read(mem, (pde & VTD_PDE_PTP) +
			    sizeof(pe) * (pasid % VTD_PASIDS_PER_TABLE), &pe,
			    sizeof(pe));
	if (rc)
		return rc;
	if (!(pe.val[0] & VTD_PE0_P))
		return -ENOENT;
	if (FIELD_GET(VTD_PE0_PGTT, pe.val[0]) != VTD_PGTT_FL)
		return -EIO;
	/* Quadwords 3-7 are reserved; FLPM 2 and 3 are reserved */
	if (pe.val[3] | pe.val[4] | pe.val[5] | pe.val[6] | pe.val[7] ||
	    FIELD_GET(VTD_PE2_FLPM, pe.val[2]) > 1)
		return -EIO;
	out->flptr = pe.val[2] & VTD_PE2_FLPTPTR;
	out->fl_levels = FIELD_GET(VTD_PE2_FLPM, pe.val[2]) ? 5 : 4;
	out->sre = pe.val[2] & VTD_PE2_SRE;
	out->wpe = pe.val[2] & VTD_PE2_WPE;
	out->eafe = pe.val[2] & VTD_PE2_EAFE;
	if ((out->sre && !(allow & VTD_GUEST_ALLOW_SRE)) ||
	    (out->fl_levels == 5 && !(allow & VTD_GUEST_ALLOW_5LEVEL)) ||
	    (out->eafe && !(allow & VTD_GUEST_ALLOW_EAFE)))
		return -EIO;
	return 0;
}
