//! The terminal form of a diagnostic, in the manner of rustc, drawn by annotate-snippets (the
//! renderer rustc and cargo use), which measures text in terminal cells: a caret under Japanese
//! text (two cells a character) stands under the characters it points at.

use super::{Diagnostic, Severity, display_path, escape_controls};
use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};

/// Colours for a terminal, or none (pipes, files, tests, `NO_COLOR`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Style {
    #[default]
    Plain,
    Colored,
}

/// The diagnostic as the person at the terminal reads it: headline, `--> file:line:column`, the
/// source line with the span underlined, then the key at fault with its place in human terms
/// (`= key: steps[1].id (step 2)`).
pub fn render(d: &Diagnostic, style: Style) -> String {
    let file = escape_controls(&display_path(&d.file));
    let key = d.key.as_deref().map(|key| {
        let place = human_place(key).map(|p| format!(" ({p})")).unwrap_or_default();
        format!("{}{place}", escape_controls(key))
    });
    let Some(l) = &d.location else {
        // A file without a place in it (a folder, a missing counterpart): the headline, the
        // file and the key, aligned as when there is a line.
        let mut out = render_line(d.severity, &d.message, style);
        out.push_str(&format!("\n --> {file}"));
        if let Some(key) = key {
            out.push_str(&format!("\n  = key: {key}"));
        }
        return out;
    };
    // Control characters in the line are shown as their pictures (`␛`), one character each as
    // in the file, so that the column annotate-snippets prints is the file's.
    let line: String = l.source_line.chars().map(picture).collect();
    let byte = |chars: usize| line.char_indices().nth(chars).map_or(line.len(), |(i, _)| i);
    let span = byte(l.column - 1)..byte(l.column - 1 + l.width);
    let mut group = level(d.severity)
        .primary_title(escape_controls(&d.message))
        .element(Snippet::source(line).path(file).line_start(l.line).annotation(AnnotationKind::Primary.span(span)));
    if let Some(key) = key {
        group = group.element(Level::NOTE.with_name("key").message(key));
    }
    renderer(style).render(&[group])
}

fn level(severity: Severity) -> Level<'static> {
    match severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
    }
}

/// A control character as its Unicode picture (`\u{1b}` as `␛`), as rustc shows them; any other
/// character as it is. Tabs stay (annotate-snippets shows them as spaces).
fn picture(c: char) -> char {
    match c {
        '\t' => c,
        '\0'..='\u{1f}' => char::from_u32(0x2400 + c as u32).unwrap_or('\u{fffd}'),
        '\u{7f}' => '\u{2421}',
        c if c.is_control() => '\u{fffd}',
        c => c,
    }
}

/// A headline alone (`warning: 12 more like this: …`), styled like the diagnostics around it.
pub fn render_line(severity: Severity, message: &str, style: Style) -> String {
    renderer(style).render(&[Group::with_title(level(severity).primary_title(escape_controls(message)))])
}

fn renderer(style: Style) -> Renderer {
    match style {
        Style::Plain => Renderer::plain(),
        Style::Colored => Renderer::styled(),
    }
}

/// Where a key path points, as a person counts: `steps[1].substeps[0].text` is "step 2,
/// substep 1"; `questions.what.answers[2]` is "question `what`, answer 3". `None` for a key with
/// nothing to count (`title`, `book.notice`).
pub fn human_place(key: &str) -> Option<String> {
    let mut parts = Vec::new();
    let mut segments = key.split('.').peekable();
    while let Some(segment) = segments.next() {
        if segment == "questions"
            && let Some(id) = segments.peek()
        {
            parts.push(format!("question `{id}`"));
            segments.next();
            continue;
        }
        let mut rest = segment;
        while let Some(open) = rest.find('[') {
            let name = &rest[..open];
            let Some(close) = rest[open..].find(']').map(|c| open + c) else { break };
            let Ok(index) = rest[open + 1..close].parse::<usize>() else { break };
            let name = if name.is_empty() { "item" } else { name.strip_suffix('s').unwrap_or(name) };
            parts.push(format!("{name} {}", index + 1));
            rest = &rest[close + 1..];
        }
    }
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// A key path as a message names it to a person: `` `text` of step 1 `` for `steps[0].text`,
/// `` `title` `` for `title`.
pub fn describe_key(key: &str) -> String {
    let Some(place) = human_place(key) else { return format!("`{key}`") };
    let field = match (key.rfind(']'), key.strip_prefix("questions.")) {
        (Some(i), _) => key[i + 1..].trim_start_matches('.'),
        (None, Some(q)) => q.split_once('.').map_or("", |(_, f)| f),
        (None, None) => "",
    };
    if field.is_empty() { place } else { format!("`{field}` of {place}") }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Location;

    #[test]
    fn carets_stand_under_japanese_text_by_display_width() {
        // Each Japanese character takes two terminal cells: the caret under `#opne` starts after
        // 4 + 16 cells of Japanese, not after 2 + 8.
        let src = "text = { ja = \"まず [サイトを開きます](procedure:sign-in#opne)。\" }\n";
        let link = "procedure:sign-in#opne";
        let at = src.find(link).map_or(0..0, |i| i..i + link.len());
        let d = Diagnostic::error("content/scenarios/a.toml", "unknown fragment").at(Location::from_span(src, at));
        let shown = render(&d, Style::Plain);
        let lines: Vec<&str> = shown.lines().collect();
        assert_eq!(lines[1], " --> content/scenarios/a.toml:1:30", "{shown}");
        let (source, carets) = (lines[3], lines[4]);
        assert_eq!(source, "1 | text = { ja = \"まず [サイトを開きます](procedure:sign-in#opne)。\" }", "{shown}");
        let cells_before = "1 | text = { ja = \"".len() + 4 + " [".len() + 16 + "](".len();
        assert_eq!(carets, format!("  |{}{}", " ".repeat(cells_before - 3), "^".repeat(link.len())), "{shown}");
    }

    #[test]
    fn odd_places_render_without_panicking_and_keep_their_position() {
        let long = format!("x = \"{}\"", "長".repeat(5000));
        for (src, span, place) in [
            ("", 0..0, "1:1"),
            ("a = 1\n\nb = 2\n", 6..6, "2:1"),
            ("a = 1\n", 5..5, "1:6"),
            ("a = 1\r\nb = \"x\r\n", 12..15, "2:6"),
            ("\t\t\n", 1..2, "1:2"),
            ("title = \"\u{202e}abc\u{200d}\"\n", 9..16, "1:10"),
            (long.as_str(), 9000..9003, "1:3004"),
        ] {
            let d = Diagnostic::error("f.toml", "m").at(Location::from_span(src, span)).key("steps[0]");
            let shown = render(&d, Style::Plain);
            assert!(shown.contains(&format!(" --> f.toml:{place}\n")), "{shown}");
            assert!(shown.ends_with("= key: steps[0] (step 1)"), "{shown}");
            assert!(!shown.chars().any(|c| c.is_control() && c != '\n'), "{shown:?}");
        }
    }

    #[test]
    fn key_paths_read_as_a_person_counts() {
        for (key, place, described) in [
            ("steps[1].id", Some("step 2"), "`id` of step 2"),
            ("steps[0].substeps[2].text", Some("step 1, substep 3"), "`text` of step 1, substep 3"),
            ("steps[3].choices[0]", Some("step 4, choice 1"), "step 4, choice 1"),
            ("sections[2].procedure", Some("section 3"), "`procedure` of section 3"),
            (
                "questions.what.answers[1].page",
                Some("question `what`, answer 2"),
                "`page` of question `what`, answer 2",
            ),
            ("questions.what.text", Some("question `what`"), "`text` of question `what`"),
            ("title", None, "`title`"),
            ("book.notice", None, "`book.notice`"),
            ("weird[x]", None, "`weird[x]`"),
        ] {
            assert_eq!(human_place(key).as_deref(), place, "{key}");
            assert_eq!(describe_key(key), described, "{key}");
        }
    }
}
