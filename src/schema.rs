//! JSON Schemas of every TOML file a site holds, for editors (Taplo / Even Better TOML) and CI.
//!
//! They are generated from the very `Raw*` types the loader deserializes (`load.rs`), with the
//! same serde attributes (`deny_unknown_fields`, `kebab-case`, defaults), so a schema cannot say
//! something the loader does not. Only the UI strings file is built here by hand: its keys are
//! the theme's built-in English strings, the same list `theme` checks a site's file against.

use crate::load::{RawBook, RawFrontMatter, RawProcedure, RawScenario, RawSectionFile, RawSelector};
use schemars::{JsonSchema, Schema, SchemaGenerator, generate::SchemaSettings, json_schema};
use std::borrow::Cow;
use std::path::{Path, PathBuf};

/// The folder, in a site, where `vlsc-docs init` writes the schemas and directives point.
pub const DEFAULT_DIR: &str = "schemas";

/// The schema of a localized text: `{ ja = "…", en = "…" }`, one Markdown string per language.
/// Stands in, for schemars, for the loader's `RawText` (a `toml::Spanned` map).
pub struct TextSchema;

impl JsonSchema for TextSchema {
    fn schema_name() -> Cow<'static, str> {
        "LocalizedText".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A localized text: one Markdown string per language listed in book.toml, e.g. { ja = \"…\", en = \"…\" }.",
            "type": "object",
            "propertyNames": { "pattern": "^[a-z]{2,3}(-[a-zA-Z0-9]{2,8})*$" },
            "additionalProperties": { "type": "string" },
            "minProperties": 1
        })
    }
}

/// A kind of TOML file, with its schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Book,
    Procedure,
    Scenario,
    Selector,
    Section,
    Snippet,
    UiStrings,
    /// A page's front matter (between `+++` lines of `content/pages/<id>.<lang>.md`).
    FrontMatter,
}

impl FileKind {
    pub const ALL: [FileKind; 8] = [
        FileKind::Book,
        FileKind::Procedure,
        FileKind::Scenario,
        FileKind::Selector,
        FileKind::Section,
        FileKind::Snippet,
        FileKind::UiStrings,
        FileKind::FrontMatter,
    ];

    /// The schema's file name.
    pub fn file_name(self) -> &'static str {
        match self {
            FileKind::Book => "book.schema.json",
            FileKind::Procedure => "procedure.schema.json",
            FileKind::Scenario => "scenario.schema.json",
            FileKind::Selector => "selector.schema.json",
            FileKind::Section => "section.schema.json",
            FileKind::Snippet => "snippet.schema.json",
            FileKind::UiStrings => "i18n.schema.json",
            FileKind::FrontMatter => "front-matter.schema.json",
        }
    }

    /// The site files this schema checks, as globs from the site folder (none for front matter,
    /// which lives inside Markdown files no TOML tool reads).
    pub fn globs(self) -> &'static [&'static str] {
        match self {
            FileKind::Book => &["book.toml"],
            FileKind::Procedure => &["content/procedures/**/*.toml"],
            FileKind::Scenario => &["content/scenarios/**/*.toml"],
            FileKind::Selector => &["content/selector.toml"],
            FileKind::Section => &["content/**/_section.toml"],
            FileKind::Snippet => &["content/snippets/**/*.toml"],
            FileKind::UiStrings => &["i18n/*.toml"],
            FileKind::FrontMatter => &[],
        }
    }

    fn title(self) -> &'static str {
        match self {
            FileKind::Book => "vlsc-docs book.toml",
            FileKind::Procedure => "vlsc-docs procedure (content/procedures/<id>.toml)",
            FileKind::Scenario => "vlsc-docs scenario (content/scenarios/<id>.toml)",
            FileKind::Selector => "vlsc-docs scenario selector (content/selector.toml)",
            FileKind::Section => "vlsc-docs section (_section.toml)",
            FileKind::Snippet => "vlsc-docs snippet (content/snippets/<id>.toml)",
            FileKind::UiStrings => "vlsc-docs UI strings (i18n/<lang>.toml)",
            FileKind::FrontMatter => "vlsc-docs page front matter (content/pages/<id>.<lang>.md)",
        }
    }

    /// The schema, as pretty JSON ending in a newline.
    pub fn generate(self) -> String {
        let mut generator = SchemaSettings::draft07().into_generator();
        let mut schema = match self {
            FileKind::Book => generator.into_root_schema_for::<RawBook>(),
            FileKind::Procedure => generator.into_root_schema_for::<RawProcedure>(),
            FileKind::Scenario => generator.into_root_schema_for::<RawScenario>(),
            FileKind::Selector => generator.into_root_schema_for::<RawSelector>(),
            FileKind::Section => generator.into_root_schema_for::<RawSectionFile>(),
            FileKind::Snippet => generator.into_root_schema_for::<crate::load::RawSnippet>(),
            FileKind::FrontMatter => generator.into_root_schema_for::<RawFrontMatter>(),
            FileKind::UiStrings => ui_strings_schema(&mut generator),
        };
        schema.insert("title".to_string(), self.title().into());
        let mut value = schema.to_value();
        without_null(&mut value);
        let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
        text.push('\n');
        text
    }
}

/// Removes the `null` schemars allows for every `Option`: TOML has no null, an optional key is
/// simply left out. `anyOf: [X, null]` becomes `X`, `type: [T, "null"]` becomes `T`.
fn without_null(value: &mut serde_json::Value) {
    use serde_json::Value;
    let Value::Object(map) = value else {
        if let Value::Array(items) = value {
            items.iter_mut().for_each(without_null);
        }
        return;
    };
    if let Some(Value::Array(types)) = map.get_mut("type") {
        types.retain(|t| t != "null");
        if types.len() == 1 {
            let only = types.remove(0);
            map.insert("type".to_string(), only);
        }
    }
    let is_null = |v: &Value| v.get("type").is_some_and(|t| t == "null");
    if let Some(Value::Array(any)) = map.get_mut("anyOf") {
        any.retain(|v| !is_null(v));
        if let [only] = any.as_slice()
            && let Value::Object(inner) = only.clone()
        {
            map.remove("anyOf");
            map.extend(inner);
        }
    }
    map.values_mut().for_each(without_null);
}

/// Every key of the built-in English strings, each described by its English text; nothing else.
fn ui_strings_schema(_: &mut SchemaGenerator) -> Schema {
    let english = crate::theme::ThemeStrings::builtin().english();
    let properties: serde_json::Map<String, serde_json::Value> = english
        .iter()
        .map(|(key, text)| {
            (key.clone(), serde_json::json!({ "type": "string", "description": format!("English: {text}") }))
        })
        .collect();
    json_schema!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "description": "UI strings of one language; every key is optional (the theme's built-in strings are the fallback).",
        "type": "object",
        "properties": properties,
        "additionalProperties": false
    })
}

/// Writes every schema into `dir` (created if needed); returns the paths written.
pub fn write_all(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).map_err(|e| named(dir, e))?;
    let mut written = Vec::new();
    for kind in FileKind::ALL {
        let path = dir.join(kind.file_name());
        std::fs::write(&path, kind.generate()).map_err(|e| named(&path, e))?;
        written.push(path);
    }
    Ok(written)
}

fn named(path: &Path, e: std::io::Error) -> std::io::Error {
    std::io::Error::new(e.kind(), format!("{}: {e}", path.display()))
}

/// The `#:schema` directive for a TOML file at `file` (from the site folder), pointing at the
/// schema of `kind` in the site's `schemas/` folder by a relative path, as Taplo reads it.
pub fn directive(kind: FileKind, file: &Path) -> String {
    let depth = file.components().count().saturating_sub(1);
    let up = if depth == 0 { "./".to_string() } else { "../".repeat(depth) };
    format!("#:schema {up}{DEFAULT_DIR}/{}\n", kind.file_name())
}

/// `.taplo.toml` for a site: which schema checks which file, so editors need no directive.
pub fn taplo_config() -> String {
    let mut out = String::from(
        "# Taplo (and the Even Better TOML extension) read this file: each rule says which JSON Schema\n\
         # checks which files, so editors complete keys and flag errors while you type.\n\
         # Write the schemas again after upgrading vlsc-docs: `vlsc-docs schema`.\n",
    );
    for kind in FileKind::ALL.into_iter().filter(|k| !k.globs().is_empty()) {
        let globs = kind.globs().iter().map(|g| format!("\"{g}\"")).collect::<Vec<_>>().join(", ");
        // A section folder's `_section.toml` matches the item globs of its kind too: it has
        // its own schema.
        let exclude = match kind {
            FileKind::Procedure | FileKind::Scenario | FileKind::Snippet => {
                "exclude = [\"content/**/_section.toml\"]\n"
            }
            _ => "",
        };
        out.push_str(&format!(
            "\n[[rule]]\ninclude = [{globs}]\n{exclude}[rule.schema]\npath = \"./{DEFAULT_DIR}/{}\"\n",
            kind.file_name()
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directives_are_relative_to_the_file() {
        for (file, expected) in [
            ("book.toml", "#:schema ./schemas/book.schema.json\n"),
            ("content/selector.toml", "#:schema ../schemas/book.schema.json\n"),
            ("content/procedures/a/b.toml", "#:schema ../../../schemas/book.schema.json\n"),
        ] {
            assert_eq!(directive(FileKind::Book, Path::new(file)), expected, "{file}");
        }
    }

    /// The schemas and `.taplo.toml` committed at the top of the repository are what `vlsc-docs
    /// schema` writes today (run it with `--out schemas` after changing a `Raw*` type).
    #[test]
    fn the_committed_schemas_are_up_to_date() {
        let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
        for kind in FileKind::ALL {
            let path = repo.join(DEFAULT_DIR).join(kind.file_name());
            let committed = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert!(committed == kind.generate(), "{} is stale: run `vlsc-docs schema --out schemas`", path.display());
        }
        let taplo = std::fs::read_to_string(repo.join(".taplo.toml")).unwrap_or_default();
        assert_eq!(taplo, taplo_config(), ".taplo.toml");
    }

    #[test]
    fn every_schema_forbids_unknown_keys_at_the_top() {
        for kind in FileKind::ALL {
            let schema: serde_json::Value = serde_json::from_str(&kind.generate()).unwrap_or_default();
            assert_eq!(schema["additionalProperties"], serde_json::Value::Bool(false), "{kind:?}");
            assert!(schema["properties"].as_object().is_some_and(|p| !p.is_empty()), "{kind:?}");
        }
    }
}
