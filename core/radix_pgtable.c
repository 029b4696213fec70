// SPDX-License-Identifier: GPL-2.0
/*
 * Radix I/O page tables for the hardware drivers: 4K tables of 512 64-bit
 * entries, 3 to 5 levels, leaves at level 1 (4K), 2 (2M) and 3 (1G).  The
 * entry format (VT-d second level, Arm stage 1, ...) comes from struct
 * iofd_pt_fmt; the walking, allocation, freeing and cache flushing are
 * here, once.
 *
 * A table link carries whatever the format needs for "look further" (VT-d
 * checks permissions at every level, so its links are R|W: the leaf
 * alone decides).  Tables that an unmap leaves empty are unlinked and
 * handed back on a list, to be freed only after the IOMMU's caches have
 * been invalidated.
 */
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sizes.h>
#include <linux/errno.h>
#include <linux/overflow.h>
#include <iofd/pgtable.h>
#ifdef IOFD_CORE
#include <iofd/core.h>
#endif

/*
 * Exported by iofd.ko for the drivers; the same file is also built into
 * the KUnit kernel and module, which must not export it a second time.
 */
#ifdef IOFD_CORE
#define IOFD_PT_EXPORT(sym) EXPORT_SYMBOL_GPL(sym)
#else
#define IOFD_PT_EXPORT(sym)
#endif

#define PT_ENTRIES	512

static unsigned int pt_shift(unsigned int level)
{
	return 12 + 9 * (level - 1);
}

static unsigned int pt_index(u64 addr, unsigned int level)
{
	return (addr >> pt_shift(level)) & (PT_ENTRIES - 1);
}

static u64 *pt_entry_table(const struct iofd_pgtable *pt, u64 pte)
{
	return phys_to_virt(pt->fmt->addr(pte));
}

static bool pt_entry_present(const struct iofd_pgtable *pt, u64 pte)
{
	return pt->fmt->present(pte);
}

static bool pt_entry_leaf(const struct iofd_pgtable *pt, u64 pte,
			   unsigned int level)
{
	return level == 1 || pt->fmt->is_leaf(pte, level);
}

static void pt_flush(struct iofd_pgtable *pt, void *va, size_t len)
{
	if (pt->flush && len)
		pt->flush(va, len);
}

static u64 *pt_table_alloc(struct iofd_pgtable *pt, gfp_t gfp)
{
	struct page *page;
	u64 *table;

#ifdef IOFD_CORE
	/* A failure point of iofd.ko (core/fail.c); not in the KUnit build */
	if (iofd_should_fail())
		return NULL;
#endif
	page = alloc_page(gfp | __GFP_ZERO);
	if (!page)
		return NULL;
	table = page_address(page);
	/* The zeroes must reach memory before the unit can follow a link */
	pt_flush(pt, table, PAGE_SIZE);
	pt->nr_tables++;
	return table;
}

int iofd_pgtable_init(struct iofd_pgtable *pt, const struct iofd_pt_fmt *fmt,
		      unsigned int levels, unsigned long pgsizes, gfp_t gfp)
{
	if (levels < 3 || levels > 5 || !(pgsizes & SZ_4K) ||
	    (pgsizes & ~(unsigned long)(SZ_4K | SZ_2M | SZ_1G)))
		return -EINVAL;
	pt->fmt = fmt;
	pt->levels = levels;
	pt->pgsizes = pgsizes;
	pt->nr_tables = 0;
	pt->top = pt_table_alloc(pt, gfp);
	return pt->top ? 0 : -ENOMEM;
}
IOFD_PT_EXPORT(iofd_pgtable_init);

static void pt_table_free_all(const struct iofd_pgtable *pt, u64 *table,
			      unsigned int level)
{
	unsigned int i;

	for (i = 0; level > 1 && i < PT_ENTRIES; i++)
		if (pt_entry_present(pt, table[i]) &&
		    !pt_entry_leaf(pt, table[i], level))
			pt_table_free_all(pt, pt_entry_table(pt, table[i]),
					  level - 1);
	free_page((unsigned long)table);
}

/* The unit must not use @pt anymore (nothing attached, caches flushed) */
void iofd_pgtable_destroy(struct iofd_pgtable *pt)
{
	if (pt->top)
		pt_table_free_all(pt, pt->top, pt->levels);
	pt->top = NULL;
	pt->nr_tables = 0;
}
IOFD_PT_EXPORT(iofd_pgtable_destroy);

void iofd_pgtable_free_list(struct list_head *freelist)
{
	struct page *page, *next;

	list_for_each_entry_safe(page, next, freelist, lru) {
		list_del(&page->lru);
		__free_page(page);
	}
}
IOFD_PT_EXPORT(iofd_pgtable_free_list);

static unsigned int pt_pgsize_level(size_t pgsize)
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
static int pt_range_check(struct iofd_pgtable *pt, u64 iova, size_t pgsize,
			   size_t pgcount, u64 *last)
{
	u64 len;

	if (!(pgsize & pt->pgsizes) || !pt_pgsize_level(pgsize) ||
	    !pgcount || iova % pgsize ||
	    check_mul_overflow((u64)pgsize, (u64)pgcount, &len) ||
	    check_add_overflow(iova, len - 1, last) ||
	    *last > iofd_pgtable_last(pt))
		return -EINVAL;
	return 0;
}

/* The table at @level covering @iova, allocating the tables above it */
static u64 *pt_table_get(struct iofd_pgtable *pt, u64 iova,
			  unsigned int level, gfp_t gfp, int *rc)
{
	unsigned int cur = pt->levels;
	u64 *table = pt->top;

	for (; cur > level; cur--) {
		u64 *pte = &table[pt_index(iova, cur)];
		u64 old = READ_ONCE(*pte);

		if (!pt_entry_present(pt, old)) {
			u64 *next = pt_table_alloc(pt, gfp);

			if (!next) {
				*rc = -ENOMEM;
				return NULL;
			}
			old = pt->fmt->table(virt_to_phys(next));
			WRITE_ONCE(*pte, old);
			pt_flush(pt, pte, sizeof(*pte));
		} else if (pt_entry_leaf(pt, old, cur)) {
			/* A larger leaf is there: the caller maps twice */
			*rc = -EEXIST;
			return NULL;
		}
		table = pt_entry_table(pt, old);
	}
	return table;
}

/*
 * Map @pgcount leaves of @pgsize.  On failure *@mapped says how much was
 * mapped (from @iova on), which the caller unmaps.
 */
int iofd_pgtable_map(struct iofd_pgtable *pt, u64 iova, phys_addr_t paddr,
		    size_t pgsize, size_t pgcount, bool read, bool write,
		    gfp_t gfp, size_t *mapped)
{
	unsigned int level = pt_pgsize_level(pgsize);
	unsigned int prot;
	u64 last;
	int rc;

	*mapped = 0;
	rc = pt_range_check(pt, iova, pgsize, pgcount, &last);
	if (rc)
		return rc;
	/* Without R or W an entry is not present */
	/* Without R or W an entry is not present; outputs have 52 bits */
	if ((!read && !write) || paddr % pgsize ||
	    (paddr + (last - iova)) >> 52)
		return -EINVAL;
	prot = (read ? IOFD_PT_R : 0) | (write ? IOFD_PT_W : 0);

	while (pgcount) {
		u64 *table = pt_table_get(pt, iova, level, gfp, &rc);
		unsigned int idx, n, i;

		if (!table)
			return rc;
		idx = pt_index(iova, level);
		n = min_t(size_t, pgcount, PT_ENTRIES - idx);
		for (i = 0; i < n; i++) {
			if (pt_entry_present(pt, table[idx + i])) {
				pt_flush(pt, &table[idx], i * sizeof(u64));
				return -EEXIST;
			}
			WRITE_ONCE(table[idx + i],
				   pt->fmt->leaf(paddr, level, prot));
			paddr += pgsize;
			*mapped += pgsize;
		}
		pt_flush(pt, &table[idx], n * sizeof(u64));
		iova += (u64)n * pgsize;
		pgcount -= n;
	}
	return 0;
}
IOFD_PT_EXPORT(iofd_pgtable_map);

static bool pt_table_empty(const u64 *table)
{
	unsigned int i;

	for (i = 0; i < PT_ENTRIES; i++)
		if (table[i])
			return false;
	return true;
}

/*
 * Clear the leaves of [@start, @last] in @table (at @level); a leaf only
 * partly inside the range stays.  Returns the bytes unmapped.
 */
static u64 pt_unmap_level(struct iofd_pgtable *pt, u64 *table,
			   unsigned int level, u64 start, u64 last,
			   struct list_head *freelist)
{
	unsigned int shift = pt_shift(level);
	unsigned int first = pt_index(start, level);
	unsigned int end = pt_index(last, level);
	unsigned int i, lo = PT_ENTRIES, hi = 0;
	u64 unmapped = 0;

	for (i = first; i <= end; i++) {
		u64 block = (start & ~((1ULL << (shift + 9)) - 1)) |
			    ((u64)i << shift);
		u64 block_last = block + (1ULL << shift) - 1;
		u64 pte = table[i];
		u64 *child;

		if (!pt_entry_present(pt, pte))
			continue;
		if (pt_entry_leaf(pt, pte, level)) {
			if (block < start || block_last > last)
				continue;
			unmapped += 1ULL << shift;
		} else {
			child = pt_entry_table(pt, pte);
			unmapped += pt_unmap_level(pt, child, level - 1,
						    max(start, block),
						    min(last, block_last),
						    freelist);
			if (!pt_table_empty(child))
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
		pt_flush(pt, &table[lo], (hi - lo + 1) * sizeof(u64));
	return unmapped;
}

/*
 * Unmap [@iova, @iova + @pgsize * @pgcount).  Leaves larger than @pgsize
 * go when they lie inside the range.  Table pages left empty are added to
 * @freelist: free them with iofd_pgtable_free_list() once the IOTLB is
 * invalidated.  Returns the bytes unmapped.
 */
size_t iofd_pgtable_unmap(struct iofd_pgtable *pt, u64 iova, size_t pgsize,
			 size_t pgcount, struct list_head *freelist)
{
	u64 last;

	if (pt_range_check(pt, iova, pgsize, pgcount, &last))
		return 0;
	return pt_unmap_level(pt, pt->top, pt->levels, iova, last, freelist);
}
IOFD_PT_EXPORT(iofd_pgtable_unmap);

/*
 * What @iova translates to and the leaf's permissions (*@perm: IOFD_PT_R
 * and IOFD_PT_W; @perm may be NULL), or 0 when it is not mapped
 */
phys_addr_t iofd_pgtable_lookup(struct iofd_pgtable *pt, u64 iova,
			       unsigned int *perm)
{
	unsigned int level = pt->levels;
	u64 *table = pt->top;

	if (iova > iofd_pgtable_last(pt))
		return 0;
	for (;; level--) {
		u64 pte = READ_ONCE(table[pt_index(iova, level)]);
		u64 mask = (1ULL << pt_shift(level)) - 1;

		if (!pt_entry_present(pt, pte))
			return 0;
		if (pt_entry_leaf(pt, pte, level)) {
			if (perm)
				*perm = pt->fmt->perm(pte);
			return (pt->fmt->addr(pte) & ~mask) | (iova & mask);
		}
		table = pt_entry_table(pt, pte);
	}
}
IOFD_PT_EXPORT(iofd_pgtable_lookup);

/* What @iova translates to, or 0 when it is not mapped */
phys_addr_t iofd_pgtable_iova_to_phys(struct iofd_pgtable *pt, u64 iova)
{
	return iofd_pgtable_lookup(pt, iova, NULL);
}
IOFD_PT_EXPORT(iofd_pgtable_iova_to_phys);

static int pt_leaves(const struct iofd_pgtable *pt, const u64 *table,
		     unsigned int level, u64 base, u64 start,
		     iofd_pt_leaf_fn fn, void *ctx)
{
	unsigned int shift = pt_shift(level), i;
	int rc;

	for (i = pt_index(max(base, start), level); i < PT_ENTRIES; i++) {
		u64 pte = READ_ONCE(table[i]);
		u64 iova = base + ((u64)i << shift);

		if (!pt_entry_present(pt, pte) || iova + (1ULL << shift) <= start)
			continue;
		if (pt_entry_leaf(pt, pte, level))
			rc = fn(ctx, iova, 1ULL << shift,
				pt->fmt->addr(pte) & ~((1ULL << shift) - 1),
				pt->fmt->perm(pte));
		else
			rc = pt_leaves(pt, pt_entry_table(pt, pte), level - 1,
				       iova, start, fn, ctx);
		if (rc)
			return rc;
	}
	return 0;
}

/*
 * Call @fn for the leaves of @pt that end above @start, in IOVA order,
 * until it returns non-zero (returned).  The caller keeps @pt still (no
 * map or unmap meanwhile); @fn must not change it either.
 */
int iofd_pgtable_walk_leaves(const struct iofd_pgtable *pt, u64 start,
			       iofd_pt_leaf_fn fn, void *ctx)
{
	if (start > iofd_pgtable_last(pt))
		return 0;
	return pt_leaves(pt, pt->top, pt->levels, 0, start, fn, ctx);
}
IOFD_PT_EXPORT(iofd_pgtable_walk_leaves);

#define PT_PRUNE_BATCH	64

struct pt_prune {
	bool (*expect)(void *ctx, u64 iova, phys_addr_t *pa,
		       unsigned int *perm);
	void *ctx;
	u64 iova[PT_PRUNE_BATCH];
	u64 size[PT_PRUNE_BATCH];
	unsigned int n;
	u64 next;
};

static int pt_prune_leaf(void *ctx, u64 iova, u64 size, phys_addr_t pa,
			 unsigned int perm)
{
	struct pt_prune *p = ctx;
	unsigned int want_perm = 0;
	phys_addr_t want = 0;

	p->next = iova + size;
	if (size == SZ_4K && p->expect(p->ctx, iova, &want, &want_perm) &&
	    (want & ~(phys_addr_t)(SZ_4K - 1)) == pa && !(perm & ~want_perm))
		return 0;
	p->iova[p->n] = iova;
	p->size[p->n] = size;
	return ++p->n == PT_PRUNE_BATCH;
}

/*
 * Drop every leaf of @pt that @expect no longer gives: @expect(ctx, iova,
 * &pa, &perm) says what the 4K page at @iova should translate to now
 * (false: nothing).  A leaf stays only when it points at that page with no
 * more than that permission (larger leaves always go).  Allocates nothing;
 * freed table pages go to @freelist.  Returns the number of leaves dropped.
 */
u64 iofd_pgtable_prune(struct iofd_pgtable *pt,
		       bool (*expect)(void *ctx, u64 iova, phys_addr_t *pa,
				      unsigned int *perm),
		       void *ctx, struct list_head *freelist)
{
	struct pt_prune p = { .expect = expect, .ctx = ctx };
	u64 dropped = 0, start = 0;
	unsigned int i;
	int more;

	do {
		p.n = 0;
		more = iofd_pgtable_walk_leaves(pt, start, pt_prune_leaf, &p);
		for (i = 0; i < p.n; i++)
			iofd_pgtable_unmap(pt, p.iova[i], p.size[i], 1,
					   freelist);
		dropped += p.n;
		start = p.next;
		/* The last leaf ended at the top of the address space */
		if (!start)
			break;
	} while (more);
	return dropped;
}
IOFD_PT_EXPORT(iofd_pgtable_prune);
