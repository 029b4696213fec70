/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Pure IOVA-space helpers: walking the unused gaps of one or two interval
 * trees and choosing an IOVA for a mapping.  No locking of their own; the
 * caller holds whatever protects the trees.  Tested by kunit/iova_test.c.
 */
#ifndef _IOFD_IOVA_ALLOC_H
#define _IOFD_IOVA_ALLOC_H

#include <linux/types.h>
#include <linux/rbtree.h>

#define IOVA_HOLE_MAX_TREES 2

/**
 * struct iova_hole_iter - walk the gaps between intervals of several trees
 * @roots: the trees; their intervals may overlap each other
 * @nroots: number of @roots
 * @cur: next address to examine
 * @last: last address of the walked range (inclusive)
 * @done: nothing left; also covers @cur wrapping past ULONG_MAX
 */
struct iova_hole_iter {
	struct rb_root_cached *roots[IOVA_HOLE_MAX_TREES];
	unsigned int nroots;
	unsigned long cur;
	unsigned long last;
	bool done;
};

void iova_hole_init(struct iova_hole_iter *it, struct rb_root_cached *a,
		    struct rb_root_cached *b, unsigned long start,
		    unsigned long last);
bool iova_hole_next(struct iova_hole_iter *it, unsigned long *hole_start,
		    unsigned long *hole_last);

unsigned long iova_auto_alignment(unsigned long length, unsigned long uptr,
				  unsigned long min_alignment);
bool iova_fit_in_hole(unsigned long hole_start, unsigned long hole_last,
		      unsigned long length, unsigned long alignment,
		      unsigned long *iova);
int iova_find_free(struct rb_root_cached *allowed,
		   struct rb_root_cached *reserved,
		   struct rb_root_cached *areas, unsigned long length,
		   unsigned long alignment, unsigned long *iova);

unsigned long iova_pick_pgsize(unsigned long pgsizes, unsigned long iova,
			       phys_addr_t paddr, unsigned long length);
bool iova_range_aligned(unsigned long iova, unsigned long length,
			unsigned long pages_offset, unsigned long alignment);

#endif
