//! Manifest loading and validation must never panic, whatever the bytes: every input
//! ends as a loaded manifest or as located diagnostics that render.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wharf::manifest::{Sources, Variables, load_sources};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // Half the inputs as one file, half split in two at the first form feed, so the
    // overlay merge is fuzzed too.
    let files: Vec<(String, String)> = match text.split_once('\u{c}') {
        Some((base, overlay)) => vec![
            ("base.yaml".into(), base.into()),
            ("overlay.yaml".into(), overlay.into()),
        ],
        None => vec![("wharf.yaml".into(), text.into())],
    };
    let vars = Variables {
        cli: [("IMAGE_TAG".to_string(), "v1".to_string())].into(),
        environment: Default::default(),
    };
    let sources = Sources::new(files);
    match load_sources(sources.clone(), &vars) {
        Ok(loaded) => {
            let _ = wharf::diagnostics::render_diagnostics(&loaded.sources, &loaded.warnings, false);
        }
        Err(failure) => {
            let _ = wharf::diagnostics::render_diagnostics(&sources, &failure.diagnostics, false);
        }
    }
});
