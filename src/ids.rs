//! Typed identifiers (procedures, scenarios, pages, questions, languages) and site-relative paths.
//!
//! Ids come from file names or TOML keys and end up in URLs and HTML ids, so they are restricted to
//! lowercase ASCII letters, digits and single hyphens: the same on every file system and in every URL.

use serde::Serialize;
use std::fmt;

/// Whether `s` is a valid id: `[a-z0-9]+(-[a-z0-9]+)*`.
pub fn is_valid_id(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.contains("--")
        && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Wraps an id already checked with [`is_valid_id`].
            pub fn new(s: impl Into<String>) -> $name {
                $name(s.into())
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::borrow::Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }
    };
}

id_type!(
    /// A procedure, from `content/procedures/<id>.toml`; `<id>` may hold section folders
    /// (`accounts/create-work-account`).
    ProcedureId
);
id_type!(
    /// A scenario, from `content/scenarios/<id>.toml`.
    ScenarioId
);
id_type!(
    /// A free page, from `content/pages/<id>.<lang>.md`.
    PageId
);
id_type!(
    /// A snippet, from `content/snippets/<id>.toml`: text used by scenarios and pages.
    SnippetId
);
id_type!(
    /// A section: a folder below `content/procedures/`, `content/scenarios/` or `content/pages/`,
    /// segments joined by `/` (`accounts/admins`); empty for the kind's own folder.
    SectionId
);
id_type!(
    /// A question of the selector, from `[questions.<id>]`.
    QuestionId
);
id_type!(
    /// An anchor inside a page: a step id or a heading id.
    Anchor
);

/// The section holding the item `id` (everything before its last `/`).
pub fn parent_section(id: &str) -> SectionId {
    SectionId::new(id.rsplit_once('/').map_or("", |(dir, _)| dir))
}

/// The last segment of a `/`-separated id.
pub fn last_segment(id: &str) -> &str {
    id.rsplit_once('/').map_or(id, |(_, name)| name)
}

/// A language of the site: its code and its position in `book.toml`'s `languages`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Lang {
    pub code: String,
    #[serde(skip)]
    pub index: usize,
}

/// A path from the output root with `/` separators, always naming a file (`ja/scenarios/x.html`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct SitePath(String);

impl SitePath {
    pub fn new(s: impl Into<String>) -> SitePath {
        SitePath(s.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The relative URL from the page at `self` to `target`, e.g. `../procedures/x.html`.
    /// Relative URLs keep the site working from any folder and from file://.
    pub fn relative_to(&self, target: &SitePath) -> String {
        // Every page computes dozens of these (its navigation): bytes, not split segments.
        let (from, to) = (self.0.as_bytes(), target.0.as_bytes());
        // The end of `from`'s folders, and of the folders it shares with `to` (whole segments:
        // equal bytes up to a `/` both have).
        let dirs_end = from.iter().rposition(|&b| b == b'/').map_or(0, |i| i + 1);
        let mut common = 0;
        for (i, (a, b)) in from[..dirs_end].iter().zip(to).enumerate() {
            if a != b {
                break;
            }
            if *a == b'/' {
                common = i + 1;
            }
        }
        let ups = from[common..dirs_end].iter().filter(|&&b| b == b'/').count();
        let rest = &target.0[common..];
        let mut out = String::with_capacity(3 * ups + rest.len());
        for _ in 0..ups {
            out.push_str("../");
        }
        out.push_str(rest);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids() {
        for ok in ["a", "sign-in-vlsc", "step-1"] {
            assert!(is_valid_id(ok), "{ok}");
        }
        for bad in ["", "-a", "a-", "a--b", "A", "a_b", "手順", "a b", "a.b"] {
            assert!(!is_valid_id(bad), "{bad}");
        }
    }

    #[test]
    fn relative_paths() {
        let check = |from: &str, to: &str, want: &str| {
            assert_eq!(SitePath::new(from).relative_to(&SitePath::new(to)), want, "{from} -> {to}");
        };
        check("ja/index.html", "ja/scenarios/x.html", "scenarios/x.html");
        check("ja/scenarios/x.html", "ja/procedures/y.html", "../procedures/y.html");
        check("ja/scenarios/x.html", "en/scenarios/x.html", "../../en/scenarios/x.html");
        check("index.html", "ja/index.html", "ja/index.html");
        check("ja/contacts.html", "assets/site.css", "../assets/site.css");
        check("ja/index.html", "ja/index.html", "index.html");
        // A folder whose name begins another's is not shared.
        check("ja/proc/x.html", "ja/procedures/y.html", "../procedures/y.html");
        check("ja/procedures/a/b/x.html", "ja/procedures/a/c/y.html", "../c/y.html");
        check("ja/procedures/a/b/x.html", "ja/procedures/a/b/y.html", "y.html");
        check("ja/procedures/a/b/x.html", "ja/procedures/a/bc/y.html", "../bc/y.html");
        check("ja/procedures/a/b/x.html", "index.html", "../../../../index.html");
        check("404.html", "ja/procedures/a/x.html", "ja/procedures/a/x.html");
    }
}
