//! Build-time syntax highlighting of fenced code blocks with syntect, as CSS classes.
//!
//! The syntax set (syntect's defaults plus bat's collection through `two-face`, which brings
//! PowerShell, TOML and more) is loaded once, on the first code block, and never for a site
//! without code. Neither collection has a DNS zone-file syntax: such blocks are shown as plain,
//! escaped code.

use std::sync::{Mutex, OnceLock};
use syntect::highlighting::ThemeSet;
use syntect::html::{ClassStyle, ClassedHTMLGenerator, css_for_theme_with_class_style};
use syntect::parsing::SyntaxSet;
use syntect::util::LinesWithEndings;

const CLASS_STYLE: ClassStyle = ClassStyle::SpacedPrefixed { prefix: "hl-" };

fn syntaxes() -> &'static SyntaxSet {
    static SET: OnceLock<SyntaxSet> = OnceLock::new();
    SET.get_or_init(two_face::syntax::extra_newlines)
}

/// Names editors write after the fence that syntect knows under another token.
fn canonical_token(lang: &str) -> &str {
    match lang {
        "ps" | "ps1" | "pwsh" => "powershell",
        "sh" | "shell" | "console" => "bash",
        "yml" => "yaml",
        other => other,
    }
}

/// Highlights `code` written in `lang`; `None` when the language is unknown (shown as plain code).
///
/// Results are remembered, up to [`CACHE_BYTES`]: the same block is often shown in every
/// language (only its comments are translated, if anything) and on several pages, and `serve`
/// renders pages again after every edit. syntect is the costliest part of rendering a page with
/// code.
pub fn highlight(code: &str, lang: &str) -> Option<String> {
    let cache = cache();
    let key = (lang.to_string(), code.to_string());
    if let Some(hit) = lock(cache).map.get(&key) {
        return hit.clone();
    }
    let html = highlight_uncached(code, lang);
    let mut cache = lock(cache);
    let size = key.0.len() + key.1.len() + html.as_ref().map_or(0, String::len);
    if cache.bytes + size <= CACHE_BYTES {
        cache.bytes += size;
        cache.map.insert(key, html.clone());
    }
    html
}

/// How much highlighted code (and its source) [`highlight`] remembers, at most.
const CACHE_BYTES: usize = 8 << 20;

#[derive(Default)]
struct Cache {
    map: rustc_hash::FxHashMap<(String, String), Option<String>>,
    bytes: usize,
}

fn cache() -> &'static Mutex<Cache> {
    static CACHE: OnceLock<Mutex<Cache>> = OnceLock::new();
    CACHE.get_or_init(Mutex::default)
}

fn lock(cache: &Mutex<Cache>) -> std::sync::MutexGuard<'_, Cache> {
    cache.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn highlight_uncached(code: &str, lang: &str) -> Option<String> {
    let set = syntaxes();
    let token = canonical_token(lang);
    let syntax = set.find_syntax_by_token(token).or_else(|| set.find_syntax_by_name(token))?;
    let mut generator = ClassedHTMLGenerator::new_with_class_style(syntax, set, CLASS_STYLE);
    for line in LinesWithEndings::from(code) {
        generator.parse_html_for_line_which_includes_newline(line).ok()?;
    }
    Some(generator.finalize())
}

/// The stylesheet for highlighted code: a light theme, and a dark one under
/// `prefers-color-scheme: dark`.
pub fn stylesheet() -> &'static str {
    static CSS: OnceLock<String> = OnceLock::new();
    CSS.get_or_init(make_stylesheet)
}

fn make_stylesheet() -> String {
    let themes = ThemeSet::load_defaults();
    let css = |name: &str| {
        themes.themes.get(name).and_then(|t| css_for_theme_with_class_style(t, CLASS_STYLE).ok()).unwrap_or_default()
    };
    format!("{}\n@media (prefers-color-scheme: dark) {{\n{}\n}}\n", css("InspiredGitHub"), css("base16-ocean.dark"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knows_the_languages_of_the_field() {
        for lang in ["powershell", "ps1", "pwsh", "toml", "json", "yaml", "yml", "bash", "sh", "xml"] {
            let html = highlight("a = 1\n", lang);
            assert!(html.as_deref().is_some_and(|h| h.contains("hl-")), "{lang}: {html:?}");
        }
        assert_eq!(highlight("x", "no-such-language"), None);
        assert_eq!(highlight("example. IN TXT \"x\"", "dns"), None, "a zone syntax appeared: document it");
    }
}
