/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Pure checks of uAPI arguments, shared by the ioctl handlers and tested
 * on their own by kunit/validate_test.c.  Each returns 0 or the errno the
 * uAPI documents for the first problem found.
 */
#ifndef _IOFD_VALIDATE_H
#define _IOFD_VALIDATE_H

#include <linux/types.h>

struct iommu_hwpt_alloc;

int iofd_check_map_args(u32 flags, u64 iova, u64 length);
int iofd_check_range(u64 start, u64 length, unsigned long *last);
int iofd_check_hwpt_alloc(const struct iommu_hwpt_alloc *cmd);

#endif
