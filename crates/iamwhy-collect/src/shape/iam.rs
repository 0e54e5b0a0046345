//! `iam get-account-authorization-details`, every page merged into one document as the CLI
//! prints it.

use aws_sdk_iam::operation::get_account_authorization_details::GetAccountAuthorizationDetailsOutput as Page;
use aws_sdk_iam::types::{
    AttachedPermissionsBoundary, AttachedPolicy, GroupDetail, ManagedPolicyDetail, PolicyDetail,
    RoleDetail, Tag, UserDetail,
};
use serde_json::{Value, json};

use super::{Obj, iam_document, strings};

/// The pages merged: users, groups, roles and policies of every page, in order.
pub(crate) fn authorization_details(pages: &[Page]) -> Value {
    let users: Vec<Value> = pages
        .iter()
        .flat_map(|p| p.user_detail_list())
        .map(user)
        .collect();
    let groups: Vec<Value> = pages
        .iter()
        .flat_map(|p| p.group_detail_list())
        .map(group)
        .collect();
    let roles: Vec<Value> = pages
        .iter()
        .flat_map(|p| p.role_detail_list())
        .map(role)
        .collect();
    let policies: Vec<Value> = pages
        .iter()
        .flat_map(|p| p.policies())
        .map(managed_policy)
        .collect();
    json!({
        "UserDetailList": users,
        "GroupDetailList": groups,
        "RoleDetailList": roles,
        "Policies": policies,
    })
}

fn user(u: &UserDetail) -> Value {
    Obj::new()
        .s("Path", u.path())
        .s("UserName", u.user_name())
        .s("UserId", u.user_id())
        .s("Arn", u.arn())
        .d("CreateDate", u.create_date())
        .l("UserPolicyList", u.user_policy_list(), inline)
        .v("GroupList", strings(u.group_list()))
        .l(
            "AttachedManagedPolicies",
            u.attached_managed_policies(),
            attached,
        )
        .o(
            "PermissionsBoundary",
            u.permissions_boundary().map(boundary),
        )
        .le("Tags", u.tags(), tag)
        .done()
}

fn group(g: &GroupDetail) -> Value {
    Obj::new()
        .s("Path", g.path())
        .s("GroupName", g.group_name())
        .s("GroupId", g.group_id())
        .s("Arn", g.arn())
        .d("CreateDate", g.create_date())
        .l("GroupPolicyList", g.group_policy_list(), inline)
        .l(
            "AttachedManagedPolicies",
            g.attached_managed_policies(),
            attached,
        )
        .done()
}

fn role(r: &RoleDetail) -> Value {
    Obj::new()
        .s("Path", r.path())
        .s("RoleName", r.role_name())
        .s("RoleId", r.role_id())
        .s("Arn", r.arn())
        .d("CreateDate", r.create_date())
        .o(
            "AssumeRolePolicyDocument",
            iam_document(r.assume_role_policy_document()),
        )
        .l("InstanceProfileList", r.instance_profile_list(), |p| {
            Obj::new()
                .s("Path", Some(p.path()))
                .s("InstanceProfileName", Some(p.instance_profile_name()))
                .s("InstanceProfileId", Some(p.instance_profile_id()))
                .s("Arn", Some(p.arn()))
                .done()
        })
        .l("RolePolicyList", r.role_policy_list(), inline)
        .l(
            "AttachedManagedPolicies",
            r.attached_managed_policies(),
            attached,
        )
        .o(
            "PermissionsBoundary",
            r.permissions_boundary().map(boundary),
        )
        .le("Tags", r.tags(), tag)
        .o(
            "RoleLastUsed",
            r.role_last_used().map(|l| {
                Obj::new()
                    .d("LastUsedDate", l.last_used_date())
                    .s("Region", l.region())
                    .done()
            }),
        )
        .done()
}

fn managed_policy(p: &ManagedPolicyDetail) -> Value {
    Obj::new()
        .s("PolicyName", p.policy_name())
        .s("PolicyId", p.policy_id())
        .s("Arn", p.arn())
        .s("Path", p.path())
        .s("DefaultVersionId", p.default_version_id())
        .o("AttachmentCount", p.attachment_count().map(Value::from))
        .o(
            "PermissionsBoundaryUsageCount",
            p.permissions_boundary_usage_count().map(Value::from),
        )
        .b("IsAttachable", Some(p.is_attachable()))
        .s("Description", p.description())
        .d("CreateDate", p.create_date())
        .d("UpdateDate", p.update_date())
        .l("PolicyVersionList", p.policy_version_list(), |v| {
            Obj::new()
                .o("Document", iam_document(v.document()))
                .s("VersionId", v.version_id())
                .b("IsDefaultVersion", Some(v.is_default_version()))
                .d("CreateDate", v.create_date())
                .done()
        })
        .done()
}

fn inline(p: &PolicyDetail) -> Value {
    Obj::new()
        .s("PolicyName", p.policy_name())
        .o("PolicyDocument", iam_document(p.policy_document()))
        .done()
}

fn attached(p: &AttachedPolicy) -> Value {
    Obj::new()
        .s("PolicyName", p.policy_name())
        .s("PolicyArn", p.policy_arn())
        .done()
}

fn boundary(b: &AttachedPermissionsBoundary) -> Value {
    Obj::new()
        .s(
            "PermissionsBoundaryType",
            b.permissions_boundary_type().map(|t| t.as_str()),
        )
        .s("PermissionsBoundaryArn", b.permissions_boundary_arn())
        .done()
}

fn tag(t: &Tag) -> Value {
    json!({"Key": t.key(), "Value": t.value()})
}
