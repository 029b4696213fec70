// SPDX-License-Identifier: GPL-2.0
/*
 * The SMMUv3 stage-2 format (VMSAv8-64, 4K granule) for the core's radix
 * tables: a nest parent's table where the unit has stage 2 (IDR0.S2P).
 * Leaves: AF set, inner shareable, MemAttr normal write-back (the
 * device's own attributes combine with it), never executable, S2AP read
 * and write as asked.  Stage 2 can express write-only, unlike stage 1.
 * Table descriptors as in stage 1: address | 0b11.
 */
#include <linux/bits.h>
#include <iofd/pgtable.h>
#include "smmu_hw.h"
#include "smmu_entries.h"

static u64 smmu_s2_leaf(phys_addr_t pa, unsigned int level, unsigned int prot)
{
	u64 pte = (pa & SMMU_PTE_ADDR) | SMMU_PTE_VALID | SMMU_PTE_AF |
		  FIELD_PREP(SMMU_PTE_SH, SMMU_SH_IS) |
		  FIELD_PREP(SMMU_S2PTE_MEMATTR, SMMU_S2PTE_MEMATTR_WB) |
		  SMMU_PTE_XN;

	if (level == 1)
		pte |= SMMU_PTE_TYPE_TABLE;	/* a page, not a block */
	if (prot & IOFD_PT_R)
		pte |= SMMU_S2PTE_S2AP_R;
	if (prot & IOFD_PT_W)
		pte |= SMMU_S2PTE_S2AP_W;
	return pte;
}

static u64 smmu_s2_table(phys_addr_t pa)
{
	return (pa & SMMU_PTE_ADDR) | SMMU_PTE_VALID | SMMU_PTE_TYPE_TABLE;
}

static bool smmu_s2_present(u64 pte)
{
	return pte & SMMU_PTE_VALID;
}

static bool smmu_s2_is_leaf(u64 pte, unsigned int level)
{
	return !(pte & SMMU_PTE_TYPE_TABLE);
}

static phys_addr_t smmu_s2_addr(u64 pte)
{
	return pte & SMMU_PTE_ADDR;
}

static unsigned int smmu_s2_perm(u64 pte)
{
	return (pte & SMMU_S2PTE_S2AP_R ? IOFD_PT_R : 0) |
	       (pte & SMMU_S2PTE_S2AP_W ? IOFD_PT_W : 0);
}

const struct iofd_pt_fmt smmu_s2_fmt = {
	.leaf = smmu_s2_leaf,
	.table = smmu_s2_table,
	.present = smmu_s2_present,
	.is_leaf = smmu_s2_is_leaf,
	.addr = smmu_s2_addr,
	.perm = smmu_s2_perm,
};
