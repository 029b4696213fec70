/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Real PCI devices in the test guest: find one by vendor:device, move it to
 * iofd-pci with driver_override (as vfio-pci is used) and back, find its
 * char device, and the VFIO-cdev style ioctls on it.
 */
#ifndef __IOFD_PCI_UTILS_H
#define __IOFD_PCI_UTILS_H

#include <dirent.h>
#include <linux/iofd_pci.h>
#include "iommufd_utils.h"

#define PCI_DEVICES "/sys/bus/pci/devices"
#define EDU_VENDOR 0x1234
#define EDU_DEVICE 0x11e8

/* Write @val to the sysfs file @dir/@name; 0 or -1 with errno */
static inline __maybe_unused int iofd_sysfs_write(const char *dir,
						  const char *name,
						  const char *val)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (ssize_t)strlen(val) ? 0 : -1;
}

/*
 * The BDF of the device @vendor:@device with the lowest address into @bdf,
 * or false.  The lowest, not the first in readdir() order (sysfs lists by
 * hash): with a second edu behind a root port, the tests all use the one on
 * the root bus, and iofd_hotplug alone the other (iofd_pci_find_slot()).
 */
static inline __maybe_unused bool iofd_pci_find(unsigned int vendor,
						unsigned int device,
						char *bdf, size_t len)
{
	struct dirent *de;
	bool found = false;
	DIR *d;

	d = opendir(PCI_DEVICES);
	if (!d)
		return false;
	while ((de = readdir(d))) {
		char path[PATH_MAX];

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), PCI_DEVICES "/%s/vendor",
			 de->d_name);
		if (iofd_read_ulong(path, 0) != vendor)
			continue;
		snprintf(path, sizeof(path), PCI_DEVICES "/%s/device",
			 de->d_name);
		if (iofd_read_ulong(path, 0) != device)
			continue;
		if (strlen(de->d_name) < len &&
		    (!found || strcmp(de->d_name, bdf) < 0)) {
			strcpy(bdf, de->d_name);
			found = true;
		}
	}
	closedir(d);
	return found;
}

/*
 * A device @vendor:@device in a hot-plug slot: its BDF into @bdf and the
 * slot's sysfs directory into @slot, or false.  The slot's "address" is
 * domain:bus:dev, the device's function 0 is looked up there.
 */
static inline __maybe_unused bool iofd_pci_find_slot(unsigned int vendor,
						     unsigned int device,
						     char *bdf, size_t len,
						     char *slot, size_t slen)
{
	const char *slots = "/sys/bus/pci/slots";
	struct dirent *de;
	bool found = false;
	DIR *d;

	d = opendir(slots);
	if (!d)
		return false;
	while (!found && (de = readdir(d))) {
		char path[PATH_MAX], addr[64] = "";
		ssize_t n;
		int fd;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s/address", slots,
			 de->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		n = fd < 0 ? -1 : read(fd, addr, sizeof(addr) - 1);
		if (fd >= 0)
			close(fd);
		if (n <= 0)
			continue;
		addr[n] = 0;
		addr[strcspn(addr, "\n")] = 0;
		snprintf(path, sizeof(path), PCI_DEVICES "/%s.0/vendor", addr);
		if (iofd_read_ulong(path, 0) != vendor)
			continue;
		snprintf(path, sizeof(path), PCI_DEVICES "/%s.0/device", addr);
		if (iofd_read_ulong(path, 0) != device)
			continue;
		if ((size_t)snprintf(bdf, len, "%s.0", addr) >= len ||
		    (size_t)snprintf(slot, slen, "%s/%s", slots,
				     de->d_name) >= slen)
			continue;
		found = true;
	}
	closedir(d);
	return found;
}

/* The name of the driver bound to @bdf into @drv ("" for none) */
static inline __maybe_unused void iofd_pci_driver(const char *bdf, char *drv,
						  size_t len)
{
	char path[PATH_MAX], target[256];
	ssize_t n;

	snprintf(path, sizeof(path), PCI_DEVICES "/%s/driver", bdf);
	n = readlink(path, target, sizeof(target) - 1);
	drv[0] = 0;
	if (n <= 0)
		return;
	target[n] = 0;
	snprintf(drv, len, "%s", strrchr(target, '/') + 1);
}

/*
 * Bind @bdf to @driver ("" = no driver) through driver_override, the
 * vfio-pci procedure; 0 or -1 with errno.
 */
static inline __maybe_unused int iofd_pci_rebind(const char *bdf,
						 const char *driver)
{
	char dir[256], cur[64];

	snprintf(dir, sizeof(dir), PCI_DEVICES "/%s", bdf);
	iofd_pci_driver(bdf, cur, sizeof(cur));
	if (cur[0] && strcmp(cur, driver)) {
		char drvdir[256];

		snprintf(drvdir, sizeof(drvdir), "/sys/bus/pci/drivers/%s",
			 cur);
		if (iofd_sysfs_write(drvdir, "unbind", bdf))
			return -1;
	}
	/* An empty override is written as a newline, which clears it */
	if (iofd_sysfs_write(dir, "driver_override", driver[0] ? driver : "\n"))
		return -1;
	if (driver[0] && strcmp(cur, driver) &&
	    iofd_sysfs_write("/sys/bus/pci", "drivers_probe", bdf))
		return -1;
	iofd_pci_driver(bdf, cur, sizeof(cur));
	if (strcmp(cur, driver)) {
		errno = ENODEV;
		return -1;
	}
	return 0;
}

/*
 * Back to how the machine was: no override, the driver @orig had before
 * ("" for none); 0 or -1 with errno
 */
static inline __maybe_unused int iofd_pci_give_back(const char *bdf,
						    const char *orig)
{
	if (iofd_pci_rebind(bdf, ""))
		return -1;
	if (orig[0] && strcmp(orig, "iofd-pci"))
		return iofd_pci_rebind(bdf, orig);
	return 0;
}

/* The /dev path of @bdf's iofd-pci char device into @path, or false */
static inline __maybe_unused bool iofd_pci_cdev(const char *bdf, char *path,
						size_t len)
{
	char dir[256];
	struct dirent *de;
	bool found = false;
	DIR *d;

	snprintf(dir, sizeof(dir), PCI_DEVICES "/%s/iofd-dev", bdf);
	d = opendir(dir);
	if (!d)
		return false;
	while (!found && (de = readdir(d))) {
		if (strncmp(de->d_name, "iofd", 4))
			continue;
		if (strlen(de->d_name) + sizeof("/dev/iofd/devices/") > len)
			continue;
		strcpy(path, "/dev/iofd/devices/");
		strcat(path, de->d_name);
		found = true;
	}
	closedir(d);
	return found;
}

/*
 * Move @bdf to iofd-pci and open its char device (path into @cdev): the
 * file descriptor, or -1 with errno
 */
static inline __maybe_unused int iofd_pci_take(const char *bdf, char *cdev,
					       size_t len)
{
	if (iofd_pci_rebind(bdf, "iofd-pci"))
		return -1;
	if (!iofd_pci_cdev(bdf, cdev, len)) {
		errno = ENOENT;
		return -1;
	}
	return open(cdev, O_RDWR | O_CLOEXEC);
}

static inline __maybe_unused int _test_pci_bind(int devfd, int iommufd,
						__u32 *devid)
{
	struct vfio_device_bind_iommufd bind = {
		.argsz = sizeof(bind),
		.iommufd = iommufd,
	};
	int rc;

	rc = ioctl(devfd, VFIO_DEVICE_BIND_IOMMUFD, &bind);
	if (!rc && devid)
		*devid = bind.out_devid;
	return rc;
}

static inline __maybe_unused int _test_pci_attach(int devfd, __u32 *pt_id,
						  bool use_pasid, __u32 pasid)
{
	struct vfio_device_attach_iommufd_pt attach = {
		.argsz = sizeof(attach),
		.flags = use_pasid ? VFIO_DEVICE_ATTACH_PASID : 0,
		.pt_id = *pt_id,
		.pasid = pasid,
	};
	int rc;

	rc = ioctl(devfd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach);
	if (!rc)
		*pt_id = attach.pt_id;
	return rc;
}

static inline __maybe_unused int _test_pci_detach(int devfd, bool use_pasid,
						  __u32 pasid)
{
	struct vfio_device_detach_iommufd_pt detach = {
		.argsz = sizeof(detach),
		.flags = use_pasid ? VFIO_DEVICE_DETACH_PASID : 0,
		.pasid = pasid,
	};

	return ioctl(devfd, VFIO_DEVICE_DETACH_IOMMUFD_PT, &detach);
}

/* ---- the edu device: a DMA engine with a 4K buffer at 0x40000 ---- */

#define EDU_BAR_SIZE	0x100000
#define EDU_DMA_SRC	0x80
#define EDU_DMA_DST	0x88
#define EDU_DMA_COUNT	0x90
#define EDU_DMA_CMD	0x98
#define EDU_CMD_START	0x1
#define EDU_CMD_TO_RAM	0x2	/* device buffer -> RAM */
#define EDU_BUF		0x40000
/* A transfer ending at 0x41000 aborts QEMU 7.2: at most 4095 bytes */
#define EDU_MAX_XFER	4095

/* Memory decode (sysfs enable) and bus mastering on or off */
static inline __maybe_unused int iofd_pci_master(const char *bdf, bool on)
{
	char path[256];
	__u16 cmd;
	int fd, rc = -1;

	snprintf(path, sizeof(path), PCI_DEVICES "/%s/config", bdf);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (pread(fd, &cmd, 2, 4) == 2) {
		/* memory space (bit 1) always, bus master (bit 2) as asked */
		cmd = (cmd | 0x2) & ~0x4;
		if (on)
			cmd |= 0x4;
		rc = pwrite(fd, &cmd, 2, 4) == 2 ? 0 : -1;
	}
	close(fd);
	return rc;
}

/* Map edu's BAR0 through sysfs; NULL on failure */
/*
 * Register accesses that the compiler must neither merge nor drop (the
 * kernel's readl/writel idea, without volatile)
 */
static inline __maybe_unused void mmio_w64(__u8 *bar, unsigned int off, __u64 v)
{
	__atomic_store_n((__u64 *)(bar + off), v, __ATOMIC_SEQ_CST);
}

static inline __maybe_unused void mmio_w32(__u8 *bar, unsigned int off, __u32 v)
{
	__atomic_store_n((__u32 *)(bar + off), v, __ATOMIC_SEQ_CST);
}

static inline __maybe_unused __u32 mmio_r32(__u8 *bar, unsigned int off)
{
	return __atomic_load_n((__u32 *)(bar + off), __ATOMIC_SEQ_CST);
}

static inline __maybe_unused __u8 *edu_map(const char *bdf)
{
	char path[256];
	void *p;
	int fd;

	snprintf(path, sizeof(path), PCI_DEVICES "/%s/resource0", bdf);
	fd = open(path, O_RDWR | O_SYNC | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	p = mmap(NULL, EDU_BAR_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 0);
	close(fd);
	return p == MAP_FAILED ? NULL : p;
}

/* edu's DMA registers take 8-byte accesses (and 4-byte ones) */
#define edu_w64 mmio_w64

/*
 * One DMA of @count bytes, @to_ram: from edu's buffer at @dev_off to the
 * bus address @addr, else from @addr into the buffer.  Polls until done;
 * 0, or -1 when the device did not finish (about 100 ms of virtual time
 * per transfer is normal).
 */
static inline __maybe_unused int edu_dma(__u8 *bar, bool to_ram,
					 __u64 addr, unsigned int dev_off,
					 unsigned int count)
{
	int i;

	if (to_ram) {
		edu_w64(bar, EDU_DMA_SRC, EDU_BUF + dev_off);
		edu_w64(bar, EDU_DMA_DST, addr);
	} else {
		edu_w64(bar, EDU_DMA_SRC, addr);
		edu_w64(bar, EDU_DMA_DST, EDU_BUF + dev_off);
	}
	edu_w64(bar, EDU_DMA_COUNT, count);
	mmio_w32(bar, EDU_DMA_CMD,
		 EDU_CMD_START | (to_ram ? EDU_CMD_TO_RAM : 0));
	for (i = 0; i < 5000; i++) {
		if (!(mmio_r32(bar, EDU_DMA_CMD) & EDU_CMD_START))
			return 0;
		usleep(1000);
	}
	return -1;
}

/* The physical address of @va (root only: /proc/self/pagemap), or 0 */
static inline __maybe_unused __u64 iofd_virt_to_phys(const void *va)
{
	unsigned long page = sysconf(_SC_PAGESIZE);
	__u64 ent = 0;
	int fd;

	fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (pread(fd, &ent, 8, ((uintptr_t)va / page) * 8) != 8)
		ent = 0;
	close(fd);
	if (!(ent & (1ULL << 63)))
		return 0;
	return (ent & ((1ULL << 55) - 1)) * page + (uintptr_t)va % page;
}

#endif
