//! The layering rule, checked on the source: the pure core (manifest, the kinds' folders
//! but for their I/O file, resources, documents, plan, render, lint, export's writers)
//! never uses the AWS SDK or wharf's `aws` module. Only `src/aws/` and each kind's
//! `io.rs` talk to AWS, and the edge that drives them (the `ops` pipelines, `apply.rs`,
//! `commands/`, `main.rs`). Test modules may (they build SDK values to compare with).

use std::path::{Path, PathBuf};

/// Files allowed to reach AWS, relative to `src/`.
const IO_EDGE: &[&str] = &["aws/", "ops/", "apply.rs", "commands/", "main.rs"];

/// What reaching AWS looks like in Rust source.
const AWS_USES: &[&str] = &["aws_sdk_", "aws_config", "aws_smithy", "crate::aws"];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn the_pure_core_does_not_reach_aws() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut offenders = Vec::new();
    for file in &files {
        let relative = file
            .strip_prefix(&src)
            .expect("under src")
            .to_string_lossy()
            .replace('\\', "/");
        let kind_io = relative.starts_with("kinds/") && relative.ends_with("/io.rs");
        if kind_io || IO_EDGE.iter().any(|edge| relative.starts_with(edge)) {
            continue;
        }
        let text = std::fs::read_to_string(file).expect("read");
        // The code before the test module (tests live at the end of a file).
        let code = text.split("#[cfg(test)]").next().unwrap_or("");
        for (n, line) in code.lines().enumerate() {
            let line = line.split("//").next().unwrap_or("");
            if let Some(used) = AWS_USES.iter().find(|u| line.contains(*u)) {
                offenders.push(format!("src/{relative}:{}: uses `{used}`", n + 1));
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "the pure core reaches AWS:\n{}",
        offenders.join("\n")
    );
    // The rule has something to check: the pure core is most of the source.
    assert!(files.len() > 50, "found {} files", files.len());
}
