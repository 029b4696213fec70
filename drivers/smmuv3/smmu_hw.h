/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Arm SMMUv3: in-memory structures (stream table entries, context
 * descriptors, commands) and the stage-1 VMSAv8-64 4K-granule descriptors,
 * as numbers from the SMMUv3 specification (IHI 0070) and the Arm ARM.
 * Pure definitions: the encoders built on them run under KUnit on UML.
 */
#ifndef _IOFD_SMMU_HW_H
#define _IOFD_SMMU_HW_H

#include <linux/bits.h>
#include <linux/bitfield.h>
#include <linux/types.h>

/* Stream table entry: 64 bytes, 8 double words */
struct smmu_ste {
	u64 dw[8];
};

#define SMMU_STE0_V		BIT_ULL(0)
#define SMMU_STE0_CFG		GENMASK_ULL(3, 1)
#define SMMU_STE0_S1FMT		GENMASK_ULL(5, 4)
#define SMMU_STE0_S1CTXPTR	GENMASK_ULL(51, 6)
#define SMMU_STE0_S1CDMAX	GENMASK_ULL(63, 59)
#define SMMU_STE1_S1DSS		GENMASK_ULL(1, 0)
#define SMMU_STE1_S1CIR		GENMASK_ULL(3, 2)
#define SMMU_STE1_S1COR		GENMASK_ULL(5, 4)
#define SMMU_STE1_S1CSH		GENMASK_ULL(7, 6)
#define SMMU_STE1_STRW		GENMASK_ULL(31, 30)
#define SMMU_STE1_SHCFG		GENMASK_ULL(45, 44)

/* STE.Config */
#define SMMU_STE_CFG_ABORT	0
#define SMMU_STE_CFG_BYPASS	4
#define SMMU_STE_CFG_S1		5
#define SMMU_STE_CFG_S2		6
#define SMMU_STE_CFG_NESTED	7
#define SMMU_SHCFG_INCOMING	1

/* Cacheability and shareability encodings */
#define SMMU_CACHE_WBRA		1
#define SMMU_SH_IS		3

/* Context descriptor: 64 bytes */
struct smmu_cd {
	u64 dw[8];
};

#define SMMU_CD0_T0SZ		GENMASK_ULL(5, 0)
#define SMMU_CD0_TG0		GENMASK_ULL(7, 6)
#define SMMU_CD0_IR0		GENMASK_ULL(9, 8)
#define SMMU_CD0_OR0		GENMASK_ULL(11, 10)
#define SMMU_CD0_SH0		GENMASK_ULL(13, 12)
#define SMMU_CD0_EPD0		BIT_ULL(14)
#define SMMU_CD0_EPD1		BIT_ULL(30)
#define SMMU_CD0_V		BIT_ULL(31)
#define SMMU_CD0_IPS		GENMASK_ULL(34, 32)
#define SMMU_CD0_AA64		BIT_ULL(41)
#define SMMU_CD0_R		BIT_ULL(45)
#define SMMU_CD0_A		BIT_ULL(46)
#define SMMU_CD0_ASET		BIT_ULL(47)
#define SMMU_CD0_ASID		GENMASK_ULL(63, 48)
#define SMMU_CD1_TTB0		GENMASK_ULL(51, 4)

/* Commands: 16 bytes */
struct smmu_cmd {
	u64 dw[2];
};

#define SMMU_CMD0_OP		GENMASK_ULL(7, 0)
#define SMMU_CMD0_SSID		GENMASK_ULL(31, 12)
#define SMMU_CMD0_SID		GENMASK_ULL(63, 32)
#define SMMU_CMD0_VMID		GENMASK_ULL(47, 32)
#define SMMU_CMD0_ASID		GENMASK_ULL(63, 48)
#define SMMU_CMD0_SYNC_CS	GENMASK_ULL(13, 12)
#define SMMU_CMD1_LEAF		BIT_ULL(0)
#define SMMU_CMD1_RANGE		GENMASK_ULL(4, 0)
#define SMMU_CMD1_VA		GENMASK_ULL(63, 12)

#define SMMU_OP_CFGI_STE	0x03
#define SMMU_OP_CFGI_STE_RANGE	0x04
#define SMMU_OP_CFGI_CD		0x05
#define SMMU_OP_CFGI_CD_ALL	0x06
#define SMMU_OP_TLBI_NH_ALL	0x10
#define SMMU_OP_TLBI_NH_ASID	0x11
#define SMMU_OP_TLBI_NH_VA	0x12
#define SMMU_OP_TLBI_NSNH_ALL	0x30
#define SMMU_OP_CMD_SYNC	0x46

/* Stage-1 (VMSAv8-64, 4K granule) descriptors */
#define SMMU_PTE_VALID		BIT_ULL(0)
#define SMMU_PTE_TYPE_TABLE	BIT_ULL(1)	/* table at L0-L2, page at L3 */
#define SMMU_PTE_ATTRIDX	GENMASK_ULL(4, 2)
#define SMMU_PTE_AP_UNPRIV	BIT_ULL(6)
#define SMMU_PTE_AP_RDONLY	BIT_ULL(7)
#define SMMU_PTE_SH		GENMASK_ULL(9, 8)
#define SMMU_PTE_AF		BIT_ULL(10)
#define SMMU_PTE_NG		BIT_ULL(11)
#define SMMU_PTE_ADDR		GENMASK_ULL(47, 12)
#define SMMU_PTE_XN		GENMASK_ULL(54, 53)	/* PXN and UXN */

/* MAIR: index 0 non-cacheable, 1 write-back RW-allocate, 2 device */
#define SMMU_MAIR_ATTR_IDX_NC		0
#define SMMU_MAIR_ATTR_IDX_CACHE	1
#define SMMU_MAIR_ATTR_IDX_DEV		2
#define SMMU_MAIR			0xf404ff44ULL

#endif /* _IOFD_SMMU_HW_H */
