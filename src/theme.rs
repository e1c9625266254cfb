//! Themes and UI strings: the default theme built into the binary, a site's own theme on top,
//! and the UI strings of every language (`i18n/<lang>.toml` of the site over the built-in ones).

use crate::diag::{Diagnostic, Diagnostics};
use crate::ids::Lang;
use crate::load::{Parsed, RawUiStrings};
use std::collections::BTreeMap;
use std::path::Path;

/// UI strings of one language, complete: every key of the built-in English strings is present.
pub type UiStrings = BTreeMap<String, String>;

/// The default theme's templates, embedded from `themes/default/templates/`.
const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../themes/default/templates/base.html")),
    ("macros.html", include_str!("../themes/default/templates/macros.html")),
    ("home.html", include_str!("../themes/default/templates/home.html")),
    ("scenario.html", include_str!("../themes/default/templates/scenario.html")),
    ("procedure.html", include_str!("../themes/default/templates/procedure.html")),
    ("page.html", include_str!("../themes/default/templates/page.html")),
    ("root.html", include_str!("../themes/default/templates/root.html")),
    ("section.html", include_str!("../themes/default/templates/section.html")),
];

/// The default theme's static files, embedded from `themes/default/static/`, copied to `assets/`.
const STATIC: &[(&str, &[u8])] = &[
    ("site.css", include_bytes!("../themes/default/static/site.css")),
    ("selector.js", include_bytes!("../themes/default/static/selector.js")),
    ("favicon.svg", include_bytes!("../themes/default/static/favicon.svg")),
];

/// Built-in UI strings, embedded from `themes/default/i18n/`.
const STRINGS: &[(&str, &str)] =
    &[("en", include_str!("../themes/default/i18n/en.toml")), ("ja", include_str!("../themes/default/i18n/ja.toml"))];

/// The template names every theme provides (a site theme may override any of them).
pub fn template_names() -> impl Iterator<Item = &'static str> {
    TEMPLATES.iter().map(|(n, _)| *n)
}

/// A loaded theme: compiled templates and the files to copy under `assets/`.
pub struct Theme {
    pub tera: tera::Tera,
    pub assets: BTreeMap<String, Vec<u8>>,
    /// A hash of every template and asset, so that `serve` knows when the theme changed.
    pub fingerprint: u64,
}

/// Loads the built-in theme, then the site's `themes/<name>/` over it when `name` is given.
/// `at` is where book.toml names the theme, for the error when its folder is missing.
pub fn load_theme(
    root: &Path,
    name: Option<&str>,
    at: Option<crate::diag::Location>,
    diags: &mut Diagnostics,
) -> Option<Theme> {
    let mut sources: BTreeMap<String, (String, String)> = TEMPLATES
        .iter()
        .map(|(n, s)| (n.to_string(), (format!("(built-in theme)/templates/{n}"), s.to_string())))
        .collect();
    let mut assets: BTreeMap<String, Vec<u8>> = STATIC.iter().map(|(n, b)| (n.to_string(), b.to_vec())).collect();
    // `theme = "default"` without a `themes/default/` folder in the site is the built-in theme.
    let name = name.filter(|n| *n != "default" || root.join("themes/default").is_dir());
    if let Some(name) = name {
        let dir = Path::new("themes").join(name);
        if !root.join(&dir).is_dir() {
            let mut d = Diagnostic::error(
                "book.toml",
                format!("theme `{name}` not found: expected a folder {}", crate::diag::display_path(&dir)),
            )
            .key("book.theme");
            d.location = at;
            diags.push(d);
            return None;
        }
        let templates = dir.join("templates");
        for entry in walkdir::WalkDir::new(root.join(&templates)).min_depth(1).sort_by_file_name() {
            let Ok(entry) = entry else { continue };
            let rel_name =
                entry.path().strip_prefix(root.join(&templates)).map(crate::diag::display_path).unwrap_or_default();
            if !entry.file_type().is_file()
                || !rel_name.ends_with(".html")
                || crate::load::is_editor_artifact(&entry.file_name().to_string_lossy())
            {
                continue;
            }
            let rel = templates.join(&rel_name);
            if let Some(f) = crate::load::read_source(root, &rel, diags) {
                sources.insert(rel_name, (crate::diag::display_path(&rel), f.text));
            }
        }
        let statics = root.join(dir.join("static"));
        for entry in walkdir::WalkDir::new(&statics).min_depth(1).sort_by_file_name() {
            let Ok(entry) = entry else { continue };
            if !entry.file_type().is_file() || crate::load::is_editor_artifact(&entry.file_name().to_string_lossy()) {
                continue;
            }
            let rel = entry.path().strip_prefix(&statics).map(crate::diag::display_path).unwrap_or_default();
            match std::fs::read(entry.path()) {
                Ok(bytes) => {
                    assets.insert(rel, bytes);
                }
                Err(e) => {
                    diags.push(Diagnostic::error(dir.join("static").join(&rel), format!("cannot read file: {e}")))
                }
            }
        }
    }
    let mut tera = tera::Tera::default();
    tera.autoescape_on(vec![".html"]);
    match tera.add_raw_templates(sources.iter().map(|(n, (_, t))| (n.as_str(), t.as_str()))) {
        Ok(()) => {
            use std::hash::{Hash, Hasher};
            let mut h = std::collections::hash_map::DefaultHasher::new();
            sources.hash(&mut h);
            assets.hash(&mut h);
            Some(Theme { tera, assets, fingerprint: h.finish() })
        }
        Err(e) => {
            // Tera names the template at fault in its message; point at that file.
            let message = error_chain(&e);
            let at_fault = sources.iter().find(|(name, _)| message.contains(&format!("'{name}'")));
            let Some((_, (path, text))) = at_fault else {
                diags.push(Diagnostic::error("themes", format!("template error: {message}")));
                return None;
            };
            diags.push(template_diagnostic(path, text, &message));
            None
        }
    }
}

/// Turns Tera's parse error (`… --> 3:14 | … = expected …`) into a located diagnostic.
fn template_diagnostic(path: &str, text: &str, message: &str) -> Diagnostic {
    let position = message.split_once("--> ").and_then(|(_, rest)| {
        let (line, rest) = rest.split_once(':')?;
        let column: String = rest.chars().take_while(char::is_ascii_digit).collect();
        Some((line.trim().parse::<usize>().ok()?, column.parse::<usize>().ok()?))
    });
    let expected = message.rsplit_once("= ").map(|(_, e)| e.trim().to_string());
    match (position, expected) {
        (Some((line, column)), Some(expected)) => {
            let offset: usize = text.split_inclusive('\n').take(line - 1).map(str::len).sum::<usize>()
                + text
                    .split_inclusive('\n')
                    .nth(line - 1)
                    .map_or(0, |l| l.char_indices().nth(column - 1).map_or(0, |(i, _)| i));
            Diagnostic::error(path, format!("template syntax error: {expected}"))
                .at(crate::diag::Location::from_span(text, offset..offset + 1))
        }
        _ => Diagnostic::error(path, format!("template error: {message}")),
    }
}

/// Tera's error with all its causes, on one line.
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut parts = vec![e.to_string()];
    let mut source = e.source();
    while let Some(s) = source {
        parts.push(s.to_string());
        source = s.source();
    }
    parts.join(": ").replace('\n', " ")
}

/// The built-in UI strings of every language the theme knows.
pub struct ThemeStrings {
    builtin: BTreeMap<String, UiStrings>,
}

impl ThemeStrings {
    pub fn builtin() -> ThemeStrings {
        let builtin = STRINGS
            .iter()
            .map(|(lang, text)| (lang.to_string(), toml::from_str::<UiStrings>(text).unwrap_or_default()))
            .collect();
        ThemeStrings { builtin }
    }

    fn english(&self) -> UiStrings {
        self.builtin.get("en").cloned().unwrap_or_default()
    }

    /// The UI strings of every site language: English, then the theme's, then the site's own.
    pub fn resolve(
        &self,
        languages: &[Lang],
        site: &[Parsed<RawUiStrings>],
        diags: &mut Diagnostics,
    ) -> Option<Vec<UiStrings>> {
        let english = self.english();
        let mut ok = true;
        for file in site {
            if !languages.iter().any(|l| l.code == file.id) {
                diags.push(Diagnostic::warning(
                    &file.file.path,
                    format!("ignored: `{}` is not a language of book.toml", file.id),
                ));
            }
        }
        let mut out = Vec::new();
        for lang in languages {
            let mut strings = english.clone();
            let own = self.builtin.get(&lang.code);
            if let Some(own) = own {
                strings.extend(own.clone());
            }
            let site_file = site.iter().find(|f| f.id == lang.code);
            if let Some(file) = site_file {
                for (key, value) in &file.value {
                    if english.contains_key(key.get_ref()) {
                        strings.insert(key.get_ref().clone(), value.get_ref().clone());
                    } else {
                        let hint = crate::model::suggest(key.get_ref(), english.keys());
                        diags.push(
                            Diagnostic::error(&file.file.path, format!("unknown UI string `{}`{hint}", key.get_ref()))
                                .at(file.file.locate(key.span()))
                                .key(key.get_ref().clone()),
                        );
                        ok = false;
                    }
                }
            }
            if own.is_none() && site_file.is_none() {
                diags.push(Diagnostic::warning(
                    format!("i18n/{}.toml", lang.code),
                    format!(
                        "no UI strings for language `{}`: English ones are used; create this file to translate them",
                        lang.code
                    ),
                ));
            }
            out.push(strings);
        }
        ok.then_some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_strings_are_complete_in_every_language() {
        let english: UiStrings = toml::from_str(STRINGS[0].1).unwrap_or_default();
        assert!(english.len() > 10);
        for (lang, text) in STRINGS {
            let strings: UiStrings = toml::from_str(text).unwrap_or_default();
            let missing: Vec<&String> = english.keys().filter(|k| !strings.contains_key(*k)).collect();
            assert!(missing.is_empty(), "{lang} lacks {missing:?}");
        }
    }

    #[test]
    fn builtin_theme_compiles() {
        let mut d = Diagnostics::default();
        assert!(load_theme(Path::new("."), None, None, &mut d).is_some(), "{d:?}");
    }
}
