//! Nova 34's default policy rules, reduced to the checks they make.
//! (`nova/policies/base.py`: project_manager_api, project_member_api, ...)

use crate::context::Ctx;
use crate::fault::{ApiResult, Fault};

/// `project_manager_or_admin`: role manager in the target's project, or admin.
pub fn project_manager_or_admin(ctx: &Ctx, project_id: &str) -> bool {
    ctx.is_admin() || (ctx.has_role("manager") && ctx.project_id == project_id)
}

/// `project_member_or_admin`.
pub fn project_member_or_admin(ctx: &Ctx, project_id: &str) -> bool {
    ctx.is_admin() || (ctx.has_role("member") && ctx.project_id == project_id)
}

/// `project_reader_or_admin`.
pub fn project_reader_or_admin(ctx: &Ctx, project_id: &str) -> bool {
    ctx.is_admin() || (ctx.has_role("reader") && ctx.project_id == project_id)
}

/// Turn a rule's verdict into Nova's 403.
pub fn enforce(allowed: bool, rule: &str) -> ApiResult<()> {
    if allowed {
        Ok(())
    } else {
        Err(Fault::policy(rule))
    }
}
