// SPDX-License-Identifier: GPL-2.0
/*
 * Reference VT-d translation (scalable mode).
 *
 * Deliberately independent of vtd_hw.h: every field is written out here
 * from the specification's tables (bit positions as literals), so a wrong
 * definition shared by the driver's encoders cannot hide itself.  Fault
 * reasons are the legacy codes QEMU reports in scalable mode too, with
 * every PASID directory/table problem as 0x58.
 */
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/sizes.h>
#include "vtd_walk.h"

#define FR_ROOT_P	0x01
#define FR_CTX_P	0x02
#define FR_CTX_INV	0x03
#define FR_BEYOND	0x04
#define FR_WRITE	0x05
#define FR_READ		0x06
#define FR_PTE_INV	0x07
#define FR_ROOT_INV	0x08
#define FR_CTX_TBL_INV	0x09
#define FR_CTX_RSVD	0x0b
#define FR_PTE_RSVD	0x0c
#define FR_PASID	0x58

static u64 field(u64 v, unsigned int hi, unsigned int lo)
{
	return (v >> lo) & GENMASK_ULL(hi - lo, 0);
}

static u64 addr_bits(u64 v)
{
	/* bits 51:12 of an entry are the next address */
	return v & GENMASK_ULL(51, 12);
}

static int rd(const struct vtd_walk_mem *mem, u64 pa, void *buf, size_t len)
{
	return mem->read(mem->ctx, pa, buf, len);
}

/*
 * A second-level walk of @levels levels from @table.  Both R (for a read)
 * or W (for a write) are needed at every level.
 */
static u8 walk_sl(const struct vtd_walk_mem *mem,
		  const struct vtd_walk_unit *unit, u64 table,
		  unsigned int levels, u64 addr, bool write, u64 *pa,
		  u64 *size, bool *r, bool *w)
{
	unsigned int level;

	/* AGAW 0..3 only: SAGAW bit 4 is reserved */
	if (levels > 5)
		return FR_CTX_INV;
	if (addr >> (12 + 9 * levels))
		return FR_BEYOND;
	*r = true;
	*w = true;
	for (level = levels; level >= 1; level--) {
		unsigned int shift = 12 + 9 * (level - 1);
		u64 pte;

		if (rd(mem, table + 8 * field(addr, shift + 8, shift), &pte,
		       sizeof(pte)))
			return level == levels ? FR_CTX_INV : FR_PTE_INV;
		*r &= !!(pte & BIT_ULL(0));
		*w &= !!(pte & BIT_ULL(1));
		if (!(pte & 3) || (write ? !*w : !*r))
			return write ? FR_WRITE : FR_READ;
		/* PS: a 2M leaf at level 2, 1G at level 3, if supported */
		if (level > 1 && (pte & BIT_ULL(7))) {
			if (level > 3 || !(unit->sllps & BIT(level - 2)))
				return FR_PTE_RSVD;
			*size = 1ULL << shift;
			*pa = (addr_bits(pte) & ~(*size - 1)) |
			      (addr & (*size - 1));
			return 0;
		}
		if (level == 1) {
			*size = SZ_4K;
			*pa = addr_bits(pte) | (addr & (SZ_4K - 1));
			return 0;
		}
		table = addr_bits(pte);
	}
	return FR_PTE_INV;
}

/*
 * A first-level (IA-32e) walk; in a nested entry every table address and
 * the output are guest-physical, translated by the second level.
 */
static u8 walk_fl(const struct vtd_walk_mem *mem,
		  const struct vtd_walk_unit *unit, u64 table,
		  unsigned int levels, bool nested, u64 sl_table,
		  unsigned int sl_levels, u64 addr, bool write,
		  struct vtd_walk_result *res)
{
	unsigned int level;
	u64 dummy_size;
	bool rw = true;
	bool sr, sw;
	u8 fault;

	/* Canonical input: bits above the top level equal to its top bit */
	if (addr >> (12 + 9 * levels - 1) &&
	    ~addr >> (12 + 9 * levels - 1))
		return FR_BEYOND;
	for (level = levels; level >= 1; level--) {
		unsigned int shift = 12 + 9 * (level - 1);
		u64 pte, entry_pa = table + 8 * field(addr, shift + 8, shift);

		if (nested) {
			/* The unit reads the guest's table through stage 2 */
			fault = walk_sl(mem, unit, sl_table, sl_levels,
					entry_pa, false, &entry_pa,
					&dummy_size, &sr, &sw);
			if (fault)
				return fault;
		}
		if (rd(mem, entry_pa, &pte, sizeof(pte)))
			return FR_PTE_INV;
		if (!(pte & BIT_ULL(0)))
			return write ? FR_WRITE : FR_READ;
		/* Requests without PASID are user requests: U/S needed */
		if (!(pte & BIT_ULL(2)))
			return write ? FR_WRITE : FR_READ;
		rw &= !!(pte & BIT_ULL(1));
		if (write && !rw)
			return FR_WRITE;
		/* PS: 2M at level 2, 1G at level 3 with FL1GP, else reserved */
		if (level > 1 && (pte & BIT_ULL(7)) &&
		    (level > 3 || (level == 3 && !unit->fl1gp)))
			return FR_PTE_RSVD;
		if ((level == 2 || level == 3) && (pte & BIT_ULL(7))) {
			res->size = 1ULL << shift;
			res->pa = (addr_bits(pte) & ~(res->size - 1)) |
				  (addr & (res->size - 1));
			break;
		}
		if (level == 1) {
			res->size = SZ_4K;
			res->pa = addr_bits(pte) | (addr & (SZ_4K - 1));
			break;
		}
		table = addr_bits(pte);
	}
	res->read = true;
	res->write = rw;
	if (!nested)
		return 0;
	/* The output is guest-physical too */
	fault = walk_sl(mem, unit, sl_table, sl_levels, res->pa, write,
			&res->pa, &dummy_size, &sr, &sw);
	if (fault)
		return fault;
	res->write &= sw;
	return 0;
}

/* Find the PASID entry; returns a fault reason or 0 */
static u8 find_pasid_entry(const struct vtd_walk_mem *mem, const u64 *ctx,
			   u32 pasid, u64 pe[8])
{
	u64 dir = addr_bits(ctx[0]), pde;
	/* PDTS: the directory has 2^(PDTS + 7) entries */
	u64 dir_entries = 1ULL << (field(ctx[0], 11, 9) + 7);

	if (pasid >> 20 || (pasid >> 6) >= dir_entries)
		return FR_PASID;
	if (rd(mem, dir + 8 * (pasid >> 6), &pde, sizeof(pde)) ||
	    !(pde & BIT_ULL(0)))
		return FR_PASID;
	if (rd(mem, addr_bits(pde) + 64 * (pasid & 63), pe, 64) ||
	    !(pe[0] & BIT_ULL(0)))
		return FR_PASID;
	return 0;
}

int vtd_walk(const struct vtd_walk_mem *mem, const struct vtd_walk_unit *unit,
	     u16 rid, u32 pasid, u64 addr, bool write,
	     struct vtd_walk_result *res)
{
	unsigned int bus = rid >> 8, devfn = rid & 0xff;
	unsigned int agaw, sl_levels;
	u64 root[2], ctx[4], pe[8];
	u64 ctp;

	*res = (struct vtd_walk_result){};
	/* Root entry: low half for devfn 0-127, high half for 128-255 */
	if (rd(mem, unit->rtaddr + 16 * bus, root, sizeof(root))) {
		res->fault = FR_ROOT_INV;
		return 0;
	}
	ctp = root[devfn >> 7];
	if (!(ctp & BIT_ULL(0))) {
		res->fault = FR_ROOT_P;
		return 0;
	}
	/* Scalable-mode context entries are 256 bits, 128 per table */
	if (rd(mem, addr_bits(ctp) + 32 * (devfn & 0x7f), ctx, sizeof(ctx))) {
		res->fault = FR_CTX_TBL_INV;
		return 0;
	}
	if (!(ctx[0] & BIT_ULL(0))) {
		res->fault = FR_CTX_P;
		return 0;
	}
	if (ctx[2] || ctx[3] || field(ctx[0], 8, 5) || ctx[1] >> 21) {
		res->fault = FR_CTX_RSVD;
		return 0;
	}
	if (pasid == VTD_WALK_NO_PASID) {
		pasid = field(ctx[1], 19, 0);	/* RID_PASID */
	} else if (!(ctx[0] & BIT_ULL(3))) {	/* PASIDE */
		res->fault = FR_PASID;
		return 0;
	}
	res->pasid = pasid;
	res->fault = find_pasid_entry(mem, ctx, pasid, pe);
	if (res->fault)
		return 0;

	res->pgtt = field(pe[0], 8, 6);
	res->did = field(pe[1], 15, 0);
	agaw = field(pe[0], 4, 2);
	sl_levels = agaw + 2;
	switch (res->pgtt) {
	case 4:	/* pass-through */
		res->pa = addr;
		res->size = SZ_4K;
		res->read = true;
		res->write = true;
		return 0;
	case 2:	/* second level only */
		if (!(unit->sagaw & BIT(agaw))) {
			res->fault = FR_PASID;
			return 0;
		}
		res->fault = walk_sl(mem, unit, addr_bits(pe[0]), sl_levels,
				     addr, write, &res->pa, &res->size,
				     &res->read, &res->write);
		return 0;
	case 1:	/* first level only */
	case 3:	/* nested: first level over second level */
		if (res->pgtt == 3 && !(unit->sagaw & BIT(agaw))) {
			res->fault = FR_PASID;
			return 0;
		}
		/* FLPM: 0 = 4 levels, 1 = 5 levels, others reserved */
		if (field(pe[2], 3, 2) > 1) {
			res->fault = FR_PASID;
			return 0;
		}
		res->fault = walk_fl(mem, unit, addr_bits(pe[2]),
				     field(pe[2], 3, 2) ? 5 : 4,
				     res->pgtt == 3, addr_bits(pe[0]),
				     sl_levels, addr, write, res);
		return 0;
	}
	res->fault = FR_PASID;
	return 0;
}
