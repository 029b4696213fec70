/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Intel VT-d: registers and in-memory structures of a scalable-mode
 * remapping unit, as numbers from the VT-d specification (rev. 3.x).
 * Everything here is pure: no register access, no allocation, so the
 * encoders and the reference walker built on it run under KUnit on UML.
 */
#ifndef _IOFD_VTD_HW_H
#define _IOFD_VTD_HW_H

#include <linux/bits.h>
#include <linux/bitfield.h>
#include <linux/types.h>

/* Register offsets */
#define VTD_REG_VER		0x00
#define VTD_REG_CAP		0x08
#define VTD_REG_ECAP		0x10
#define VTD_REG_GCMD		0x18
#define VTD_REG_GSTS		0x1c
#define VTD_REG_RTADDR		0x20
#define VTD_REG_CCMD		0x28
#define VTD_REG_FSTS		0x34
#define VTD_REG_FECTL		0x38
#define VTD_REG_IQH		0x80
#define VTD_REG_IQT		0x88
#define VTD_REG_IQA		0x90
#define VTD_REG_ICS		0x9c
#define VTD_REG_IECTL		0xa0
/* The smallest register window we touch (through the fault records) */
#define VTD_REG_MIN_SIZE	0x1000

/* GCMD (write-only) and GSTS bits */
#define VTD_GCMD_TE		BIT(31)
#define VTD_GCMD_SRTP		BIT(30)
#define VTD_GCMD_QIE		BIT(26)
#define VTD_GCMD_IRE		BIT(25)
/* Status bits that stand for a persistent command bit (GCMD is W/O) */
#define VTD_GSTS_PERSISTENT	(BIT(31) | BIT(26) | BIT(25) | BIT(23))

/* RTADDR: translation table mode in bits 11:10 */
#define VTD_RTADDR_TTM_SM	(1ULL << 10)

/* CAP */
#define VTD_CAP_ND		GENMASK_ULL(2, 0)
#define VTD_CAP_RWBF		BIT_ULL(4)
#define VTD_CAP_CM		BIT_ULL(7)
#define VTD_CAP_SAGAW		GENMASK_ULL(12, 8)
#define VTD_CAP_MGAW		GENMASK_ULL(21, 16)
#define VTD_CAP_FRO		GENMASK_ULL(33, 24)
#define VTD_CAP_SLLPS		GENMASK_ULL(37, 34)
#define VTD_CAP_PSI		BIT_ULL(39)
#define VTD_CAP_NFR		GENMASK_ULL(47, 40)
#define VTD_CAP_MAMV		GENMASK_ULL(53, 48)
#define VTD_CAP_FL1GP		BIT_ULL(56)
#define VTD_CAP_FL5LP		BIT_ULL(60)

/* ECAP */
#define VTD_ECAP_C		BIT_ULL(0)
#define VTD_ECAP_QI		BIT_ULL(1)
#define VTD_ECAP_DT		BIT_ULL(2)
#define VTD_ECAP_PT		BIT_ULL(6)
#define VTD_ECAP_SC		BIT_ULL(7)
#define VTD_ECAP_IRO		GENMASK_ULL(17, 8)
#define VTD_ECAP_NEST		BIT_ULL(26)
#define VTD_ECAP_SRS		BIT_ULL(31)
#define VTD_ECAP_EAFS		BIT_ULL(34)
#define VTD_ECAP_PSS		GENMASK_ULL(39, 35)
#define VTD_ECAP_PASID		BIT_ULL(40)
#define VTD_ECAP_SMTS		BIT_ULL(43)
#define VTD_ECAP_SLTS		BIT_ULL(46)
#define VTD_ECAP_FLTS		BIT_ULL(47)

/* FSTS */
#define VTD_FSTS_PFO		BIT(0)
#define VTD_FSTS_PPF		BIT(1)
#define VTD_FSTS_IQE		BIT(4)
#define VTD_FSTS_ICE		BIT(5)
#define VTD_FSTS_ITE		BIT(6)
#define VTD_FSTS_FRI		GENMASK(15, 8)
#define VTD_FECTL_IM		BIT(31)

/* IQA: 256-bit descriptors, queue size 2^(QS + 8 - DW) descriptors */
#define VTD_IQA_DW		BIT_ULL(11)
#define VTD_IQA_QS		GENMASK_ULL(2, 0)

/*
 * Fault recording register, as two 64-bit halves: lo holds the faulting
 * page, hi the source ID, PASID, reason and status bits.
 */
#define VTD_FRCD_LO_FI		GENMASK_ULL(63, 12)
#define VTD_FRCD_HI_SID		GENMASK_ULL(15, 0)
#define VTD_FRCD_HI_PP		BIT_ULL(31)
#define VTD_FRCD_HI_FR		GENMASK_ULL(39, 32)
#define VTD_FRCD_HI_PV		GENMASK_ULL(59, 40)
#define VTD_FRCD_HI_T		BIT_ULL(62)	/* 1: read, 0: write */
#define VTD_FRCD_HI_F		BIT_ULL(63)

/* Address widths: a table of L levels translates 12 + 9 * L bits */
#define VTD_AGAW_39		1	/* 3 levels */
#define VTD_AGAW_48		2	/* 4 levels */
#define VTD_AGAW_57		3	/* 5 levels */
static inline unsigned int vtd_agaw_levels(unsigned int agaw)
{
	return agaw + 2;
}

static inline unsigned int vtd_agaw_width(unsigned int agaw)
{
	return 30 + 9 * agaw;
}

/* Root table: 256 entries of 128 bits, indexed by bus */
struct vtd_root_entry {
	u64 lo;		/* context table of devfn 0x00-0x7f */
	u64 hi;		/* context table of devfn 0x80-0xff */
};

#define VTD_ROOT_P		BIT_ULL(0)
#define VTD_ROOT_CTP		GENMASK_ULL(63, 12)

/* Scalable-mode context entry: 256 bits; a 4K table holds 128 */
struct vtd_context_entry {
	u64 val[4];
};

#define VTD_CTX0_P		BIT_ULL(0)
#define VTD_CTX0_FPD		BIT_ULL(1)
#define VTD_CTX0_DTE		BIT_ULL(2)
#define VTD_CTX0_PASIDE		BIT_ULL(3)
#define VTD_CTX0_PDTS		GENMASK_ULL(11, 9)
#define VTD_CTX0_PASIDDIRPTR	GENMASK_ULL(63, 12)
#define VTD_CTX1_RID_PASID	GENMASK_ULL(19, 0)

/* PASID directory: 64-bit entries, each a table of 64 PASID entries */
#define VTD_PDE_P		BIT_ULL(0)
#define VTD_PDE_FPD		BIT_ULL(1)
#define VTD_PDE_PTP		GENMASK_ULL(63, 12)
#define VTD_PASID_PDE_SHIFT	6
#define VTD_PASIDS_PER_TABLE	64

/* PASID table entry: 512 bits */
struct vtd_pasid_entry {
	u64 val[8];
};

#define VTD_PE0_P		BIT_ULL(0)
#define VTD_PE0_FPD		BIT_ULL(1)
#define VTD_PE0_AW		GENMASK_ULL(4, 2)
#define VTD_PE0_PGTT		GENMASK_ULL(8, 6)
#define VTD_PE0_SLPTPTR		GENMASK_ULL(63, 12)
#define VTD_PE1_DID		GENMASK_ULL(15, 0)
#define VTD_PE1_PWSNP		BIT_ULL(23)
#define VTD_PE1_PGSNP		BIT_ULL(24)
#define VTD_PE2_SRE		BIT_ULL(0)
#define VTD_PE2_FLPM		GENMASK_ULL(3, 2)
#define VTD_PE2_WPE		BIT_ULL(4)
#define VTD_PE2_EAFE		BIT_ULL(7)
#define VTD_PE2_FLPTPTR		GENMASK_ULL(63, 12)

/* PGTT: what a PASID entry translates with */
#define VTD_PGTT_FL		1
#define VTD_PGTT_SL		2
#define VTD_PGTT_NESTED		3
#define VTD_PGTT_PT		4

/* Second-level paging entries: present when R or W is set */
#define VTD_SL_R		BIT_ULL(0)
#define VTD_SL_W		BIT_ULL(1)
#define VTD_SL_PS		BIT_ULL(7)
#define VTD_SL_SNP		BIT_ULL(11)
#define VTD_SL_ADDR		GENMASK_ULL(51, 12)

/* First-level (IA-32e) paging entries */
#define VTD_FL_P		BIT_ULL(0)
#define VTD_FL_RW		BIT_ULL(1)
#define VTD_FL_US		BIT_ULL(2)
#define VTD_FL_A		BIT_ULL(5)
#define VTD_FL_D		BIT_ULL(6)
#define VTD_FL_PS		BIT_ULL(7)
#define VTD_FL_ADDR		GENMASK_ULL(51, 12)
#define VTD_FL_XD		BIT_ULL(63)

/* Every level indexes 9 bits of the address above the 4K offset */
#define VTD_PT_ENTRIES		512
static inline unsigned int vtd_level_shift(unsigned int level)
{
	return 12 + 9 * (level - 1);
}

static inline unsigned int vtd_level_index(u64 addr, unsigned int level)
{
	return (addr >> vtd_level_shift(level)) & (VTD_PT_ENTRIES - 1);
}

/*
 * Queued-invalidation descriptors, 256 bits (the first two quadwords
 * carry everything; the last two are zero).
 */
struct vtd_qi_desc {
	u64 qw[4];
};

#define VTD_QI_TYPE		GENMASK_ULL(3, 0)
#define VTD_QI_GRAN		GENMASK_ULL(5, 4)
#define VTD_QI_DID		GENMASK_ULL(31, 16)

#define VTD_QI_TYPE_CC		1	/* context cache */
#define VTD_QI_TYPE_IOTLB	2
#define VTD_QI_TYPE_DEVTLB	3
#define VTD_QI_TYPE_WAIT	5
#define VTD_QI_TYPE_PIOTLB	6	/* PASID-based IOTLB */
#define VTD_QI_TYPE_PC		7	/* PASID cache */

/* Context cache: granularity, source ID and function mask */
#define VTD_QI_CC_GLOBAL	1
#define VTD_QI_CC_DOMAIN	2
#define VTD_QI_CC_DEVICE	3
#define VTD_QI_CC_SID		GENMASK_ULL(47, 32)
#define VTD_QI_CC_FM		GENMASK_ULL(49, 48)

/* IOTLB: global, domain (DSI) or page-selective (PSI) */
#define VTD_QI_IOTLB_GLOBAL	1
#define VTD_QI_IOTLB_DOMAIN	2
#define VTD_QI_IOTLB_PAGE	3
#define VTD_QI_IOTLB_DW		BIT_ULL(6)
#define VTD_QI_IOTLB_DR		BIT_ULL(7)
#define VTD_QI_IOTLB_AM		GENMASK_ULL(5, 0)
#define VTD_QI_IOTLB_IH		BIT_ULL(6)
#define VTD_QI_IOTLB_ADDR	GENMASK_ULL(63, 12)

/* PASID cache: all of a domain, one PASID, or global */
#define VTD_QI_PC_DOMAIN	0
#define VTD_QI_PC_PASID		1
#define VTD_QI_PC_GLOBAL	3
#define VTD_QI_PC_PASID_VAL	GENMASK_ULL(51, 32)

/* Wait: status write of 32 bits of data to an address */
#define VTD_QI_WAIT_IF		BIT_ULL(4)
#define VTD_QI_WAIT_SW		BIT_ULL(5)
#define VTD_QI_WAIT_FN		BIT_ULL(6)
#define VTD_QI_WAIT_DATA	GENMASK_ULL(63, 32)

/* Fault reasons (legacy codes, also used by QEMU in scalable mode) */
#define VTD_FR_ROOT_ENTRY_P		0x01
#define VTD_FR_CONTEXT_ENTRY_P		0x02
#define VTD_FR_CONTEXT_ENTRY_INV	0x03
#define VTD_FR_ADDR_BEYOND_MGAW		0x04
#define VTD_FR_WRITE			0x05
#define VTD_FR_READ			0x06
#define VTD_FR_PAGING_ENTRY_INV		0x07
#define VTD_FR_PAGING_ENTRY_RSVD	0x0c
#define VTD_FR_PASID_TABLE_INV		0x58

#endif /* _IOFD_VTD_HW_H */
