// SPDX-License-Identifier: GPL-2.0
/*
 * IOVA-space arithmetic with no state of its own (KUnit-tested).
 *
 * All ranges are [start, last] with last inclusive, so the top of the
 * address space (ULONG_MAX) is representable; every step that could move
 * past it checks for wrap-around instead of computing "end" values.
 */
#include <linux/interval_tree.h>
#include <linux/log2.h>
#include <linux/kernel.h>
#include <linux/errno.h>
#include <linux/mm.h>
#include "iova_alloc.h"

void iova_hole_init(struct iova_hole_iter *it, struct rb_root_cached *a,
		    struct rb_root_cached *b, unsigned long start,
		    unsigned long last)
{
	it->nroots = 0;
	if (a)
		it->roots[it->nroots++] = a;
	if (b)
		it->roots[it->nroots++] = b;
	it->cur = start;
	it->last = last;
	it->done = start > last;
}

/* The interval with the lowest start that overlaps [cur, last] */
static struct interval_tree_node *iova_lowest_used(struct iova_hole_iter *it)
{
	struct interval_tree_node *best = NULL, *node;
	unsigned int i;

	for (i = 0; i != it->nroots; i++) {
		node = interval_tree_iter_first(it->roots[i], it->cur,
						it->last);
		if (node && (!best || node->start < best->start))
			best = node;
	}
	return best;
}

/* Returns the next gap not covered by any tree, or false when none remain */
bool iova_hole_next(struct iova_hole_iter *it, unsigned long *hole_start,
		    unsigned long *hole_last)
{
	struct interval_tree_node *used;
	bool found;

	while (!it->done) {
		used = iova_lowest_used(it);
		if (!used) {
			*hole_start = it->cur;
			*hole_last = it->last;
			it->done = true;
			return true;
		}
		found = used->start > it->cur;
		if (found) {
			*hole_start = it->cur;
			*hole_last = used->start - 1;
		}
		if (used->last >= it->last)
			it->done = true;
		else
			it->cur = used->last + 1;
		if (found)
			return true;
	}
	return false;
}

/*
 * Alignment for a kernel-chosen IOVA: as large as the mapping (so huge
 * IOPTEs can be used) but never more than the user address already has,
 * and at least what every domain of the IOAS needs.
 */
unsigned long iova_auto_alignment(unsigned long length, unsigned long uptr,
				  unsigned long min_alignment)
{
	unsigned long align;

	if (!length || length > (ULONG_MAX >> 1) + 1)
		align = 1UL << (BITS_PER_LONG - 1);
	else
		align = roundup_pow_of_two(length);
	if (uptr)
		align = min(align, 1UL << __ffs(uptr));
	return max(align, min_alignment);
}

bool iova_fit_in_hole(unsigned long hole_start, unsigned long hole_last,
		      unsigned long length, unsigned long alignment,
		      unsigned long *iova)
{
	unsigned long start;

	if (!length || !is_power_of_2(alignment))
		return false;
	if (hole_start > ULONG_MAX - (alignment - 1))
		return false;
	start = ALIGN(hole_start, alignment);
	if (start > hole_last || hole_last - start < length - 1)
		return false;
	*iova = start;
	return true;
}

/*
 * First IOVA inside the allowed ranges (or anywhere but page 0 and the last
 * page when none were given) that avoids @reserved and @areas.
 */
int iova_find_free(struct rb_root_cached *allowed,
		   struct rb_root_cached *reserved,
		   struct rb_root_cached *areas, unsigned long length,
		   unsigned long alignment, unsigned long *iova)
{
	struct interval_tree_node *span;
	unsigned long span_start, span_last, hs, hl;
	struct iova_hole_iter it;

	span = interval_tree_iter_first(allowed, 0, ULONG_MAX);
	if (span) {
		span_start = span->start;
		span_last = span->last;
	} else {
		span_start = PAGE_SIZE;
		span_last = ULONG_MAX - PAGE_SIZE;
	}
	for (;;) {
		iova_hole_init(&it, reserved, areas, span_start, span_last);
		while (iova_hole_next(&it, &hs, &hl))
			if (iova_fit_in_hole(hs, hl, length, alignment, iova))
				return 0;
		if (!span)
			break;
		span = interval_tree_iter_next(span, 0, ULONG_MAX);
		if (!span)
			break;
		span_start = span->start;
		span_last = span->last;
	}
	return -ENOSPC;
}

/*
 * Largest IOPTE size from @pgsizes usable at @iova -> @paddr with @length
 * bytes left, or 0.  Both addresses must be aligned to the size chosen.
 */
unsigned long iova_pick_pgsize(unsigned long pgsizes, unsigned long iova,
			       phys_addr_t paddr, unsigned long length)
{
	unsigned long addr_merge = iova | (unsigned long)paddr;
	unsigned long mask;

	if (!length)
		return 0;
	mask = GENMASK(__fls(length), 0);
	if (addr_merge)
		mask &= GENMASK(__ffs(addr_merge), 0);
	mask &= pgsizes;
	return mask ? 1UL << __fls(mask) : 0;
}

/* Is a mapping's IOVA, length and offset into its first page aligned? */
bool iova_range_aligned(unsigned long iova, unsigned long length,
			unsigned long pages_offset, unsigned long alignment)
{
	return !((iova | length | pages_offset) & (alignment - 1));
}
