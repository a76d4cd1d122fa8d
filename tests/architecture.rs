//! The layering rules, checked on the source. The pure core (manifest, the kinds' folders
//! but for their I/O file, documents, plan, render, lint, export's writers) never uses
//! the AWS SDK or wharf's `aws` module: only `src/aws/` and each kind's `io.rs` talk to
//! AWS, driven by the edge (the `ops` pipelines that plan and apply, `commands/`,
//! `main.rs`). Test modules may (they build SDK values to compare with). And no module
//! imports, through any chain, one that imports it back.

use std::path::{Path, PathBuf};

/// Files allowed to reach AWS, relative to `src/`.
const IO_EDGE: &[&str] = &["aws/", "ops/", "commands/", "main.rs"];

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

/// The module path of a file under `src/`: `kinds/role/mod.rs` → `["kinds", "role"]`.
fn module_path(relative: &str) -> Vec<String> {
    let mut segments: Vec<String> = relative
        .trim_end_matches(".rs")
        .split('/')
        .map(str::to_string)
        .collect();
    if segments
        .last()
        .is_some_and(|s| s == "mod" || s == "lib" || s == "main")
    {
        segments.pop();
    }
    segments
}

/// Every `crate::…`, `super::…` and `self::…` path a source text names, `use` groups
/// expanded, as absolute module paths (`mine` is the file's own module path).
fn named_paths(code: &str, mine: &[String]) -> Vec<Vec<String>> {
    fn expand(prefix: &[String], tree: &str, out: &mut Vec<Vec<String>>) {
        let tree = tree.trim();
        if let Some(open) = tree.find('{') {
            let head: Vec<String> = tree[..open]
                .split("::")
                .filter(|s| !s.trim().is_empty())
                .map(|s| s.trim().to_string())
                .collect();
            let body = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
            let (mut depth, mut start) = (0, 0);
            let base: Vec<String> = prefix.iter().cloned().chain(head).collect();
            for (i, c) in body.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        expand(&base, &body[start..i], out);
                        start = i + 1;
                    }
                    _ => {}
                }
            }
            expand(&base, &body[start..], out);
        } else if !tree.is_empty() {
            let path = tree.split(" as ").next().unwrap_or(tree);
            out.push(
                prefix
                    .iter()
                    .cloned()
                    .chain(path.split("::").map(|s| s.trim().to_string()))
                    .collect(),
            );
        }
    }
    let mut relative = Vec::new();
    for statement in code.split(';') {
        let statement = statement.trim_start();
        let tree = statement
            .strip_prefix("pub(crate) use ")
            .or_else(|| statement.strip_prefix("pub use "))
            .or_else(|| statement.strip_prefix("use "));
        if let Some(tree) = tree {
            expand(&[], tree, &mut relative);
        }
    }
    let bytes = code.as_bytes();
    for root in ["crate::", "super::"] {
        let mut from = 0;
        while let Some(at) = code[from..].find(root) {
            let start = from + at;
            from = start + root.len();
            if start > 0
                && (bytes[start - 1].is_ascii_alphanumeric()
                    || bytes[start - 1] == b'_'
                    || bytes[start - 1] == b':')
            {
                continue;
            }
            let end = code[start..]
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
                .map_or(code.len(), |e| start + e);
            relative.push(code[start..end].split("::").map(str::to_string).collect());
        }
    }
    relative
        .into_iter()
        .filter_map(|segments| {
            let mut segments = segments.into_iter().filter(|s| !s.is_empty()).peekable();
            let mut absolute: Vec<String> = match segments.peek().map(String::as_str) {
                Some("crate") => {
                    segments.next();
                    Vec::new()
                }
                Some("super") => {
                    let mut base = mine.to_vec();
                    while segments.peek().is_some_and(|s| s == "super") {
                        segments.next();
                        base.pop();
                    }
                    base
                }
                Some("self") => {
                    segments.next();
                    mine.to_vec()
                }
                _ => return None,
            };
            absolute.extend(segments);
            Some(absolute)
        })
        .collect()
}

/// No module imports, through any chain, a module that imports it back: the layers
/// stay layers (the pure core below the I/O edge, each kind's leaves below its planning
/// code, the plan types below the kinds' planning code).
#[test]
fn no_module_imports_itself_back() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let relative: Vec<String> = files
        .iter()
        .map(|f| {
            f.strip_prefix(&src)
                .expect("under src")
                .to_string_lossy()
                .replace('\\', "/")
        })
        .collect();
    let modules: Vec<Vec<String>> = relative.iter().map(|r| module_path(r)).collect();
    let file_of = |path: &[String]| {
        (1..=path.len())
            .rev()
            .find_map(|n| modules.iter().position(|m| m.as_slice() == &path[..n]))
    };
    // What `with_kinds!` expands to: a macro body naming `crate::kinds::$module::...`
    // names every kind's module.
    let registry = std::fs::read_to_string(src.join("kinds/mod.rs")).expect("kinds/mod.rs");
    let kinds: Vec<Vec<&str>> = registry
        .lines()
        .map(|line| {
            line.trim()
                .trim_end_matches(',')
                .split(' ')
                .collect::<Vec<_>>()
        })
        .filter(|words| {
            words.len() == 4
                && words[0].starts_with(char::is_uppercase)
                && words[3].ends_with("Kind")
        })
        .collect();
    assert!(
        kinds.len() >= 9,
        "the list of kinds was not found: {kinds:?}"
    );
    let mut edges: Vec<std::collections::BTreeSet<usize>> = vec![Default::default(); files.len()];
    for (i, file) in files.iter().enumerate() {
        let text = std::fs::read_to_string(file).expect("read");
        let mut code = text.split("#[cfg(test)]").next().unwrap_or("").to_string();
        if code.contains("$module") {
            let body = code.clone();
            for kind in &kinds {
                code.push_str(
                    &body
                        .replace("$variant", kind[0])
                        .replace("$module", kind[1])
                        .replace("$operation", kind[2])
                        .replace("$kind", kind[3]),
                );
            }
        }
        for path in named_paths(&code, &modules[i]) {
            if let Some(target) = file_of(&path).filter(|t| *t != i) {
                edges[i].insert(target);
            }
        }
    }
    // A depth-first search that reports the first cycle it walks into.
    let mut state = vec![0u8; files.len()];
    let mut stack = Vec::new();
    fn visit(
        at: usize,
        edges: &[std::collections::BTreeSet<usize>],
        state: &mut [u8],
        stack: &mut Vec<usize>,
    ) -> Option<Vec<usize>> {
        state[at] = 1;
        stack.push(at);
        for &next in &edges[at] {
            if state[next] == 1 {
                let from = stack.iter().position(|&s| s == next).expect("on the stack");
                let mut cycle = stack[from..].to_vec();
                cycle.push(next);
                return Some(cycle);
            }
            if state[next] == 0
                && let Some(cycle) = visit(next, edges, state, stack)
            {
                return Some(cycle);
            }
        }
        stack.pop();
        state[at] = 2;
        None
    }
    for start in 0..files.len() {
        if state[start] == 0
            && let Some(cycle) = visit(start, &edges, &mut state, &mut stack)
        {
            let names: Vec<&str> = cycle.iter().map(|&i| relative[i].as_str()).collect();
            panic!("an import cycle: {}", names.join(" → "));
        }
    }
    // The check sees the imports: the plan builder reaches the kinds.
    let build = relative
        .iter()
        .position(|r| r == "plan/build.rs")
        .expect("plan/build.rs");
    assert!(
        !edges[build].is_empty(),
        "no imports found in plan/build.rs"
    );
}
