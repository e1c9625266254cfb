//! Diagnostics for programs: one JSON object a line (`--format json`), or GitHub Actions
//! workflow commands (`--format github`) that put each diagnostic on the line it names in a pull
//! request.

use super::{Diagnostic, Severity, display_path, escape_controls};
use serde::Serialize;

/// A position in a file, 1-based; columns count characters (Unicode scalar values), like rustc's.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

/// The JSON form of a diagnostic. Every field is present; `null` where unknown.
#[derive(Debug, Serialize)]
pub struct JsonDiagnostic<'a> {
    /// `"error"` or `"warning"`.
    pub severity: &'static str,
    /// The message as written, control characters included (JSON escapes them).
    pub message: &'a str,
    /// Relative to the site root, `/`-separated; `null` for an error about no file (no book.toml).
    pub file: Option<String>,
    pub line: Option<usize>,
    pub column: Option<usize>,
    /// Just past the underlined text (exclusive), on the same line.
    pub end: Option<Position>,
    /// The key at fault, as a path: `steps[1].id` (0-based indices).
    pub key: Option<&'a str>,
    /// The id proposed instead, from `(did you mean …?)`.
    pub suggestion: Option<&'a str>,
}

impl<'a> JsonDiagnostic<'a> {
    pub fn new(d: &'a Diagnostic) -> JsonDiagnostic<'a> {
        let file = display_path(&d.file);
        JsonDiagnostic {
            severity: severity_name(d.severity),
            message: &d.message,
            file: (!file.is_empty()).then_some(file),
            line: d.location.as_ref().map(|l| l.line),
            column: d.location.as_ref().map(|l| l.column),
            end: d.location.as_ref().map(|l| Position { line: l.line, column: l.column + l.width }),
            key: d.key.as_deref(),
            suggestion: d.suggestion(),
        }
    }
}

fn severity_name(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// One line of JSON, without the line break.
pub fn json(d: &Diagnostic) -> String {
    // Serializing plain strings and numbers cannot fail; an empty object is never printed.
    serde_json::to_string(&JsonDiagnostic::new(d)).unwrap_or_default()
}

/// One GitHub Actions workflow command: `::error file=…,line=…,col=…,endLine=…,endColumn=…,title=…::message`.
/// `endColumn` is the last underlined column (inclusive). The title names the key at fault.
pub fn github(d: &Diagnostic) -> String {
    let mut props = Vec::new();
    let file = display_path(&d.file);
    if !file.is_empty() {
        props.push(format!("file={}", escape_property(&file)));
    }
    if let Some(l) = &d.location {
        props.push(format!("line={}", l.line));
        props.push(format!("col={}", l.column));
        props.push(format!("endLine={}", l.line));
        props.push(format!("endColumn={}", l.column + l.width.max(1) - 1));
    }
    let title = match &d.key {
        Some(key) => format!("vlsc-docs: {key}"),
        None => "vlsc-docs".to_string(),
    };
    props.push(format!("title={}", escape_property(&title)));
    format!("::{} {}::{}", severity_name(d.severity), props.join(","), escape_data(&d.message))
}

/// The message of a workflow command: `%`, CR and LF are percent-encoded (the runner decodes
/// them); other control characters are shown as `\u{1b}`, as on a terminal.
pub fn escape_data(s: &str) -> String {
    escape_controls(&s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A"))
}

/// A property value of a workflow command: as [`escape_data`], and `:` and `,`, which would end
/// the value.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Location;

    #[test]
    fn json_carries_every_field_and_nulls_for_the_unknown() {
        let src = "procedure = \"sign-on\"\n";
        let d = Diagnostic::error("content/scenarios/a.toml", "unknown procedure `sign-on` (did you mean `sign-in`?)")
            .at(Location::from_span(src, 12..21))
            .key("sections[0].procedure");
        assert_eq!(
            json(&d),
            r#"{"severity":"error","message":"unknown procedure `sign-on` (did you mean `sign-in`?)","file":"content/scenarios/a.toml","line":1,"column":13,"end":{"line":1,"column":22},"key":"sections[0].procedure","suggestion":"sign-in"}"#
        );
        let d = Diagnostic::warning("", "tab\tand \u{1b}");
        assert_eq!(
            json(&d),
            r#"{"severity":"warning","message":"tab\tand \u001b","file":null,"line":null,"column":null,"end":null,"key":null,"suggestion":null}"#
        );
    }

    #[test]
    fn github_commands_escape_what_would_end_them() {
        let src = "title = { ja = \"手順\" }\n";
        let at = src.find('"').map_or(0..0, |i| i..i + "\"手順\"".len());
        let d = Diagnostic::error("content/a,b:c.toml", "50% done\r\nnext line \u{1b}")
            .at(Location::from_span(src, at))
            .key("steps[0].text");
        assert_eq!(
            github(&d),
            "::error file=content/a%2Cb%3Ac.toml,line=1,col=16,endLine=1,endColumn=19,title=vlsc-docs%3A steps[0].text::50%25 done%0D%0Anext line \\u{1b}"
        );
        assert_eq!(github(&Diagnostic::warning("", "no book.toml")), "::warning title=vlsc-docs::no book.toml");
    }
}
