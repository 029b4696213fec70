/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Radix I/O page tables, exported by iofd.ko to the hardware drivers:
 * 4K tables of 512 64-bit entries, 3 to 5 levels, leaves at level 1 (4K),
 * 2 (2M) and 3 (1G); the entry format is the driver's (struct iofd_pt_fmt).
 */
#ifndef _IOFD_PGTABLE_H
#define _IOFD_PGTABLE_H

#include <linux/bits.h>
#include <linux/list.h>
#include <linux/types.h>

/* Permissions of a leaf, as iofd_pgtable_lookup() reports them */
#define IOFD_PT_R	BIT(0)
#define IOFD_PT_W	BIT(1)

/**
 * struct iofd_pt_fmt - an IOMMU's page-table entry format
 * @leaf: the leaf entry for @pa at @level (1: 4K, 2: 2M, 3: 1G) with
 *	@prot (IOFD_PT_R / IOFD_PT_W, at least one)
 * @table: the entry linking to the next table at @pa
 * @present: the IOMMU follows @pte (leaf or link)
 * @is_leaf: a present @pte above level 1 is a leaf (level 1 always is)
 * @addr: the output or next-table address of @pte
 * @perm: IOFD_PT_R / IOFD_PT_W of a leaf
 */
struct iofd_pt_fmt {
	u64 (*leaf)(phys_addr_t pa, unsigned int level, unsigned int prot);
	u64 (*table)(phys_addr_t pa);
	bool (*present)(u64 pte);
	bool (*is_leaf)(u64 pte, unsigned int level);
	phys_addr_t (*addr)(u64 pte);
	unsigned int (*perm)(u64 pte);
};

/**
 * struct iofd_pgtable - one I/O page table
 * @top: the top-level table (kernel virtual address)
 * @fmt: its entry format
 * @levels: 3, 4 or 5
 * @pgsizes: leaf sizes allowed: SZ_4K, and SZ_2M / SZ_1G when the IOMMU
 *	has them
 * @flush: called after entries were written, before the IOMMU may see
 *	them: writes back CPU caches when its walks are not coherent (VT-d
 *	ECAP.C == 0); NULL when they are
 * @nr_tables: table pages in use, for the memory report
 *
 * Callers serialize map and unmap (the core holds the IOAS's rwsem for
 * writing); the unit walks concurrently, so every entry is written with
 * one 64-bit store and a table is filled and flushed before it is linked.
 */
struct iofd_pgtable {
	u64 *top;
	const struct iofd_pt_fmt *fmt;
	unsigned int levels;
	unsigned long pgsizes;
	void (*flush)(void *va, size_t len);
	unsigned long nr_tables;
};

int iofd_pgtable_init(struct iofd_pgtable *pt, const struct iofd_pt_fmt *fmt,
		      unsigned int levels, unsigned long pgsizes, gfp_t gfp);
void iofd_pgtable_destroy(struct iofd_pgtable *pt);
int iofd_pgtable_map(struct iofd_pgtable *pt, u64 iova, phys_addr_t paddr,
		    size_t pgsize, size_t pgcount, bool read, bool write,
		    gfp_t gfp, size_t *mapped);
size_t iofd_pgtable_unmap(struct iofd_pgtable *pt, u64 iova, size_t pgsize,
			 size_t pgcount, struct list_head *freelist);
phys_addr_t iofd_pgtable_iova_to_phys(struct iofd_pgtable *pt, u64 iova);
phys_addr_t iofd_pgtable_lookup(struct iofd_pgtable *pt, u64 iova,
			       unsigned int *perm);
void iofd_pgtable_free_list(struct list_head *freelist);
/* Called per leaf by iofd_pgtable_walk_leaves(); non-zero stops it */
typedef int (*iofd_pt_leaf_fn)(void *ctx, u64 iova, u64 size, phys_addr_t pa,
			       unsigned int perm);
int iofd_pgtable_walk_leaves(const struct iofd_pgtable *pt, u64 start,
			       iofd_pt_leaf_fn fn, void *ctx);
u64 iofd_pgtable_prune(struct iofd_pgtable *pt,
		       bool (*expect)(void *ctx, u64 iova, phys_addr_t *pa,
				      unsigned int *perm),
		       void *ctx, struct list_head *freelist);

/* The highest IOVA @pt translates */
static inline u64 iofd_pgtable_last(const struct iofd_pgtable *pt)
{
	return (1ULL << (12 + 9 * pt->levels)) - 1;
}

#endif /* _IOFD_PGTABLE_H */
