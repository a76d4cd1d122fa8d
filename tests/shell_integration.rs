//! Shell integration: `--version`, completion scripts for every shell clap supports, and
//! the manual pages, all generated from the same command definitions as the parser.

use assert_cmd::Command;

fn wharf() -> Command {
    let mut cmd = Command::cargo_bin("wharf").expect("binary");
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("NO_COLOR", "1");
    cmd
}

fn stdout_of(args: &[&str]) -> String {
    let out = wharf().args(args).output().expect("runs");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

#[test]
fn version_names_the_package_version() {
    let expected = format!("wharf {}\n", env!("CARGO_PKG_VERSION"));
    assert_eq!(stdout_of(&["--version"]), expected);
    // Subcommands report it too.
    assert_eq!(
        stdout_of(&["plan", "--version"]),
        format!("wharf-plan {}\n", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn completions_cover_the_commands_and_their_flags() {
    let bash = stdout_of(&["completions", "bash"]);
    assert!(bash.contains("_wharf()"), "{bash}");
    for word in [
        "plan",
        "apply",
        "drift",
        "rollback",
        "--detailed-exitcode",
        "--allow-replace",
    ] {
        assert!(bash.contains(word), "bash lacks {word}");
    }
    let zsh = stdout_of(&["completions", "zsh"]);
    assert!(zsh.starts_with("#compdef wharf"), "{zsh}");
    let fish = stdout_of(&["completions", "fish"]);
    assert!(fish.contains("complete -c wharf"), "{fish}");
    for shell in ["elvish", "powershell"] {
        assert!(!stdout_of(&["completions", shell]).is_empty());
    }
    let out = wharf()
        .args(["completions", "tcsh"])
        .output()
        .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(1),
        "an unknown shell is a usage error"
    );
}

#[test]
fn the_manual_is_roff_with_one_page_per_command() {
    let page = stdout_of(&["man"]);
    assert!(page.contains(".TH wharf 1"), "{page}");
    for section in [
        ".SH SYNOPSIS",
        ".SH OPTIONS",
        ".SH SUBCOMMANDS",
        ".SH VERSION",
    ] {
        assert!(page.contains(section), "{section} missing: {page}");
    }
    assert!(
        page.contains("wharf\\-plan(1)"),
        "subcommands name their pages: {page}"
    );

    let dir = tempfile::tempdir().expect("temp dir");
    let dir_arg = dir.path().to_str().expect("utf-8 path");
    stdout_of(&["man", "--out-dir", dir_arg]);
    let plan = std::fs::read_to_string(dir.path().join("wharf-plan.1")).expect("wharf-plan.1");
    assert!(plan.contains(".TH wharf-plan 1"), "{plan}");
    assert!(plan.contains("detailed\\-exitcode"), "{plan}");
    for page in [
        "wharf.1",
        "wharf-apply.1",
        "wharf-drift.1",
        "wharf-rollback.1",
        "wharf-fleet.1",
        "wharf-validate.1",
    ] {
        assert!(dir.path().join(page).exists(), "{page} missing");
    }
}
