/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Encoders of SMMUv3 stream table entries, context descriptors and
 * commands.  Pure: writing them (CD before STE, V last, CFGI + SYNC after)
 * is the driver's job.  KUnit checks them against hand-worked values
 * (kunit/smmu_entries_test.c).
 */
#ifndef _IOFD_SMMU_ENTRIES_H
#define _IOFD_SMMU_ENTRIES_H

#include <linux/string.h>
#include "smmu_hw.h"

struct iofd_pt_fmt;
/* The stage-1 and stage-2 formats for the core's radix tables */
extern const struct iofd_pt_fmt smmu_s1_fmt;
extern const struct iofd_pt_fmt smmu_s2_fmt;

/* DMA of the stream is dropped (no event) */
static inline void smmu_ste_abort(struct smmu_ste *ste)
{
	memset(ste, 0, sizeof(*ste));
	ste->dw[0] = SMMU_STE0_V |
		     FIELD_PREP(SMMU_STE0_CFG, SMMU_STE_CFG_ABORT);
}

/* DMA of the stream is not translated */
static inline void smmu_ste_bypass(struct smmu_ste *ste)
{
	memset(ste, 0, sizeof(*ste));
	ste->dw[0] = SMMU_STE0_V |
		     FIELD_PREP(SMMU_STE0_CFG, SMMU_STE_CFG_BYPASS);
	ste->dw[1] = FIELD_PREP(SMMU_STE1_SHCFG, SMMU_SHCFG_INCOMING);
}

/* Stage 1 through the one context descriptor at @cd (no substreams) */
static inline void smmu_ste_s1(struct smmu_ste *ste, phys_addr_t cd)
{
	memset(ste, 0, sizeof(*ste));
	ste->dw[0] = SMMU_STE0_V |
		     FIELD_PREP(SMMU_STE0_CFG, SMMU_STE_CFG_S1) |
		     (cd & SMMU_STE0_S1CTXPTR);
	ste->dw[1] = FIELD_PREP(SMMU_STE1_S1CIR, SMMU_CACHE_WBRA) |
		     FIELD_PREP(SMMU_STE1_S1COR, SMMU_CACHE_WBRA) |
		     FIELD_PREP(SMMU_STE1_S1CSH, SMMU_SH_IS);
}

/*
 * Stage 2 only (a nest parent where the unit has S2P): the 4K-granule
 * table at @s2ttb translating @ias input bits (4 levels above 39, 3
 * above 30), @ps the output size encoding, tagged @vmid; faults recorded
 */
static inline void smmu_ste_s2(struct smmu_ste *ste, phys_addr_t s2ttb,
			       unsigned int ias, unsigned int ps, u16 vmid)
{
	memset(ste, 0, sizeof(*ste));
	ste->dw[0] = SMMU_STE0_V |
		     FIELD_PREP(SMMU_STE0_CFG, SMMU_STE_CFG_S2);
	ste->dw[1] = FIELD_PREP(SMMU_STE1_SHCFG, SMMU_SHCFG_INCOMING);
	/* SL0 (4K granule): 2 starts at level 0, 1 at level 1 */
	ste->dw[2] = FIELD_PREP(SMMU_STE2_S2VMID, vmid) |
		     FIELD_PREP(SMMU_STE2_S2T0SZ, 64 - ias) |
		     FIELD_PREP(SMMU_STE2_S2SL0, ias > 39 ? 2 : 1) |
		     FIELD_PREP(SMMU_STE2_S2IR0, SMMU_CACHE_WBRA) |
		     FIELD_PREP(SMMU_STE2_S2OR0, SMMU_CACHE_WBRA) |
		     FIELD_PREP(SMMU_STE2_S2SH0, SMMU_SH_IS) |
		     FIELD_PREP(SMMU_STE2_S2PS, ps) | SMMU_STE2_S2AA64 |
		     SMMU_STE2_S2PTW | SMMU_STE2_S2R;
	ste->dw[3] = s2ttb & SMMU_STE3_S2TTB;
}

/*
 * Hardware nesting: the guest's stage-1 fields (a checked vSTE with
 * Config stage 1) over the stage-2 STE @s2 of the nest parent, as
 * upstream builds it: Config nested, the guest's DW0 and DW1 fields,
 * events merged (MEV)
 */
static inline void smmu_ste_nested(struct smmu_ste *ste, const u64 vste[2],
				   const struct smmu_ste *s2)
{
	*ste = *s2;
	ste->dw[0] = SMMU_STE0_V |
		     FIELD_PREP(SMMU_STE0_CFG, SMMU_STE_CFG_NESTED) |
		     (vste[0] & ~(SMMU_STE0_V | SMMU_STE0_CFG));
	ste->dw[1] |= vste[1] | SMMU_STE1_MEV;
}

/*
 * A context descriptor for a 4K-granule table at @ttb0 translating @ias
 * input bits, @ips the output size encoding, tagged @asid; faults are
 * recorded (R) and abort the transaction (A)
 */
static inline void smmu_cd_encode(struct smmu_cd *cd, phys_addr_t ttb0,
				  unsigned int ias, unsigned int ips, u16 asid)
{
	memset(cd, 0, sizeof(*cd));
	cd->dw[0] = FIELD_PREP(SMMU_CD0_T0SZ, 64 - ias) |
		    FIELD_PREP(SMMU_CD0_IR0, SMMU_CACHE_WBRA) |
		    FIELD_PREP(SMMU_CD0_OR0, SMMU_CACHE_WBRA) |
		    FIELD_PREP(SMMU_CD0_SH0, SMMU_SH_IS) | SMMU_CD0_EPD1 |
		    SMMU_CD0_V | FIELD_PREP(SMMU_CD0_IPS, ips) |
		    SMMU_CD0_AA64 | SMMU_CD0_R | SMMU_CD0_A | SMMU_CD0_ASET |
		    FIELD_PREP(SMMU_CD0_ASID, asid);
	cd->dw[1] = ttb0 & SMMU_CD1_TTB0;
	cd->dw[3] = SMMU_MAIR;
}

static inline struct smmu_cmd smmu_cmd_cfgi_ste(u32 sid)
{
	return (struct smmu_cmd){ .dw = {
		FIELD_PREP(SMMU_CMD0_OP, SMMU_OP_CFGI_STE) |
		FIELD_PREP(SMMU_CMD0_SID, sid),
		SMMU_CMD1_LEAF,
	} };
}

static inline struct smmu_cmd smmu_cmd_cfgi_cd(u32 sid, u32 ssid)
{
	return (struct smmu_cmd){ .dw = {
		FIELD_PREP(SMMU_CMD0_OP, SMMU_OP_CFGI_CD) |
		FIELD_PREP(SMMU_CMD0_SSID, ssid) |
		FIELD_PREP(SMMU_CMD0_SID, sid),
		SMMU_CMD1_LEAF,
	} };
}

/* Every STE: CFGI_STE_RANGE with range 31 */
static inline struct smmu_cmd smmu_cmd_cfgi_all(void)
{
	return (struct smmu_cmd){ .dw = {
		FIELD_PREP(SMMU_CMD0_OP, SMMU_OP_CFGI_STE_RANGE),
		FIELD_PREP(SMMU_CMD1_RANGE, 31),
	} };
}

static inline struct smmu_cmd smmu_cmd_tlbi_asid(u16 asid)
{
	return (struct smmu_cmd){ .dw = {
		FIELD_PREP(SMMU_CMD0_OP, SMMU_OP_TLBI_NH_ASID) |
		FIELD_PREP(SMMU_CMD0_ASID, asid),
	} };
}

/* One 4K page of @asid at @va (no range: TG 0) */
static inline struct smmu_cmd smmu_cmd_tlbi_va(u16 asid, u64 va, bool leaf)
{
	return (struct smmu_cmd){ .dw = {
		FIELD_PREP(SMMU_CMD0_OP, SMMU_OP_TLBI_NH_VA) |
		FIELD_PREP(SMMU_CMD0_ASID, asid),
		(va & SMMU_CMD1_VA) | (leaf ? SMMU_CMD1_LEAF : 0),
	} };
}

static inline struct smmu_cmd smmu_cmd_tlbi_s2_ipa(u16 vmid, u64 ipa)
{
	return (struct smmu_cmd){ .dw = {
		FIELD_PREP(SMMU_CMD0_OP, SMMU_OP_TLBI_S2_IPA) |
		FIELD_PREP(SMMU_CMD0_VMID, vmid),
		(ipa & SMMU_CMD1_VA & GENMASK_ULL(51, 0)) | SMMU_CMD1_LEAF,
	} };
}

/* Stage 1 and 2 of @vmid (S12_VMALL), or stage 1 only (NH_ALL) */
static inline struct smmu_cmd smmu_cmd_tlbi_vmid(u16 vmid, bool s2)
{
	return (struct smmu_cmd){ .dw = {
		FIELD_PREP(SMMU_CMD0_OP, s2 ? SMMU_OP_TLBI_S12_VMALL :
					      SMMU_OP_TLBI_NH_ALL) |
		FIELD_PREP(SMMU_CMD0_VMID, vmid),
	} };
}

static inline struct smmu_cmd smmu_cmd_tlbi_nsnh_all(void)
{
	return (struct smmu_cmd){ .dw = {
		FIELD_PREP(SMMU_CMD0_OP, SMMU_OP_TLBI_NSNH_ALL),
	} };
}

/* Completion is polled on CMDQ_CONS: no signal (CS = SIG_NONE) */
static inline struct smmu_cmd smmu_cmd_sync(void)
{
	return (struct smmu_cmd){ .dw = {
		FIELD_PREP(SMMU_CMD0_OP, SMMU_OP_CMD_SYNC),
	} };
}

#endif /* _IOFD_SMMU_ENTRIES_H */
