//! XLIFF 1.2 for translators (what OmegaT, Trados and memoQ read): `export` writes one
//! `<trans-unit>` per text with its source, the current translation as target and the file, line
//! and key as context; `parse` reads a file back, refusing anything it does not understand.
//!
//! Texts are Markdown and travel as plain text (`datatype="plaintext"`, `xml:space="preserve"`):
//! inline syntax stays as written, so a translator sees and keeps `**bold**`, `` `code` `` and
//! `[links](…)`. Inline XLIFF markup (`<g>`, `<x/>`, `<ph>`…) is never written, and a target that
//! holds some is refused on import rather than flattened.

use super::{Inventory, State, Unit};
use quick_xml::escape::escape;
use quick_xml::events::Event;
use std::path::PathBuf;

/// Which texts to export.
#[derive(Debug, Clone, Copy, Default)]
pub struct Only {
    pub up_to_date: bool,
    pub outdated: bool,
    pub missing: bool,
}

impl Only {
    pub const ALL: Only = Only { up_to_date: true, outdated: true, missing: true };

    /// Parses `outdated,missing` (also `up-to-date`).
    pub fn parse(s: &str) -> Result<Only, String> {
        let mut only = Only::default();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            match part {
                "outdated" => only.outdated = true,
                "missing" => only.missing = true,
                "up-to-date" => only.up_to_date = true,
                other => return Err(format!("unknown state `{other}`: use outdated, missing or up-to-date")),
            }
        }
        Ok(only)
    }

    fn includes(self, state: State) -> bool {
        match state {
            State::UpToDate => self.up_to_date,
            State::Outdated | State::Unconfirmed => self.outdated,
            State::Missing => self.missing,
        }
    }
}

/// Whether XML 1.0 can hold `c` at all (not even as a character reference).
fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{fffe}' && c != '\u{ffff}')
}

/// The XLIFF document of the texts of `lang` (an index into `inventory.languages`) in `states`.
/// Returns the document and how many units it holds, or the texts XML cannot hold (control
/// characters), each with its file, line and key.
pub fn export(
    inventory: &Inventory,
    states: &[Vec<State>],
    lang: usize,
    only: Only,
) -> Result<(String, usize), Vec<String>> {
    let mut bad = Vec::new();
    for (unit, st) in inventory.units.iter().zip(states) {
        if !only.includes(st[lang]) {
            continue;
        }
        for v in [Some(unit.source()), unit.values[lang].as_ref()].into_iter().flatten() {
            if let Some(c) = v.text.chars().find(|c| !xml_char(*c)) {
                bad.push(format!(
                    "{}:{}: {}: control character U+{:04X} cannot be written in XLIFF: remove it",
                    super::lock::file_key(&v.path),
                    v.line,
                    unit.key,
                    c as u32
                ));
            }
        }
    }
    if !bad.is_empty() {
        return Err(bad);
    }
    let source = &inventory.languages[inventory.source];
    let target = &inventory.languages[lang];
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str("<xliff version=\"1.2\" xmlns=\"urn:oasis:names:tc:xliff:document:1.2\">\n");
    let mut count = 0;
    let mut open: Option<&PathBuf> = None;
    for (unit, states) in inventory.units.iter().zip(states) {
        let state = states[lang];
        if !only.includes(state) {
            continue;
        }
        if open != Some(&unit.file) {
            if open.is_some() {
                out.push_str("    </body>\n  </file>\n");
            }
            out.push_str(&format!(
                "  <file original=\"{}\" source-language=\"{}\" target-language=\"{}\" datatype=\"plaintext\">\n    <body>\n",
                escape(super::lock::file_key(&unit.file).as_str()),
                escape(source.as_str()),
                escape(target.as_str()),
            ));
            open = Some(&unit.file);
        }
        unit_xml(&mut out, unit, state, source, target, lang);
        count += 1;
    }
    if open.is_some() {
        out.push_str("    </body>\n  </file>\n");
    } else {
        // XLIFF needs at least one <file>; an empty export says so in an empty one.
        out.push_str(&format!(
            "  <file original=\"book.toml\" source-language=\"{}\" target-language=\"{}\" datatype=\"plaintext\">\n    <body/>\n  </file>\n",
            escape(source.as_str()),
            escape(target.as_str()),
        ));
    }
    out.push_str("</xliff>\n");
    Ok((out, count))
}

fn unit_xml(out: &mut String, unit: &Unit, state: State, source: &str, target: &str, lang: usize) {
    let key = escape(unit.key.as_str());
    out.push_str(&format!("      <trans-unit id=\"{key}\" resname=\"{key}\" xml:space=\"preserve\">\n"));
    out.push_str(&format!(
        "        <source xml:lang=\"{}\">{}</source>\n",
        escape(source),
        escape(unit.source().text.as_str())
    ));
    let (xliff_state, note) = match state {
        State::UpToDate => ("translated", "Up to date."),
        State::Outdated => {
            ("needs-review-translation", "Outdated: the source text changed since this translation was confirmed.")
        }
        State::Unconfirmed => ("needs-review-translation", "Never confirmed against the source text."),
        State::Missing => ("needs-translation", "Not translated yet."),
    };
    if let Some(value) = &unit.values[lang] {
        out.push_str(&format!(
            "        <target xml:lang=\"{}\" state=\"{xliff_state}\">{}</target>\n",
            escape(target),
            escape(value.text.as_str())
        ));
    }
    let at = unit.values[lang].as_ref().unwrap_or(unit.source());
    out.push_str("        <context-group purpose=\"location\">\n");
    out.push_str(&format!(
        "          <context context-type=\"sourcefile\">{}</context>\n",
        escape(super::lock::file_key(&at.path).as_str())
    ));
    out.push_str(&format!("          <context context-type=\"linenumber\">{}</context>\n", at.line));
    out.push_str("        </context-group>\n");
    out.push_str(&format!(
        "        <note from=\"vlsc-docs\">{} Markdown: keep its inline syntax (`code`, **bold**, [text](link)) as it is.</note>\n",
        escape(note)
    ));
    out.push_str("      </trans-unit>\n");
}

/// One `<trans-unit>` read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedUnit {
    /// The `original` of its `<file>`.
    pub file: String,
    /// Its `resname` (or `id`).
    pub key: String,
    pub source: String,
    /// `None` when the unit has no `<target>`.
    pub target: Option<String>,
    /// The target's `state`, if any.
    pub state: Option<String>,
    /// Inline markup found in the source or target (refused).
    pub inline_markup: Option<String>,
    /// 1-based line of the `<trans-unit>`.
    pub line: usize,
}

/// A file read back: its languages and units.
#[derive(Debug, Default)]
pub struct Imported {
    pub source_language: Option<String>,
    pub target_language: Option<String>,
    pub units: Vec<ImportedUnit>,
}

/// Why an XLIFF file cannot be imported at all.
#[derive(Debug, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct Malformed {
    pub line: usize,
    pub message: String,
}

fn line_at(text: &str, pos: usize) -> usize {
    text.as_bytes()[..pos.min(text.len())].iter().filter(|b| **b == b'\n').count() + 1
}

/// Reads an XLIFF 1.2 document. Anything malformed, or not XLIFF 1.2, is an error for the whole
/// file.
pub fn parse(text: &str) -> Result<Imported, Malformed> {
    let mut reader = quick_xml::Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut imported = Imported::default();
    let mut stack: Vec<String> = Vec::new();
    let mut file: Option<String> = None;
    let mut unit: Option<ImportedUnit> = None;
    // Which text is being read: the unit's source or target.
    let mut reading: Option<&'static str> = None;
    let mut saw_root = false;
    let malformed = |pos: u64, message: String| Malformed { line: line_at(text, pos as usize), message };
    loop {
        let pos = reader.buffer_position();
        let event = reader.read_event().map_err(|e| malformed(reader.error_position(), e.to_string()))?;
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let empty = matches!(event, Event::Empty(_));
                let name = e.local_name().as_ref().to_string();
                let attr = |key: &str| -> Result<Option<String>, Malformed> {
                    for a in e.attributes() {
                        let a = a.map_err(|err| malformed(pos, err.to_string()))?;
                        if a.key.as_ref() == key {
                            let v = a
                                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                                .map_err(|err| malformed(pos, err.to_string()))?;
                            return Ok(Some(v.into_owned()));
                        }
                    }
                    Ok(None)
                };
                if stack.is_empty() {
                    if name != "xliff" {
                        return Err(malformed(pos, format!("the root element is <{name}>, not <xliff>")));
                    }
                    let version = attr("version")?;
                    if version.as_deref() != Some("1.2") {
                        let v = version.unwrap_or_else(|| "none".to_string());
                        return Err(malformed(pos, format!("XLIFF version {v}: only XLIFF 1.2 is read")));
                    }
                    saw_root = true;
                }
                match name.as_str() {
                    "file" => {
                        let original =
                            attr("original")?.ok_or_else(|| malformed(pos, "<file> without `original`".to_string()))?;
                        for (key, slot) in [
                            ("source-language", &mut imported.source_language),
                            ("target-language", &mut imported.target_language),
                        ] {
                            if let Some(v) = attr(key)? {
                                match slot {
                                    Some(prev) if *prev != v => {
                                        return Err(malformed(
                                            pos,
                                            format!("<file> elements disagree on `{key}` (`{prev}` and `{v}`)"),
                                        ));
                                    }
                                    _ => *slot = Some(v),
                                }
                            }
                        }
                        file = Some(original);
                    }
                    "trans-unit" => {
                        let Some(f) = &file else {
                            return Err(malformed(pos, "<trans-unit> outside a <file>".to_string()));
                        };
                        let key = match attr("resname")? {
                            Some(k) => k,
                            None => {
                                attr("id")?.ok_or_else(|| malformed(pos, "<trans-unit> without `id`".to_string()))?
                            }
                        };
                        unit = Some(ImportedUnit {
                            file: f.clone(),
                            key,
                            source: String::new(),
                            target: None,
                            state: None,
                            inline_markup: None,
                            line: line_at(text, pos as usize),
                        });
                    }
                    "source" | "target" if stack.last().is_some_and(|p| p == "trans-unit") => {
                        if let Some(u) = unit.as_mut() {
                            if name == "target" {
                                u.target = Some(String::new());
                                u.state = attr("state")?;
                            }
                            if !empty {
                                reading = Some(if name == "source" { "source" } else { "target" });
                            }
                        }
                    }
                    other if reading.is_some() => {
                        if let Some(u) = unit.as_mut() {
                            u.inline_markup.get_or_insert_with(|| format!("<{other}>"));
                        }
                    }
                    _ => {}
                }
                if !empty {
                    stack.push(name);
                }
            }
            Event::End(e) => {
                let name = e.local_name().as_ref().to_string();
                stack.pop();
                match name.as_str() {
                    "source" | "target" if stack.last().is_some_and(|p| p == "trans-unit") => reading = None,
                    "trans-unit" => imported.units.extend(unit.take()),
                    "file" => file = None,
                    _ => {}
                }
            }
            Event::Text(t) => {
                if let (Some(which), Some(u)) = (reading, unit.as_mut()) {
                    push_text(u, which, &t.xml10_content());
                }
            }
            Event::GeneralRef(r) => {
                if let (Some(which), Some(u)) = (reading, unit.as_mut()) {
                    let resolved = match r.resolve_char_ref().map_err(|e| malformed(pos, e.to_string()))? {
                        Some(c) => c.to_string(),
                        None => match quick_xml::escape::resolve_predefined_entity(&r.xml10_content()) {
                            Some(s) => s.to_string(),
                            None => {
                                return Err(malformed(pos, format!("unknown entity `&{};`", r.xml10_content())));
                            }
                        },
                    };
                    push_text(u, which, &resolved);
                }
            }
            Event::CData(t) => {
                if let (Some(which), Some(u)) = (reading, unit.as_mut()) {
                    push_text(u, which, &t.xml10_content());
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !saw_root {
        return Err(Malformed { line: 1, message: "no <xliff> element: this is not an XLIFF file".to_string() });
    }
    if !stack.is_empty() {
        return Err(Malformed {
            line: line_at(text, text.len()),
            message: format!("<{}> is not closed", stack.join("> <")),
        });
    }
    Ok(imported)
}

fn push_text(u: &mut ImportedUnit, which: &str, s: &str) {
    if which == "source" {
        u.source.push_str(s);
    } else if let Some(t) = u.target.as_mut() {
        t.push_str(s);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(units: &str) -> String {
        format!(
            "<?xml version=\"1.0\"?>\n<xliff version=\"1.2\" xmlns=\"urn:oasis:names:tc:xliff:document:1.2\"><file original=\"a.toml\" source-language=\"ja\" target-language=\"en\" datatype=\"plaintext\"><body>{units}</body></file></xliff>"
        )
    }

    #[test]
    fn reads_targets_with_references_cdata_and_states() {
        let d = doc(
            "<trans-unit id=\"k\" resname=\"steps.a.text\"><source>&lt;a&gt; &amp; &#x41;&#66;</source><target state=\"needs-review-translation\">x <![CDATA[<b>]]> &quot;y&apos;</target></trans-unit>\
             <trans-unit id=\"m\"><source>s</source></trans-unit>",
        );
        let got = parse(&d).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((got.source_language.as_deref(), got.target_language.as_deref()), (Some("ja"), Some("en")));
        let u = &got.units[0];
        assert_eq!((u.file.as_str(), u.key.as_str(), u.source.as_str()), ("a.toml", "steps.a.text", "<a> & AB"));
        assert_eq!(u.target.as_deref(), Some("x <b> \"y'"));
        assert_eq!(u.state.as_deref(), Some("needs-review-translation"));
        assert_eq!((got.units[1].key.as_str(), got.units[1].target.as_deref()), ("m", None));
    }

    #[test]
    fn inline_markup_is_flagged_not_flattened() {
        let d = doc("<trans-unit id=\"k\"><source>a</source><target>b <g id=\"1\">c</g></target></trans-unit>");
        let got = parse(&d).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(got.units[0].inline_markup.as_deref(), Some("<g>"));
    }

    #[test]
    fn malformed_documents_are_errors_with_a_line() {
        for (text, message) in [
            ("", "no <xliff> element"),
            ("<xliff version=\"2.0\"/>", "XLIFF version 2.0"),
            (
                "<xliff version=\"1.2\"><file original=\"a\"><body><trans-unit id=\"k\"><source>&nope;</source>",
                "unknown entity",
            ),
            ("<xliff version=\"1.2\"><file original=\"a\"><body>", "is not closed"),
            ("<xliff version=\"1.2\"><trans-unit id=\"k\"/></xliff>", "outside a <file>"),
        ] {
            match parse(text) {
                Ok(_) => panic!("{text:?} parsed"),
                Err(e) => assert!(e.to_string().contains(message), "{text:?}: {e}"),
            }
        }
    }

    #[test]
    fn only_parses_states() {
        let o = Only::parse("outdated,missing").unwrap_or_else(|e| panic!("{e}"));
        assert!(o.outdated && o.missing && !o.up_to_date);
        assert!(Only::parse("stale").is_err_and(|e| e.contains("unknown state `stale`")));
    }
}
