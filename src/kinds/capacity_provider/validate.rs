//! Validation of a capacity provider as ECS checks CreateCapacityProvider: its name (1 to
//! 255 letters, digits, `-` and `_`, not starting with `aws`, `ecs` or `fargate`), an
//! Auto Scaling group provider with the group's ARN, and scaling steps in order (ECS API
//! Reference, CreateCapacityProvider, AutoScalingGroupProvider, ManagedScaling; the
//! schema holds the model's ranges).

use crate::manifest::ecs_members;
use crate::manifest::model::ApiObject;
use crate::manifest::spans::pointer;
use crate::manifest::validate::{Validator, child};
use regex::Regex;
use serde_json::Value;
use std::sync::LazyLock;

static NAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[A-Za-z0-9_-]{1,255}$").expect("valid regex"));
static INSTANCE_PROFILE_ARN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^arn:aws[a-z-]*:iam::[0-9]{12}:instance-profile/.+$").expect("valid regex")
});
static GROUP_ARN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^arn:aws[a-z-]*:autoscaling:[a-z0-9-]+:[0-9]{12}:autoScalingGroup:[0-9a-f-]+:autoScalingGroupName/.+$")
        .expect("valid regex")
});

impl Validator<'_> {
    fn capacity_provider(&mut self, name: &str, provider: &ApiObject) {
        let base = pointer(&["ecs", "capacityProviders", name]);
        self.refused_members(provider, &base, ecs_members::CREATE_CAPACITY_PROVIDER);
        if !NAME.is_match(name) {
            self.error(
                self.key(&base),
                format!("`{name}` cannot be a capacity provider name: 1 to 255 letters, digits, `-` and `_`"),
                None,
            );
        } else if ["aws", "ecs", "fargate"] // as the API Reference writes them
            .iter()
            .any(|p| name.starts_with(p))
        {
            self.error(
                self.key(&base),
                format!("a capacity provider name cannot start with `aws`, `ecs` or `fargate` (`{name}`)"),
                Some("FARGATE and FARGATE_SPOT exist in every account: associate them with the cluster instead".into()),
            );
        }
        if let Some(Value::Object(managed)) = provider.get("managedInstancesProvider") {
            self.managed_instances_provider(provider, managed, &base);
            return;
        }
        if provider.contains_key("cluster") {
            self.error(
                self.key(&child(&base, "cluster")),
                "`cluster` scopes only an ECS Managed Instances provider; an Auto Scaling group provider is associated by clusters (their `capacityProviders`)",
                Some("remove `cluster`, and list the provider in the cluster's `capacityProviders`".into()),
            );
        }
        let Some(Value::Object(group)) = provider.get("autoScalingGroupProvider") else {
            self.error(
                self.key(&base),
                "a capacity provider needs `autoScalingGroupProvider` or `managedInstancesProvider`",
                Some("`autoScalingGroupProvider: { autoScalingGroupArn: arn:aws:autoscaling:... }`".into()),
            );
            return;
        };
        let at = child(&base, "autoScalingGroupProvider");
        match group.get("autoScalingGroupArn").and_then(Value::as_str) {
            None => self.error(
                self.key(&at),
                "`autoScalingGroupProvider` names its group in `autoScalingGroupArn`",
                None,
            ),
            Some(arn) if !GROUP_ARN.is_match(arn) => self.error(
                self.at(&child(&at, "autoScalingGroupArn")),
                "`autoScalingGroupArn` must be an Auto Scaling group's full ARN (…:autoScalingGroup:UUID:autoScalingGroupName/NAME)",
                Some("aws autoscaling describe-auto-scaling-groups --query 'AutoScalingGroups[].AutoScalingGroupARN'".into()),
            ),
            Some(_) => {}
        }
        let Some(Value::Object(scaling)) = group.get("managedScaling") else {
            return;
        };
        // The ranges of each member are the service model's, checked by the schema.
        let scaling_at = child(&at, "managedScaling");
        if let (Some(low), Some(high)) = (
            scaling
                .get("minimumScalingStepSize")
                .and_then(Value::as_i64),
            scaling
                .get("maximumScalingStepSize")
                .and_then(Value::as_i64),
        ) && low > high
        {
            self.error(
                self.at(&child(&scaling_at, "maximumScalingStepSize")),
                format!(
                    "`maximumScalingStepSize` ({high}) is below `minimumScalingStepSize` ({low})"
                ),
                None,
            );
        }
    }
}

impl Validator<'_> {
    /// An ECS Managed Instances provider: its cluster (where it lives), its infrastructure
    /// role (a role of this manifest or an ARN) and its instance profile (an ARN) (ECS API
    /// Reference, CreateCapacityProvider `cluster`, CreateManagedInstancesProviderConfiguration,
    /// InstanceLaunchTemplate).
    fn managed_instances_provider(
        &mut self,
        provider: &ApiObject,
        managed: &ApiObject,
        base: &str,
    ) {
        let at = child(base, "managedInstancesProvider");
        if provider.contains_key("autoScalingGroupProvider") {
            self.error(
                self.key(&child(base, "autoScalingGroupProvider")),
                "a capacity provider is either an Auto Scaling group provider or a Managed Instances provider, not both",
                None,
            );
        }
        match provider.get("cluster").and_then(Value::as_str) {
            None => self.error(
                self.key(&at),
                "a Managed Instances provider lives in one cluster, named in `cluster`",
                Some("add `cluster: NAME` (a cluster of this manifest or a cluster ARN)".into()),
            ),
            Some(cluster)
                if !cluster.starts_with("arn:")
                    && !self.manifest.ecs.clusters.contains_key(cluster) =>
            {
                let names: Vec<&str> = self
                    .manifest
                    .ecs
                    .clusters
                    .keys()
                    .map(String::as_str)
                    .collect();
                let hint = match crate::diagnostics::did_you_mean(cluster, names.iter().copied()) {
                    Some(close) => format!("did you mean `{close}`?"),
                    None => "declare it under ecs.clusters, or give the cluster's ARN".into(),
                };
                self.error(
                    self.at(&child(base, "cluster")),
                    format!("`{cluster}` is not a cluster of this manifest"),
                    Some(hint),
                );
            }
            Some(_) => {}
        }
        if let Some(role) = managed.get("infrastructureRoleArn").and_then(Value::as_str)
            && !role.starts_with("arn:")
        {
            let span = self.at(&child(&at, "infrastructureRoleArn"));
            self.role_reference(role, span);
        }
        let profile = managed
            .get("instanceLaunchTemplate")
            .and_then(|t| t.get("ec2InstanceProfileArn"))
            .and_then(Value::as_str);
        let own_profile = profile
            .and_then(|p| self.manifest.iam.roles.get(p))
            .map(|role| role.instance_profile == Some(true));
        if own_profile == Some(false) {
            self.error(
                self.at(&crate::manifest::validate::pointer_join(
                    &at,
                    &["instanceLaunchTemplate", "ec2InstanceProfileArn"],
                )),
                format!(
                    "role `{}` of this manifest has no instance profile",
                    profile.unwrap_or_default()
                ),
                Some("give the role `instanceProfile: true`".into()),
            );
        } else if let Some(profile) = profile
            && own_profile.is_none()
            && !INSTANCE_PROFILE_ARN.is_match(profile)
        {
            self.error(
                self.at(&crate::manifest::validate::pointer_join(
                    &at,
                    &["instanceLaunchTemplate", "ec2InstanceProfileArn"],
                )),
                "`ec2InstanceProfileArn` must be an instance profile's ARN (arn:aws:iam::ACCOUNT:instance-profile/NAME), or a role of this manifest with `instanceProfile: true`",
                None,
            );
        }
    }
}

impl crate::manifest::validate::Validates
    for crate::kinds::capacity_provider::CapacityProviderKind
{
    fn validate(v: &mut Validator) {
        for (name, provider) in &v.manifest.ecs.capacity_providers {
            v.capacity_provider(name, provider);
        }
    }
}
