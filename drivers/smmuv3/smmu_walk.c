// SPDX-License-Identifier: GPL-2.0
/*
 * Reference SMMUv3 translation, stage 1 only (what QEMU 7.2 has), 4K
 * granule, no substreams.  Independent of smmu_hw.h: every field is
 * written out here from the specification (bit positions as literals).
 * Requests are taken as unprivileged data accesses, as a PCIe device's
 * without PASID are.
 */
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/sizes.h>
#include "smmu_walk.h"

static u64 bits(u64 v, unsigned int hi, unsigned int lo)
{
	return (v >> lo) & GENMASK_ULL(hi - lo, 0);
}

static int rd(const struct smmu_walk_cfg *cfg, u64 pa, void *buf, size_t len)
{
	return cfg->read(cfg->ctx, pa, buf, len);
}

/* The STE of @sid, or an event */
static unsigned int find_ste(const struct smmu_walk_cfg *cfg, u32 sid,
			     u64 ste[8])
{
	u64 ste_pa;

	if (cfg->log2size < 32 && sid >> cfg->log2size)
		return SMMU_EVT_C_BAD_STREAMID;
	if (cfg->two_level) {
		u64 l1, span;

		if (rd(cfg, cfg->strtab + 8 * (sid >> cfg->split), &l1,
		       sizeof(l1)))
			return SMMU_EVT_F_STE_FETCH;
		/* Span 1..11: 2^(Span-1) STEs; 0 and 12.. invalid */
		span = bits(l1, 4, 0);
		if (!span || span > 11 || span > cfg->split + 1 ||
		    (sid & (BIT(cfg->split) - 1)) >= BIT(span - 1))
			return SMMU_EVT_C_BAD_STREAMID;
		ste_pa = (l1 & GENMASK_ULL(51, 6)) +
			 64 * (sid & (BIT(cfg->split) - 1));
	} else {
		ste_pa = cfg->strtab + 64ULL * sid;
	}
	if (rd(cfg, ste_pa, ste, 64))
		return SMMU_EVT_F_STE_FETCH;
	return 0;
}

static unsigned int walk_s1(const struct smmu_walk_cfg *cfg, const u64 cd[8],
			    u64 iova, bool write, struct smmu_walk_result *res)
{
	unsigned int ias = 64 - bits(cd[0], 5, 0), level;
	bool no_write = false, no_unpriv = false;
	u64 table = cd[1] & GENMASK_ULL(51, 4);

	/* TG0 4K (0), AArch64 tables, input within T0SZ, TTB0 walks on */
	if (bits(cd[0], 7, 6) != 0 || !(cd[0] & BIT_ULL(41)) || ias > 48 ||
	    ias < 25)
		return SMMU_EVT_C_BAD_CD;
	if ((iova >> ias) || (cd[0] & BIT_ULL(14)))
		return SMMU_EVT_F_TRANSLATION;
	/* Start level: 4 levels above 39 bits, 3 above 30 */
	level = ias > 39 ? 0 : ias > 30 ? 1 : 2;
	for (;; level++) {
		unsigned int shift = 12 + 9 * (3 - level);
		u64 pte;

		if (rd(cfg, (table & GENMASK_ULL(47, 12)) +
		       8 * bits(iova, shift + 8, shift), &pte, sizeof(pte)))
			return SMMU_EVT_F_WALK_EABT;
		if (!(pte & 1))
			return SMMU_EVT_F_TRANSLATION;
		if (level < 3 && (pte & 2)) {
			/* Table: APTable[1] no writes, [0] no EL0 below */
			no_write |= pte & BIT_ULL(62);
			no_unpriv |= pte & BIT_ULL(61);
			table = pte;
			continue;
		}
		/* Blocks at level 1 (1G) and 2 (2M); a level-3 0b01 is bad */
		if ((level == 3 && !(pte & 2)) || level == 0)
			return SMMU_EVT_F_TRANSLATION;
		if (!(pte & BIT_ULL(10)))
			return SMMU_EVT_F_ACCESS;
		/* AP[1] (bit 6): EL0 access; AP[2] (bit 7): read-only */
		if (!(pte & BIT_ULL(6)) || no_unpriv)
			return SMMU_EVT_F_PERMISSION;
		res->write = !(pte & BIT_ULL(7)) && !no_write;
		if (write && !res->write)
			return SMMU_EVT_F_PERMISSION;
		res->size = 1ULL << shift;
		res->pa = (pte & GENMASK_ULL(47, 12) & ~(res->size - 1)) |
			  (iova & (res->size - 1));
		return 0;
	}
}

void smmu_walk(const struct smmu_walk_cfg *cfg, u32 sid, u64 iova, bool write,
	       struct smmu_walk_result *res)
{
	u64 ste[8], cd[8];

	*res = (struct smmu_walk_result){};
	res->event = find_ste(cfg, sid, ste);
	if (res->event)
		return;
	if (!(ste[0] & 1)) {
		res->event = SMMU_EVT_C_BAD_STE;
		return;
	}
	switch (bits(ste[0], 3, 1)) {
	case 4:		/* bypass */
		res->bypass = true;
		res->pa = iova;
		res->size = SZ_4K;
		res->write = true;
		return;
	case 5:		/* stage 1 translate, stage 2 bypass */
		break;
	case 0:		/* abort, and 1-3 behave as abort */
	case 1:
	case 2:
	case 3:
		res->event = SMMU_WALK_ABORT;
		return;
	default:	/* stage 2: not on this SMMU */
		res->event = SMMU_EVT_C_BAD_STE;
		return;
	}
	/* No substreams: S1CDMax must be 0, one CD at S1ContextPtr */
	if (bits(ste[0], 63, 59)) {
		res->event = SMMU_EVT_C_BAD_STE;
		return;
	}
	if (rd(cfg, ste[0] & GENMASK_ULL(51, 6), cd, sizeof(cd))) {
		res->event = SMMU_EVT_F_CD_FETCH;
		return;
	}
	if (!(cd[0] & BIT_ULL(31))) {
		res->event = SMMU_EVT_C_BAD_CD;
		return;
	}
	res->asid = bits(cd[0], 63, 48);
	res->event = walk_s1(cfg, cd, iova, write, res);
}
