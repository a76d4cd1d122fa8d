//! Logo files of public repositories: the one manifest input that lives on disk. The
//! command layer reads them once the manifest is valid, with a diagnostic at the `logo`
//! node when a file is missing, too large or not a PNG or JPEG image, and hands planning
//! their sha256 digests (`LiveSnapshot::logo_files`). Apply reads a file again and refuses
//! to upload it when its digest is no longer the planned one, so what is uploaded is what
//! was reviewed.

use crate::diagnostics::Diagnostic;
use crate::live::LogoFile;
use crate::manifest::LoadedManifest;
use crate::manifest::spans::pointer;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// RepositoryCatalogDataInput `logoImageBlob`: at most 512,000 bytes.
pub const LOGO_MAX_BYTES: usize = 512_000;

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
/// Every JPEG file starts with a start-of-image marker followed by another marker.
const JPEG_SIGNATURE: &[u8] = b"\xff\xd8\xff";

/// Why a logo file cannot be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LogoProblem {
    Missing,
    Unreadable(String),
    TooLarge(usize),
    NotAnImage,
}

/// Where the manifest's `logo` points: relative paths are relative to the manifest's
/// directory, not to where wharf runs.
pub fn resolve(manifest_path: &Path, logo: &str) -> PathBuf {
    let logo = Path::new(logo);
    if logo.is_absolute() {
        return logo.to_path_buf();
    }
    manifest_path.parent().unwrap_or(Path::new("")).join(logo)
}

/// Lowercase hex sha256 of the bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Checks what ECR Public accepts: a PNG or JPEG image of at most `LOGO_MAX_BYTES`.
pub fn check_bytes(bytes: &[u8]) -> Result<(), LogoProblem> {
    if bytes.len() > LOGO_MAX_BYTES {
        return Err(LogoProblem::TooLarge(bytes.len()));
    }
    if bytes.starts_with(PNG_SIGNATURE) || bytes.starts_with(JPEG_SIGNATURE) {
        Ok(())
    } else {
        Err(LogoProblem::NotAnImage)
    }
}

/// Reads and checks a logo file; its bytes and their digest.
pub fn read(path: &Path) -> Result<(Vec<u8>, String), LogoProblem> {
    let bytes = std::fs::read(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => LogoProblem::Missing,
        _ => LogoProblem::Unreadable(e.to_string()),
    })?;
    check_bytes(&bytes)?;
    let digest = sha256_hex(&bytes);
    Ok((bytes, digest))
}

/// The bytes to upload for a planned logo; an error when the file is gone or is no longer
/// the file the plan was made from.
pub fn read_planned(path: &str, sha256: &str) -> Result<Vec<u8>, String> {
    let (bytes, digest) = read(Path::new(path)).map_err(|problem| match problem {
        LogoProblem::Missing => format!("the logo file `{path}` no longer exists"),
        LogoProblem::Unreadable(e) => format!("cannot read the logo file `{path}`: {e}"),
        LogoProblem::TooLarge(n) => format!(
            "the logo file `{path}` changed since the plan and is now {n} bytes (at most {LOGO_MAX_BYTES})"
        ),
        LogoProblem::NotAnImage => format!(
            "the logo file `{path}` changed since the plan and is no longer a PNG or JPEG image"
        ),
    })?;
    if digest != sha256 {
        return Err(format!(
            "the logo file `{path}` changed since the plan (planned sha256 {sha256}, now {digest}); run plan again to review it"
        ));
    }
    Ok(bytes)
}

/// Reads every logo the manifest names, by public repository name; every problem is a
/// diagnostic at its `logo` node, all of them at once. A path is relative to the
/// directory of the manifest file that says it (with overlays, the file that set it).
pub fn read_all(loaded: &LoadedManifest) -> Result<BTreeMap<String, LogoFile>, Vec<Diagnostic>> {
    let mut files = BTreeMap::new();
    let mut problems = Vec::new();
    for (name, repo) in loaded.manifest.public_repositories.iter().flatten() {
        let Some(logo) = &repo.logo else {
            continue;
        };
        let span = loaded
            .spans
            .at(&pointer(&["publicRepositories", name, "logo"]));
        let declared_in = loaded
            .sources
            .locate(span)
            .map(|(file, _)| file.name.clone())
            .unwrap_or_else(|| loaded.file_name.clone());
        let path = resolve(Path::new(&declared_in), logo);
        let shown = path.display().to_string();
        match read(&path) {
            Ok((_, sha256)) => {
                files.insert(
                    name.clone(),
                    LogoFile {
                        path: shown,
                        sha256,
                    },
                );
            }
            Err(problem) => problems.push(match problem {
                LogoProblem::Missing => {
                    Diagnostic::error(span, format!("the logo file `{shown}` does not exist"))
                        .with_hint("a logo path is relative to the manifest's directory")
                }
                LogoProblem::Unreadable(e) => {
                    Diagnostic::error(span, format!("cannot read the logo file `{shown}`: {e}"))
                }
                LogoProblem::TooLarge(n) => Diagnostic::error(
                    span,
                    format!(
                        "the logo file `{shown}` is {n} bytes; ECR Public accepts at most {LOGO_MAX_BYTES}"
                    ),
                )
                .with_hint("scale the image down or compress it"),
                LogoProblem::NotAnImage => Diagnostic::error(
                    span,
                    format!("the logo file `{shown}` is not a PNG or JPEG image"),
                )
                .with_hint("ECR Public takes a PNG or JPEG logo"),
            }),
        }
    }
    if problems.is_empty() {
        Ok(files)
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

    #[test]
    fn formats_and_sizes() {
        let mut large = PNG.to_vec();
        large.resize(LOGO_MAX_BYTES + 1, 0);
        let mut largest = PNG.to_vec();
        largest.resize(LOGO_MAX_BYTES, 0);
        // (bytes, result)
        let cases: [(&[u8], Result<(), LogoProblem>); 7] = [
            (PNG, Ok(())),
            (b"\xff\xd8\xff\xe0\0\x10JFIF", Ok(())),
            (&largest, Ok(())),
            (&large, Err(LogoProblem::TooLarge(LOGO_MAX_BYTES + 1))),
            (b"GIF89a", Err(LogoProblem::NotAnImage)),
            (
                b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
                Err(LogoProblem::NotAnImage),
            ),
            (b"", Err(LogoProblem::NotAnImage)),
        ];
        for (bytes, expected) in cases {
            assert_eq!(
                check_bytes(bytes),
                expected,
                "{:?}",
                &bytes[..bytes.len().min(8)]
            );
        }
    }

    #[test]
    fn paths_are_relative_to_the_manifest() {
        // (manifest path, logo, resolved)
        let cases = [
            ("wharf.yaml", "logo.png", "logo.png"),
            ("examples/public.yaml", "logo.png", "examples/logo.png"),
            (
                "examples/public.yaml",
                "../art/logo.png",
                "examples/../art/logo.png",
            ),
            ("examples/public.yaml", "/srv/logo.png", "/srv/logo.png"),
        ];
        for (manifest, logo, resolved) in cases {
            assert_eq!(resolve(Path::new(manifest), logo), PathBuf::from(resolved));
        }
    }

    #[test]
    fn the_digest_is_sha256_in_lowercase_hex() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn a_planned_logo_is_read_only_when_unchanged() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let path = dir.path().join("logo.png");
        std::fs::write(&path, PNG).expect("write");
        let shown = path.display().to_string();
        let digest = sha256_hex(PNG);
        assert_eq!(read_planned(&shown, &digest).expect("unchanged"), PNG);
        std::fs::write(&path, b"\x89PNG\r\n\x1a\nother").expect("write");
        let error = read_planned(&shown, &digest).expect_err("changed");
        assert!(error.contains("changed since the plan"), "{error}");
        std::fs::remove_file(&path).expect("remove");
        let error = read_planned(&shown, &digest).expect_err("gone");
        assert!(error.contains("no longer exists"), "{error}");
    }
}
