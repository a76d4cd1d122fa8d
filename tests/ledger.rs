//! The ownership ledger against the emulator's SSM (moto implements Parameter Store):
//! the real wire protocol for reading, creating, overwriting and deleting the parameter,
//! and what `plan --prune` says when the ledger cannot be trusted.

mod common;

use common::{Moto, REGION};
use wharf::aws::{Aws, ConnectOptions, ledger};
use wharf::kinds::ledger::{LedgerEffect, LedgerKind, parameter_name};
use wharf::live::OwnershipLedger;

async fn connect(moto: &Moto) -> Aws {
    // SAFETY: every test in this binary sets the same values, before any client reads them.
    unsafe {
        std::env::set_var("AWS_ACCESS_KEY_ID", "testing");
        std::env::set_var("AWS_SECRET_ACCESS_KEY", "testing");
        std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
    }
    Aws::connect(&ConnectOptions {
        region: Some(REGION.into()),
        profile: None,
        endpoint_url: Some(moto.endpoint.clone()),
        assume: None,
    })
    .await
    .expect("connects")
}

fn effect(prefix: &str, owned: bool) -> LedgerEffect {
    LedgerEffect {
        kind: LedgerKind::PullThroughCache,
        prefix: prefix.into(),
        owned,
    }
}

fn owning(prefixes: &[&str]) -> OwnershipLedger {
    OwnershipLedger {
        pull_through_cache: prefixes.iter().map(|p| p.to_string()).collect(),
        ..Default::default()
    }
}

#[tokio::test]
async fn the_ledger_is_created_tagged_overwritten_and_deleted_when_empty() {
    let moto = Moto::start();
    let aws = connect(&moto).await;
    assert_eq!(ledger::read(&aws, "shop prod").await.unwrap(), None);

    ledger::record(&aws, "shop prod", &[effect("hub", true)])
        .await
        .unwrap();
    assert_eq!(
        ledger::read(&aws, "shop prod").await.unwrap(),
        Some(owning(&["hub"]))
    );
    let name = parameter_name("shop prod");
    assert_eq!(name, "/wharf/shop_20prod/ownership");
    let tags = aws
        .ssm
        .list_tags_for_resource()
        .resource_type(aws_sdk_ssm::types::ResourceTypeForTagging::Parameter)
        .resource_id(&name)
        .send()
        .await
        .unwrap();
    assert!(
        tags.tag_list()
            .iter()
            .any(|t| t.key() == "wharf:stack" && t.value() == "shop prod"),
        "{tags:?}"
    );

    ledger::record(&aws, "shop prod", &[effect("quay", true)])
        .await
        .unwrap();
    assert_eq!(
        ledger::read(&aws, "shop prod").await.unwrap(),
        Some(owning(&["hub", "quay"]))
    );

    // Recording what is already recorded writes nothing.
    let puts = || aws.stats.snapshot().get("PutParameter").copied();
    assert_eq!(puts(), Some(2));
    ledger::record(&aws, "shop prod", &[effect("quay", true)])
        .await
        .unwrap();
    assert_eq!(puts(), Some(2));

    ledger::record(
        &aws,
        "shop prod",
        &[effect("hub", false), effect("quay", false)],
    )
    .await
    .unwrap();
    assert_eq!(ledger::read(&aws, "shop prod").await.unwrap(), None);
    // Another stack's ledger is its own parameter.
    assert_eq!(ledger::read(&aws, "shop").await.unwrap(), None);
}

#[tokio::test]
async fn a_ledger_wharf_did_not_write_is_an_error_and_plan_prune_warns() {
    let moto = Moto::start();
    let aws = connect(&moto).await;
    aws.ssm
        .put_parameter()
        .name(parameter_name("shop"))
        .value("hub,quay")
        .r#type(aws_sdk_ssm::types::ParameterType::String)
        .send()
        .await
        .unwrap();
    let error = ledger::read(&aws, "shop").await.unwrap_err();
    assert!(error.message.contains("/wharf/shop/ownership"), "{error}");

    moto.manifest("version: 1\nstack: shop\n");
    let out = moto.expect(&["plan", "--prune"], 0);
    assert!(
        out.contains("the ownership ledger could not be read") && out.contains("not pruned"),
        "{out}"
    );
    // Without --prune the ledger is not consulted, so there is nothing to warn about.
    let out = moto.expect(&["plan"], 0);
    assert!(!out.contains("ownership ledger"), "{out}");
}
