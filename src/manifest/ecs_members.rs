//! Which members of the ECS API inputs wharf passes through, PURE: one list per input
//! shape, derived from the ECS service model (`manifest/ecs_schema.json`, generated from
//! AWS's model) plus the few members that need a word of their own.
//!
//! Every member the model has is one of:
//! - **managed**: the schema accepts it, the plan compares it, apply sends it, `export`
//!   writes it (the default: the model's members need no listing here);
//! - **name** or **tags**: taken from the manifest's key and its tag mapping;
//! - **refused**: `validate` refuses it at its line, saying why (the member cannot work
//!   end to end, e.g. AWS never reports it back, so wharf could set it but never see it
//!   drift).
//!
//! A test checks these lists against the SDK's own input builders (everything managed is
//! sent, nothing is dropped on the way) and against the plan and export code.

use crate::manifest::ecs_schema::request_members;

/// What wharf does with one member of an input shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Treatment {
    Managed,
    /// The resource's name: the manifest's map key.
    Name,
    /// Resource tags: the manifest's mapping, merged with `defaults.tags` and wharf's own.
    Tags,
    /// Refused by `validate`, with this reason.
    Refused(&'static str),
}

/// An ECS input shape wharf passes through.
#[derive(Clone, Copy, Debug)]
pub struct Shape {
    /// The API operation (for messages).
    pub operation: &'static str,
    /// The input shape's name in the service model.
    pub request: &'static str,
    /// Members that are not simply managed.
    exceptions: &'static [(&'static str, Treatment)],
}

/// DescribeServices reports neither member on the service or its deployments (ECS API
/// Reference, Service and Deployment data types): wharf could set them at create but
/// never see them drift or know when to change them.
const NOT_REPORTED: &str = "DescribeServices does not report it, so wharf could set it once but never compare or change it; set it outside wharf";

pub const REGISTER_TASK_DEFINITION: Shape = Shape {
    operation: "RegisterTaskDefinition",
    request: "RegisterTaskDefinitionRequest",
    exceptions: &[
        ("family", Treatment::Name),
        ("tags", Treatment::Tags),
        (
            "inferenceAccelerators",
            Treatment::Refused(
                "Amazon Elastic Inference is no longer available, and the ECS API has deprecated this member; remove it",
            ),
        ),
        (
            "trustedExecutionConfiguration",
            Treatment::Refused(
                "the AWS SDK this wharf is built with cannot send it yet; register such task definitions outside wharf",
            ),
        ),
    ],
};

pub const CREATE_SERVICE: Shape = Shape {
    operation: "CreateService",
    request: "CreateServiceRequest",
    exceptions: &[
        ("serviceName", Treatment::Name),
        // The cluster is where the service lives: compared as its identity, not a member.
        ("cluster", Treatment::Name),
        ("tags", Treatment::Tags),
        (
            "clientToken",
            Treatment::Refused(
                "it makes one CreateService call idempotent; wharf decides from live AWS whether to create",
            ),
        ),
        ("gatewayConnectors", Treatment::Refused(NOT_REPORTED)),
        ("monitoring", Treatment::Refused(NOT_REPORTED)),
    ],
};

pub const CREATE_CLUSTER: Shape = Shape {
    operation: "CreateCluster",
    request: "CreateClusterRequest",
    exceptions: &[("clusterName", Treatment::Name), ("tags", Treatment::Tags)],
};

pub const CREATE_CAPACITY_PROVIDER: Shape = Shape {
    operation: "CreateCapacityProvider",
    request: "CreateCapacityProviderRequest",
    exceptions: &[
        ("name", Treatment::Name),
        // The cluster a Managed Instances provider lives in: its identity, not a member.
        ("cluster", Treatment::Name),
        ("tags", Treatment::Tags),
    ],
};

pub const SHAPES: [Shape; 4] = [
    REGISTER_TASK_DEFINITION,
    CREATE_SERVICE,
    CREATE_CLUSTER,
    CREATE_CAPACITY_PROVIDER,
];

impl Shape {
    /// Every member of the shape in the service model, with its treatment.
    pub fn members(&self) -> Vec<(String, Treatment)> {
        request_members(self.request)
            .into_iter()
            .map(|name| {
                let treatment = self.treatment(&name);
                (name, treatment)
            })
            .collect()
    }

    pub fn treatment(&self, member: &str) -> Treatment {
        self.exceptions
            .iter()
            .find(|(name, _)| *name == member)
            .map(|(_, t)| *t)
            .unwrap_or(Treatment::Managed)
    }

    /// The members the plan compares and apply sends.
    pub fn managed(&self) -> Vec<String> {
        self.members()
            .into_iter()
            .filter(|(_, t)| *t == Treatment::Managed)
            .map(|(name, _)| name)
            .collect()
    }

    /// Why `validate` refuses this member, when it does.
    pub fn refusal(&self, member: &str) -> Option<&'static str> {
        match self.treatment(member) {
            Treatment::Refused(reason) => Some(reason),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_exception_names_a_member_of_the_model() {
        for shape in SHAPES {
            let members = request_members(shape.request);
            assert!(!members.is_empty(), "{} is in the model", shape.request);
            for (name, _) in shape.exceptions {
                assert!(
                    members.iter().any(|m| m == name),
                    "{}: `{name}` is listed but the model has no such member",
                    shape.operation
                );
            }
        }
    }
}
