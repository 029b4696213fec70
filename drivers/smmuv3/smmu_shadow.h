/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shadow nesting on an SMMU without stage 2 (QEMU 7.2): the guest's STE
 * (vSTE) names a context descriptor and a stage-1 table in guest-physical
 * memory; composed with the nest parent's table (guest-physical -> host
 * physical) they give one stage-1 table the SMMU can walk.  Pure code:
 * KUnit runs it on UML against hand-built guest tables.
 */
#ifndef _IOFD_SMMU_SHADOW_H
#define _IOFD_SMMU_SHADOW_H

#include <linux/types.h>
#include <iofd/pgtable.h>

/**
 * struct smmu_shadow_src - where the guest's tables are and how to reach them
 * @ttb0: guest-physical address of the guest's top stage-1 table
 * @ias: input address bits of the guest's table (64 - T0SZ, 25..48)
 * @gpa_to_hpa: the nest parent's translation of a guest-physical page:
 *	host physical address and *@perm (IOFD_PT_R / IOFD_PT_W); 0 when not
 *	mapped
 * @read_hpa: copy @len bytes of host RAM at @hpa; 0 or -EFAULT
 * @ctx: passed to both
 * @max_pages: work limit of one sync in 4K pages (0: SMMU_SHADOW_MAX_PAGES)
 *
 * Guest tables are only read through @gpa_to_hpa: a guest pointer outside
 * the parent's mappings is a per-entry error, never a host read.
 */
struct smmu_shadow_src {
	u64 ttb0;
	unsigned int ias;
	u64 (*gpa_to_hpa)(void *ctx, u64 gpa, unsigned int *perm);
	int (*read_hpa)(void *ctx, u64 hpa, void *buf, size_t len);
	void *ctx;
	u64 max_pages;
};

/**
 * struct smmu_shadow_stats - what one sync did
 * @mapped: 4K shadow entries written
 * @tables: guest tables read
 * @unreachable: guest tables or pages outside the parent's mappings
 * @bad: guest entries the SMMU would fault on: level-0 blocks, reserved
 *	level-3 encodings, AF clear, privileged-only (AP[1] clear or
 *	APTable[0] set: requests through the shadow are unprivileged)
 * @truncated: the sync stopped at its work limit
 */
struct smmu_shadow_stats {
	u64 mapped;
	u64 tables;
	u64 unreachable;
	u64 bad;
	bool truncated;
};

/* Bounded work per call: 4K entries written, guest tables read */
#define SMMU_SHADOW_MAX_PAGES	(1ULL << 20)
#define SMMU_SHADOW_MAX_TABLES	8192

/**
 * struct smmu_guest_cd - a guest context descriptor that passed validation
 * @ttb0: guest-physical address of its stage-1 table
 * @ias: input bits (64 - T0SZ)
 * @asid: the guest's ASID (its TLBI commands name it)
 * @valid: the CD was read and accepted; false: every access faults
 */
struct smmu_guest_cd {
	u64 ttb0;
	unsigned int ias;
	u16 asid;
	bool valid;
};

int smmu_vste_check(const u64 in[2], u64 out[2], unsigned int ssid_bits);
int smmu_guest_cd_read(const struct smmu_shadow_src *mem, u64 cd_gpa,
		       struct smmu_guest_cd *out);
int smmu_shadow_sync(struct iofd_pgtable *shadow,
		     const struct smmu_shadow_src *src, u64 start, u64 last,
		     bool refill, struct list_head *freelist,
		     struct smmu_shadow_stats *st);
u64 smmu_shadow_extent(const struct smmu_shadow_src *src, u64 va);
u64 smmu_shadow_prune(struct iofd_pgtable *shadow,
		      const struct smmu_shadow_src *src,
		      struct list_head *freelist);

#endif /* _IOFD_SMMU_SHADOW_H */
