//! A capacity provider as a manifest entry, PURE: the CreateCapacityProvider input as
//! DescribeCapacityProviders reports it (with the cluster a Managed Instances provider
//! lives in), less the ECS-owned members.

use crate::export::ecs::{compact, insert_tags};
use crate::kinds::capacity_provider::live::LiveCapacityProvider;
use crate::manifest::model::ApiObject;

pub fn capacity_provider(live: &LiveCapacityProvider) -> ApiObject {
    let mut out = ApiObject::new();
    if let Some(cluster) = live.managed_in() {
        out.insert("cluster".into(), serde_json::json!(cluster));
    }
    for member in ["autoScalingGroupProvider", "managedInstancesProvider"] {
        if let Some(value) = live.document.get(member).and_then(compact) {
            out.insert(member.into(), value);
        }
    }
    insert_tags(&mut out, &live.tags);
    out
}
