/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A reference SMMUv3 translator: given the stream table, context
 * descriptors and stage-1/stage-2 tables in memory, translate (StreamID,
 * IOVA) the way the SMMUv3 specification describes it (stage 1, stage 2,
 * nested; no substreams; 4K granule).  Written apart from the driver's encoders so that tests can
 * check the tables the driver builds by walking them.
 */
#ifndef _IOFD_SMMU_WALK_H
#define _IOFD_SMMU_WALK_H

#include <linux/types.h>

/* Events (SMMUv3 section 7.3); 0 when translated, SMMU_WALK_ABORT: Config abort */
#define SMMU_EVT_C_BAD_STREAMID	0x02
#define SMMU_EVT_F_STE_FETCH	0x03
#define SMMU_EVT_C_BAD_STE	0x04
#define SMMU_EVT_F_CD_FETCH	0x09
#define SMMU_EVT_C_BAD_CD	0x0a
#define SMMU_EVT_F_WALK_EABT	0x0b
#define SMMU_EVT_F_TRANSLATION	0x10
#define SMMU_EVT_F_ACCESS	0x12
#define SMMU_EVT_F_PERMISSION	0x13
#define SMMU_WALK_ABORT		0x100

/**
 * struct smmu_walk_cfg - the SMMU's stream table configuration
 * @read: copy @len bytes at @pa into @buf; 0 or -EFAULT
 * @ctx: passed to @read
 * @strtab: STRTAB_BASE address
 * @two_level: STRTAB_BASE_CFG.FMT is 2-level
 * @log2size: STRTAB_BASE_CFG.LOG2SIZE
 * @split: STRTAB_BASE_CFG.SPLIT (2-level only)
 * @s2p: the unit has stage 2 (IDR0.S2P): Config stage 2 and nested are
 *	walked, otherwise they are C_BAD_STE
 */
struct smmu_walk_cfg {
	int (*read)(void *ctx, u64 pa, void *buf, size_t len);
	void *ctx;
	u64 strtab;
	bool two_level;
	unsigned int log2size;
	unsigned int split;
	bool s2p;
};

/**
 * struct smmu_walk_result - what a walk found
 * @event: 0 when translated, else an SMMU_EVT_* (or SMMU_WALK_ABORT)
 * @pa: the output address
 * @size: the size of the leaf (4K, 2M, 1G)
 * @write: the translation allows writes
 * @bypass: the STE bypasses translation
 * @asid: the CD's ASID
 * @vmid: the STE's S2VMID (stage 2 and nested)
 */
struct smmu_walk_result {
	unsigned int event;
	u64 pa;
	u64 size;
	bool write;
	bool bypass;
	u16 asid;
	u16 vmid;
};

void smmu_walk(const struct smmu_walk_cfg *cfg, u32 sid, u64 iova, bool write,
	       struct smmu_walk_result *res);

#endif /* _IOFD_SMMU_WALK_H */
