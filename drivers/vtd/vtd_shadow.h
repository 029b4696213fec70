/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shadow nesting: a guest's first-level (IA-32e) table, in guest-physical
 * memory, composed with the nest parent's second level into one
 * second-level table (IOVA -> host physical) that a unit without
 * first-level/nesting support (QEMU 7.2) can walk.
 */
#ifndef _IOFD_VTD_SHADOW_H
#define _IOFD_VTD_SHADOW_H

#include <linux/bits.h>
#include <linux/types.h>
#include <iofd/pgtable.h>

/**
 * struct vtd_shadow_src - where the guest's table is and how to reach it
 * @flptr: guest-physical address of the top first-level table
 * @fl_levels: 4 (48-bit) or 5 (57-bit)
 * @fl1gp: 1G first-level leaves are allowed
 * @gpa_to_hpa: the nest parent's translation of a guest-physical page:
 *	host physical address, with *@perm (VTD_SHADOW_R / VTD_SHADOW_W);
 *	0 when not mapped
 * @read_hpa: copy @len bytes of host RAM at @hpa; 0 or -EFAULT
 * @ctx: passed to both
 * @max_pages: work limit of one sync in 4K pages (0: VTD_SHADOW_MAX_PAGES)
 *
 * Guest tables are only ever read through @gpa_to_hpa: a guest pointer
 * outside the parent's mappings is a per-entry error, never a host read.
 */
struct vtd_shadow_src {
	u64 flptr;
	unsigned int fl_levels;
	bool fl1gp;
	u64 (*gpa_to_hpa)(void *ctx, u64 gpa, unsigned int *perm);
	int (*read_hpa)(void *ctx, u64 hpa, void *buf, size_t len);
	void *ctx;
	u64 max_pages;
};

/**
 * struct vtd_shadow_stats - what one sync did
 * @mapped: 4K shadow entries written
 * @tables: guest tables read
 * @unreachable: guest tables or pages outside the parent's mappings
 * @beyond: guest mappings above what the shadow's levels can hold
 * @bad: guest entries with a bad large-page level, or supervisor-only
 *	(U/S clear: every request through the shadow is a user request)
 * @truncated: the sync stopped at its work limit
 */
struct vtd_shadow_stats {
	u64 mapped;
	u64 tables;
	u64 unreachable;
	u64 beyond;
	u64 bad;
	bool truncated;
};

/* The parent's permissions, as second-level R and W */
#define VTD_SHADOW_R		IOFD_PT_R
#define VTD_SHADOW_W		IOFD_PT_W

/* Bounded work per call: 4K entries written, guest tables read */
#define VTD_SHADOW_MAX_PAGES	(1ULL << 20)
#define VTD_SHADOW_MAX_TABLES	8192

/**
 * struct vtd_guest_pasid - a guest PASID entry that passed validation
 * @flptr: guest-physical address of its first-level table
 * @fl_levels: 4 or 5 (FLPM)
 * @sre: supervisor requests
 * @wpe: write protection for supervisor requests
 * @eafe: extended accessed flag
 */
struct vtd_guest_pasid {
	u64 flptr;
	unsigned int fl_levels;
	bool sre;
	bool wpe;
	bool eafe;
};

/* What the host allows a guest PASID entry to use */
#define VTD_GUEST_ALLOW_SRE	BIT(0)
#define VTD_GUEST_ALLOW_5LEVEL	BIT(1)
#define VTD_GUEST_ALLOW_EAFE	BIT(2)

int vtd_guest_pasid_read(const struct vtd_shadow_src *mem, u64 dir_gpa,
			 u32 pasid, u32 allow, struct vtd_guest_pasid *out);

u64 vtd_shadow_prune(struct iofd_pgtable *shadow,
		     const struct vtd_shadow_src *src,
		     struct list_head *freelist);
int vtd_shadow_sync(struct iofd_pgtable *shadow,
		    const struct vtd_shadow_src *src, u64 start, u64 last,
		    bool refill, struct list_head *freelist,
		    struct vtd_shadow_stats *st);

#endif /* _IOFD_VTD_SHADOW_H */
