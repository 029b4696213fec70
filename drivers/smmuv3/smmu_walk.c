// SPDX-License-Identifier: GPL-2.0
/*
 * Reference SMMUv3 translation: stage 1 (what QEMU 7.2 has), stage 2 and
 * nested stage 1 over stage 2 (what a unit with S2P does), 4K granule,
 * no substreams.  In nesting every CD and stage-1 table fetch and the
 * stage-1 output go through stage 2.  Independent of smmu_hw.h: every field is
 * written out here from the specification (bit positions as literals).
 * Requests are taken as unprivileged data accesses, as a PCIe device's
 * without PASID are.
 */
#include <linux/bits.h>
#include <linux/minmax.h>
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

/* Stage 2 of the STE (DW2/DW3), when Config has it */
struct s2_cfg {
	bool on;
	u64 ttb;
	unsigned int ias;
	unsigned int start;	/* level the walk starts at */
};

static unsigned int s2_setup(const u64 ste[8], struct s2_cfg *s2)
{
	unsigned int sl0 = bits(ste[2], 39, 38), top_bits;

	s2->on = true;
	s2->ias = 64 - bits(ste[2], 37, 32);
	s2->ttb = ste[3] & GENMASK_ULL(51, 4);
	/* 4K granule (S2TG 0), AArch64 (S2AA64), SL0 2/1/0: level 0/1/2 */
	if (bits(ste[2], 47, 46) != 0 || !(ste[2] & BIT_ULL(51)) || sl0 > 2 ||
	    s2->ias > 48 || s2->ias < 24)
		return SMMU_EVT_C_BAD_STE;
	s2->start = 2 - sl0;
	/* The start level resolves at most 9 bits + 4 (16 tables) */
	top_bits = 12 + 9 * (3 - s2->start) + 9;
	if (s2->ias > top_bits + 4 || s2->ias <= top_bits - 9)
		return SMMU_EVT_C_BAD_STE;
	return 0;
}

/* Stage-2 translation of @ipa; *@pa and *@w, or an event */
static unsigned int s2_translate(const struct smmu_walk_cfg *cfg,
				 const struct s2_cfg *s2, u64 ipa, bool write,
				 u64 *pa, bool *w, u64 *size)
{
	unsigned int level = s2->start;
	u64 table = s2->ttb;

	if (!s2->on) {
		*pa = ipa;
		*w = true;
		if (size)
			*size = 1ULL << 30;
		return 0;
	}
	if (ipa >> s2->ias)
		return SMMU_EVT_F_TRANSLATION;
	for (;; level++) {
		unsigned int shift = 12 + 9 * (3 - level);
		/* The start level may be concatenated tables: more index bits */
		unsigned int hi = level == s2->start ? s2->ias - 1 : shift + 8;
		u64 pte;

		if (rd(cfg, (table & GENMASK_ULL(47, 12)) +
		       8 * bits(ipa, hi, shift), &pte, sizeof(pte)))
			return SMMU_EVT_F_WALK_EABT;
		if (!(pte & 1))
			return SMMU_EVT_F_TRANSLATION;
		if (level < 3 && (pte & 2)) {
			table = pte;
			continue;
		}
		if ((level == 3 && !(pte & 2)) || level == 0)
			return SMMU_EVT_F_TRANSLATION;
		if (!(pte & BIT_ULL(10)))
			return SMMU_EVT_F_ACCESS;
		/* S2AP: bit 6 read, bit 7 write */
		if (!(pte & BIT_ULL(6)) || (write && !(pte & BIT_ULL(7))))
			return SMMU_EVT_F_PERMISSION;
		*w = pte & BIT_ULL(7);
		*pa = (pte & GENMASK_ULL(47, 12) & ~((1ULL << shift) - 1)) |
		      (ipa & ((1ULL << shift) - 1));
		if (size)
			*size = 1ULL << shift;
		return 0;
	}
}

/* Read @len bytes at intermediate address @ipa (a table or a CD) */
static unsigned int rd_ipa(const struct smmu_walk_cfg *cfg,
			   const struct s2_cfg *s2, u64 ipa, void *buf,
			   size_t len, unsigned int fetch_event)
{
	unsigned int event;
	u64 pa;
	bool w;

	event = s2_translate(cfg, s2, ipa, false, &pa, &w, NULL);
	if (event)
		return event;
	return rd(cfg, pa, buf, len) ? fetch_event : 0;
}

static unsigned int walk_s1(const struct smmu_walk_cfg *cfg,
			    const struct s2_cfg *s2, const u64 cd[8],
			    u64 iova, bool write, struct smmu_walk_result *res)
{
	unsigned int ias = 64 - bits(cd[0], 5, 0), level, event;
	bool no_write = false, no_unpriv = false, w2;
	u64 table = cd[1] & GENMASK_ULL(51, 4), size2;

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
		u64 pte, out;

		event = rd_ipa(cfg, s2, (table & GENMASK_ULL(47, 12)) +
			       8 * bits(iova, shift + 8, shift), &pte,
			       sizeof(pte), SMMU_EVT_F_WALK_EABT);
		if (event)
			return event;
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
		out = (pte & GENMASK_ULL(47, 12) & ~(res->size - 1)) |
		      (iova & (res->size - 1));
		/* Then stage 2 of the output address */
		event = s2_translate(cfg, s2, out, write, &res->pa, &w2,
				     &size2);
		if (event)
			return event;
		res->write = res->write && w2;
		res->size = min(res->size, size2);
		return 0;
	}
}

void smmu_walk(const struct smmu_walk_cfg *cfg, u32 sid, u64 iova, bool write,
	       struct smmu_walk_result *res)
{
	struct s2_cfg s2 = {};
	unsigned int cfgv;
	u64 ste[8], cd[8];

	*res = (struct smmu_walk_result){};
	res->event = find_ste(cfg, sid, ste);
	if (res->event)
		return;
	if (!(ste[0] & 1)) {
		res->event = SMMU_EVT_C_BAD_STE;
		return;
	}
	cfgv = bits(ste[0], 3, 1);
	switch (cfgv) {
	case 4:		/* bypass */
		res->bypass = true;
		res->pa = iova;
		res->size = SZ_4K;
		res->write = true;
		return;
	case 5:		/* stage 1 translate, stage 2 bypass */
		break;
	case 6:		/* stage 2 only, or nested */
	case 7:
		if (!cfg->s2p) {
			res->event = SMMU_EVT_C_BAD_STE;
			return;
		}
		res->event = s2_setup(ste, &s2);
		if (res->event)
			return;
		res->vmid = bits(ste[2], 15, 0);
		if (cfgv == 6) {
			res->event = s2_translate(cfg, &s2, iova, write,
						  &res->pa, &res->write,
						  &res->size);
			return;
		}
		break;
	default:	/* 0: abort, and 1-3 behave as abort */
		res->event = SMMU_WALK_ABORT;
		return;
	}
	/* No substreams: S1CDMax must be 0, one CD at S1ContextPtr */
	if (bits(ste[0], 63, 59)) {
		res->event = SMMU_EVT_C_BAD_STE;
		return;
	}
	res->event = rd_ipa(cfg, &s2, ste[0] & GENMASK_ULL(51, 6), cd,
			    sizeof(cd), SMMU_EVT_F_CD_FETCH);
	if (res->event)
		return;
	if (!(cd[0] & BIT_ULL(31))) {
		res->event = SMMU_EVT_C_BAD_CD;
		return;
	}
	res->asid = bits(cd[0], 63, 48);
	res->event = walk_s1(cfg, &s2, cd, iova, write, res);
}
