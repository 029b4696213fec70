// SPDX-License-Identifier: GPL-2.0
/*
 * iofd-pci: real PCI devices for iommufd contexts.
 *
 * A stub PCI driver that binds only through driver_override, as vfio-pci
 * is used.  Each bound device gets a char device (/dev/iofd/devices/iofdN,
 * sysfs <BDF>/iofd-dev/iofdN) with VFIO's device-cdev ioctls: BIND_IOMMUFD
 * makes it a DEVICE object of an iommufd context, ATTACH/DETACH point its
 * DMA at HWPTs.  The BARs are not claimed (the user maps sysfs resourceN)
 * and the kernel DMA API is never used on the device: its DMA belongs to
 * the user while bound and is blocked otherwise.
 *
 * The iofd driver that controls the device's IOMMU is found at the first
 * BIND (probe_device()) and keeps the device, blocked, until the device
 * leaves iofd-pci or the driver unregisters (release_device()).  A binding
 * holds a reference on that driver's module and on the iommufd file.
 */
#define pr_fmt(fmt) "iofd-pci: " fmt

#include <linux/cdev.h>
#include <linux/file.h>
#include <linux/idr.h>
#include <linux/iommu.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/iofd_pci.h>
#include "iofd_private.h"

#define IOFD_PCI_MINORS	256

/**
 * struct iofd_pci_dev - a PCI device bound to iofd-pci
 * @pdev: the device
 * @devnode: the char device's struct device; its release frees this
 *	struct, so every open file holds a reference on it
 * @cdev: the char device
 * @lock: guards @idevice, @bound and @gone, and serializes BIND, ATTACH,
 *	DETACH and unbinding of the device
 * @idevice: the iofd driver's handle of the device (probe_device()), NULL
 *	before the first BIND and after release_device()
 * @bound: the file the device is bound on, NULL when not bound
 * @gone: the device left iofd-pci; open files get -ENODEV
 * @node: in iofd_pci_devs, under iofd_pci_lock
 *
 * Lock order: iofd_pci_lock, then @lock, then the core's driver list lock.
 */
struct iofd_pci_dev {
	struct pci_dev *pdev;
	struct device devnode;
	struct cdev cdev;
	struct mutex lock;
	struct iofd_device *idevice;
	struct iofd_pci_file *bound;
	bool gone;
	struct list_head node;
};

/**
 * struct iofd_pci_file - one open of a device's char device
 * @pd: the device (a reference on @pd->devnode)
 * @ictx: the iommufd context bound on this file (a reference on its file),
 *	NULL when not bound
 * @idev: the DEVICE object in @ictx
 *
 * @ictx and @idev change under @pd->lock.
 */
struct iofd_pci_file {
	struct iofd_pci_dev *pd;
	struct iofd_ctx *ictx;
	struct iofd_idev *idev;
};

/* Every device bound to iofd-pci; see struct iofd_pci_dev for the order */
static LIST_HEAD(iofd_pci_devs);
static DEFINE_MUTEX(iofd_pci_lock);
static DEFINE_IDA(iofd_pci_minors);
static dev_t iofd_pci_devt;
static struct class *iofd_pci_class;

/* Blocks the device's DMA again and drops everything the binding held */
static void iofd_pci_unbind(struct iofd_pci_dev *pd)
{
	struct iofd_pci_file *pf = pd->bound;

	lockdep_assert_held(&pd->lock);
	/* Quiesce the device before its translation goes away */
	pci_clear_master(pd->pdev);
	iofd_device_unbind(pf->idev);
	module_put(pd->idevice->driver->owner);
	iofd_ctx_put(pf->ictx);
	pf->idev = NULL;
	pf->ictx = NULL;
	pd->bound = NULL;
}

/* Caller holds pd->lock; the device is not bound */
static void iofd_pci_release_idevice(struct iofd_pci_dev *pd)
{
	struct iofd_device *idevice = pd->idevice;

	if (!idevice)
		return;
	pd->idevice = NULL;
	idevice->driver->ops->release_device(idevice);
}

/* A driver unregisters: give back the devices it controls */
void iofd_pci_release_driver(const struct iofd_driver *driver)
{
	struct iofd_pci_dev *pd;

	mutex_lock(&iofd_pci_lock);
	list_for_each_entry(pd, &iofd_pci_devs, node) {
		mutex_lock(&pd->lock);
		/* A binding holds the driver's module: none can be left */
		if (pd->idevice && pd->idevice->driver == driver &&
		    !WARN_ON(pd->bound))
			iofd_pci_release_idevice(pd);
		mutex_unlock(&pd->lock);
	}
	mutex_unlock(&iofd_pci_lock);
}

/*
 * VFIO's rule for the device cdev structs: @argsz covers at least @minsz;
 * bytes past what we know are ignored (as VFIO up to v6.16).
 */
static int iofd_pci_copy_arg(void *dst, size_t size, size_t minsz,
			     void __user *uarg, u32 *argsz)
{
	if (get_user(*argsz, (u32 __user *)uarg))
		return -EFAULT;
	if (*argsz < minsz)
		return -EINVAL;
	memset(dst, 0, size);
	if (copy_from_user(dst, uarg, min_t(size_t, *argsz, size)))
		return -EFAULT;
	return 0;
}

static int iofd_pci_bind(struct iofd_pci_file *pf, void __user *uarg)
{
	struct vfio_device_bind_iommufd bind;
	struct iofd_pci_dev *pd = pf->pd;
	struct iofd_device *idevice;
	struct iofd_ctx *ictx;
	struct iofd_idev *idev;
	struct fd f;
	u32 argsz, id;
	int rc;

	rc = iofd_pci_copy_arg(&bind, sizeof(bind),
			       offsetofend(typeof(bind), out_devid), uarg,
			       &argsz);
	if (rc)
		return rc;
	if (bind.flags || bind.iommufd < 0)
		return -EINVAL;

	mutex_lock(&pd->lock);
	if (pd->gone) {
		rc = -ENODEV;
		goto out_unlock;
	}
	if (pf->ictx || pd->bound) {
		rc = pf->ictx ? -EINVAL : -EBUSY;
		goto out_unlock;
	}
	f = fdget(bind.iommufd);
	if (!f.file) {
		rc = -EBADF;
		goto out_unlock;
	}
	ictx = iofd_ctx_from_file(f.file);
	fdput(f);
	if (IS_ERR(ictx)) {
		rc = PTR_ERR(ictx);
		goto out_unlock;
	}

	/* Both paths leave a reference on the driver's module for the bind */
	idevice = pd->idevice;
	if (!idevice) {
		idevice = iofd_driver_probe_device(&pd->pdev->dev);
		if (IS_ERR(idevice)) {
			rc = PTR_ERR(idevice);
			goto out_ctx;
		}
		pd->idevice = idevice;
	} else if (!try_module_get(idevice->driver->owner)) {
		rc = -ENODEV;
		goto out_ctx;
	}

	idev = iofd_device_bind(ictx, idevice, &id);
	if (IS_ERR(idev)) {
		rc = PTR_ERR(idev);
		goto out_module;
	}
	/* As vfio-pci at open: the user enables bus mastering himself */
	pci_clear_master(pd->pdev);
	pf->ictx = ictx;
	pf->idev = idev;
	pd->bound = pf;
	if (put_user(id, (u32 __user *)(uarg +
					offsetof(typeof(bind), out_devid)))) {
		iofd_pci_unbind(pd);
		rc = -EFAULT;
	}
	mutex_unlock(&pd->lock);
	return rc;

out_module:
	module_put(idevice->driver->owner);
out_ctx:
	iofd_ctx_put(ictx);
out_unlock:
	mutex_unlock(&pd->lock);
	return rc;
}

/* Caller holds pd->lock; checks common to ATTACH and DETACH */
static int iofd_pci_check_pasid(struct iofd_pci_file *pf, u32 argsz,
				u32 minsz_pasid, bool want_pasid, u32 pasid,
				u32 *out_pasid)
{
	lockdep_assert_held(&pf->pd->lock);
	if (pf->pd->gone)
		return -ENODEV;
	if (!pf->ictx)
		return -EINVAL;
	*out_pasid = IOFD_NO_PASID;
	if (!want_pasid)
		return 0;
	if (argsz < minsz_pasid)
		return -EINVAL;
	if (!pf->pd->idevice->max_pasid_log2)
		return -EOPNOTSUPP;
	/* Also keeps U32_MAX (the core's "no PASID") from reaching the RID */
	if (pasid >= BIT_ULL(pf->pd->idevice->max_pasid_log2))
		return -EINVAL;
	*out_pasid = pasid;
	return 0;
}

static int iofd_pci_attach(struct iofd_pci_file *pf, void __user *uarg)
{
	struct vfio_device_attach_iommufd_pt attach;
	struct iofd_pci_dev *pd = pf->pd;
	u32 argsz, pasid, old_id, pt_id;
	int rc;

	rc = iofd_pci_copy_arg(&attach, sizeof(attach),
			       offsetofend(typeof(attach), pt_id), uarg,
			       &argsz);
	if (rc)
		return rc;
	if (attach.flags & ~VFIO_DEVICE_ATTACH_PASID)
		return -EINVAL;

	mutex_lock(&pd->lock);
	rc = iofd_pci_check_pasid(pf, argsz, sizeof(attach),
				  attach.flags & VFIO_DEVICE_ATTACH_PASID,
				  attach.pasid, &pasid);
	if (rc)
		goto out_unlock;
	/* ATTACH on an attached device replaces; pd->lock keeps it so */
	iofd_device_attached_hwpt(pf->idev, pasid, &old_id);
	pt_id = attach.pt_id;
	if (old_id)
		rc = iofd_device_replace(pf->idev, pasid, &pt_id);
	else
		rc = iofd_device_attach(pf->idev, pasid, &pt_id);
	if (rc)
		goto out_unlock;
	if (put_user(pt_id, (u32 __user *)(uarg +
					   offsetof(typeof(attach), pt_id)))) {
		/* A fresh attach is undone; a replace cannot be */
		if (!old_id)
			iofd_device_detach(pf->idev, pasid);
		rc = -EFAULT;
	}
out_unlock:
	mutex_unlock(&pd->lock);
	return rc;
}

static int iofd_pci_detach(struct iofd_pci_file *pf, void __user *uarg)
{
	struct vfio_device_detach_iommufd_pt detach;
	struct iofd_pci_dev *pd = pf->pd;
	u32 argsz, pasid;
	int rc;

	rc = iofd_pci_copy_arg(&detach, sizeof(detach),
			       offsetofend(typeof(detach), flags), uarg,
			       &argsz);
	if (rc)
		return rc;
	if (detach.flags & ~VFIO_DEVICE_DETACH_PASID)
		return -EINVAL;

	mutex_lock(&pd->lock);
	rc = iofd_pci_check_pasid(pf, argsz, sizeof(detach),
				  detach.flags & VFIO_DEVICE_DETACH_PASID,
				  detach.pasid, &pasid);
	if (!rc)
		iofd_device_detach(pf->idev, pasid);
	mutex_unlock(&pd->lock);
	return rc;
}

static long iofd_pci_ioctl(struct file *file, unsigned int cmd,
			   unsigned long arg)
{
	struct iofd_pci_file *pf = file->private_data;
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case VFIO_DEVICE_BIND_IOMMUFD:
		return iofd_pci_bind(pf, uarg);
	case VFIO_DEVICE_ATTACH_IOMMUFD_PT:
		return iofd_pci_attach(pf, uarg);
	case VFIO_DEVICE_DETACH_IOMMUFD_PT:
		return iofd_pci_detach(pf, uarg);
	}
	/* As VFIO: nothing but BIND before a BIND */
	return READ_ONCE(pf->ictx) ? -ENOTTY : -EINVAL;
}

static int iofd_pci_open(struct inode *inode, struct file *file)
{
	struct iofd_pci_dev *pd = container_of(inode->i_cdev,
					       struct iofd_pci_dev, cdev);
	struct iofd_pci_file *pf;

	pf = kzalloc(sizeof(*pf), GFP_KERNEL_ACCOUNT);
	if (!pf)
		return -ENOMEM;
	get_device(&pd->devnode);
	pf->pd = pd;
	file->private_data = pf;
	return nonseekable_open(inode, file);
}

static int iofd_pci_release(struct inode *inode, struct file *file)
{
	struct iofd_pci_file *pf = file->private_data;
	struct iofd_pci_dev *pd = pf->pd;

	mutex_lock(&pd->lock);
	if (pd->bound == pf)
		iofd_pci_unbind(pd);
	mutex_unlock(&pd->lock);
	put_device(&pd->devnode);
	kfree(pf);
	return 0;
}

static const struct file_operations iofd_pci_fops = {
	.owner = THIS_MODULE,
	.open = iofd_pci_open,
	.release = iofd_pci_release,
	.unlocked_ioctl = iofd_pci_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static void iofd_pci_devnode_release(struct device *dev)
{
	struct iofd_pci_dev *pd = container_of(dev, struct iofd_pci_dev,
					       devnode);

	ida_free(&iofd_pci_minors, MINOR(dev->devt));
	mutex_destroy(&pd->lock);
	pci_dev_put(pd->pdev);
	kfree(pd);
}

static int iofd_pci_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct iofd_pci_dev *pd;
	int minor, rc;

	/* Endpoints only: a bridge forwards other devices' DMA */
	if (pdev->hdr_type != PCI_HEADER_TYPE_NORMAL)
		return -EINVAL;
	pd = kzalloc(sizeof(*pd), GFP_KERNEL);
	if (!pd)
		return -ENOMEM;
	minor = ida_alloc_max(&iofd_pci_minors, IOFD_PCI_MINORS - 1,
			      GFP_KERNEL);
	if (minor < 0) {
		kfree(pd);
		return minor;
	}
	pd->pdev = pci_dev_get(pdev);
	mutex_init(&pd->lock);
	device_initialize(&pd->devnode);
	pd->devnode.class = iofd_pci_class;
	pd->devnode.parent = &pdev->dev;
	pd->devnode.devt = MKDEV(MAJOR(iofd_pci_devt), minor);
	pd->devnode.release = iofd_pci_devnode_release;
	cdev_init(&pd->cdev, &iofd_pci_fops);
	pd->cdev.owner = THIS_MODULE;
	rc = dev_set_name(&pd->devnode, "iofd%d", minor);
	if (!rc)
		rc = cdev_device_add(&pd->cdev, &pd->devnode);
	if (rc) {
		put_device(&pd->devnode);
		return rc;
	}
	pci_clear_master(pdev);
	mutex_lock(&iofd_pci_lock);
	list_add_tail(&pd->node, &iofd_pci_devs);
	mutex_unlock(&iofd_pci_lock);
	pci_set_drvdata(pdev, pd);
	pci_info(pdev, "%s\n", dev_name(&pd->devnode));
	return 0;
}

/*
 * Kernel 6.1 bug workaround: binding a driver runs of_iommu_configure(),
 * which leaves dev->iommu (a fwspec) on a device whose IOMMU has no kernel
 * driver (arm64 with the kernel's SMMUv3 driver kept off for ours); when
 * the device is then removed, iommu_release_device() dereferences the
 * missing iommu_dev (NULL pointer Oops, measured).  Drop such a leftover
 * when the device leaves us; the next driver bind makes it again.
 */
static void iofd_pci_drop_stale_iommu(struct device *dev)
{
#ifdef CONFIG_IOMMU_API
	struct dev_iommu *param = dev->iommu;

	if (!param || param->iommu_dev)
		return;
	iommu_fwspec_free(dev);
	dev->iommu = NULL;
	kfree(param);
#endif
}

/* The device leaves iofd-pci: unbind it, whoever still has it open */
static void iofd_pci_remove(struct pci_dev *pdev)
{
	struct iofd_pci_dev *pd = pci_get_drvdata(pdev);

	cdev_device_del(&pd->cdev, &pd->devnode);
	mutex_lock(&iofd_pci_lock);
	list_del(&pd->node);
	mutex_lock(&pd->lock);
	pd->gone = true;
	if (pd->bound)
		iofd_pci_unbind(pd);
	iofd_pci_release_idevice(pd);
	mutex_unlock(&pd->lock);
	mutex_unlock(&iofd_pci_lock);
	put_device(&pd->devnode);
	iofd_pci_drop_stale_iommu(&pdev->dev);
}

static struct pci_driver iofd_pci_driver = {
	.name = "iofd-pci",
	/* No IDs: it binds only through driver_override */
	.id_table = NULL,
	.probe = iofd_pci_probe,
	.remove = iofd_pci_remove,
	/* The device's DMA is ours, not the kernel IOMMU layer's */
	.driver_managed_dma = true,
};

/* 6.1's devnode callback takes a non-const device */
static char *iofd_pci_devnode(struct device *dev, umode_t *mode)
{
	return kasprintf(GFP_KERNEL, "iofd/devices/%s", dev_name(dev));
}

int iofd_pci_init(void)
{
	int rc;

	rc = alloc_chrdev_region(&iofd_pci_devt, 0, IOFD_PCI_MINORS,
				 "iofd-dev");
	if (rc)
		return rc;
	iofd_pci_class = class_create(THIS_MODULE, "iofd-dev");
	if (IS_ERR(iofd_pci_class)) {
		rc = PTR_ERR(iofd_pci_class);
		goto out_region;
	}
	iofd_pci_class->devnode = iofd_pci_devnode;
	rc = pci_register_driver(&iofd_pci_driver);
	if (rc)
		goto out_class;
	return 0;

out_class:
	class_destroy(iofd_pci_class);
out_region:
	unregister_chrdev_region(iofd_pci_devt, IOFD_PCI_MINORS);
	return rc;
}

void iofd_pci_exit(void)
{
	pci_unregister_driver(&iofd_pci_driver);
	class_destroy(iofd_pci_class);
	unregister_chrdev_region(iofd_pci_devt, IOFD_PCI_MINORS);
}

/*
 * Could @pdev's DMA arrive under another requester ID?  A DMA-alias quirk
 * (phantom functions), or a conventional-PCI bridge on the way up, which
 * takes ownership of the transactions.  (pci_for_each_dma_alias() is not
 * exported on 6.1; this is the same test, conservative.)
 */
bool iofd_pci_may_alias(struct pci_dev *pdev)
{
	struct pci_bus *bus;

	if (pdev->dma_alias_mask &&
	    !bitmap_empty(pdev->dma_alias_mask, 256))	/* devfns */
		return true;
	for (bus = pdev->bus; !pci_is_root_bus(bus); bus = bus->parent) {
		struct pci_dev *bridge = bus->self;

		if (!bridge || !pci_is_pcie(bridge) ||
		    pci_pcie_type(bridge) == PCI_EXP_TYPE_PCI_BRIDGE ||
		    pci_pcie_type(bridge) == PCI_EXP_TYPE_PCIE_BRIDGE)
			return true;
	}
	return false;
}
EXPORT_SYMBOL_GPL(iofd_pci_may_alias);
