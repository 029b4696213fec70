// SPDX-License-Identifier: GPL-2.0
/*
 * The SMMUv3 stage-1 format (VMSAv8-64, 4K granule) for the core's radix
 * page tables.  Radix level 1 is the Arm level 3 (4K pages), 2 is level 2
 * (2M blocks), 3 is level 1 (1G blocks).  Leaves: AF set (QEMU never
 * checks it, hardware faults without it), inner shareable, write-back
 * cacheable (MAIR index 1), unprivileged access allowed (device requests
 * are user requests unless the STE says otherwise), never executable,
 * not global; read-only when not writable.  Arm cannot express write-only:
 * such a mapping is read-write, as in Linux's io-pgtable-arm.
 */
#include <linux/bits.h>
#include <iofd/pgtable.h>
#include "smmu_hw.h"
#include "smmu_entries.h"

static u64 smmu_s1_leaf(phys_addr_t pa, unsigned int level, unsigned int prot)
{
	u64 pte = (pa & SMMU_PTE_ADDR) | SMMU_PTE_VALID | SMMU_PTE_AF |
		  FIELD_PREP(SMMU_PTE_SH, SMMU_SH_IS) | SMMU_PTE_NG |
		  FIELD_PREP(SMMU_PTE_ATTRIDX, SMMU_MAIR_ATTR_IDX_CACHE) |
		  SMMU_PTE_AP_UNPRIV | SMMU_PTE_XN;

	/* A 4K page has the table bit set; a 2M/1G block has it clear */
	if (level == 1)
		pte |= SMMU_PTE_TYPE_TABLE;
	if (!(prot & IOFD_PT_W))
		pte |= SMMU_PTE_AP_RDONLY;
	return pte;
}

static u64 smmu_s1_table(phys_addr_t pa)
{
	return (pa & SMMU_PTE_ADDR) | SMMU_PTE_VALID | SMMU_PTE_TYPE_TABLE;
}

static bool smmu_s1_present(u64 pte)
{
	return pte & SMMU_PTE_VALID;
}

static bool smmu_s1_is_leaf(u64 pte, unsigned int level)
{
	return !(pte & SMMU_PTE_TYPE_TABLE);
}

static phys_addr_t smmu_s1_addr(u64 pte)
{
	return pte & SMMU_PTE_ADDR;
}

static unsigned int smmu_s1_perm(u64 pte)
{
	return IOFD_PT_R | ((pte & SMMU_PTE_AP_RDONLY) ? 0 : IOFD_PT_W);
}

const struct iofd_pt_fmt smmu_s1_fmt = {
	.leaf = smmu_s1_leaf,
	.table = smmu_s1_table,
	.present = smmu_s1_present,
	.is_leaf = smmu_s1_is_leaf,
	.addr = smmu_s1_addr,
	.perm = smmu_s1_perm,
};
