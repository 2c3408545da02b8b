//! Loading configuration text into typed values, with errors that name the
//! full path of the field, the value found there and the reason.
//!
//! The text is parsed into a value tree first (a syntax error names the
//! line and column), then the tree is deserialized with
//! `serde_path_to_error`, which knows the path of whatever failed; the value
//! is then looked up in the tree at that path. So a mistake deep in a file
//! reads `invalid configuration at sla.policies[0].first_response.target:
//! days are ambiguous ... (value: 2d)`, whichever format it came in.

use serde::de::DeserializeOwned;
use serde_path_to_error::{Path, Segment};

use crate::error::ConfigError;

/// Deserializes TOML text into `T`.
pub(crate) fn toml<T: DeserializeOwned>(src: &str) -> Result<T, ConfigError> {
    let table: toml::Table = toml::from_str(src).map_err(|e| toml_syntax(src, &e))?;
    let tree = toml::Value::Table(table);
    serde_path_to_error::deserialize(tree.clone()).map_err(|e| {
        let value = find(e.path(), &tree, toml_child).and_then(toml_text);
        at(e.path(), value, e.inner().message())
    })
}

/// Deserializes JSON text into `T`.
pub(crate) fn json<T: DeserializeOwned>(src: &str) -> Result<T, ConfigError> {
    let tree: serde_json::Value = serde_json::from_str(src).map_err(|e| {
        ConfigError::new(
            "",
            None,
            format!(
                "JSON syntax error at line {}, column {}: {}",
                e.line(),
                e.column(),
                strip_position(&e.to_string())
            ),
        )
    })?;
    serde_path_to_error::deserialize(tree.clone()).map_err(|e| {
        let value = find(e.path(), &tree, json_child).and_then(json_text);
        at(e.path(), value, &strip_position(&e.inner().to_string()))
    })
}

fn at(path: &Path, value: Option<String>, message: &str) -> ConfigError {
    let path = path.to_string();
    let path = if path == "." { String::new() } else { path };
    let message = message.trim();
    // A value that validates itself while deserializing (a business
    // calendar, say) reports a configuration error of its own, with a path
    // inside the value: continue the outer path with it rather than nest
    // one message in the other.
    if let Some(inner) = nested(message) {
        return inner.prefixed(&path);
    }
    ConfigError::new(path, value, plain(message))
}

/// A [`ConfigError`] rendered as its `Display` writes it, read back.
fn nested(message: &str) -> Option<ConfigError> {
    let rest = message.strip_prefix("invalid configuration at ")?;
    let (path, reason) = rest.split_once(": ")?;
    let (reason, value) = match reason.rsplit_once(" (value: ") {
        Some((r, v)) => (r, v.strip_suffix(')').map(str::to_owned)),
        None => (reason, None),
    };
    Some(ConfigError::new(path, value, reason))
}

/// serde's own messages name the unknown field or variant, which the path
/// or the value already shows: say what was expected instead.
fn plain(message: &str) -> String {
    for (prefix, what) in [
        ("unknown field `", "unknown field"),
        ("unknown variant `", "not a known value"),
    ] {
        if let Some(rest) = message.strip_prefix(prefix)
            && let Some((_, expected)) = rest.split_once("`, ")
        {
            return format!("{what}; {expected}");
        }
    }
    message.to_owned()
}

fn toml_syntax(src: &str, e: &toml::de::Error) -> ConfigError {
    let message = e.message().trim().replace('\n', "; ");
    let message = match e.span() {
        Some(span) if span.start <= src.len() && src.is_char_boundary(span.start) => {
            let before = &src[..span.start];
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            format!("TOML syntax error at line {line}, column {column}: {message}")
        }
        _ => format!("TOML syntax error: {message}"),
    };
    ConfigError::new("", None, message)
}

/// serde_json appends ` at line L column C` to its messages; the path says where.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) if message[i..].contains(" column ") => message[..i].to_owned(),
        _ => message.to_owned(),
    }
}

/// The value at `path` in a tree, if the path leads anywhere.
fn find<'a, V>(
    path: &Path,
    root: &'a V,
    child: fn(&'a V, &Segment) -> Option<&'a V>,
) -> Option<&'a V> {
    let mut v = root;
    for segment in path {
        v = child(v, segment)?;
    }
    Some(v)
}

fn toml_child<'a>(v: &'a toml::Value, s: &Segment) -> Option<&'a toml::Value> {
    match (v, s) {
        (toml::Value::Table(t), Segment::Map { key }) => t.get(key),
        (toml::Value::Array(a), Segment::Seq { index }) => a.get(*index),
        (v, Segment::Enum { .. }) => Some(v),
        _ => None,
    }
}

fn json_child<'a>(v: &'a serde_json::Value, s: &Segment) -> Option<&'a serde_json::Value> {
    match (v, s) {
        (serde_json::Value::Object(o), Segment::Map { key }) => o.get(key),
        (serde_json::Value::Array(a), Segment::Seq { index }) => a.get(*index),
        (v, Segment::Enum { .. }) => Some(v),
        _ => None,
    }
}

/// A scalar as written (strings without their quotes); tables and arrays
/// are not shown, their fields are.
fn toml_text(v: &toml::Value) -> Option<String> {
    match v {
        toml::Value::String(s) => Some(s.clone()),
        toml::Value::Integer(i) => Some(i.to_string()),
        toml::Value::Float(f) => Some(f.to_string()),
        toml::Value::Boolean(b) => Some(b.to_string()),
        toml::Value::Datetime(d) => Some(d.to_string()),
        toml::Value::Array(_) | toml::Value::Table(_) => None,
    }
}

fn json_text(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        serde_json::Value::Null => Some("null".into()),
        serde_json::Value::Array(_) | serde_json::Value::Object(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::Deserialize;

    use super::*;
    use crate::BusinessDuration;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Metric {
        target: BusinessDuration,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Policy {
        name: String,
        #[serde(default)]
        first_response: Option<Metric>,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct File {
        policies: Vec<Policy>,
        #[serde(default)]
        extra: BTreeMap<String, u8>,
    }

    #[test]
    fn a_bad_value_names_its_full_path_and_the_value_once() {
        let e = toml::<File>(
            "[[policies]]\nname = \"a\"\n[[policies]]\nname = \"b\"\nfirst_response = { target = \"2d\" }\n",
        )
        .unwrap_err();
        assert_eq!(e.path, "policies[1].first_response.target");
        assert_eq!(e.value.as_deref(), Some("2d"));
        assert_eq!(e.to_string().matches("2d").count(), 1, "{e}");

        let e =
            json::<File>(r#"{"policies": [{"name": "a", "first_response": {"target": "2d"}}]}"#)
                .unwrap_err();
        assert_eq!(e.path, "policies[0].first_response.target");
        assert_eq!(e.value.as_deref(), Some("2d"));
    }

    #[test]
    fn an_unknown_field_names_where_it_is() {
        let e = toml::<File>("[[policies]]\nname = \"a\"\nfirst_reponse = { target = \"1h\" }\n")
            .unwrap_err();
        assert_eq!(e.path, "policies[0].first_reponse", "{e}");
        assert!(e.message.starts_with("unknown field; expected"), "{e}");
    }

    #[test]
    fn a_syntax_error_names_line_and_column() {
        let e = toml::<File>("[[policies]]\nname = \n").unwrap_err();
        assert_eq!(e.path, "");
        assert!(e.message.starts_with("TOML syntax error at line 2"), "{e}");
        let e = json::<File>("{\"policies\": [}").unwrap_err();
        assert!(e.message.starts_with("JSON syntax error at line 1"), "{e}");
    }
}
