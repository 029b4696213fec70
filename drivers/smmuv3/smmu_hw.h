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

/* Registers (SMMUv3 section 6.3); page 1 is at +64K */
#define SMMU_IDR0		0x00
#define SMMU_IDR0_S2P		BIT(0)
#define SMMU_IDR0_S1P		BIT(1)
#define SMMU_IDR0_TTF		GENMASK(3, 2)
#define SMMU_IDR0_COHACC	BIT(4)
#define SMMU_IDR0_ASID16	BIT(12)
#define SMMU_IDR0_MSI		BIT(13)
#define SMMU_IDR0_VMID16	BIT(18)
#define SMMU_IDR0_TTENDIAN	GENMASK(22, 21)
#define SMMU_IDR0_ST_LEVEL	GENMASK(28, 27)
#define SMMU_IDR1		0x04
#define SMMU_IDR1_SIDSIZE	GENMASK(5, 0)
#define SMMU_IDR1_SSIDSIZE	GENMASK(10, 6)
#define SMMU_IDR1_EVTQS		GENMASK(20, 16)
#define SMMU_IDR1_CMDQS		GENMASK(25, 21)
#define SMMU_IDR1_REL		BIT(28)
#define SMMU_IDR1_QUEUES_PRESET	BIT(29)
#define SMMU_IDR1_TABLES_PRESET	BIT(30)
#define SMMU_IDR3		0x0c
#define SMMU_IDR3_RIL		BIT(10)
#define SMMU_IDR5		0x14
#define SMMU_IDR5_OAS		GENMASK(2, 0)
#define SMMU_IDR5_GRAN4K	BIT(4)
#define SMMU_IIDR		0x18
#define SMMU_AIDR		0x1c
#define SMMU_CR0		0x20
#define SMMU_CR0_SMMUEN		BIT(0)
#define SMMU_CR0_EVTQEN		BIT(2)
#define SMMU_CR0_CMDQEN		BIT(3)
#define SMMU_CR0ACK		0x24
#define SMMU_CR1		0x28
#define SMMU_CR1_ALL_WB_ISH	0xd75	/* tables and queues: WB, inner shareable */
#define SMMU_CR2		0x2c
#define SMMU_CR2_RECINVSID	BIT(1)
#define SMMU_CR2_PTM		BIT(2)
#define SMMU_GBPA		0x44
#define SMMU_GBPA_ABORT		BIT(20)
#define SMMU_GBPA_UPDATE	BIT(31)
#define SMMU_IRQ_CTRL		0x50
#define SMMU_IRQ_CTRL_GERROR	BIT(0)
#define SMMU_IRQ_CTRL_EVTQ	BIT(2)
#define SMMU_IRQ_CTRLACK	0x54
#define SMMU_GERROR		0x60
#define SMMU_GERROR_CMDQ	BIT(0)
#define SMMU_GERROR_EVTQ_ABT	BIT(2)
#define SMMU_GERRORN		0x64
#define SMMU_STRTAB_BASE	0x80
#define SMMU_STRTAB_BASE_RA	BIT_ULL(62)
#define SMMU_STRTAB_BASE_ADDR	GENMASK_ULL(51, 6)
#define SMMU_STRTAB_BASE_CFG	0x88
#define SMMU_STRTAB_LOG2SIZE	GENMASK(5, 0)
#define SMMU_STRTAB_SPLIT	GENMASK(10, 6)
#define SMMU_STRTAB_FMT		GENMASK(17, 16)
#define SMMU_STRTAB_FMT_2LVL	1
#define SMMU_CMDQ_BASE		0x90
#define SMMU_EVTQ_BASE		0xa0
#define SMMU_Q_BASE_RWA		BIT_ULL(62)
#define SMMU_Q_BASE_ADDR	GENMASK_ULL(51, 5)
#define SMMU_Q_BASE_LOG2SIZE	GENMASK_ULL(4, 0)
#define SMMU_CMDQ_PROD		0x98
#define SMMU_CMDQ_CONS		0x9c
#define SMMU_CMDQ_CONS_ERR	GENMASK(30, 24)
#define SMMU_EVTQ_PROD		0x100a8
#define SMMU_EVTQ_CONS		0x100ac
#define SMMU_Q_OVF		BIT(31)
#define SMMU_REG_SIZE		0x20000

/* Level-1 stream table descriptor: L2 table of 2^(Span-1) STEs */
#define SMMU_L1_SPAN		GENMASK_ULL(4, 0)
#define SMMU_L1_L2PTR		GENMASK_ULL(51, 6)
#define SMMU_STRTAB_SPLIT_BITS	8	/* 256 STEs (16K) per level-2 table */

/* Event records: 32 bytes (section 7.3) */
struct smmu_evt {
	u64 dw[4];
};

#define SMMU_EVT0_ID		GENMASK_ULL(7, 0)
#define SMMU_EVT0_SSV		BIT_ULL(11)
#define SMMU_EVT0_SID		GENMASK_ULL(63, 32)
#define SMMU_EVT1_RNW		BIT_ULL(35)

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
#define SMMU_STE1_S1STALLD	BIT_ULL(27)
#define SMMU_STE1_EATS		GENMASK_ULL(29, 28)
#define SMMU_STE1_STRW		GENMASK_ULL(31, 30)
#define SMMU_STE1_SHCFG		GENMASK_ULL(45, 44)
#define SMMU_STE1_MEV		BIT_ULL(19)
#define SMMU_STE2_S2VMID	GENMASK_ULL(15, 0)
#define SMMU_STE2_S2T0SZ	GENMASK_ULL(37, 32)
#define SMMU_STE2_S2SL0		GENMASK_ULL(39, 38)
#define SMMU_STE2_S2IR0		GENMASK_ULL(41, 40)
#define SMMU_STE2_S2OR0		GENMASK_ULL(43, 42)
#define SMMU_STE2_S2SH0		GENMASK_ULL(45, 44)
#define SMMU_STE2_S2TG		GENMASK_ULL(47, 46)
#define SMMU_STE2_S2PS		GENMASK_ULL(50, 48)
#define SMMU_STE2_S2AA64	BIT_ULL(51)
#define SMMU_STE2_S2PTW		BIT_ULL(54)
#define SMMU_STE2_S2R		BIT_ULL(58)
#define SMMU_STE3_S2TTB		GENMASK_ULL(51, 4)

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
#define SMMU_CMD0_NUM		GENMASK_ULL(16, 12)
#define SMMU_CMD0_SCALE		GENMASK_ULL(24, 20)
#define SMMU_CMD1_TTL		GENMASK_ULL(9, 8)
#define SMMU_CMD1_TG		GENMASK_ULL(11, 10)

#define SMMU_OP_CFGI_STE	0x03
#define SMMU_OP_CFGI_STE_RANGE	0x04
#define SMMU_OP_CFGI_CD		0x05
#define SMMU_OP_CFGI_CD_ALL	0x06
#define SMMU_OP_TLBI_NH_ALL	0x10
#define SMMU_OP_TLBI_NH_ASID	0x11
#define SMMU_OP_TLBI_NH_VA	0x12
#define SMMU_OP_TLBI_NH_VAA	0x13
#define SMMU_OP_TLBI_S12_VMALL	0x28
#define SMMU_OP_TLBI_S2_IPA	0x2a
#define SMMU_OP_TLBI_NSNH_ALL	0x30
#define SMMU_OP_ATC_INV		0x40
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

/* Stage-2 descriptors: MemAttr, S2AP (bit 6 read, bit 7 write) */
#define SMMU_S2PTE_MEMATTR	GENMASK_ULL(5, 2)
#define SMMU_S2PTE_MEMATTR_WB	0xf	/* normal, inner/outer write-back */
#define SMMU_S2PTE_S2AP_R	BIT_ULL(6)
#define SMMU_S2PTE_S2AP_W	BIT_ULL(7)

/* MAIR: index 0 non-cacheable, 1 write-back RW-allocate, 2 device */
#define SMMU_MAIR_ATTR_IDX_NC		0
#define SMMU_MAIR_ATTR_IDX_CACHE	1
#define SMMU_MAIR_ATTR_IDX_DEV		2
#define SMMU_MAIR			0xf404ff44ULL

#endif /* _IOFD_SMMU_HW_H */
