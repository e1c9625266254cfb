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
    ("404.html", include_str!("../themes/default/templates/404.html")),
    ("root-404.html", include_str!("../themes/default/templates/root-404.html")),
];

/// The default theme's static files, embedded from `themes/default/static/`, copied to `assets/`.
const STATIC: &[(&str, &[u8])] = &[
    ("site.css", include_bytes!("../themes/default/static/site.css")),
    ("selector.js", include_bytes!("../themes/default/static/selector.js")),
    ("search.js", include_bytes!("../themes/default/static/search.js")),
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
    /// Every template by name: the path shown in errors, and its text (for the error's line).
    pub sources: BTreeMap<String, (String, String)>,
    /// `versions` in every page's context: a short hash of each file under `assets/` by name,
    /// which pages put in the file's URL (`site.css?v=…`), so that a browser holding an older
    /// copy in its cache loads the new one.
    pub versions: tera::Value,
    /// `fingerprinted` in every page's context: the name under which each file under `assets/`
    /// is written a second time, with its version (`site.167a27bc.css`). A URL without a query
    /// string is safe from a cache that ignores query strings (a CDN's, often), which would
    /// serve an older `site.css?v=…` for the new one.
    pub fingerprinted: BTreeMap<String, String>,
    /// The same, as the template value every page shares.
    pub fingerprinted_value: tera::Value,
}

/// The last theme compiled, kept by `serve`: most rebuilds find the same templates and assets,
/// and compiling them takes longer than reading them.
#[derive(Default)]
pub struct ThemeCache(std::sync::Mutex<Option<std::sync::Arc<Theme>>>);

/// Loads the built-in theme, then the site's `themes/<name>/` over it when `name` is given.
/// `at` is where book.toml names the theme, for the error when its folder is missing. With a
/// `cache`, the theme kept there is taken when its templates and assets are the same.
pub fn load_theme(
    root: &Path,
    name: Option<&str>,
    at: Option<crate::diag::Location>,
    diags: &mut Diagnostics,
    cache: Option<&ThemeCache>,
) -> Option<std::sync::Arc<Theme>> {
    let (sources, assets) = theme_sources(root, name, at, diags)?;
    let fingerprint = fingerprint(&sources, &assets);
    let Some(cache) = cache else { return compile(sources, assets, fingerprint, diags).map(std::sync::Arc::new) };
    let mut kept = cache.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(theme) = kept.as_ref().filter(|t| t.fingerprint == fingerprint) {
        return Some(std::sync::Arc::clone(theme));
    }
    let theme = std::sync::Arc::new(compile(sources, assets, fingerprint, diags)?);
    *kept = Some(std::sync::Arc::clone(&theme));
    Some(theme)
}

/// Templates by name (with the path shown in errors, and the text), and static files.
type Sources = (BTreeMap<String, (String, String)>, BTreeMap<String, Vec<u8>>);

fn fingerprint(sources: &BTreeMap<String, (String, String)>, assets: &BTreeMap<String, Vec<u8>>) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    sources.hash(&mut h);
    assets.hash(&mut h);
    h.finish()
}

/// The version of each file under `assets/`: eight hex digits of a hash of its bytes (the same
/// on every machine and build), for the theme's files and the highlighting stylesheet.
fn asset_versions(assets: &BTreeMap<String, Vec<u8>>) -> BTreeMap<String, String> {
    let version = |bytes: &[u8]| {
        use std::hash::Hasher;
        let mut h = rustc_hash::FxHasher::default();
        h.write(bytes);
        format!("{:08x}", h.finish() >> 32)
    };
    let mut map: BTreeMap<String, String> = assets.iter().map(|(n, b)| (n.clone(), version(b))).collect();
    map.insert(crate::render::HIGHLIGHT_FILE.to_string(), version(crate::highlight::stylesheet().as_bytes()));
    map
}

/// `name` with `version` before its extension: `site.css` → `site.167a27bc.css`, `img/logo` →
/// `img/logo.167a27bc` (a dot in a folder's name is not an extension's).
fn fingerprinted_name(name: &str, version: &str) -> String {
    let file = name.rfind('/').map_or(0, |i| i + 1);
    match name[file..].rfind('.').filter(|&dot| dot > 0) {
        Some(dot) => format!("{}.{version}{}", &name[..file + dot], &name[file + dot..]),
        None => format!("{name}.{version}"),
    }
}

fn theme_sources(
    root: &Path,
    name: Option<&str>,
    at: Option<crate::diag::Location>,
    diags: &mut Diagnostics,
) -> Option<Sources> {
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
        for rel_name in theme_files(root, &templates, diags) {
            if !rel_name.ends_with(".html") || crate::load::is_editor_artifact(file_name(&rel_name)) {
                continue;
            }
            let rel = templates.join(&rel_name);
            if let Some(f) = crate::load::read_source(root, &rel, diags) {
                sources.insert(rel_name, (crate::diag::display_path(&rel), f.text.to_string()));
            }
        }
        let statics = dir.join("static");
        for rel in theme_files(root, &statics, diags) {
            if crate::load::is_editor_artifact(file_name(&rel)) {
                continue;
            }
            match std::fs::read(root.join(&statics).join(&rel)) {
                Ok(bytes) => {
                    assets.insert(rel, bytes);
                }
                Err(e) => diags.push(Diagnostic::error(statics.join(&rel), format!("cannot read file: {e}"))),
            }
        }
    }
    Some((sources, assets))
}

fn compile(
    sources: BTreeMap<String, (String, String)>,
    assets: BTreeMap<String, Vec<u8>>,
    fingerprint: u64,
    diags: &mut Diagnostics,
) -> Option<Theme> {
    let mut tera = tera::Tera::default();
    tera.autoescape_on([".html"]);
    tera.set_escape_fn(escape_html);
    match tera.add_raw_templates(sources.iter().map(|(n, (_, t))| (n.as_str(), t.as_str()))) {
        Ok(()) => {
            let versions = asset_versions(&assets);
            let fingerprinted: BTreeMap<String, String> =
                versions.iter().map(|(name, v)| (name.clone(), fingerprinted_name(name, v))).collect();
            Some(Theme {
                tera,
                assets,
                fingerprint,
                sources,
                versions: tera::Value::from_serializable(&versions),
                fingerprinted_value: tera::Value::from_serializable(&fingerprinted),
                fingerprinted,
            })
        }
        Err(e) => {
            let mut d = template_diagnostic(&sources, &e);
            let what = if matches!(e.kind(), tera::ErrorKind::SyntaxError(_)) {
                "template syntax error"
            } else {
                "template error"
            };
            d.message = format!("{what}: {}", d.message);
            diags.push(d);
            None
        }
    }
}

/// Escapes `text` for HTML text and attribute values (quoted either way), as Tera's own
/// escaping does, but writing each run of ordinary bytes at once instead of byte by byte.
fn escape_html(text: &str, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let bytes = text.as_bytes();
    // Most values (titles, URLs, anchors) need no escape: one pass over every byte, without an
    // early exit so that it is vectorized, finds that out faster than the loop below.
    if !bytes.iter().fold(false, |found, &b| found | matches!(b, b'&' | b'<' | b'>' | b'"' | b'\'')) {
        return out.write_all(bytes);
    }
    let mut from = 0;
    for (i, b) in bytes.iter().enumerate() {
        let entity: &[u8] = match b {
            b'&' => b"&amp;",
            b'<' => b"&lt;",
            b'>' => b"&gt;",
            b'"' => b"&quot;",
            b'\'' => b"&#39;",
            _ => continue,
        };
        out.write_all(&bytes[from..i])?;
        out.write_all(entity)?;
        from = i + 1;
    }
    out.write_all(&bytes[from..])
}

fn file_name(rel: &str) -> &str {
    rel.rsplit('/').next().unwrap_or(rel)
}

/// The files under `root/dir`, as paths relative to it with `/` separators, in name order.
/// Symbolic links are followed only while they stay inside the site: a theme's
/// `static -> ~/.ssh` would otherwise publish the keys. Every link leaving the site, and every
/// folder that cannot be read, is an error naming its path.
fn theme_files(root: &Path, dir: &Path, diags: &mut Diagnostics) -> Vec<String> {
    let top = root.join(dir);
    if std::fs::symlink_metadata(&top).is_err() {
        return Vec::new();
    }
    let site = match root.canonicalize() {
        Ok(site) => site,
        Err(e) => {
            diags.push(Diagnostic::error(dir, format!("cannot read folder: {e}")));
            return Vec::new();
        }
    };
    let rel_to_root = |p: &Path| p.strip_prefix(root).map_or_else(|_| dir.to_path_buf(), Path::to_path_buf);
    let mut files = Vec::new();
    let mut walk = walkdir::WalkDir::new(&top).follow_links(true).sort_by_file_name().into_iter();
    while let Some(entry) = walk.next() {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                let at = e.path().map_or_else(|| dir.to_path_buf(), rel_to_root);
                let why = e.io_error().map_or_else(|| e.to_string(), ToString::to_string);
                diags.push(Diagnostic::error(at, format!("cannot read: {why}")));
                continue;
            }
        };
        match entry.path().canonicalize() {
            Ok(target) if target.starts_with(&site) => {}
            Ok(target) => {
                diags.push(Diagnostic::error(
                    rel_to_root(entry.path()),
                    format!(
                        "symbolic link leads outside the site (to {}): copy what it points to into the theme instead",
                        target.display()
                    ),
                ));
                if entry.file_type().is_dir() {
                    walk.skip_current_dir();
                }
                continue;
            }
            Err(e) => {
                diags.push(Diagnostic::error(rel_to_root(entry.path()), format!("cannot read: {e}")));
                continue;
            }
        }
        if entry.file_type().is_file()
            && let Ok(rel) = entry.path().strip_prefix(&top)
        {
            files.push(crate::diag::display_path(rel));
        }
    }
    files
}

/// Turns a Tera error into a diagnostic at the template and line it names: Tera gives the
/// template's name and the span at fault for syntax and rendering errors alike. An error naming
/// no span points at the template whose name it quotes, if any.
pub fn template_diagnostic(sources: &BTreeMap<String, (String, String)>, e: &tera::Error) -> Diagnostic {
    if let tera::ErrorKind::SyntaxError(report) | tera::ErrorKind::RenderingError(report) = e.kind()
        && let Some((path, text)) = sources.get(report.filename())
    {
        let span = report.span().range.clone();
        let message = match tera1_hint(text, &span) {
            Some(hint) => format!("{} ({hint})", report.message()),
            None => report.message().to_string(),
        };
        return Diagnostic::error(path, message).at(crate::diag::Location::from_span(text, span));
    }
    let message = error_chain(e);
    match sources
        .iter()
        .find(|(name, _)| message.contains(&format!("'{name}'")) || message.contains(&format!("`{name}`")))
    {
        Some((_, (path, _))) => Diagnostic::error(path, message),
        None => Diagnostic::error("themes", message),
    }
}

/// What to write instead, when the text at `span` is a Tera 1 macro (`{% macro %}`,
/// `{% import %}`, `macros::name(…)`): themes use Tera 2, which has components instead.
fn tera1_hint(text: &str, span: &std::ops::Range<usize>) -> Option<&'static str> {
    let at = text.get(span.start..)?;
    let before = text.get(..span.start)?.trim_end_matches(|c: char| c.is_ascii_alphanumeric() || c == '_');
    // The word at the span, so that `macro_name` is not read as `macro`.
    let word = at.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).next().unwrap_or("");
    if word == "macro" || word == "endmacro" {
        Some("themes use Tera 2, which has no macros: define `{% component name(arg) %}…{% endcomponent name %}`")
    } else if word == "import" {
        Some("themes use Tera 2, which needs no import: a component defined in any template can be called from all")
    } else if at.starts_with("::") && before.len() < span.start {
        Some("themes use Tera 2, which calls components as `{{ <name arg={value}/> }}`")
    } else {
        None
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

    /// The built-in strings of `code`, if the theme has that language.
    pub fn language(&self, code: &str) -> Option<&UiStrings> {
        self.builtin.get(code)
    }

    /// The built-in English strings: every key a UI strings file may set.
    pub fn english(&self) -> UiStrings {
        self.builtin.get("en").cloned().unwrap_or_default()
    }

    /// The UI strings of every site language: English, then the theme's, then the site's own.
    /// A site that has UI strings files (`site`, and `broken`: the languages whose file has an
    /// error already reported) needs one for every language, so that none is forgotten.
    pub fn resolve(
        &self,
        languages: &[Lang],
        site: &[Parsed<RawUiStrings>],
        broken: &std::collections::BTreeSet<String>,
        fallback: bool,
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
                for (key, value) in file.value.iter() {
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
            // A language without strings of its own is not named "English" in the language
            // switch: its code stands in until its file names it.
            let named = own.is_some_and(|o| o.contains_key("language-name"))
                || site_file.is_some_and(|f| f.value.keys().any(|k| k.get_ref() == "language-name"));
            if !named {
                strings.insert("language-name".to_string(), lang.code.clone());
            }
            let ours = |id: &String| languages.iter().any(|l| l.code == *id);
            let has_files = site.iter().any(|f| ours(&f.id)) || broken.iter().any(ours);
            // With `[i18n] missing = "fallback"`, a new language builds at once: its UI strings
            // fall back like its texts (with the warning below).
            if has_files && site_file.is_none() && !broken.contains(&lang.code) && !fallback {
                let present: Vec<String> = site.iter().map(|f| format!("{}.toml", f.id)).collect();
                diags.push(Diagnostic::error(
                    format!("i18n/{}.toml", lang.code),
                    format!(
                        "missing: i18n/ holds {} but no UI strings for language `{}`; create this file (it may set only the strings you change: the theme's are the fallback)",
                        present.join(", "),
                        lang.code
                    ),
                ));
                ok = false;
            } else if own.is_none() && site_file.is_none() {
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
    fn fingerprinted_names_keep_the_extension_last() {
        assert_eq!(fingerprinted_name("site.css", "0a1b2c3d"), "site.0a1b2c3d.css");
        assert_eq!(fingerprinted_name("img/logo.min.svg", "0a1b2c3d"), "img/logo.min.0a1b2c3d.svg");
        assert_eq!(fingerprinted_name("v1.2/LICENSE", "0a1b2c3d"), "v1.2/LICENSE.0a1b2c3d");
        assert_eq!(fingerprinted_name(".nojekyll", "0a1b2c3d"), ".nojekyll.0a1b2c3d");
    }

    /// A site with `themes/t/`, and a folder beside it (outside the site) holding a secret.
    #[cfg(unix)]
    fn site_with_theme() -> (tempfile::TempDir, std::path::PathBuf, std::path::PathBuf) {
        let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let (site, outside) = (tmp.path().join("site"), tmp.path().join("outside"));
        for d in [site.join("themes/t/templates"), site.join("assets"), outside.clone()] {
            std::fs::create_dir_all(d).unwrap_or_else(|e| panic!("{e}"));
        }
        std::fs::write(outside.join("id_rsa"), "SECRET").unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(site.join("assets/logo.svg"), "<svg/>").unwrap_or_else(|e| panic!("{e}"));
        (tmp, site, outside)
    }

    #[cfg(unix)]
    fn load(site: &Path) -> (Option<std::sync::Arc<Theme>>, Vec<String>) {
        let mut d = Diagnostics::default();
        let theme = load_theme(site, Some("t"), None, &mut d, None);
        (theme, d.iter().map(Diagnostic::headline).collect())
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_leaving_the_site_are_refused_and_named() {
        use std::os::unix::fs::symlink;
        // The whole `static/` is a link out of the site.
        let (_tmp, site, outside) = site_with_theme();
        symlink(&outside, site.join("themes/t/static")).unwrap_or_else(|e| panic!("{e}"));
        let (theme, errors) = load(&site);
        assert!(theme.is_some_and(|t| !t.assets.contains_key("id_rsa")));
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].starts_with("themes/t/static: symbolic link leads outside the site"), "{errors:?}");

        // A link inside `static/` leading out, next to one that stays in the site.
        let (_tmp, site, outside) = site_with_theme();
        std::fs::create_dir_all(site.join("themes/t/static")).unwrap_or_else(|e| panic!("{e}"));
        symlink(outside.join("id_rsa"), site.join("themes/t/static/key.txt")).unwrap_or_else(|e| panic!("{e}"));
        symlink(site.join("assets/logo.svg"), site.join("themes/t/static/logo.svg")).unwrap_or_else(|e| panic!("{e}"));
        let (theme, errors) = load(&site);
        let assets = theme.map(|t| t.assets.clone()).unwrap_or_default();
        assert!(!assets.contains_key("key.txt"));
        assert_eq!(assets.get("logo.svg").map(Vec::as_slice), Some(&b"<svg/>"[..]));
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].starts_with("themes/t/static/key.txt: symbolic link leads outside the site"), "{errors:?}");

        // Templates follow the same rule.
        let (_tmp, site, outside) = site_with_theme();
        symlink(outside.join("id_rsa"), site.join("themes/t/templates/page.html")).unwrap_or_else(|e| panic!("{e}"));
        let (_, errors) = load(&site);
        assert!(errors.iter().any(|e| e.starts_with("themes/t/templates/page.html: symbolic link")), "{errors:?}");
    }

    #[test]
    fn the_tera1_hint_is_given_for_macro_import_and_namespaced_calls_only() {
        let hint = |text: &str, at: &str| {
            let start = text.find(at).unwrap_or_else(|| panic!("{at:?}"));
            super::tera1_hint(text, &(start..start + 1)).is_some()
        };
        assert!(hint("{% macro steps(s) %}", "macro"));
        assert!(hint("{% endmacro steps %}", "endmacro"));
        assert!(hint("{% import \"m.html\" as m %}", "import"));
        assert!(hint("{{ macros::steps(s=s) }}", "::"));
        assert!(!hint("{{ macro_name }}", "macro"));
        assert!(!hint("{{ imported }}", "imported"));
        assert!(!hint("{{ a :: b }}", "::"));
        assert!(!hint("{{ title }", "}"));
    }

    #[test]
    fn escaping_writes_what_teras_own_does() {
        for text in ["", "plain", "<a href=\"x\">&'</a>", "末尾&", "&&<<>>\"\"''", "サインイン & 「TXT」 <b>"]
        {
            let (mut ours, mut teras) = (Vec::new(), Vec::new());
            super::escape_html(text, &mut ours).unwrap_or_else(|e| panic!("{e}"));
            tera::escape_html(text, &mut teras).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(String::from_utf8_lossy(&ours), String::from_utf8_lossy(&teras), "{text:?}");
        }
    }

    #[test]
    fn builtin_theme_compiles() {
        let mut d = Diagnostics::default();
        assert!(load_theme(Path::new("."), None, None, &mut d, None).is_some(), "{d:?}");
    }
}
