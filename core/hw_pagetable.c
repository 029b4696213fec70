// SPDX-License-Identifier: GPL-2.0
/*
 * HWPT_PAGING objects: a driver domain that mirrors one IOAS.
 *
 * Lifetime: the HWPT holds a users reference on its IOAS; every device
 * (RID or PASID) attached to it holds one on the HWPT.  An auto domain,
 * made by attaching a device straight to an IOAS, is destroyed when its
 * last device detaches (see iofd_hwpt_put_attached()).
 */
#include <linux/slab.h>
#include <linux/module.h>
#include <linux/iommufd.h>
#include "iofd_private.h"
#include "validate.h"

/*
 * Allocate and fill a paging HWPT for @idev's driver on @ioas.  The caller
 * holds ioas->mutex and finalizes the object, or destroys it with
 * iofd_object_abort_and_destroy() after unlisting it (list_del_init of
 * ioas_node) while still holding the mutex.
 */
struct iofd_hwpt_paging *iofd_hwpt_paging_alloc(struct iofd_ctx *ictx,
						struct iofd_ioas *ioas,
						struct iofd_idev *idev,
						u32 flags, bool auto_domain)
{
	const struct iofd_driver *driver = idev->dev->driver;
	struct iofd_hwpt_paging *hwpt;
	struct iofd_domain *domain;
	int rc;

	lockdep_assert_held(&ioas->mutex);
	hwpt = iofd_alloc_obj(ictx, hwpt, IOFD_OBJ_HWPT_PAGING);
	if (IS_ERR(hwpt))
		return hwpt;
	hwpt->ictx = ictx;
	hwpt->auto_domain = auto_domain;
	hwpt->flags = flags;
	hwpt->nest_parent = flags & IOMMU_HWPT_ALLOC_NEST_PARENT;
	INIT_LIST_HEAD(&hwpt->ioas_node);
	INIT_LIST_HEAD(&hwpt->iopt_node);
	refcount_inc(&ioas->obj.users);	/* put by iofd_hwpt_paging_destroy */
	hwpt->ioas = ioas;

	if (!try_module_get(driver->owner)) {
		rc = -ENODEV;
		goto err_destroy;
	}
	if (iofd_should_fail()) {
		module_put(driver->owner);
		rc = -ENOMEM;
		goto err_destroy;
	}
	domain = driver->ops->domain_alloc_paging(idev->dev, flags);
	if (IS_ERR_OR_NULL(domain)) {
		module_put(driver->owner);
		rc = domain ? PTR_ERR(domain) : -ENOMEM;
		goto err_destroy;
	}
	hwpt->domain = domain;

	rc = iopt_add_domain(&ioas->iopt, hwpt);
	if (rc)
		goto err_destroy;
	list_add_tail(&hwpt->ioas_node, &ioas->hwpt_list);
	return hwpt;

err_destroy:
	iofd_object_abort_and_destroy(ictx, &hwpt->obj);
	return ERR_PTR(rc);
}

/* Also undoes a partly built HWPT (see iofd_hwpt_paging_alloc()) */
void iofd_hwpt_paging_destroy(struct iofd_object *obj)
{
	struct iofd_hwpt_paging *hwpt =
		container_of(obj, struct iofd_hwpt_paging, obj);
	struct iofd_ioas *ioas = hwpt->ioas;

	if (!list_empty(&hwpt->ioas_node)) {
		mutex_lock(&ioas->mutex);
		list_del_init(&hwpt->ioas_node);
		mutex_unlock(&ioas->mutex);
	}
	if (!list_empty(&hwpt->iopt_node))
		iopt_remove_domain(&ioas->iopt, hwpt);
	if (hwpt->domain) {
		struct module *owner = hwpt->domain->driver->owner;

		hwpt->domain->ops->free(hwpt->domain);
		module_put(owner);
	}
	if (ioas)
		refcount_dec(&ioas->obj.users);
}

int iofd_hwpt_alloc_ioctl(struct iofd_ucmd *ucmd)
{
	struct iommu_hwpt_alloc *cmd = ucmd->cmd;
	struct iofd_ctx *ictx = ucmd->ictx;
	struct iofd_hwpt_paging *hwpt;
	struct iofd_object *dev_obj, *pt_obj;
	struct iofd_ioas *ioas;
	int rc;

	rc = iofd_check_hwpt_alloc(cmd);
	if (rc)
		return rc;

	dev_obj = iofd_get_object(ictx, cmd->dev_id, IOFD_OBJ_DEVICE);
	if (IS_ERR(dev_obj))
		return PTR_ERR(dev_obj);
	pt_obj = iofd_get_object(ictx, cmd->pt_id, IOFD_OBJ_ANY);
	if (IS_ERR(pt_obj)) {
		rc = PTR_ERR(pt_obj);
		goto out_put_dev;
	}
	switch (pt_obj->type) {
	case IOFD_OBJ_IOAS:
		break;
	case IOFD_OBJ_HWPT_PAGING:
		/* Nested HWPTs come with the nesting object model */
		rc = container_of(pt_obj, struct iofd_hwpt_paging, obj)->nest_parent ?
			-EOPNOTSUPP : -EINVAL;
		goto out_put_pt;
	default:
		rc = -EINVAL;
		goto out_put_pt;
	}
	/* Driver-specific data describes nested tables only */
	if (cmd->data_type != IOMMU_HWPT_DATA_NONE) {
		rc = -EOPNOTSUPP;
		goto out_put_pt;
	}

	ioas = container_of(pt_obj, struct iofd_ioas, obj);
	mutex_lock(&ioas->mutex);
	hwpt = iofd_hwpt_paging_alloc(ictx, ioas,
				      container_of(dev_obj, struct iofd_idev,
						   obj),
				      cmd->flags, false);
	if (IS_ERR(hwpt)) {
		rc = PTR_ERR(hwpt);
		goto out_unlock;
	}
	cmd->out_hwpt_id = hwpt->obj.id;
	rc = iofd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc) {
		list_del_init(&hwpt->ioas_node);
		mutex_unlock(&ioas->mutex);
		iofd_object_abort_and_destroy(ictx, &hwpt->obj);
		goto out_put_pt;
	}
	iofd_object_finalize(ictx, &hwpt->obj);
out_unlock:
	mutex_unlock(&ioas->mutex);
out_put_pt:
	iofd_object_put(ictx, pt_obj);
out_put_dev:
	iofd_object_put(ictx, dev_obj);
	return rc;
}

struct iofd_domain *iofd_hwpt_get_domain(struct iofd_ctx *ictx, u32 hwpt_id,
					 struct iofd_object **objp)
{
	struct iofd_object *obj;

	obj = iofd_get_object(ictx, hwpt_id, IOFD_OBJ_HWPT_PAGING);
	if (IS_ERR(obj))
		return ERR_CAST(obj);
	*objp = obj;
	return container_of(obj, struct iofd_hwpt_paging, obj)->domain;
}
EXPORT_SYMBOL_GPL(iofd_hwpt_get_domain);
