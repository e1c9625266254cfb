//! Placeholders: `{{ name }}` in a procedure's texts, replaced by the value a use gives (or the
//! parameter's default) when the procedure is rendered; `\{{` writes a literal `{{`.
//!
//! Substitution works on the Markdown source, so a value is Markdown like the text around it, and
//! a placeholder inside inline code or a code block is replaced too (the renderer escapes it).

use std::borrow::Cow;
use std::ops::Range;

/// A piece of a text that starts with `{{`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Brace {
    /// `{{ name }}`: `range` is the whole placeholder.
    Placeholder { name: String, range: Range<usize> },
    /// `\{{`: a literal `{{`.
    Escaped { range: Range<usize> },
    /// `{{` not followed by a name and `}}`.
    Malformed { range: Range<usize> },
}

/// Every `{{` of `md`, in order.
pub fn braces(md: &str) -> Vec<Brace> {
    let mut out = Vec::new();
    let bytes = md.as_bytes();
    let mut from = 0;
    // memmem, not `str::find`: every text is searched, and nearly none has a brace.
    while let Some(at) = memchr::memmem::find(&bytes[from..], b"{{").map(|i| from + i) {
        if at > 0 && bytes[at - 1] == b'\\' {
            out.push(Brace::Escaped { range: at - 1..at + 2 });
            from = at + 2;
            continue;
        }
        let rest = &md[at + 2..];
        let inner_start = rest.len() - rest.trim_start_matches(' ').len();
        let name_len = rest[inner_start..]
            .bytes()
            .take_while(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
            .count();
        let after_name = &rest[inner_start + name_len..];
        let spaces = after_name.len() - after_name.trim_start_matches(' ').len();
        let name = &rest[inner_start..inner_start + name_len];
        if name_len > 0 && after_name[spaces..].starts_with("}}") {
            let end = at + 2 + inner_start + name_len + spaces + 2;
            out.push(Brace::Placeholder { name: name.to_string(), range: at..end });
            from = end;
        } else {
            let line_end = md[at..].find('\n').map_or(md.len(), |i| at + i);
            let end = md[at..line_end].find("}}").map_or(line_end, |i| at + i + 2);
            out.push(Brace::Malformed { range: at..end });
            from = at + 2;
        }
    }
    out
}

/// `md` with each placeholder replaced by `value(name)` (left as written when it gives nothing:
/// validation has reported it) and each `\{{` by what writes a literal `{{` where it stands.
pub fn substitute<'m>(md: &'m str, value: &dyn Fn(&str) -> Option<String>) -> Cow<'m, str> {
    // Found by its first byte, which few texts hold: `str::contains` sets up a substring search
    // for each of the many short texts, most of which have no brace at all.
    let b = md.as_bytes();
    if !memchr::memchr_iter(b'{', b).any(|i| b.get(i + 1) == Some(&b'{')) {
        return Cow::Borrowed(md);
    }
    let found = braces(md);
    // A backslash escapes `{` in Markdown text, but is written out as it is inside code.
    let code = if found.iter().any(|b| matches!(b, Brace::Escaped { .. })) { code_ranges(md) } else { Vec::new() };
    let mut out = String::with_capacity(md.len() + 32);
    let mut at = 0;
    for brace in found {
        match brace {
            Brace::Placeholder { name, range } => {
                let Some(v) = value(&name) else { continue };
                out.push_str(&md[at..range.start]);
                out.push_str(&v);
                at = range.end;
            }
            Brace::Escaped { range } => {
                out.push_str(&md[at..range.start]);
                let in_code = code.iter().any(|c| c.start <= range.start && range.end <= c.end);
                out.push_str(if in_code { "{{" } else { "\\{{" });
                at = range.end;
            }
            Brace::Malformed { .. } => {}
        }
    }
    out.push_str(&md[at..]);
    Cow::Owned(out)
}

/// `md`, a text of `p`, with every parameter's default (a required one's name) in place: what
/// lists and the search index show of a procedure.
pub fn with_defaults<'m>(p: &super::Procedure, md: &'m str, lang: &crate::ids::Lang) -> Cow<'m, str> {
    substitute(md, &|name| {
        let param = p.param(name)?;
        Some(match &param.default {
            Some(d) => d.get(lang).trim().to_string(),
            None => name.to_string(),
        })
    })
}

/// The byte ranges of inline code and code blocks in `md`.
fn code_ranges(md: &str) -> Vec<Range<usize>> {
    use pulldown_cmark::{Event, Parser, Tag, TagEnd};
    let mut out = Vec::new();
    let mut block: Option<usize> = None;
    for (event, range) in Parser::new(md).into_offset_iter() {
        match event {
            Event::Code(_) => out.push(range),
            Event::Start(Tag::CodeBlock(_)) => block = Some(range.start),
            Event::End(TagEnd::CodeBlock) => {
                if let Some(start) = block.take() {
                    out.push(start..range.end);
                }
            }
            _ => {}
        }
    }
    out
}

/// A line holding only `{{> id }}` in a page: where a snippet goes. Returns the id.
pub fn snippet_line(line: &str) -> Option<&str> {
    let inner = line.trim().strip_prefix("{{>")?.strip_suffix("}}")?;
    let id = inner.trim();
    (!id.is_empty() && !id.contains(char::is_whitespace)).then_some(id)
}

/// The snippet lines of a page body: each id with the byte range of its line.
pub fn snippet_lines(md: &str) -> Vec<(&str, Range<usize>)> {
    if !md.contains("{{>") {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut start = 0;
    for line in md.split_inclusive('\n') {
        if let Some(id) = snippet_line(line) {
            out.push((id, start..start + line.trim_end().len()));
        }
        start += line.len();
    }
    out
}

/// `md` with every snippet line replaced by `text(id)` (kept as written when it gives nothing).
pub fn expand_snippets<'m>(md: &'m str, text: &dyn Fn(&str) -> Option<&'m str>) -> Cow<'m, str> {
    let lines = snippet_lines(md);
    if lines.is_empty() {
        return Cow::Borrowed(md);
    }
    let mut out = String::with_capacity(md.len() * 2);
    let mut at = 0;
    for (id, range) in lines {
        let Some(t) = text(id) else { continue };
        out.push_str(&md[at..range.start]);
        // A blank line on both sides keeps the snippet's blocks apart from the page's.
        out.push_str("\n\n");
        out.push_str(t.trim_end());
        out.push_str("\n\n");
        at = range.end;
    }
    out.push_str(&md[at..]);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(md: &str) -> Vec<String> {
        braces(md)
            .into_iter()
            .map(|b| match b {
                Brace::Placeholder { name, range } => format!("{name}@{}..{}", range.start, range.end),
                Brace::Escaped { range } => format!("escaped@{}..{}", range.start, range.end),
                Brace::Malformed { range } => format!("malformed@{}..{}", range.start, range.end),
            })
            .collect()
    }

    #[test]
    fn placeholders_with_and_without_spaces() {
        assert_eq!(
            names("a {{account}} b {{ account }} c {{  x-1  }}"),
            ["account@2..13", "account@16..29", "x-1@32..43"]
        );
        assert_eq!(names(r"\{{ a }}"), ["escaped@0..3"]);
        assert_eq!(names("{{ Bad }} {{ a b }} {{"), ["malformed@0..9", "malformed@10..19", "malformed@20..22"]);
        assert_eq!(names("no braces { } }}"), Vec::<String>::new());
    }

    #[test]
    fn substitution_in_text_and_code_and_escapes() {
        let value = |n: &str| (n == "domain").then(|| "contoso.com".to_string());
        assert_eq!(substitute("Use {{ domain }}.", &value), "Use contoso.com.");
        assert_eq!(substitute("`ping {{domain}}`", &value), "`ping contoso.com`");
        assert_eq!(substitute("```\nnslookup {{ domain }}\n```\n", &value), "```\nnslookup contoso.com\n```\n");
        // Outside code `\{` is Markdown's escape of `{`; inside code a backslash is written out.
        assert_eq!(substitute(r"\{{ domain }} and `\{{ x }}`", &value), r"\{{ domain }} and `{{ x }}`");
        assert!(matches!(substitute("plain", &value), Cow::Borrowed("plain")));
    }

    #[test]
    fn snippet_lines_only_alone_on_their_line() {
        let md = "Intro\n{{> notes/common }}\n  {{>x}}  \nText {{> inline }}\n";
        let found: Vec<&str> = snippet_lines(md).into_iter().map(|(id, _)| id).collect();
        assert_eq!(found, ["notes/common", "x"]);
        let expanded = expand_snippets(md, &|id| (id == "x").then_some("**X**\n"));
        assert_eq!(expanded, "Intro\n{{> notes/common }}\n\n\n**X**\n\n  \nText {{> inline }}\n");
    }
}
