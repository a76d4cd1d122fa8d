//! Validation of a cluster: its name, settings and Container Insights values, capacity
//! providers and Service Connect defaults, as ECS checks them at CreateCluster.

use crate::diagnostics::did_you_mean;
use crate::manifest::ecs_members;
use crate::manifest::model::ApiObject;
use crate::manifest::validate::ecs::{objects, str_of, strings};
use crate::manifest::validate::{Validator, child};

const CONTAINER_INSIGHTS_VALUES: [&str; 3] = ["enabled", "disabled", "enhanced"];

impl Validator<'_> {
    pub(crate) fn cluster(&mut self, cluster: &ApiObject, base: &str) {
        self.refused_members(cluster, base, ecs_members::CREATE_CLUSTER);
        let settings = child(base, "settings");
        for (i, setting) in objects(cluster, "settings") {
            if str_of(setting, "name") != Some("containerInsights") {
                continue;
            }
            let Some(value) = str_of(setting, "value") else {
                continue;
            };
            if !CONTAINER_INSIGHTS_VALUES.contains(&value) {
                let hint = match did_you_mean(value, CONTAINER_INSIGHTS_VALUES) {
                    Some(close) => format!("did you mean `{close}`?"),
                    None => "use enabled, disabled or enhanced".into(),
                };
                self.error(
                    self.at(&crate::manifest::validate::pointer_join(
                        &settings,
                        &[&i.to_string(), "value"],
                    )),
                    format!("`{value}` is not a containerInsights setting"),
                    Some(hint),
                );
            }
        }

        let listed = strings(cluster, "capacityProviders");
        for (i, provider) in &listed {
            let managed = self
                .manifest
                .ecs
                .capacity_providers
                .get(*provider)
                .is_some_and(|p| p.contains_key("managedInstancesProvider"));
            if managed {
                self.error(
                    self.at(&crate::manifest::validate::pointer_join(
                        &child(base, "capacityProviders"),
                        &[&i.to_string()],
                    )),
                    format!("`{provider}` is a Managed Instances provider: it lives in its own cluster and is never associated (PutClusterCapacityProviders does not take it)"),
                    Some("remove it from capacityProviders; services name it in their capacityProviderStrategy".into()),
                );
            }
        }
        let providers: Vec<&str> = listed.into_iter().map(|(_, p)| p).collect();
        let strategy = child(base, "defaultCapacityProviderStrategy");
        for (i, item) in objects(cluster, "defaultCapacityProviderStrategy") {
            let Some(provider) = str_of(item, "capacityProvider") else {
                continue;
            };
            if !providers.contains(&provider) {
                self.error(
                    self.at(&crate::manifest::validate::pointer_join(
                        &strategy,
                        &[&i.to_string(), "capacityProvider"],
                    )),
                    format!(
                        "capacity provider `{provider}` is not among this cluster's capacityProviders"
                    ),
                    Some(format!(
                        "a default strategy may only use the cluster's own providers: add `{provider}` to capacityProviders"
                    )),
                );
            }
        }
        self.ecs_tags(cluster, base, "this cluster");
    }
}

impl crate::manifest::validate::Validates for crate::kinds::cluster::ClusterKind {
    fn validate(v: &mut Validator) {
        for (name, cluster) in &v.manifest.ecs.clusters {
            let base = crate::manifest::spans::pointer(&["ecs", "clusters", name]);
            v.ecs_name(name, &base, "cluster name");
            v.cluster(cluster, &base);
        }
    }
}
