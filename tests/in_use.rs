//! An image in use is never expired by surprise, against the emulator: a service running a
//! revision, a running task and a task definition of the manifest each use an image of
//! `shop/web`; a lifecycle rule that would expire them is named in the plan (digest, tags,
//! user, rule), refused by apply without --allow-expire-in-use, and a rule that expires
//! only unused images plans and applies cleanly. The reads are made only when a plan
//! changes a lifecycle policy.

mod common;

use common::{Moto, REGION, yaml};
use serde_json::Value;

/// Pushes one image per tag, a second apart where `spaced` (so push times order them).
async fn push(ecr: &aws_sdk_ecr::Client, tags: &[&str], spaced: bool) {
    for tag in tags {
        let manifest = serde_json::json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
            "config": {
                "mediaType": "application/vnd.docker.container.image.v1+json",
                "size": 1,
                "digest": format!("sha256:{:064x}", tag.bytes().map(u64::from).sum::<u64>() * 7919 + tag.len() as u64),
            },
            // moto names an image by its layers' digests: one layer of its own each.
            "layers": [{
                "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                "size": 1,
                "digest": format!("sha256:{:064x}", tag.bytes().map(u64::from).sum::<u64>() * 104_729 + tag.len() as u64),
            }],
        });
        ecr.put_image()
            .repository_name("shop/web")
            .image_manifest(manifest.to_string())
            .image_tag(*tag)
            .send()
            .await
            .unwrap_or_else(|e| panic!("PutImage {tag}: {e:?}"));
        if spaced {
            tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        }
    }
}

fn manifest(lifecycle: &str) -> String {
    yaml(&format!(
        "
        version: 1
        stack: shop
        repositories:
          shop/web:
            lifecycle: {lifecycle}
        ecs:
          taskDefinitions:
            web:
              containerDefinitions:
                - name: web
                  image: {{ repository: shop/web, tag: v3 }}
                  memory: 128
        "
    ))
}

fn in_use(plan: &Value) -> Vec<(String, String)> {
    let change = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["address"] == "ecr.repository.shop/web")
        .unwrap_or_else(|| panic!("a change of shop/web: {plan:#}"));
    change["lifecyclePreview"]["inUse"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|i| {
            (
                i["tags"][0].as_str().unwrap().to_string(),
                i["usedBy"][0].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rule_that_would_expire_images_in_use_is_named_and_refused() {
    let moto = Moto::start_with_aws_behaviour();
    moto.manifest(&manifest("[]"));
    moto.apply(&[]);
    let ecr = moto.ecr().await;
    push(&ecr, &["v1", "v2", "v3", "v4"], true).await;
    push(&ecr, &["tmp-1", "tmp-2", "tmp-3"], false).await;
    push(&ecr, &["v5"], false).await;
    let uri = format!("123456789012.dkr.ecr.{REGION}.amazonaws.com/shop/web");

    // Outside the manifest: a service runs v1, a task runs v2.
    let ecs = moto.ecs().await;
    ecs.create_cluster()
        .cluster_name("legacy")
        .send()
        .await
        .expect("cluster");
    for (family, tag) in [("old", "v1"), ("batch", "v2")] {
        ecs.register_task_definition()
            .family(family)
            .container_definitions(
                aws_sdk_ecs::types::ContainerDefinition::builder()
                    .name(family)
                    .image(format!("{uri}:{tag}"))
                    .memory(128)
                    .build(),
            )
            .send()
            .await
            .expect("register");
    }
    ecs.create_service()
        .cluster("legacy")
        .service_name("old")
        .task_definition("old:1")
        .desired_count(1)
        .send()
        .await
        .expect("service");
    ecs.run_task()
        .cluster("legacy")
        .task_definition("batch:1")
        .launch_type(aws_sdk_ecs::types::LaunchType::Fargate)
        .send()
        .await
        .expect("task");

    // A plan with no lifecycle change reads nothing of services and tasks.
    let proxy = moto.proxy.as_ref().expect("proxy");
    moto.plan_json(&[]);
    assert_eq!(
        proxy.requests().get("ListTasks"),
        None,
        "{:?}",
        proxy.requests()
    );

    // Keep the newest v image: v1 to v4 expire, and three of them are in use.
    moto.manifest(&manifest("[{ tagPrefixes: [v], keepLast: 1 }]"));
    // Drift reports the rule as drift and leaves previews (and their reads) out.
    let (code, _, _) = moto.run(&["drift"]);
    assert_eq!(code, 2);
    assert_eq!(
        proxy.requests().get("ListTasks"),
        None,
        "{:?}",
        proxy.requests()
    );
    let plan = moto.plan_json(&[]);
    let mut found = in_use(&plan);
    found.sort();
    assert_eq!(
        found,
        [
            ("v1".to_string(), "ecs.service.old (old:1)".to_string()),
            (
                "v2".to_string(),
                "a running task of batch:1 in cluster legacy".to_string()
            ),
            (
                "v3".to_string(),
                "ecs.task_definition.web (this manifest)".to_string()
            ),
        ],
        "{plan:#}"
    );
    let image = &plan["changes"][0]["lifecyclePreview"]["inUse"][0];
    assert!(image["digest"].as_str().unwrap().starts_with("sha256:"));
    assert_eq!(image["rulePriority"], 1);
    assert_eq!(image["action"], "expire");
    let requests = proxy.requests();
    assert!(
        requests.contains_key("ListTasks") && requests.contains_key("DescribeTasks"),
        "{requests:?}"
    );

    // The text plan and --stats say it, and what the reads cost.
    let out = moto.expect(&["plan", "--stats"], 0);
    assert!(
        out.contains("! rule 1 would expire sha256:")
            && out.contains("(v1), in use by ecs.service.old (old:1)"),
        "{out}"
    );
    assert!(
        out.contains("aws reads: ") && out.contains("DescribeTasks=1"),
        "{out}"
    );

    // Apply refuses, naming each image; nothing is written.
    let (code, stdout, stderr) = moto.run(&["apply", "--auto-approve"]);
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    assert!(
        stderr.contains("ecr.repository.shop/web: lifecycle rule 1 would expire image sha256:")
            && stderr
                .contains("which ecs.service.old (old:1) uses; this needs --allow-expire-in-use"),
        "{stderr}"
    );
    let policy = ecr
        .get_lifecycle_policy()
        .repository_name("shop/web")
        .send()
        .await;
    assert!(policy.is_err(), "no lifecycle policy was put");

    // A rule that expires only images nothing uses plans cleanly and applies.
    moto.manifest(&manifest("[{ tagPrefixes: [tmp], keepLast: 1 }]"));
    let plan = moto.plan_json(&[]);
    assert!(in_use(&plan).is_empty(), "{plan:#}");
    assert_eq!(
        plan["changes"][0]["lifecyclePreview"]["expires"], 2,
        "{plan:#}"
    );
    moto.apply(&[]);

    // With the flag, the reviewed risk is taken.
    moto.manifest(&manifest("[{ tagPrefixes: [v], keepLast: 1 }]"));
    moto.apply(&["--allow-expire-in-use"]);
    moto.assert_converged();

    // The rule is in place now: `lint --live` reports what it would expire, at the rules.
    let (code, stdout, stderr) =
        moto.run(&["lint", "--live", "--format", "json", "--fail-on", "high"]);
    assert_eq!(code, 3, "{stdout}\n{stderr}");
    let report: Value = serde_json::from_str(&stdout).expect("JSON");
    let found: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"]["id"] == "WHARF-ECR-007" || f["id"] == "WHARF-ECR-007")
        .collect();
    assert_eq!(found.len(), 3, "{report:#}");
    let text = serde_json::to_string(&found).unwrap();
    assert!(text.contains("ecs.service.old (old:1)"), "{text}");
    assert!(
        text.contains("a running task of batch:1 in cluster legacy"),
        "{text}"
    );
}

/// The archive short forms end to end, through the AWS-behaviour layer (moto refuses
/// archive rules; ECR takes them): put as the documented rule shapes, read back with no
/// difference, previewed (what they would archive), exported as short forms again.
#[tokio::test(flavor = "multi_thread")]
async fn archive_rules_are_put_converge_preview_and_export_as_short_forms() {
    let moto = Moto::start_with_aws_behaviour();
    let rules = "[{ tagPrefixes: [release], archiveKeepLast: 1 }, { untagged: true, archiveAfterDays: 30, since: pulled }, { archived: true, expireAfterDays: 365 }]";
    moto.manifest(&yaml(&format!(
        "
        version: 1
        stack: shop
        repositories:
          shop/web:
            lifecycle: {rules}
        "
    )));
    moto.apply(&[]);
    let ecr = moto.ecr().await;
    let stored = ecr
        .get_lifecycle_policy()
        .repository_name("shop/web")
        .send()
        .await
        .expect("a policy");
    let doc: Value = serde_json::from_str(stored.lifecycle_policy_text().unwrap()).unwrap();
    assert_eq!(
        doc["rules"][0]["action"],
        serde_json::json!({"type": "transition", "targetStorageClass": "archive"})
    );
    assert_eq!(
        doc["rules"][1]["selection"]["countType"],
        "sinceImagePulled"
    );
    assert_eq!(doc["rules"][2]["selection"]["storageClass"], "archive");
    assert_eq!(
        doc["rules"][2]["selection"]["countType"],
        "sinceImageTransitioned"
    );
    moto.assert_converged();

    // The preview says what a changed rule would archive (the v images: the rules in
    // place archive only release ones).
    push(&ecr, &["v1", "v2"], true).await;
    push(&ecr, &["v3"], false).await;
    moto.manifest(&yaml(
        "
        version: 1
        stack: shop
        repositories:
          shop/web:
            lifecycle: [{ tagPrefixes: [v], archiveKeepLast: 1 }]
        ",
    ));
    let plan = moto.plan_json(&[]);
    let preview = &plan["changes"][0]["lifecyclePreview"];
    assert_eq!(preview["archives"], 2, "{plan:#}");
    assert_eq!(preview["expires"], 0, "{plan:#}");

    // Export writes the policy in place back as short rules.
    moto.apply(&[]);
    let out = moto.expect(
        &["export", "--stack", "shop", "--repositories", "shop/*"],
        0,
    );
    assert!(out.contains("archiveKeepLast: 1"), "{out}");
}
