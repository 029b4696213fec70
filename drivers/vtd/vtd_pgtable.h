/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VT-d second-level page tables, as the unit walks them: 4K tables of 512
 * 64-bit entries, 3 to 5 levels, leaves at level 1 (4K), 2 (2M) and 3 (1G).
 */
#ifndef _IOFD_VTD_PGTABLE_H
#define _IOFD_VTD_PGTABLE_H

#include <linux/list.h>
#include <linux/types.h>

/**
 * struct vtd_pgtable - one second-level page table
 * @top: the top-level table (kernel virtual address)
 * @levels: 3, 4 or 5 (the AGAW the unit supports, plus 2)
 * @pgsizes: leaf sizes allowed: SZ_4K, and SZ_2M / SZ_1G when the unit's
 *	CAP.SLLPS has them
 * @flush: called after entries were written, before the unit may see
 *	them: writes back CPU caches when the unit's walks are not coherent
 *	(ECAP.C == 0); NULL when they are
 * @nr_tables: table pages in use, for the memory report
 *
 * Callers serialize map and unmap (the core holds the IOAS's rwsem for
 * writing); the unit walks concurrently, so every entry is written with
 * one 64-bit store and a table is filled and flushed before it is linked.
 */
struct vtd_pgtable {
	u64 *top;
	unsigned int levels;
	unsigned long pgsizes;
	void (*flush)(void *va, size_t len);
	unsigned long nr_tables;
};

int vtd_pgtable_init(struct vtd_pgtable *pt, unsigned int levels,
		     unsigned long pgsizes, gfp_t gfp);
void vtd_pgtable_destroy(struct vtd_pgtable *pt);
int vtd_pgtable_map(struct vtd_pgtable *pt, u64 iova, phys_addr_t paddr,
		    size_t pgsize, size_t pgcount, bool read, bool write,
		    gfp_t gfp, size_t *mapped);
size_t vtd_pgtable_unmap(struct vtd_pgtable *pt, u64 iova, size_t pgsize,
			 size_t pgcount, struct list_head *freelist);
phys_addr_t vtd_pgtable_iova_to_phys(struct vtd_pgtable *pt, u64 iova);
phys_addr_t vtd_pgtable_lookup(struct vtd_pgtable *pt, u64 iova,
			       unsigned int *perm);
void vtd_pgtable_free_list(struct list_head *freelist);

/* The highest IOVA @pt translates */
static inline u64 vtd_pgtable_last(const struct vtd_pgtable *pt)
{
	return (1ULL << (12 + 9 * pt->levels)) - 1;
}

#endif /* _IOFD_VTD_PGTABLE_H */
