//! Credentials never appear in any output: not at the highest verbosity (-vv, and
//! WHARF_LOG=trace, which logs every SDK request), not in errors, not in saved plans.

mod common;

use common::{Moto, yaml};

const SECRET_KEY: &str = "wharfSecretAccessKeyValue0123456789abcdef";
const SESSION_TOKEN: &str = "wharfSessionTokenValueZYXWVUTSRQPONMLK9876";

fn assert_clean(what: &str, text: &str) {
    for secret in [SECRET_KEY, SESSION_TOKEN] {
        assert!(!text.contains(secret), "{what} leaks a credential:\n{text}");
        // Not even a recognisable piece of it.
        assert!(
            !text.contains(&secret[..16]),
            "{what} leaks part of a credential"
        );
    }
}

#[test]
fn credentials_never_appear_in_any_output() {
    let moto = Moto::start();
    moto.manifest(&yaml(
        "
        version: 1
        stack: shop
        repositories:
          shop/web: { lifecycle: [ { untagged: true, expireAfterDays: 7 } ] }
        ",
    ));
    let runs: [&[&str]; 5] = [
        &["-vv", "plan", "--out", "plan.json"],
        &["-vv", "apply", "plan.json", "--auto-approve", "--stats"],
        &["-vv", "apply", "--auto-approve", "--prune"],
        &["-vv", "drift", "--format", "json"],
        &["-vv", "plan", "--format", "markdown"],
    ];
    let mut total = 0;
    for (i, args) in runs.iter().enumerate() {
        for log in ["", "trace"] {
            let mut cmd = moto.wharf();
            cmd.env("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
                .env("AWS_SESSION_TOKEN", SESSION_TOKEN)
                .env("WHARF_LOG", log)
                .args(*args);
            let out = cmd.output().expect("runs");
            let text = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(out.status.code().is_some(), "{args:?} crashed");
            total += text.len();
            assert_clean(&format!("run {i} {args:?} WHARF_LOG={log}"), &text);
        }
    }
    assert!(
        total > 10_000,
        "the verbose runs logged something to search"
    );
    let saved = std::fs::read_to_string(moto.dir.path().join("plan.json")).expect("plan.json");
    assert_clean("the saved plan", &saved);

    // A failure (credentials the emulator is pointed away from) does not print them either.
    let mut cmd = moto.wharf();
    cmd.env("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
        .env("AWS_SESSION_TOKEN", SESSION_TOKEN)
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .args(["-vv", "plan"]);
    let out = cmd.output().expect("runs");
    assert_eq!(out.status.code(), Some(1));
    assert_clean(
        "a connection failure",
        &format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    );
}
