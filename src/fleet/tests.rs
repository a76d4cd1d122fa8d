use super::*;

const FLEET: &str = "\
version: 1
defaults:
  manifests: [base.yaml]
  roleArn: arn:aws:iam::${accountId}:role/wharf-deploy
  vars: { TEAM: shop, REPLICAS: 2 }
targets:
  prod-eu:
    accountId: \"111111111111\"
    region: eu-west-1
    manifests: [base.yaml, prod.yaml]
    vars: { ENV: prod, TEAM: core }
  staging-us:
    accountId: \"222222222222\"
    region: us-east-1
    roleArn: arn:aws:iam::222222222222:role/other
    externalId: abc-123
    sessionName: nightly
";

/// Every diagnostic as (message, the text under its span).
fn problems(text: &str) -> Vec<(String, String)> {
    let diagnostics = match load("fleet.yaml", text) {
        Ok(fleet) => fleet.warnings,
        Err(diagnostics) => diagnostics,
    };
    diagnostics
        .into_iter()
        .map(|d| {
            let under = text
                .get(d.span.offset..d.span.offset + d.span.len)
                .unwrap_or("<no span>")
                .to_string();
            (d.message, under)
        })
        .collect()
}

#[test]
fn targets_start_from_the_defaults_in_file_order() {
    let fleet = load("fleet.yaml", FLEET).expect("valid");
    assert_eq!(fleet.targets.len(), 2);
    let prod = &fleet.targets[0];
    assert_eq!(prod.name, "prod-eu");
    assert_eq!(prod.index, 0);
    assert_eq!(
        prod.role_arn.as_deref(),
        Some("arn:aws:iam::111111111111:role/wharf-deploy"),
        "${{accountId}} is the target's"
    );
    assert_eq!(prod.manifests, ["base.yaml", "prod.yaml"]);
    assert_eq!(prod.vars["TEAM"], "core", "the target's own vars win");
    assert_eq!(prod.vars["REPLICAS"], "2");
    assert_eq!(prod.vars["ENV"], "prod");
    assert_eq!(prod.session_name(), "wharf-prod-eu");
    // Where the inherited role came from: the defaults' line.
    let under = &FLEET[prod.spans.role_arn.offset..][..prod.spans.role_arn.len];
    assert_eq!(under, "arn:aws:iam::${accountId}:role/wharf-deploy");
    let staging = &fleet.targets[1];
    assert_eq!(staging.manifests, ["base.yaml"]);
    assert_eq!(
        staging.role_arn.as_deref(),
        Some("arn:aws:iam::222222222222:role/other")
    );
    assert_eq!(staging.external_id.as_deref(), Some("abc-123"));
    assert_eq!(staging.session_name(), "nightly");
    assert!(fleet.digest.starts_with("sha256:"));
}

#[test]
fn the_order_is_the_file_order_not_the_alphabet() {
    let text = FLEET.replace("prod-eu:", "zz-prod:");
    let fleet = load("fleet.yaml", &text).expect("valid");
    let names: Vec<_> = fleet.targets.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["zz-prod", "staging-us"]);
}

#[test]
fn bad_settings_are_reported_at_their_nodes_all_at_once() {
    let text = "\
version: 1
defaults:
  roleArn: arn:aws:iam::${account}:role/x
targets:
  one:
    accountId: \"1234\"
    region: eu-west-1
    manifests: [a.yaml]
  two:
    accountId: \"222222222222\"
    region: Europe
    manifests: []
  three:
    accountId: \"333333333333\"
    region: eu-west-1
    manifests: [a.yaml]
    roleArn: arn:aws:iam::333333333333:user/bob
    externalId: x
  four:
    accountId: \"444444444444\"
  bad name!:
    accountId: \"555555555555\"
    region: eu-west-1
    manifests: [a.yaml]
";
    let found = problems(text);
    let has = |message: &str, under: &str| {
        assert!(
            found.iter().any(|(m, u)| m.contains(message) && u == under),
            "{message} at `{under}` in {found:#?}"
        );
    };
    has(
        "`${account}` is not known here",
        "arn:aws:iam::${account}:role/x",
    );
    has("`1234` is not an AWS account id", "\"1234\"");
    has("`Europe` is not an AWS region", "Europe");
    has("the manifest list is empty", "[");
    has(
        "is not an IAM role ARN",
        "arn:aws:iam::333333333333:user/bob",
    );
    has("an external id is 2 to 1224 characters", "x");
    has("target `four` has no region", "four");
    has("target `four` has no manifests", "four");
    has("is not a usable target name", "bad name!");
}

#[test]
fn shape_errors_come_from_the_schema() {
    let found = problems(
        "version: 1\ntargets:\n  one:\n    accountId: 111111111111\n    regoin: eu-west-1\n",
    );
    assert!(
        found.iter().any(|(_, under)| under == "111111111111"),
        "{found:#?}"
    );
    assert!(
        found.iter().any(|(_, under)| under == "regoin"),
        "{found:#?}"
    );
}

#[test]
fn an_empty_fleet_and_an_unknown_version_are_refused() {
    let found = problems("");
    assert!(found[0].0.contains("the fleet file is empty"), "{found:#?}");
    let found = problems("version: 2\ntargets: {}\n");
    assert!(
        found
            .iter()
            .any(|(m, _)| m.contains("unsupported fleet file version"))
    );
    assert!(
        found
            .iter()
            .any(|(m, _)| m.contains("the fleet has no targets"))
    );
}

#[test]
fn two_targets_on_one_account_and_region_are_warned_about() {
    let text = FLEET
        .replace("222222222222", "111111111111")
        .replace("us-east-1", "eu-west-1");
    let fleet = load("fleet.yaml", &text).expect("a warning only");
    assert_eq!(fleet.warnings.len(), 1);
    assert!(
        fleet.warnings[0]
            .message
            .contains("both account 111111111111 in eu-west-1")
    );
}

#[test]
fn regions_and_role_arns_are_recognised() {
    for region in [
        "eu-west-1",
        "us-gov-west-1",
        "cn-north-1",
        "ap-southeast-5",
        "il-central-1",
    ] {
        assert!(valid_region(region), "{region}");
    }
    for region in ["Europe", "eu-west", "eu_west_1", "EU-WEST-1", "eu--1"] {
        assert!(!valid_region(region), "{region}");
    }
    assert!(valid_role_arn("arn:aws:iam::111122223333:role/path/deploy"));
    assert!(valid_role_arn("arn:aws-cn:iam::111122223333:role/deploy"));
    assert!(!valid_role_arn("arn:aws:iam::111122223333:role/"));
    assert!(!valid_role_arn(
        "arn:aws:sts::111122223333:assumed-role/x/y"
    ));
    assert_eq!(
        role_account("arn:aws:iam::111122223333:role/x"),
        Some("111122223333")
    );
}

#[test]
fn selection_by_name_and_unknown_names() {
    let fleet = load("fleet.yaml", FLEET).expect("valid");
    let (chosen, problems) = select::by_name(&fleet, &["prod-*".to_string()]);
    assert_eq!(chosen.len(), 1);
    assert!(problems.is_empty());
    let (chosen, problems) = select::by_name(&fleet, &["prod-us".to_string()]);
    assert!(chosen.is_empty());
    assert!(
        problems[0]
            .message
            .contains("no target of the fleet matches --target-name `prod-us`")
    );
    assert_eq!(problems[0].hint.as_deref(), Some("did you mean `prod-eu`?"));
    assert_eq!(
        &FLEET[problems[0].span.offset..][..problems[0].span.len],
        "targets"
    );
}
