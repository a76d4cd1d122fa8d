//! A capacity provider as a manifest entry, PURE: the CreateCapacityProvider input as
//! DescribeCapacityProviders reports it, less the ECS-owned members.

use crate::export::ecs::{compact, insert_tags};
use crate::kinds::capacity_provider::live::LiveCapacityProvider;
use crate::manifest::model::ApiObject;

pub fn capacity_provider(live: &LiveCapacityProvider) -> ApiObject {
    let mut out = ApiObject::new();
    if let Some(group) = live
        .document
        .get("autoScalingGroupProvider")
        .and_then(compact)
    {
        out.insert("autoScalingGroupProvider".into(), group);
    }
    insert_tags(&mut out, &live.tags);
    out
}
