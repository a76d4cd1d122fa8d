//! The committed JSON Schema matches the manifest types, every example validates, and
//! every invalid fixture gets located diagnostics (snapshotted) without a panic.

use assert_cmd::Command;
use std::path::{Path, PathBuf};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn wharf() -> Command {
    let mut cmd = Command::cargo_bin("wharf").expect("binary");
    // A clean environment: the fixtures' variables must not leak in from the host.
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("NO_COLOR", "1");
    cmd
}

fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("directory exists")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    files
}

#[test]
fn committed_schema_is_current() {
    let out = wharf().arg("schema").output().expect("runs");
    assert!(out.status.success());
    let generated = String::from_utf8(out.stdout).expect("utf-8");
    let path = root().join("schemas/wharf.schema.json");
    if std::env::var_os("WHARF_UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &generated).expect("write schema");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "schemas/wharf.schema.json is stale: run `WHARF_UPDATE_SCHEMA=1 cargo test --test schema_and_examples` and commit it"
    );
    let schema: serde_json::Value = serde_json::from_str(&generated).expect("JSON");
    assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
}

#[test]
fn committed_fleet_schema_is_current() {
    let out = wharf().args(["fleet", "schema"]).output().expect("runs");
    assert!(out.status.success());
    let generated = String::from_utf8(out.stdout).expect("utf-8");
    let path = root().join("schemas/fleet.schema.json");
    if std::env::var_os("WHARF_UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &generated).expect("write schema");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "schemas/fleet.schema.json is stale: run `WHARF_UPDATE_SCHEMA=1 cargo test --test schema_and_examples` and commit it"
    );
    let schema: serde_json::Value = serde_json::from_str(&generated).expect("JSON");
    assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
}

#[test]
fn every_example_declares_the_schema_and_validates() {
    let examples = yaml_files(&root().join("examples"));
    assert!(!examples.is_empty());
    for example in examples {
        let text = std::fs::read_to_string(&example).expect("read");
        assert!(
            text.starts_with("# yaml-language-server: $schema=../schemas/wharf.schema.json"),
            "{} must start with the yaml-language-server schema line",
            example.display()
        );
        let out = wharf()
            .args(["validate", "-f"])
            .arg(&example)
            .output()
            .expect("runs");
        assert!(
            out.status.success(),
            "{} does not validate:\n{}",
            example.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn invalid_manifests_get_located_diagnostics() {
    let dir = root().join("tests/fixtures/invalid");
    for fixture in yaml_files(&dir) {
        let out = wharf()
            .current_dir(&dir)
            .args(["validate", "-f"])
            .arg(fixture.file_name().expect("name"))
            .output()
            .expect("runs");
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(
            out.status.code(),
            Some(1),
            "{}: {stderr}",
            fixture.display()
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
        let name = fixture
            .file_stem()
            .expect("stem")
            .to_string_lossy()
            .into_owned();
        // Every diagnostic carries file:line:column.
        assert!(stderr.contains(&format!("[{name}.yaml:")), "{stderr}");
        insta::assert_snapshot!(format!("invalid__{name}"), stderr);
    }
}
