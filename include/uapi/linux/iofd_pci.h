/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * iofd-oot: the per-device char device of iofd-pci.
 *
 * A PCI device bound to the iofd-pci stub driver (with driver_override, as
 * vfio-pci) gets a char device /dev/iofd/devices/iofdN; its sysfs node is
 * /sys/bus/pci/devices/<BDF>/iofd-dev/iofdN. The three ioctls below have
 * the numbers and structure layouts of the VFIO device cdev of upstream
 * Linux (v6.15 layouts, include/uapi/linux/vfio.h), which Debian 12's
 * headers do not have yet. The device's BARs are not claimed: map them
 * through sysfs resourceN.
 *
 * Differences from VFIO: the char device has no other ioctl (no
 * GET_INFO, regions or interrupts; ENOTTY), and a device bound on one fd
 * cannot be bound on a second one: EBUSY where VFIO says EINVAL.
 */
#ifndef _UAPI_LINUX_IOFD_PCI_H
#define _UAPI_LINUX_IOFD_PCI_H

#include <linux/ioctl.h>
#include <linux/types.h>

#ifndef VFIO_TYPE
#define VFIO_TYPE	(';')
#define VFIO_BASE	100
#endif

#ifndef VFIO_DEVICE_BIND_IOMMUFD
/**
 * struct vfio_device_bind_iommufd - VFIO_DEVICE_BIND_IOMMUFD
 * @argsz: user filled size of this data, at least 16
 * @flags: must be 0
 * @iommufd: an open /dev/iommu file descriptor
 * @out_devid: the ID of the device object in that iommufd context, for
 *	IOMMU_HWPT_ALLOC, IOMMU_GET_HW_INFO, IOMMU_VDEVICE_ALLOC, ...
 *
 * Binds the device to the iommufd context; its DMA is blocked until an
 * ATTACH. The file descriptor keeps the iommufd context alive until it is
 * closed; closing it clears bus mastering, detaches everything and leaves
 * the device's DMA blocked.
 *
 * Return: 0; -EINVAL for a bad @argsz or @flags, a negative @iommufd or a
 * second bind on the same file; -EBADF if @iommufd is not open; -EBADFD if
 * it is not /dev/iommu; -EBUSY if the device is bound on another file;
 * -ENODEV if no iofd driver controls the device's IOMMU (or the device is
 * gone).
 */
struct vfio_device_bind_iommufd {
	__u32 argsz;
	__u32 flags;
	__s32 iommufd;
	__u32 out_devid;
};

#define VFIO_DEVICE_BIND_IOMMUFD	_IO(VFIO_TYPE, VFIO_BASE + 18)
#endif

#ifndef VFIO_DEVICE_ATTACH_IOMMUFD_PT
/**
 * struct vfio_device_attach_iommufd_pt - VFIO_DEVICE_ATTACH_IOMMUFD_PT
 * @argsz: user filled size of this data, at least 12 (16 with a PASID)
 * @flags: 0 or VFIO_DEVICE_ATTACH_PASID
 * @pt_id: in: an IOAS, a paging or a nested HWPT of the bound context;
 *	out: the HWPT now used (an automatic one for an IOAS)
 * @pasid: with VFIO_DEVICE_ATTACH_PASID, the PASID to attach
 *
 * Attaches the device's requests without PASID (or @pasid's) to @pt_id,
 * replacing what they used, with no moment of blocked DMA in between.
 *
 * Return: 0; -EINVAL when not bound, for bad @argsz/@flags, a @pt_id of
 * another type or a HWPT the device cannot use; -ENOENT for an unknown
 * @pt_id; -EOPNOTSUPP for a PASID on a device without PASIDs; the
 * attach errnos of Documentation/objects.md.
 */
struct vfio_device_attach_iommufd_pt {
	__u32 argsz;
	__u32 flags;
#define VFIO_DEVICE_ATTACH_PASID	(1 << 0)
	__u32 pt_id;
	__u32 pasid;
};

#define VFIO_DEVICE_ATTACH_IOMMUFD_PT	_IO(VFIO_TYPE, VFIO_BASE + 19)
#endif

#ifndef VFIO_DEVICE_DETACH_IOMMUFD_PT
/**
 * struct vfio_device_detach_iommufd_pt - VFIO_DEVICE_DETACH_IOMMUFD_PT
 * @argsz: user filled size of this data, at least 8 (12 with a PASID)
 * @flags: 0 or VFIO_DEVICE_DETACH_PASID
 * @pasid: with VFIO_DEVICE_DETACH_PASID, the PASID to detach
 *
 * Blocks the device's requests without PASID (or @pasid's). Detaching
 * what is not attached succeeds and does nothing.
 *
 * Return: 0; -EINVAL when not bound or for bad @argsz/@flags;
 * -EOPNOTSUPP for a PASID on a device without PASIDs.
 */
struct vfio_device_detach_iommufd_pt {
	__u32 argsz;
	__u32 flags;
#define VFIO_DEVICE_DETACH_PASID	(1 << 0)
	__u32 pasid;
};

#define VFIO_DEVICE_DETACH_IOMMUFD_PT	_IO(VFIO_TYPE, VFIO_BASE + 20)
#endif

#endif /* _UAPI_LINUX_IOFD_PCI_H */
