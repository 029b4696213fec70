// SPDX-License-Identifier: GPL-2.0
/*
 * HWPT objects.
 *
 * HWPT_PAGING: a driver domain that mirrors one IOAS (kernel-managed
 * tables; IOAS_MAP/UNMAP change it).  HWPT_NESTED: a guest-managed stage 1
 * over a nest-parent paging HWPT, described by driver data; only
 * HWPT_INVALIDATE reaches it (seed 004: which operations each kind allows).
 *
 * Lifetime: a paging HWPT holds its IOAS; a nested HWPT holds its parent
 * and, when made from a vIOMMU, the vIOMMU; every attached device (RID or
 * PASID) holds the HWPT.  An auto domain, made by attaching a device
 * straight to an IOAS, is destroyed when its last device detaches.
 */
#include <linux/slab.h>
#include <linux/module.h>
#include <linux/uaccess.h>
#include <linux/iommufd.h>
#include "iofd_private.h"
#include "validate.h"

static void *iofd_hwpt_obj_alloc(struct iofd_ctx *ictx, size_t size,
				 enum iofd_object_type type)
{
	struct iofd_object *obj = iofd_object_alloc(ictx, size, type);

	static_assert(offsetof(struct iofd_hwpt_paging, common.obj) == 0);
	static_assert(offsetof(struct iofd_hwpt_nested, common.obj) == 0);
	if (IS_ERR(obj))
		return obj;
	container_of(obj, struct iofd_hwpt, obj)->ictx = ictx;
	return obj;
}

/* Free the domain and drop the driver module it pins */
static void iofd_hwpt_free_domain(struct iofd_hwpt *hwpt)
{
	struct module *owner;

	if (!hwpt->domain)
		return;
	owner = hwpt->domain->driver->owner;
	hwpt->domain->ops->free(hwpt->domain);
	module_put(owner);
}

/*
 * A domain pins its driver's module from allocation until
 * iofd_hwpt_free_domain(): take the reference before calling the driver's
 * allocator, drop it with iofd_hwpt_unpin_driver() if that fails.
 */
static int iofd_hwpt_pin_driver(const struct iofd_driver *driver)
{
	if (!try_module_get(driver->owner))
		return -ENODEV;
	if (iofd_should_fail()) {
		module_put(driver->owner);
		return -ENOMEM;
	}
	return 0;
}

static struct iofd_domain *iofd_hwpt_check_domain(const struct iofd_driver *driver,
						  struct iofd_domain *domain)
{
	if (IS_ERR_OR_NULL(domain)) {
		module_put(driver->owner);
		return domain ? domain : ERR_PTR(-ENOMEM);
	}
	return domain;
}

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
	hwpt = iofd_hwpt_obj_alloc(ictx, sizeof(*hwpt), IOFD_OBJ_HWPT_PAGING);
	if (IS_ERR(hwpt))
		return hwpt;
	hwpt->auto_domain = auto_domain;
	hwpt->common.flags = flags;
	hwpt->nest_parent = flags & IOMMU_HWPT_ALLOC_NEST_PARENT;
	INIT_LIST_HEAD(&hwpt->ioas_node);
	INIT_LIST_HEAD(&hwpt->iopt_node);
	refcount_inc(&ioas->obj.users);	/* put by iofd_hwpt_paging_destroy */
	hwpt->ioas = ioas;

	rc = iofd_hwpt_pin_driver(driver);
	if (rc)
		goto err_destroy;
	domain = iofd_hwpt_check_domain(driver,
			driver->ops->domain_alloc_paging(idev->dev, flags));
	if (IS_ERR(domain)) {
		rc = PTR_ERR(domain);
		goto err_destroy;
	}
	hwpt->common.domain = domain;

	rc = iopt_add_domain(&ioas->iopt, hwpt);
	if (rc)
		goto err_destroy;
	list_add_tail(&hwpt->ioas_node, &ioas->hwpt_list);
	return hwpt;

err_destroy:
	iofd_object_abort_and_destroy(ictx, &hwpt->common.obj);
	return ERR_PTR(rc);
}

/* Also undoes a partly built HWPT (see iofd_hwpt_paging_alloc()) */
void iofd_hwpt_paging_destroy(struct iofd_object *obj)
{
	struct iofd_hwpt_paging *hwpt =
		container_of(obj, struct iofd_hwpt_paging, common.obj);
	struct iofd_ioas *ioas = hwpt->ioas;

	if (!list_empty(&hwpt->ioas_node)) {
		mutex_lock(&ioas->mutex);
		list_del_init(&hwpt->ioas_node);
		mutex_unlock(&ioas->mutex);
	}
	if (!list_empty(&hwpt->iopt_node))
		iopt_remove_domain(&ioas->iopt, hwpt);
	iofd_hwpt_free_domain(&hwpt->common);
	if (ioas)
		refcount_dec(&ioas->obj.users);
}

void iofd_hwpt_nested_destroy(struct iofd_object *obj)
{
	struct iofd_hwpt_nested *hwpt =
		container_of(obj, struct iofd_hwpt_nested, common.obj);

	iofd_hwpt_free_domain(&hwpt->common);
	if (hwpt->viommu)
		refcount_dec(&hwpt->viommu->obj.users);
	if (hwpt->parent)
		refcount_dec(&hwpt->parent->common.obj.users);
}

/* Nested HWPTs may carry only these allocation flags */
#define IOFD_HWPT_NESTED_FLAGS IOMMU_HWPT_ALLOC_PASID

/*
 * A nested HWPT over @parent (from HWPT_ALLOC with a nest-parent pt_id) or
 * over @viommu's parent (pt_id is a vIOMMU).  The object is returned
 * unpublished; finalize or abort_and_destroy it.
 */
static struct iofd_hwpt_nested *
iofd_hwpt_nested_alloc(struct iofd_ctx *ictx, struct iofd_hwpt_paging *parent,
		       struct iofd_viommu *viommu, struct iofd_idev *idev,
		       u32 flags, const struct iofd_user_data *data)
{
	const struct iofd_driver *driver = idev->dev->driver;
	struct iofd_hwpt_nested *hwpt;
	struct iofd_domain *domain;
	int rc;

	if ((flags & ~IOFD_HWPT_NESTED_FLAGS) || !data->len)
		return ERR_PTR(-EOPNOTSUPP);
	if (viommu) {
		if (viommu->driver != driver)
			return ERR_PTR(-EINVAL);
		if (!viommu->ops || !viommu->ops->alloc_domain_nested)
			return ERR_PTR(-EOPNOTSUPP);
	} else {
		if (parent->auto_domain || !parent->nest_parent ||
		    parent->common.domain->driver != driver)
			return ERR_PTR(-EINVAL);
		if (!driver->ops->domain_alloc_nested)
			return ERR_PTR(-EOPNOTSUPP);
	}

	hwpt = iofd_hwpt_obj_alloc(ictx, sizeof(*hwpt), IOFD_OBJ_HWPT_NESTED);
	if (IS_ERR(hwpt))
		return hwpt;
	hwpt->common.flags = flags;
	if (viommu) {
		refcount_inc(&viommu->obj.users);
		hwpt->viommu = viommu;
	} else {
		refcount_inc(&parent->common.obj.users);
		hwpt->parent = parent;
	}
	rc = iofd_hwpt_pin_driver(driver);
	if (rc)
		goto err_destroy;
	if (viommu)
		domain = viommu->ops->alloc_domain_nested(viommu, idev->dev,
							  flags, data);
	else
		domain = driver->ops->domain_alloc_nested(idev->dev,
							  parent->common.domain,
							  flags, data);
	domain = iofd_hwpt_check_domain(driver, domain);
	if (IS_ERR(domain)) {
		rc = PTR_ERR(domain);
		goto err_destroy;
	}
	hwpt->common.domain = domain;
	if (WARN_ON(domain->type != IOFD_DOMAIN_NESTED ||
		    domain->driver != driver)) {
		rc = -EINVAL;
		goto err_destroy;
	}
	return hwpt;

err_destroy:
	iofd_object_abort_and_destroy(ictx, &hwpt->common.obj);
	return ERR_PTR(rc);
}

static int iofd_hwpt_alloc_paging(struct iofd_ucmd *ucmd,
				  struct iofd_ioas *ioas,
				  struct iofd_idev *idev)
{
	struct iommu_hwpt_alloc *cmd = ucmd->cmd;
	struct iofd_hwpt_paging *hwpt;
	int rc;

	/* Driver data describes guest-managed (nested) tables only */
	if (cmd->data_type != IOMMU_HWPT_DATA_NONE)
		return -EOPNOTSUPP;
	mutex_lock(&ioas->mutex);
	hwpt = iofd_hwpt_paging_alloc(ucmd->ictx, ioas, idev, cmd->flags,
				      false);
	if (IS_ERR(hwpt)) {
		rc = PTR_ERR(hwpt);
		goto out_unlock;
	}
	cmd->out_hwpt_id = hwpt->common.obj.id;
	rc = iofd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc) {
		list_del_init(&hwpt->ioas_node);
		mutex_unlock(&ioas->mutex);
		iofd_object_abort_and_destroy(ucmd->ictx, &hwpt->common.obj);
		return rc;
	}
	iofd_object_finalize(ucmd->ictx, &hwpt->common.obj);
out_unlock:
	mutex_unlock(&ioas->mutex);
	return rc;
}

int iofd_hwpt_alloc_ioctl(struct iofd_ucmd *ucmd)
{
	struct iommu_hwpt_alloc *cmd = ucmd->cmd;
	struct iofd_ctx *ictx = ucmd->ictx;
	struct iofd_user_data data = {
		.type = cmd->data_type,
		.len = cmd->data_len,
		.uptr = u64_to_user_ptr(cmd->data_uptr),
	};
	struct iofd_object *dev_obj, *pt_obj;
	struct iofd_hwpt_nested *nested;
	struct iofd_idev *idev;
	int rc;

	rc = iofd_check_hwpt_alloc(cmd);
	if (rc)
		return rc;
	dev_obj = iofd_get_object(ictx, cmd->dev_id, IOFD_OBJ_DEVICE);
	if (IS_ERR(dev_obj))
		return PTR_ERR(dev_obj);
	idev = container_of(dev_obj, struct iofd_idev, obj);
	pt_obj = iofd_get_object(ictx, cmd->pt_id, IOFD_OBJ_ANY);
	if (IS_ERR(pt_obj)) {
		rc = PTR_ERR(pt_obj);
		goto out_put_dev;
	}

	switch (pt_obj->type) {
	case IOFD_OBJ_IOAS:
		rc = iofd_hwpt_alloc_paging(ucmd,
					    container_of(pt_obj,
							 struct iofd_ioas, obj),
					    idev);
		goto out_put_pt;
	case IOFD_OBJ_HWPT_PAGING:
		nested = iofd_hwpt_nested_alloc(ictx,
				container_of(pt_obj, struct iofd_hwpt_paging,
					     common.obj),
				NULL, idev, cmd->flags, &data);
		break;
	case IOFD_OBJ_VIOMMU:
		nested = iofd_hwpt_nested_alloc(ictx, NULL,
				container_of(pt_obj, struct iofd_viommu, obj),
				idev, cmd->flags, &data);
		break;
	default:
		rc = -EINVAL;
		goto out_put_pt;
	}
	if (IS_ERR(nested)) {
		rc = PTR_ERR(nested);
		goto out_put_pt;
	}
	cmd->out_hwpt_id = nested->common.obj.id;
	rc = iofd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc)
		iofd_object_abort_and_destroy(ictx, &nested->common.obj);
	else
		iofd_object_finalize(ictx, &nested->common.obj);
out_put_pt:
	iofd_object_put(ictx, pt_obj);
out_put_dev:
	iofd_object_put(ictx, dev_obj);
	return rc;
}

/*
 * HWPT_INVALIDATE: hand the guest's array of invalidations to the nested
 * HWPT's domain or to the vIOMMU, chosen by the type of @hwpt_id (seed 002:
 * the vIOMMU takes the same command).  entry_num is always written back
 * with the number of entries handled, also on failure.
 */
int iofd_hwpt_invalidate_ioctl(struct iofd_ucmd *ucmd)
{
	struct iommu_hwpt_invalidate *cmd = ucmd->cmd;
	struct iofd_user_array array = {
		.type = cmd->data_type,
		.uptr = u64_to_user_ptr(cmd->data_uptr),
		.entry_len = cmd->entry_len,
		.entry_num = cmd->entry_num,
	};
	struct iofd_object *obj;
	u32 done = 0;
	int rc;

	if (cmd->__reserved) {
		rc = -EOPNOTSUPP;
		goto out;
	}
	if (cmd->entry_num && (!cmd->data_uptr || !cmd->entry_len)) {
		rc = -EINVAL;
		goto out;
	}
	obj = iofd_get_object(ucmd->ictx, cmd->hwpt_id, IOFD_OBJ_ANY);
	if (IS_ERR(obj)) {
		rc = PTR_ERR(obj);
		goto out;
	}
	if (obj->type == IOFD_OBJ_HWPT_NESTED) {
		struct iofd_domain *domain =
			container_of(obj, struct iofd_hwpt, obj)->domain;

		rc = -EOPNOTSUPP;
		if (domain->ops->cache_invalidate_user) {
			rc = domain->ops->cache_invalidate_user(domain, &array);
			done = min(array.entry_num, cmd->entry_num);
		}
	} else if (obj->type == IOFD_OBJ_VIOMMU) {
		struct iofd_viommu *viommu =
			container_of(obj, struct iofd_viommu, obj);

		rc = -EOPNOTSUPP;
		if (viommu->ops && viommu->ops->cache_invalidate) {
			rc = viommu->ops->cache_invalidate(viommu, &array);
			done = min(array.entry_num, cmd->entry_num);
		}
	} else {
		rc = -EINVAL;
	}
	iofd_object_put(ucmd->ictx, obj);
out:
	cmd->entry_num = done;
	if (iofd_ucmd_respond(ucmd, sizeof(*cmd)))
		return -EFAULT;
	return rc;
}

/*
 * The domain of a paging or nested HWPT, for tests that inspect a mock
 * table.  Holds a lookup reference: release with iofd_object_put(*@objp).
 */
struct iofd_domain *iofd_hwpt_get_domain(struct iofd_ctx *ictx, u32 hwpt_id,
					 struct iofd_object **objp)
{
	struct iofd_object *obj;

	obj = iofd_get_object(ictx, hwpt_id, IOFD_OBJ_ANY);
	if (IS_ERR(obj))
		return ERR_CAST(obj);
	if (!iofd_is_hwpt(obj)) {
		iofd_object_put(ictx, obj);
		return ERR_PTR(-ENOENT);
	}
	*objp = obj;
	return container_of(obj, struct iofd_hwpt, obj)->domain;
}
EXPORT_SYMBOL_GPL(iofd_hwpt_get_domain);
