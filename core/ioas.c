// SPDX-License-Identifier: GPL-2.0
/*
 * IOAS object and its ioctls: a thin layer that validates the uAPI structs
 * and calls io_pagetable.c / pages.c.
 */
#include <linux/file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/capability.h>
#include <linux/iommufd.h>
#include "iofd_private.h"
#include "iova_alloc.h"
#include "validate.h"

struct iofd_ioas *iofd_ioas_create(struct iofd_ctx *ictx)
{
	struct iofd_ioas *ioas;

	ioas = iofd_alloc_obj(ictx, ioas, IOFD_OBJ_IOAS);
	if (IS_ERR(ioas))
		return ioas;
	iopt_init(&ioas->iopt);
	mutex_init(&ioas->mutex);
	INIT_LIST_HEAD(&ioas->hwpt_list);
	return ioas;
}

/* Runs when no HWPT or access references the IOAS anymore */
void iofd_ioas_destroy(struct iofd_object *obj)
{
	struct iofd_ioas *ioas = container_of(obj, struct iofd_ioas, obj);

	WARN_ON(!list_empty(&ioas->hwpt_list));
	iopt_destroy(&ioas->iopt);
	mutex_destroy(&ioas->mutex);
}

int iofd_ioas_alloc_ioctl(struct iofd_ucmd *ucmd)
{
	struct iommu_ioas_alloc *cmd = ucmd->cmd;
	struct iofd_ioas *ioas;
	int rc;

	if (cmd->flags)
		return -EOPNOTSUPP;
	ioas = iofd_ioas_create(ucmd->ictx);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);
	cmd->out_ioas_id = ioas->obj.id;
	rc = iofd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc) {
		iofd_object_abort_and_destroy(ucmd->ictx, &ioas->obj);
		return rc;
	}
	iofd_object_finalize(ucmd->ictx, &ioas->obj);
	return 0;
}

/*
 * Report the usable IOVA ranges: the allowed ranges (everything when none
 * were set) minus the reserved ones.  When the user's array is too small
 * the count is still returned, with -EMSGSIZE.
 */
int iofd_ioas_iova_ranges_ioctl(struct iofd_ucmd *ucmd)
{
	struct iommu_ioas_iova_ranges *cmd = ucmd->cmd;
	struct iommu_iova_range __user *ranges;
	struct interval_tree_node *span;
	struct iova_hole_iter it;
	u32 max_iovas = cmd->num_iovas;
	struct iofd_ioas *ioas;
	unsigned long hs, hl;
	int rc;

	if (cmd->__reserved)
		return -EOPNOTSUPP;
	ioas = iofd_get_ioas(ucmd->ictx, cmd->ioas_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);
	ranges = u64_to_user_ptr(cmd->allowed_iovas);

	down_read(&ioas->iopt.rwsem);
	cmd->num_iovas = 0;
	span = interval_tree_iter_first(&ioas->iopt.allowed_itree, 0,
					ULONG_MAX);
	iova_hole_init(&it, &ioas->iopt.reserved_itree, NULL,
		       span ? span->start : 0, span ? span->last : ULONG_MAX);
	for (;;) {
		while (iova_hole_next(&it, &hs, &hl)) {
			struct iommu_iova_range elm = { .start = hs,
							.last = hl };

			if (cmd->num_iovas < max_iovas &&
			    copy_to_user(&ranges[cmd->num_iovas], &elm,
					 sizeof(elm))) {
				rc = -EFAULT;
				goto out_unlock;
			}
			cmd->num_iovas++;
		}
		if (!span)
			break;
		span = interval_tree_iter_next(span, 0, ULONG_MAX);
		if (!span)
			break;
		iova_hole_init(&it, &ioas->iopt.reserved_itree, NULL,
			       span->start, span->last);
	}
	cmd->out_iova_alignment = ioas->iopt.iova_alignment;
	rc = iofd_ucmd_respond(ucmd, sizeof(*cmd));
	if (!rc && cmd->num_iovas > max_iovas)
		rc = -EMSGSIZE;
out_unlock:
	up_read(&ioas->iopt.rwsem);
	iofd_object_put(ucmd->ictx, &ioas->obj);
	return rc;
}

int iofd_ioas_allow_iovas_ioctl(struct iofd_ucmd *ucmd)
{
	struct iommu_ioas_allow_iovas *cmd = ucmd->cmd;
	struct iommu_iova_range __user *ranges;
	struct rb_root_cached allowed = RB_ROOT_CACHED;
	struct iofd_ioas *ioas;
	u32 i;
	int rc;

	if (cmd->__reserved)
		return -EOPNOTSUPP;
	ioas = iofd_get_ioas(ucmd->ictx, cmd->ioas_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);
	ranges = u64_to_user_ptr(cmd->allowed_iovas);
	for (i = 0; i != cmd->num_iovas; i++) {
		struct iommu_iova_range range;
		struct iopt_allowed *elm;

		if (copy_from_user(&range, &ranges[i], sizeof(range))) {
			rc = -EFAULT;
			goto out_free;
		}
		/* Empty or one-byte ranges are refused, as upstream */
		if (range.start >= range.last || range.last > ULONG_MAX ||
		    interval_tree_iter_first(&allowed, range.start,
					     range.last)) {
			rc = -EINVAL;
			goto out_free;
		}
		if (iofd_should_fail()) {
			rc = -ENOMEM;
			goto out_free;
		}
		elm = kzalloc(sizeof(*elm), GFP_KERNEL_ACCOUNT);
		if (!elm) {
			rc = -ENOMEM;
			goto out_free;
		}
		elm->node.start = range.start;
		elm->node.last = range.last;
		interval_tree_insert(&elm->node, &allowed);
		cond_resched();
	}
	rc = iopt_set_allowed(&ioas->iopt, &allowed);
out_free:
	iopt_free_itree(&allowed, offsetof(struct iopt_allowed, node));
	iofd_object_put(ucmd->ictx, &ioas->obj);
	return rc;
}

static int iofd_map_prot(u32 flags)
{
	int prot = 0;

	if (flags & IOMMU_IOAS_MAP_READABLE)
		prot |= IOFD_PROT_READ;
	if (flags & IOMMU_IOAS_MAP_WRITEABLE)
		prot |= IOFD_PROT_WRITE;
	return prot;
}

/* Map freshly pinned @pages and answer; drops the creation reference */
static int iofd_ioas_map_pinned(struct iofd_ucmd *ucmd, u32 ioas_id,
				struct iopt_pages *pages, unsigned long offset,
				unsigned long align_hint, u64 *iova,
				unsigned long length, u32 flags, size_t cmd_len)
{
	unsigned long kiova = *iova;
	struct iofd_ioas *ioas;
	int rc;

	ioas = iofd_get_ioas(ucmd->ictx, ioas_id);
	if (IS_ERR(ioas)) {
		rc = PTR_ERR(ioas);
		goto out_put_pages;
	}
	rc = iopt_map_pages(&ioas->iopt, pages, offset, align_hint, &kiova,
			    length, iofd_map_prot(flags),
			    flags & IOMMU_IOAS_MAP_FIXED_IOVA);
	if (rc)
		goto out_put_ioas;
	*iova = kiova;
	rc = iofd_ucmd_respond(ucmd, cmd_len);
	if (rc)
		iopt_unmap(&ioas->iopt, kiova, length, NULL);
out_put_ioas:
	iofd_object_put(ucmd->ictx, &ioas->obj);
out_put_pages:
	iopt_pages_put(pages);
	return rc;
}

int iofd_ioas_map_ioctl(struct iofd_ucmd *ucmd)
{
	struct iommu_ioas_map *cmd = ucmd->cmd;
	struct iopt_pages *pages;
	int rc;

	if (cmd->__reserved)
		return -EOPNOTSUPP;
	rc = iofd_check_map_args(cmd->flags, cmd->iova, cmd->length);
	if (rc)
		return rc;
	/* Pin before looking up the IOAS: pinning may take long */
	pages = iopt_pages_pin_user(cmd->user_va, cmd->length,
				    cmd->flags & IOMMU_IOAS_MAP_WRITEABLE,
				    ucmd->ictx->account_mode);
	if (IS_ERR(pages))
		return PTR_ERR(pages);
	return iofd_ioas_map_pinned(ucmd, cmd->ioas_id, pages,
				    cmd->user_va & ~PAGE_MASK, cmd->user_va,
				    &cmd->iova, cmd->length, cmd->flags,
				    sizeof(*cmd));
}

int iofd_ioas_map_file_ioctl(struct iofd_ucmd *ucmd)
{
	struct iommu_ioas_map_file *cmd = ucmd->cmd;
	struct iopt_pages *pages;
	struct file *file;
	int rc;

	rc = iofd_check_map_args(cmd->flags, cmd->iova, cmd->length);
	if (rc)
		return rc;
	file = fget(cmd->fd);
	if (!file)
		return -EBADF;
	pages = iopt_pages_pin_file(file, cmd->start, cmd->length,
				    cmd->flags & IOMMU_IOAS_MAP_WRITEABLE,
				    ucmd->ictx->account_mode);
	fput(file);
	if (IS_ERR(pages))
		return PTR_ERR(pages);
	return iofd_ioas_map_pinned(ucmd, cmd->ioas_id, pages,
				    cmd->start & ~PAGE_MASK, cmd->start,
				    &cmd->iova, cmd->length, cmd->flags,
				    sizeof(*cmd));
}

int iofd_ioas_copy_ioctl(struct iofd_ucmd *ucmd)
{
	struct iommu_ioas_copy *cmd = ucmd->cmd;
	struct iofd_ioas *src, *dst;
	unsigned long iova = cmd->dst_iova;
	int rc;

	rc = iofd_check_map_args(cmd->flags, cmd->dst_iova, cmd->length);
	if (rc)
		return rc;
	if (cmd->src_iova >= ULONG_MAX)
		return -EOVERFLOW;
	src = iofd_get_ioas(ucmd->ictx, cmd->src_ioas_id);
	if (IS_ERR(src))
		return PTR_ERR(src);
	dst = iofd_get_ioas(ucmd->ictx, cmd->dst_ioas_id);
	if (IS_ERR(dst)) {
		rc = PTR_ERR(dst);
		goto out_put_src;
	}
	rc = iopt_copy(&dst->iopt, &iova,
		       cmd->flags & IOMMU_IOAS_MAP_FIXED_IOVA, &src->iopt,
		       cmd->src_iova, cmd->length, iofd_map_prot(cmd->flags));
	if (rc)
		goto out_put_dst;
	cmd->dst_iova = iova;
	rc = iofd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc)
		iopt_unmap(&dst->iopt, iova, cmd->length, NULL);
out_put_dst:
	iofd_object_put(ucmd->ictx, &dst->obj);
out_put_src:
	iofd_object_put(ucmd->ictx, &src->obj);
	return rc;
}

int iofd_ioas_unmap_ioctl(struct iofd_ucmd *ucmd)
{
	struct iommu_ioas_unmap *cmd = ucmd->cmd;
	unsigned long unmapped = 0;
	struct iofd_ioas *ioas;
	int rc;

	ioas = iofd_get_ioas(ucmd->ictx, cmd->ioas_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);
	if (cmd->iova == 0 && cmd->length == U64_MAX) {
		/* Unmapping everything of an empty IOAS is not an error */
		rc = iopt_unmap_range(&ioas->iopt, 0, ULONG_MAX, &unmapped);
		if (rc == -ENOENT)
			rc = 0;
	} else if (cmd->iova >= ULONG_MAX || cmd->length >= ULONG_MAX) {
		rc = -EOVERFLOW;
	} else {
		rc = iopt_unmap(&ioas->iopt, cmd->iova, cmd->length,
				&unmapped);
	}
	if (!rc) {
		cmd->length = unmapped;
		rc = iofd_ucmd_respond(ucmd, sizeof(*cmd));
	}
	iofd_object_put(ucmd->ictx, &ioas->obj);
	return rc;
}

static int iofd_option_rlimit_mode(struct iommu_option *cmd,
				   struct iofd_ctx *ictx)
{
	int rc = 0;

	if (cmd->object_id)
		return -EOPNOTSUPP;
	if (cmd->op == IOMMU_OPTION_OP_GET) {
		cmd->val64 = ictx->account_mode == IOFD_ACCOUNT_MM;
		return 0;
	}
	if (cmd->op != IOMMU_OPTION_OP_SET)
		return -EOPNOTSUPP;
	if (!capable(CAP_SYS_RESOURCE))
		return -EPERM;
	/* Pages already charged keep their mode: only an empty context */
	xa_lock(&ictx->objects);
	if (!xa_empty(&ictx->objects))
		rc = -EBUSY;
	else if (cmd->val64 == 0)
		ictx->account_mode = IOFD_ACCOUNT_USER;
	else if (cmd->val64 == 1)
		ictx->account_mode = IOFD_ACCOUNT_MM;
	else
		rc = -EINVAL;
	xa_unlock(&ictx->objects);
	return rc;
}

static int iofd_option_huge_pages(struct iommu_option *cmd,
				  struct iofd_ioas *ioas)
{
	if (cmd->op == IOMMU_OPTION_OP_GET) {
		cmd->val64 = !ioas->iopt.disable_large_pages;
		return 0;
	}
	if (cmd->op != IOMMU_OPTION_OP_SET)
		return -EOPNOTSUPP;
	if (cmd->val64 > 1)
		return -EINVAL;
	return iopt_set_large_pages(&ioas->iopt, cmd->val64);
}

int iofd_option_ioctl(struct iofd_ucmd *ucmd)
{
	struct iommu_option *cmd = ucmd->cmd;
	struct iofd_ioas *ioas;
	int rc;

	if (cmd->__reserved)
		return -EOPNOTSUPP;
	switch (cmd->option_id) {
	case IOMMU_OPTION_RLIMIT_MODE:
		rc = iofd_option_rlimit_mode(cmd, ucmd->ictx);
		break;
	case IOMMU_OPTION_HUGE_PAGES:
		ioas = iofd_get_ioas(ucmd->ictx, cmd->object_id);
		if (IS_ERR(ioas))
			return PTR_ERR(ioas);
		rc = iofd_option_huge_pages(cmd, ioas);
		iofd_object_put(ucmd->ictx, &ioas->obj);
		break;
	default:
		return -EOPNOTSUPP;
	}
	if (rc)
		return rc;
	return iofd_ucmd_respond(ucmd, sizeof(*cmd));
}
