/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A reference VT-d translator: given the tables in memory, translate a
 * (requester ID, PASID, address) the way the VT-d specification describes
 * a scalable-mode unit doing it.  Written from the specification, apart
 * from the driver's encoders, so that tests can check the tables the
 * driver builds (paging, nested, shadow, bound PASID tables) by walking
 * them, and compare the result with real DMA where the emulator can do it.
 */
#ifndef _IOFD_VTD_WALK_H
#define _IOFD_VTD_WALK_H

#include <linux/limits.h>
#include <linux/types.h>

#define VTD_WALK_NO_PASID	U32_MAX

/**
 * struct vtd_walk_mem - how the walker reads "physical" memory
 * @read: copy @len bytes at @pa into @buf; 0, or -EFAULT when @pa is not
 *	backed (the walk then faults as the unit would on a bad read)
 * @ctx: passed to @read
 */
struct vtd_walk_mem {
	int (*read)(void *ctx, u64 pa, void *buf, size_t len);
	void *ctx;
};

/**
 * struct vtd_walk_unit - the unit's configuration the walk depends on
 * @rtaddr: root table address (scalable mode)
 * @sagaw: CAP.SAGAW: bit n set = AGAW n (n + 2 levels) supported
 * @sllps: CAP.SLLPS: bit 0 = 2M, bit 1 = 1G second-level leaves
 * @fl1gp: CAP.FL1GP: 1G first-level leaves
 */
struct vtd_walk_unit {
	u64 rtaddr;
	unsigned int sagaw;
	unsigned int sllps;
	bool fl1gp;
};

/**
 * struct vtd_walk_result - what a walk found
 * @fault: 0 when translated, else a VTD_FR_* reason
 * @pa: the output address
 * @size: the size of the leaf that translated (4K, 2M, 1G)
 * @read: the translation allows reads
 * @write: the translation allows writes
 * @pgtt: the PASID entry's translation type
 * @did: the PASID entry's domain ID
 * @pasid: the PASID used (RID_PASID for a request without PASID)
 */
struct vtd_walk_result {
	u8 fault;
	u64 pa;
	u64 size;
	bool read;
	bool write;
	u8 pgtt;
	u16 did;
	u32 pasid;
};

int vtd_walk(const struct vtd_walk_mem *mem, const struct vtd_walk_unit *unit,
	     u16 rid, u32 pasid, u64 addr, bool write,
	     struct vtd_walk_result *res);

#endif /* _IOFD_VTD_WALK_H */
