/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Encoders of the scalable-mode structures and invalidation descriptors.
 * Pure functions: they build values; writing them into live tables in the
 * right order (present bit last, caches flushed, invalidation after) is
 * the driver's job (vtd_unit.c).  KUnit checks them against hand-worked
 * values (kunit/vtd_entries_test.c).
 */
#ifndef _IOFD_VTD_ENTRIES_H
#define _IOFD_VTD_ENTRIES_H

#include <linux/minmax.h>
#include <linux/string.h>
#include "vtd_hw.h"

struct iofd_pt_fmt;
/* The second-level format for the core's radix tables (vtd_slfmt.c) */
extern const struct iofd_pt_fmt vtd_sl_fmt;

/* A root entry half: the context table of devfn 0-127 or 128-255 */
static inline u64 vtd_root_half(phys_addr_t ctx_table)
{
	return (ctx_table & VTD_ROOT_CTP) | VTD_ROOT_P;
}

/*
 * A scalable-mode context entry: PASID directory of 2^(@pdts + 7)
 * entries, requests without PASID use @rid_pasid, requests with a PASID
 * are allowed when @paside.
 */
static inline void vtd_context_encode(struct vtd_context_entry *ce,
				      phys_addr_t pasid_dir, unsigned int pdts,
				      u32 rid_pasid, bool paside)
{
	memset(ce, 0, sizeof(*ce));
	ce->val[0] = (pasid_dir & VTD_CTX0_PASIDDIRPTR) |
		     FIELD_PREP(VTD_CTX0_PDTS, pdts) |
		     (paside ? VTD_CTX0_PASIDE : 0) | VTD_CTX0_P;
	ce->val[1] = FIELD_PREP(VTD_CTX1_RID_PASID, rid_pasid);
}

static inline u64 vtd_pasid_dir_encode(phys_addr_t pasid_table)
{
	return (pasid_table & VTD_PDE_PTP) | VTD_PDE_P;
}

/* Requests through @pe are translated by the second level @slptr */
static inline void vtd_pasid_encode_sl(struct vtd_pasid_entry *pe,
				       phys_addr_t slptr, unsigned int agaw,
				       u16 did)
{
	memset(pe, 0, sizeof(*pe));
	pe->val[0] = (slptr & VTD_PE0_SLPTPTR) |
		     FIELD_PREP(VTD_PE0_PGTT, VTD_PGTT_SL) |
		     FIELD_PREP(VTD_PE0_AW, agaw) | VTD_PE0_P;
	pe->val[1] = FIELD_PREP(VTD_PE1_DID, did);
}

/* Requests through @pe are not translated (devices we do not manage) */
static inline void vtd_pasid_encode_pt(struct vtd_pasid_entry *pe,
				       unsigned int agaw, u16 did)
{
	memset(pe, 0, sizeof(*pe));
	pe->val[0] = FIELD_PREP(VTD_PE0_PGTT, VTD_PGTT_PT) |
		     FIELD_PREP(VTD_PE0_AW, agaw) | VTD_PE0_P;
	pe->val[1] = FIELD_PREP(VTD_PE1_DID, did);
}

/* Flags of a nested entry, as IOMMU_VTD_S1_* of the uAPI */
#define VTD_NEST_SRE	BIT(0)
#define VTD_NEST_EAFE	BIT(1)
#define VTD_NEST_WPE	BIT(2)

/*
 * Nested: the guest's first level @flptr (guest-physical, 4 or 5 levels)
 * over the second level @slptr.
 */
static inline void vtd_pasid_encode_nested(struct vtd_pasid_entry *pe,
					   phys_addr_t flptr,
					   unsigned int fl_levels,
					   phys_addr_t slptr,
					   unsigned int agaw, u16 did,
					   u32 flags)
{
	vtd_pasid_encode_sl(pe, slptr, agaw, did);
	pe->val[0] &= ~VTD_PE0_PGTT;
	pe->val[0] |= FIELD_PREP(VTD_PE0_PGTT, VTD_PGTT_NESTED);
	pe->val[2] = (flptr & VTD_PE2_FLPTPTR) |
		     FIELD_PREP(VTD_PE2_FLPM, fl_levels == 5 ? 1 : 0) |
		     ((flags & VTD_NEST_SRE) ? VTD_PE2_SRE : 0) |
		     ((flags & VTD_NEST_WPE) ? VTD_PE2_WPE : 0) |
		     ((flags & VTD_NEST_EAFE) ? VTD_PE2_EAFE : 0);
}

/* ---- queued-invalidation descriptors ---- */

static inline struct vtd_qi_desc vtd_qi_cc_device(u16 did, u16 sid)
{
	return (struct vtd_qi_desc){ .qw = {
		FIELD_PREP(VTD_QI_TYPE, VTD_QI_TYPE_CC) |
		FIELD_PREP(VTD_QI_GRAN, VTD_QI_CC_DEVICE) |
		FIELD_PREP(VTD_QI_DID, did) | FIELD_PREP(VTD_QI_CC_SID, sid),
	} };
}

static inline struct vtd_qi_desc vtd_qi_cc_global(void)
{
	return (struct vtd_qi_desc){ .qw = {
		FIELD_PREP(VTD_QI_TYPE, VTD_QI_TYPE_CC) |
		FIELD_PREP(VTD_QI_GRAN, VTD_QI_CC_GLOBAL),
	} };
}

static inline struct vtd_qi_desc vtd_qi_pc(u16 did, u32 pasid)
{
	return (struct vtd_qi_desc){ .qw = {
		FIELD_PREP(VTD_QI_TYPE, VTD_QI_TYPE_PC) |
		FIELD_PREP(VTD_QI_GRAN, VTD_QI_PC_PASID) |
		FIELD_PREP(VTD_QI_DID, did) |
		FIELD_PREP(VTD_QI_PC_PASID_VAL, pasid),
	} };
}

/* Every PASID of domain @did */
static inline struct vtd_qi_desc vtd_qi_pc_domain(u16 did)
{
	return (struct vtd_qi_desc){ .qw = {
		FIELD_PREP(VTD_QI_TYPE, VTD_QI_TYPE_PC) |
		FIELD_PREP(VTD_QI_GRAN, VTD_QI_PC_DOMAIN) |
		FIELD_PREP(VTD_QI_DID, did),
	} };
}

static inline struct vtd_qi_desc vtd_qi_pc_global(void)
{
	return (struct vtd_qi_desc){ .qw = {
		FIELD_PREP(VTD_QI_TYPE, VTD_QI_TYPE_PC) |
		FIELD_PREP(VTD_QI_GRAN, VTD_QI_PC_GLOBAL),
	} };
}

static inline struct vtd_qi_desc vtd_qi_iotlb_global(void)
{
	return (struct vtd_qi_desc){ .qw = {
		FIELD_PREP(VTD_QI_TYPE, VTD_QI_TYPE_IOTLB) |
		FIELD_PREP(VTD_QI_GRAN, VTD_QI_IOTLB_GLOBAL) |
		VTD_QI_IOTLB_DR | VTD_QI_IOTLB_DW,
	} };
}

static inline struct vtd_qi_desc vtd_qi_iotlb_domain(u16 did)
{
	return (struct vtd_qi_desc){ .qw = {
		FIELD_PREP(VTD_QI_TYPE, VTD_QI_TYPE_IOTLB) |
		FIELD_PREP(VTD_QI_GRAN, VTD_QI_IOTLB_DOMAIN) |
		VTD_QI_IOTLB_DR | VTD_QI_IOTLB_DW |
		FIELD_PREP(VTD_QI_DID, did),
	} };
}

/*
 * Page-selective: the 2^@am pages from @addr (aligned to that size);
 * @ih: only leaves changed, paging-structure caches may stay.
 */
static inline struct vtd_qi_desc vtd_qi_iotlb_pages(u16 did, u64 addr,
						    unsigned int am, bool ih)
{
	return (struct vtd_qi_desc){ .qw = {
		FIELD_PREP(VTD_QI_TYPE, VTD_QI_TYPE_IOTLB) |
		FIELD_PREP(VTD_QI_GRAN, VTD_QI_IOTLB_PAGE) |
		VTD_QI_IOTLB_DR | VTD_QI_IOTLB_DW |
		FIELD_PREP(VTD_QI_DID, did),
		(addr & VTD_QI_IOTLB_ADDR) | (ih ? VTD_QI_IOTLB_IH : 0) |
		FIELD_PREP(VTD_QI_IOTLB_AM, am),
	} };
}

/* Write @data to @status_pa when every earlier descriptor is done */
static inline struct vtd_qi_desc vtd_qi_wait(phys_addr_t status_pa, u32 data)
{
	return (struct vtd_qi_desc){ .qw = {
		FIELD_PREP(VTD_QI_TYPE, VTD_QI_TYPE_WAIT) | VTD_QI_WAIT_SW |
		VTD_QI_WAIT_FN | FIELD_PREP(VTD_QI_WAIT_DATA, data),
		status_pa & ~3ULL,
	} };
}

/*
 * The smallest page-selective invalidation covering [@start, @last]:
 * returns the address mask order and sets *@addr; -1 when more than
 * 2^@mamv pages would be needed (use a domain invalidation).
 */
static inline int vtd_qi_psi_order(u64 start, u64 last, unsigned int mamv,
				   u64 *addr)
{
	unsigned int am;

	/* Addresses have at most 64 bits: orders beyond 51 mean nothing */
	for (am = 0; am <= min(mamv, 51U); am++) {
		u64 mask = (1ULL << (12 + am)) - 1;

		if ((start & ~mask) + mask >= last) {
			*addr = start & ~mask;
			return am;
		}
	}
	return -1;
}

#endif /* _IOFD_VTD_ENTRIES_H */
