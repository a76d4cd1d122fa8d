//! Writes an exported manifest as YAML, PURE: the yaml-language-server line first (editors
//! then complete and check it against the schema), a comment saying where it came from,
//! then the manifest as serde-saphyr writes it (members in the schema's order, no empty
//! sections: `Manifest`'s serde attributes leave them out).

use crate::manifest::model::Manifest;
use serde_json::{Map, Value};

/// The manifest file's text.
pub fn render(manifest: &Manifest, schema: &str, comments: &[String]) -> Result<String, String> {
    let value =
        serde_json::to_value(manifest).map_err(|e| format!("cannot write the manifest: {e}"))?;
    let body = serde_saphyr::to_string(&literal(value))
        .map_err(|e| format!("cannot write the manifest as YAML: {e}"))?;
    let mut out = format!("# yaml-language-server: $schema={schema}\n");
    for comment in comments {
        for line in comment.lines() {
            out.push_str(&format!("# {line}\n"));
        }
    }
    out.push_str(&body);
    if !out.ends_with('\n') {
        out.push('\n');
    }
    Ok(out)
}

/// Live values are literal text, but a manifest reads `${NAME}` as a variable: every
/// `${` in a string (keys too, as variables are substituted there) is written `$${`.
fn literal(value: Value) -> Value {
    let escape = |text: String| text.replace("${", "$${");
    match value {
        Value::String(text) => Value::String(escape(text)),
        Value::Array(items) => Value::Array(items.into_iter().map(literal).collect()),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (escape(k), literal(v)))
                .collect::<Map<String, Value>>(),
        ),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::load;
    use crate::manifest::model::{ImageTagMutability, Repository};
    use crate::manifest::vars::Variables;
    use std::collections::BTreeMap;

    #[test]
    fn the_written_manifest_loads_back_as_the_same_manifest() {
        let manifest = Manifest {
            version: 1,
            stack: "shop".into(),
            repositories: BTreeMap::from([
                ("shop/plain".to_string(), Repository::default()),
                (
                    "shop/web".to_string(),
                    Repository {
                        image_tag_mutability: Some(ImageTagMutability::Immutable),
                        tags: Some(BTreeMap::from([("yes".to_string(), "no".to_string())])),
                        ..Repository::default()
                    },
                ),
            ]),
            ..Manifest::default()
        };
        let text = render(&manifest, "wharf.schema.json", &["exported".into()]).unwrap();
        assert!(
            text.starts_with("# yaml-language-server: $schema=wharf.schema.json\n# exported\n"),
            "{text}"
        );
        let loaded = load("wharf.yaml", &text, &Variables::default())
            .unwrap_or_else(|e| panic!("{text}\n{e:?}"));
        assert_eq!(loaded.manifest, manifest, "{text}");
    }

    #[test]
    fn dollar_braces_in_live_values_stay_literal() {
        let mut manifest = Manifest {
            version: 1,
            stack: "shop".into(),
            ..Manifest::default()
        };
        let definition = serde_json::json!({
            "containerDefinitions": [{
                "name": "app", "image": "busybox", "memory": 64,
                "command": ["sh", "-c", "echo ${HOME} $${x} $$ $"]
            }]
        });
        manifest
            .ecs
            .task_definitions
            .insert("app".into(), definition.as_object().cloned().unwrap());
        let text = render(&manifest, "s.json", &[]).unwrap();
        let loaded = load("wharf.yaml", &text, &Variables::default())
            .unwrap_or_else(|e| panic!("{text}\n{e:?}"));
        assert_eq!(loaded.manifest, manifest, "{text}");
    }
}
