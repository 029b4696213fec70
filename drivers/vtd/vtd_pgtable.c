// SPDX-License-Identifier: GPL-2.0
/*
 * VT-d second-level page tables.
 *
 * A non-leaf entry is the next table's address with R and W set: the unit
 * checks permissions at every level (QEMU does too), so the leaf alone
 * decides.  A leaf above level 1 has PS set.  Tables that an unmap leaves
 * empty are unlinked and handed back on a list, to be freed only after the
 * IOTLB (and paging-structure caches) have been invalidated.
 */
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/sizes.h>
#include <linux/errno.h>
#include <linux/overflow.h>
#include "vtd_hw.h"
#include "vtd_pgtable.h"

static u64 *vtd_entry_table(u64 pte)
{
	return phys_to_virt(pte & VTD_SL_ADDR);
}

static bool vtd_entry_present(u64 pte)
{
	return pte & (VTD_SL_R | VTD_SL_W);
}

static bool vtd_entry_leaf(u64 pte, unsigned int level)
{
	return level == 1 || (pte & VTD_SL_PS);
}

static void vtd_flush(struct vtd_pgtable *pt, void *va, size_t len)
{
	if (pt->flush && len)
		pt->flush(va, len);
}

static u64 *vtd_table_alloc(struct vtd_pgtable *pt, gfp_t gfp)
{
	struct page *page = alloc_page(gfp | __GFP_ZERO);
	u64 *table;

	if (!page)
		return NULL;
	table = page_address(page);
	/* The zeroes must reach memory before the unit can follow a link */
	vtd_flush(pt, table, PAGE_SIZE);
	pt->nr_tables++;
	return table;
}

int vtd_pgtable_init(struct vtd_pgtable *pt, unsigned int levels,
		     unsigned long pgsizes, gfp_t gfp)
{
	if (levels < 3 || levels > 5 || !(pgsizes & SZ_4K) ||
	    (pgsizes & ~(unsigned long)(SZ_4K | SZ_2M | SZ_1G)))
		return -EINVAL;
	pt->levels = levels;
	pt->pgsizes = pgsizes;
	pt->nr_tables = 0;
	pt->top = vtd_table_alloc(pt, gfp);
	return pt->top ? 0 : -ENOMEM;
}

static void vtd_table_free_all(u64 *table, unsigned int level)
{
	unsigned int i;

	for (i = 0; level > 1 && i < VTD_PT_ENTRIES; i++)
		if (vtd_entry_present(table[i]) &&
		    !vtd_entry_leaf(table[i], level))
			vtd_table_free_all(vtd_entry_table(table[i]),
					   level - 1);
	free_page((unsigned long)table);
}

/* The unit must not use @pt anymore (nothing attached, caches flushed) */
void vtd_pgtable_destroy(struct vtd_pgtable *pt)
{
	if (pt->top)
		vtd_table_free_all(pt->top, pt->levels);
	pt->top = NULL;
	pt->nr_tables = 0;
}

void vtd_pgtable_free_list(struct list_head *freelist)
{
	struct page *page, *next;

	list_for_each_entry_safe(page, next, freelist, lru) {
		list_del(&page->lru);
		__free_page(page);
	}
}

static unsigned int vtd_pgsize_level(size_t pgsize)
{
	switch (pgsize) {
	case SZ_4K:
		return 1;
	case SZ_2M:
		return 2;
	case SZ_1G:
		return 3;
	}
	return 0;
}

/* Checks common to map and unmap: a whole number of aligned leaves */
static int vtd_range_check(struct vtd_pgtable *pt, u64 iova, size_t pgsize,
			   size_t pgcount, u64 *last)
{
	u64 len;

	if (!(pgsize & pt->pgsizes) || !vtd_pgsize_level(pgsize) ||
	    !pgcount || iova % pgsize ||
	    check_mul_overflow((u64)pgsize, (u64)pgcount, &len) ||
	    check_add_overflow(iova, len - 1, last) ||
	    *last > vtd_pgtable_last(pt))
		return -EINVAL;
	return 0;
}

/* The table at @level covering @iova, allocating the tables above it */
static u64 *vtd_table_get(struct vtd_pgtable *pt, u64 iova,
			  unsigned int level, gfp_t gfp, int *rc)
{
	unsigned int cur = pt->levels;
	u64 *table = pt->top;

	for (; cur > level; cur--) {
		u64 *pte = &table[vtd_level_index(iova, cur)];
		u64 old = READ_ONCE(*pte);

		if (!vtd_entry_present(old)) {
			u64 *next = vtd_table_alloc(pt, gfp);

			if (!next) {
				*rc = -ENOMEM;
				return NULL;
			}
			old = virt_to_phys(next) | VTD_SL_R | VTD_SL_W;
			WRITE_ONCE(*pte, old);
			vtd_flush(pt, pte, sizeof(*pte));
		} else if (vtd_entry_leaf(old, cur)) {
			/* A larger leaf is there: the caller maps twice */
			*rc = -EEXIST;
			return NULL;
		}
		table = vtd_entry_table(old);
	}
	return table;
}

/*
 * Map @pgcount leaves of @pgsize.  On failure *@mapped says how much was
 * mapped (from @iova on), which the caller unmaps.
 */
int vtd_pgtable_map(struct vtd_pgtable *pt, u64 iova, phys_addr_t paddr,
		    size_t pgsize, size_t pgcount, bool read, bool write,
		    gfp_t gfp, size_t *mapped)
{
	unsigned int level = vtd_pgsize_level(pgsize);
	u64 bits, last;
	int rc;

	*mapped = 0;
	rc = vtd_range_check(pt, iova, pgsize, pgcount, &last);
	if (rc)
		return rc;
	/* Without R or W an entry is not present */
	/* Without R or W an entry is not present; outputs have 52 bits */
	if ((!read && !write) || paddr % pgsize ||
	    (paddr + (last - iova)) >> 52)
		return -EINVAL;
	bits = (read ? VTD_SL_R : 0) | (write ? VTD_SL_W : 0) |
	       (level > 1 ? VTD_SL_PS : 0);

	while (pgcount) {
		u64 *table = vtd_table_get(pt, iova, level, gfp, &rc);
		unsigned int idx, n, i;

		if (!table)
			return rc;
		idx = vtd_level_index(iova, level);
		n = min_t(size_t, pgcount, VTD_PT_ENTRIES - idx);
		for (i = 0; i < n; i++) {
			if (vtd_entry_present(table[idx + i])) {
				vtd_flush(pt, &table[idx], i * sizeof(u64));
				return -EEXIST;
			}
			WRITE_ONCE(table[idx + i], paddr | bits);
			paddr += pgsize;
			*mapped += pgsize;
		}
		vtd_flush(pt, &table[idx], n * sizeof(u64));
		iova += (u64)n * pgsize;
		pgcount -= n;
	}
	return 0;
}

static bool vtd_table_empty(const u64 *table)
{
	unsigned int i;

	for (i = 0; i < VTD_PT_ENTRIES; i++)
		if (table[i])
			return false;
	return true;
}

/*
 * Clear the leaves of [@start, @last] in @table (at @level); a leaf only
 * partly inside the range stays.  Returns the bytes unmapped.
 */
static u64 vtd_unmap_level(struct vtd_pgtable *pt, u64 *table,
			   unsigned int level, u64 start, u64 last,
			   struct list_head *freelist)
{
	unsigned int shift = vtd_level_shift(level);
	unsigned int first = vtd_level_index(start, level);
	unsigned int end = vtd_level_index(last, level);
	unsigned int i, lo = VTD_PT_ENTRIES, hi = 0;
	u64 unmapped = 0;

	for (i = first; i <= end; i++) {
		u64 block = (start & ~((1ULL << (shift + 9)) - 1)) |
			    ((u64)i << shift);
		u64 block_last = block + (1ULL << shift) - 1;
		u64 pte = table[i];
		u64 *child;

		if (!vtd_entry_present(pte))
			continue;
		if (vtd_entry_leaf(pte, level)) {
			if (block < start || block_last > last)
				continue;
			unmapped += 1ULL << shift;
		} else {
			child = vtd_entry_table(pte);
			unmapped += vtd_unmap_level(pt, child, level - 1,
						    max(start, block),
						    min(last, block_last),
						    freelist);
			if (!vtd_table_empty(child))
				continue;
			/* Freed after the caller's invalidation */
			list_add_tail(&virt_to_page(child)->lru, freelist);
			pt->nr_tables--;
		}
		WRITE_ONCE(table[i], 0);
		lo = min(lo, i);
		hi = max(hi, i);
	}
	if (lo <= hi)
		vtd_flush(pt, &table[lo], (hi - lo + 1) * sizeof(u64));
	return unmapped;
}

/*
 * Unmap [@iova, @iova + @pgsize * @pgcount).  Leaves larger than @pgsize
 * go when they lie inside the range.  Table pages left empty are added to
 * @freelist: free them with vtd_pgtable_free_list() once the IOTLB is
 * invalidated.  Returns the bytes unmapped.
 */
size_t vtd_pgtable_unmap(struct vtd_pgtable *pt, u64 iova, size_t pgsize,
			 size_t pgcount, struct list_head *freelist)
{
	u64 last;

	if (vtd_range_check(pt, iova, pgsize, pgcount, &last))
		return 0;
	return vtd_unmap_level(pt, pt->top, pt->levels, iova, last, freelist);
}

/*
 * What @iova translates to and the leaf's permissions (*@perm: VTD_SL_R
 * and VTD_SL_W bits; @perm may be NULL), or 0 when it is not mapped
 */
phys_addr_t vtd_pgtable_lookup(struct vtd_pgtable *pt, u64 iova,
			       unsigned int *perm)
{
	unsigned int level = pt->levels;
	u64 *table = pt->top;

	if (iova > vtd_pgtable_last(pt))
		return 0;
	for (;; level--) {
		u64 pte = READ_ONCE(table[vtd_level_index(iova, level)]);
		u64 mask = (1ULL << vtd_level_shift(level)) - 1;

		if (!vtd_entry_present(pte))
			return 0;
		if (vtd_entry_leaf(pte, level)) {
			if (perm)
				*perm = pte & (VTD_SL_R | VTD_SL_W);
			return (pte & VTD_SL_ADDR & ~mask) | (iova & mask);
		}
		table = vtd_entry_table(pte);
	}
}

/* What @iova translates to, or 0 when it is not mapped */
phys_addr_t vtd_pgtable_iova_to_phys(struct vtd_pgtable *pt, u64 iova)
{
	return vtd_pgtable_lookup(pt, iova, NULL);
}
