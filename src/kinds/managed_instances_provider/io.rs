//! A Managed Instances provider's I/O is the capacity providers': the same calls, read in
//! the same pass (`kinds::capacity_provider::io`), so this kind reads nothing of its own.

use crate::aws::{Aws, AwsError};
use crate::kinds::capacity_provider::CapacityProviderOperation;
use crate::kinds::kind::Executed;

pub async fn execute(
    aws: &Aws,
    operation: &CapacityProviderOperation,
) -> Result<Executed, AwsError> {
    crate::kinds::capacity_provider::io::execute(aws, operation).await
}

/// Read with the Auto Scaling group providers (`live.capacity_providers` holds both).
impl crate::aws::reads::ReadsLive
    for crate::kinds::managed_instances_provider::ManagedInstancesProviderKind
{
    fn read<'a>(
        _aws: &'a Aws,
        _manifest: &'a crate::manifest::model::Manifest,
        _find_owned: bool,
        _so_far: &'a crate::live::LiveSnapshot,
    ) -> futures::future::BoxFuture<'a, Result<crate::aws::reads::Store, AwsError>> {
        Box::pin(async move {
            let store: crate::aws::reads::Store = Box::new(|_| {});
            Ok(store)
        })
    }
}

/// Exported with the Auto Scaling group providers.
impl crate::aws::reads::ExportsLive
    for crate::kinds::managed_instances_provider::ManagedInstancesProviderKind
{
    fn read_selected<'a>(
        _aws: &'a Aws,
        _selection: &'a crate::export::Selection,
        _stack: &'a str,
        _so_far: &'a crate::live::LiveSnapshot,
    ) -> futures::future::BoxFuture<'a, Result<(crate::aws::reads::Store, Vec<String>), AwsError>>
    {
        Box::pin(async move { Ok(crate::aws::reads::nothing()) })
    }
}

/// Validated with the Auto Scaling group providers (`kinds::capacity_provider::validate`).
impl crate::manifest::validate::Validates
    for crate::kinds::managed_instances_provider::ManagedInstancesProviderKind
{
    fn validate(_: &mut crate::manifest::validate::Validator) {}
}
