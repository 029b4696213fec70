// SPDX-License-Identifier: GPL-2.0
/*
 * uAPI argument checks with no side effects.  The order of the checks is
 * the order of the errno rules of include/uapi/linux/iommufd.h: unknown
 * bits first (-EOPNOTSUPP), then values that cannot be right (-EINVAL),
 * then arithmetic that does not fit (-EOVERFLOW).
 */
#include <linux/errno.h>
#include <linux/limits.h>
#include <linux/overflow.h>
#include <linux/iommufd.h>
#include "validate.h"

#define IOFD_MAP_FLAGS                                                         \
	(IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_WRITEABLE |               \
	 IOMMU_IOAS_MAP_READABLE)

/* Flags, IOVA and length of IOAS_MAP, IOAS_MAP_FILE and IOAS_COPY */
int iofd_check_map_args(u32 flags, u64 iova, u64 length)
{
	if (flags & ~IOFD_MAP_FLAGS)
		return -EOPNOTSUPP;
	/* A mapping nobody may read or write is a mistake, as upstream */
	if (!(flags & (IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE)))
		return -EINVAL;
	if (iova >= ULONG_MAX || length >= ULONG_MAX)
		return -EOVERFLOW;
	if (!length)
		return -EINVAL;
	return 0;
}

/* [start, start + length) as an inclusive range that must not wrap */
int iofd_check_range(u64 start, u64 length, unsigned long *last)
{
	u64 l;

	if (!length)
		return -EINVAL;
	if (check_add_overflow(start, length - 1, &l) || l > ULONG_MAX)
		return -EOVERFLOW;
	*last = l;
	return 0;
}

#define IOFD_HWPT_ALLOC_FLAGS                                                  \
	(IOMMU_HWPT_ALLOC_NEST_PARENT | IOMMU_HWPT_ALLOC_DIRTY_TRACKING |      \
	 IOMMU_HWPT_ALLOC_PASID | IOMMU_HWPT_FAULT_ID_VALID)

/* The parts of HWPT_ALLOC that need no object lookup */
int iofd_check_hwpt_alloc(const struct iommu_hwpt_alloc *cmd)
{
	if (cmd->flags & ~IOFD_HWPT_ALLOC_FLAGS || cmd->__reserved ||
	    cmd->__reserved2)
		return -EOPNOTSUPP;
	/* Driver data and its type come together or not at all */
	if ((cmd->data_type == IOMMU_HWPT_DATA_NONE && cmd->data_len) ||
	    (cmd->data_type != IOMMU_HWPT_DATA_NONE && !cmd->data_len))
		return -EINVAL;
	/* Fault queues (FAULT_QUEUE_ALLOC) are not implemented yet */
	if (cmd->flags & IOMMU_HWPT_FAULT_ID_VALID)
		return -EOPNOTSUPP;
	return 0;
}
