//! Reads and writes the stack's ownership ledger, an SSM String parameter named by
//! `crate::kinds::ledger::parameter_name`. A missing parameter is an empty ledger; a ledger
//! that becomes empty is deleted, so a stack that owns nothing untaggable leaves no trace.

use super::{Aws, AwsError};
use crate::kinds::ledger::{self, LedgerEffect};
use crate::live::OwnershipLedger;
use aws_sdk_ssm::types::{ParameterType, Tag};

/// The ledger as stored: None when there is no parameter.
pub async fn read(aws: &Aws, stack: &str) -> Result<Option<OwnershipLedger>, AwsError> {
    let name = ledger::parameter_name(stack);
    let result = aws.ssm.get_parameter().name(&name).send().await;
    let output = match result {
        Ok(output) => output,
        Err(e)
            if e.as_service_error()
                .is_some_and(|se| se.is_parameter_not_found()) =>
        {
            return Ok(None);
        }
        Err(e) => return Err(AwsError::from_sdk("GetParameter", e)),
    };
    let text = output
        .parameter()
        .and_then(|p| p.value())
        .unwrap_or_default();
    ledger::from_text(text)
        .map(Some)
        .map_err(|e| AwsError::new(format!("{name}: {e}")))
}

/// Records the effects of an apply: re-reads the ledger (another apply may have written
/// it meanwhile), and writes only when something changed.
pub async fn record(aws: &Aws, stack: &str, effects: &[LedgerEffect]) -> Result<(), AwsError> {
    if effects.is_empty() {
        return Ok(());
    }
    let stored = read(aws, stack).await?;
    let before = stored.clone().unwrap_or_default();
    let after = ledger::with_effects(&before, effects);
    if stored.is_some() && after == before {
        return Ok(());
    }
    let name = ledger::parameter_name(stack);
    if after.is_empty() {
        if stored.is_some() {
            match aws.ssm.delete_parameter().name(&name).send().await {
                Ok(_) => {}
                // Someone deleted it meanwhile: what we wanted.
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|se| se.is_parameter_not_found()) => {}
                Err(e) => return Err(AwsError::from_sdk("DeleteParameter", e)),
            }
        }
        return Ok(());
    }
    let mut put = aws
        .ssm
        .put_parameter()
        .name(&name)
        .r#type(ParameterType::String)
        .value(ledger::to_text(&after))
        .description(format!(
            "Objects wharf created for stack {stack} that AWS cannot tag; `wharf apply --prune` deletes only these"
        ));
    // SSM takes tags only when it creates the parameter, and rejects them with Overwrite.
    put = match stored {
        Some(_) => put.overwrite(true),
        None => put.tags(
            Tag::builder()
                .key(crate::kinds::common::OWNERSHIP_TAG)
                .value(stack)
                .build()
                .map_err(|e| AwsError::new(format!("PutParameter: {e}")))?,
        ),
    };
    put.send()
        .await
        .map_err(|e| AwsError::from_sdk("PutParameter", e))?;
    Ok(())
}
