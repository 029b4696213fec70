// SPDX-License-Identifier: GPL-2.0
/*
 * The VT-d second-level entry format for the core's radix page tables:
 * present when R or W is set, leaves above 4K carry PS, links are R|W
 * (the unit checks permissions at every level, so the leaf decides).
 */
#include <linux/bits.h>
#include <iofd/pgtable.h>
#include "vtd_hw.h"
#include "vtd_entries.h"

static u64 vtd_sl_leaf(phys_addr_t pa, unsigned int level, unsigned int prot)
{
	return (pa & VTD_SL_ADDR) | ((prot & IOFD_PT_R) ? VTD_SL_R : 0) |
	       ((prot & IOFD_PT_W) ? VTD_SL_W : 0) |
	       (level > 1 ? VTD_SL_PS : 0);
}

static u64 vtd_sl_table(phys_addr_t pa)
{
	return (pa & VTD_SL_ADDR) | VTD_SL_R | VTD_SL_W;
}

static bool vtd_sl_present(u64 pte)
{
	return pte & (VTD_SL_R | VTD_SL_W);
}

static bool vtd_sl_is_leaf(u64 pte, unsigned int level)
{
	return pte & VTD_SL_PS;
}

static phys_addr_t vtd_sl_addr(u64 pte)
{
	return pte & VTD_SL_ADDR;
}

static unsigned int vtd_sl_perm(u64 pte)
{
	return ((pte & VTD_SL_R) ? IOFD_PT_R : 0) |
	       ((pte & VTD_SL_W) ? IOFD_PT_W : 0);
}

const struct iofd_pt_fmt vtd_sl_fmt = {
	.leaf = vtd_sl_leaf,
	.table = vtd_sl_table,
	.present = vtd_sl_present,
	.is_leaf = vtd_sl_is_leaf,
	.addr = vtd_sl_addr,
	.perm = vtd_sl_perm,
};
