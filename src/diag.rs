//! Diagnostics: content errors and warnings that name a file, a line, a column and the key at fault.
//!
//! Every stage collects diagnostics into a [`Diagnostics`] list instead of stopping at the first
//! problem, so that an editor sees every mistake of a run at once.

pub mod machine;
pub mod report;
pub mod terminal;

use std::fmt;
use std::path::{Path, PathBuf};

/// How serious a diagnostic is: errors fail the build, warnings are printed only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

/// A position in a source file, 1-based, with the text of that line for display.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub line: usize,
    /// 1-based column, counted in characters (not bytes) so that Japanese text lines up.
    pub column: usize,
    /// Characters to underline, at least one.
    pub width: usize,
    pub source_line: String,
}

impl Location {
    /// Locates the byte range `span` of `source`. Out-of-range spans are clamped, never a panic.
    pub fn from_span(source: &str, span: std::ops::Range<usize>) -> Location {
        let start = floor_char_boundary(source, span.start.min(source.len()));
        let end = floor_char_boundary(source, span.end.clamp(start, source.len()));
        let line_start = source[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = source[start..].find('\n').map_or(source.len(), |i| start + i);
        let line = source[..start].matches('\n').count() + 1;
        let column = source[line_start..start].chars().count() + 1;
        let width = source[start..end.min(line_end)].chars().count().max(1);
        Location { line, column, width, source_line: source[line_start..line_end].trim_end_matches('\r').to_string() }
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// One problem found in the content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Path relative to the site root, with `/` separators, as the editor knows the file.
    pub file: PathBuf,
    pub location: Option<Location>,
    /// The key or reference at fault, e.g. `sections[2].procedure`, when there is one.
    pub key: Option<String>,
    pub message: String,
}

impl Diagnostic {
    pub fn error(file: impl Into<PathBuf>, message: impl Into<String>) -> Diagnostic {
        Diagnostic { severity: Severity::Error, file: file.into(), location: None, key: None, message: message.into() }
    }

    pub fn warning(file: impl Into<PathBuf>, message: impl Into<String>) -> Diagnostic {
        Diagnostic { severity: Severity::Warning, ..Diagnostic::error(file, message) }
    }

    pub fn at(mut self, location: Location) -> Diagnostic {
        self.location = Some(location);
        self
    }

    pub fn key(mut self, key: impl Into<String>) -> Diagnostic {
        self.key = Some(key.into());
        self
    }

    /// The id a message proposes instead of the wrong one (`` (did you mean `sign-in`?) ``).
    pub fn suggestion(&self) -> Option<&str> {
        let (_, rest) = self.message.rsplit_once("(did you mean `")?;
        rest.strip_suffix("`?)")
    }

    /// The one-line form used by `serve`'s overlay and by tests: `file:line:column: message`, then
    /// the key and its place as a person counts: `` (key `steps[1].id`, step 2) ``.
    pub fn headline(&self) -> String {
        let file = escape_controls(&display_path(&self.file));
        let place = match &self.location {
            Some(l) => format!("{file}:{}:{}", l.line, l.column),
            None => file,
        };
        let key = self
            .key
            .as_deref()
            .map(|k| {
                let place = terminal::human_place(k).map(|p| format!(", {p}")).unwrap_or_default();
                format!(" (key `{}`{})", escape_controls(k), escape_controls(&place))
            })
            .unwrap_or_default();
        format!("{place}: {}{key}", escape_controls(&self.message))
    }
}

/// Content quoted in a diagnostic, safe for a terminal: control characters (ESC, BEL, CR, DEL,
/// the C1 range…) are shown as `\u{1b}` instead of being sent to the terminal, which would obey
/// them. Tabs and line breaks are kept.
pub fn escape_controls(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_control() && c != '\t' && c != '\n' {
            out.push_str(&c.escape_unicode().to_string());
        } else {
            out.push(c);
        }
    }
    out
}

/// Shows a relative path with `/` separators on every platform.
pub fn display_path(path: &Path) -> String {
    path.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/")
}

impl fmt::Display for Diagnostic {
    /// The terminal form, without colours (see [`terminal::render`]).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&terminal::render(self, terminal::Style::Plain))
    }
}

/// The diagnostics of one run, in the order found; sorted for display.
#[derive(Debug, Default, Clone)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn push(&mut self, d: Diagnostic) {
        self.items.push(d);
    }

    pub fn extend(&mut self, other: Diagnostics) {
        self.items.extend(other.items);
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn has_errors(&self) -> bool {
        self.items.iter().any(|d| d.severity == Severity::Error)
    }

    /// The errors alone (`--quiet`).
    pub fn errors_only(&self) -> Diagnostics {
        Diagnostics { items: self.items.iter().filter(|d| d.severity == Severity::Error).cloned().collect() }
    }

    pub fn error_count(&self) -> usize {
        self.items.iter().filter(|d| d.severity == Severity::Error).count()
    }

    /// Errors first, then by file and position, so that output is stable from run to run.
    pub fn sorted(&self) -> Vec<&Diagnostic> {
        let mut v: Vec<&Diagnostic> = self.items.iter().collect();
        v.sort_by(|a, b| {
            let pos = |d: &Diagnostic| d.location.as_ref().map(|l| (l.line, l.column));
            (a.severity, &a.file, pos(a), &a.message).cmp(&(b.severity, &b.file, pos(b), &b.message))
        });
        v
    }

    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter()
    }

    /// The terminal form of every diagnostic, sorted, each followed by a blank line. Errors are all
    /// shown; of warnings that say the same thing about different ids (a large site may have
    /// thousands of unused procedures), the first few are shown and the rest counted.
    pub fn for_terminal(&self) -> String {
        self.for_terminal_styled(terminal::Style::Plain)
    }

    /// [`Diagnostics::for_terminal`], in colour when `style` says so.
    pub fn for_terminal_styled(&self, style: terminal::Style) -> String {
        const SHOWN: usize = 5;
        let mut out = String::new();
        let mut seen: std::collections::BTreeMap<String, usize> = std::collections::BTreeMap::new();
        for d in self.sorted() {
            if d.severity == Severity::Warning {
                let n = seen.entry(shape(&d.message)).or_default();
                *n += 1;
                if *n > SHOWN {
                    continue;
                }
            }
            out.push_str(&terminal::render(d, style));
            out.push_str("\n\n");
        }
        for (shape, n) in seen.into_iter().filter(|(_, n)| *n > SHOWN) {
            out.push_str(&terminal::render_line(
                Severity::Warning,
                &format!("{} more like this: {shape}", n - SHOWN),
                style,
            ));
            out.push_str("\n\n");
        }
        out
    }
}

/// A message with its quoted names (`` `x` ``) replaced by `…`, to group messages of one kind.
fn shape(message: &str) -> String {
    let mut out = String::new();
    let mut quoted = false;
    for c in message.chars() {
        if c == '`' {
            if !quoted {
                out.push_str("`…`");
            }
            quoted = !quoted;
        } else if !quoted {
            out.push(c);
        }
    }
    out
}

/// A source file kept in memory so that later stages can point into it.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Relative to the site root.
    pub path: PathBuf,
    pub text: std::sync::Arc<str>,
}

impl SourceFile {
    pub fn locate(&self, span: std::ops::Range<usize>) -> Location {
        Location::from_span(&self.text, span)
    }

    /// Locates `needle` inside `within` (a span of this file), falling back to the span itself.
    /// Used for Markdown links inside TOML strings, where escapes make offsets inexact.
    pub fn locate_in(&self, within: std::ops::Range<usize>, needle: &str) -> Location {
        let start = within.start.min(self.text.len());
        let end = within.end.clamp(start, self.text.len());
        match self.text.get(start..end).and_then(|s| s.find(needle)) {
            Some(i) => self.locate(start + i..start + i + needle.len()),
            None => self.locate(within),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn many_warnings_of_one_kind_are_counted_not_listed() {
        let mut d = Diagnostics::default();
        for i in 0..12 {
            d.push(Diagnostic::warning(
                format!("content/procedures/p{i:02}.toml"),
                format!("procedure `p{i:02}` is used by no scenario"),
            ));
        }
        d.push(Diagnostic::warning("content/scenarios/s.toml", "scenario `s` is reached by no answer of the selector"));
        d.push(Diagnostic::error("content/selector.toml", "unknown scenario `x`"));
        let text = d.for_terminal();
        assert_eq!(text.matches("is used by no scenario").count(), 6, "{text}");
        assert!(text.contains("warning: 7 more like this: procedure `…` is used by no scenario"), "{text}");
        assert!(text.contains("scenario `s` is reached") && text.contains("unknown scenario `x`"), "{text}");
        assert!(
            text.find("unknown scenario").unwrap_or(usize::MAX) < text.find("warning").unwrap_or(0),
            "errors first: {text}"
        );
    }

    #[test]
    fn locates_multibyte_columns() {
        let src = "a = 1\ntitle = { ja = \"手順\" }\n";
        let at = src.find("手順").map(|i| i..i + "手順".len()).unwrap_or(0..0);
        let l = Location::from_span(src, at);
        assert_eq!((l.line, l.column, l.width), (2, 17, 2));
        assert_eq!(l.source_line, "title = { ja = \"手順\" }");
    }

    #[test]
    fn control_characters_are_escaped_for_the_terminal() {
        let src = "id = \"a\u{1b}[2Jb\u{7}\"\n";
        let at = src.find('a').map(|i| i..i + "a\u{1b}[2Jb\u{7}".len()).unwrap_or(0..0);
        let d = Diagnostic::error("content/x\u{1b}.toml", "unknown id `a\u{1b}[2Jb\u{7}`\r")
            .at(Location::from_span(src, at))
            .key("sections[0].\u{9b}id");
        let shown = d.to_string();
        assert!(!shown.chars().any(|c| c.is_control() && c != '\n'), "{shown}");
        assert_eq!(
            shown,
            "error: unknown id `a\\u{1b}[2Jb\\u{7}`\\u{d}\n \
             --> content/x\\u{1b}.toml:1:7\n  \
             |\n\
             1 | id = \"a␛[2Jb␇\"\n  \
             |       ^^^^^^^\n  \
             |\n  \
             = key: sections[0].\\u{9b}id (section 1)"
        );
        assert!(!d.headline().chars().any(|c| c.is_control()), "{}", d.headline());
        // A tab is shown as spaces, and the underline still lines up under what follows it.
        let tabbed = Diagnostic::error("f", "m").at(Location::from_span("\tx = 1", 1..2));
        assert!(tabbed.to_string().ends_with("1 |     x = 1\n  |     ^"), "{tabbed}");
    }

    #[test]
    fn clamps_out_of_range_spans() {
        let l = Location::from_span("ab", 10..20);
        assert_eq!((l.line, l.column), (1, 3));
    }
}
