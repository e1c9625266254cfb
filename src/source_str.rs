//! [`SourceStr`]: a string read from a source file, kept as a part of the file's own text where
//! the file writes it out as it reads (a TOML literal string, a string without escapes, a page's
//! body), so that the site holds each text once: the file's text is kept anyway, for the line and
//! column of every diagnostic.

use serde::de::{Deserialize, Deserializer, Visitor};
use std::cell::RefCell;
use std::fmt;
use std::ops::{Deref, Range};
use std::sync::Arc;

/// A string shared with the text of the file it was read from, or a string of its own (one with
/// escapes, or made by the program). Cloning it shares it.
#[derive(Clone)]
pub struct SourceStr {
    text: Arc<str>,
    /// The bytes of `text` this string is, on character boundaries.
    start: u32,
    end: u32,
}

impl SourceStr {
    /// `range` of `text` (a file's text), copied if it does not fit in `u32` (a file larger than
    /// 4 GiB). A range off character boundaries is a caller's bug: empty (and a panic in debug
    /// builds).
    pub fn slice(text: &Arc<str>, range: Range<usize>) -> SourceStr {
        debug_assert!(text.get(range.clone()).is_some(), "{range:?} is not a range of the text");
        match (u32::try_from(range.start), u32::try_from(range.end), text.get(range.clone())) {
            (Ok(start), Ok(end), Some(_)) => SourceStr { text: Arc::clone(text), start, end },
            _ => SourceStr::from(text.get(range).unwrap_or_default()),
        }
    }

    pub fn as_str(&self) -> &str {
        // The range is checked when the string is made.
        &self.text[self.start as usize..self.end as usize]
    }
}

impl Deref for SourceStr {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for SourceStr {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl From<&str> for SourceStr {
    fn from(s: &str) -> SourceStr {
        // Texts are far shorter than 4 GiB; a longer string is cut at a character boundary
        // rather than wrap around.
        let mut end = s.len().min(u32::MAX as usize);
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        SourceStr { text: Arc::from(&s[..end]), start: 0, end: end as u32 }
    }
}

impl From<String> for SourceStr {
    fn from(s: String) -> SourceStr {
        SourceStr::from(s.as_str())
    }
}

impl PartialEq for SourceStr {
    fn eq(&self, other: &SourceStr) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for SourceStr {}

impl std::hash::Hash for SourceStr {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl fmt::Debug for SourceStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for SourceStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for SourceStr {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

thread_local! {
    /// The text of the file being parsed on this thread, while [`parsing`] runs.
    static PARSING: RefCell<Option<Arc<str>>> = const { RefCell::new(None) };
}

/// Runs `parse` with `text` as the file being parsed on this thread: a [`SourceStr`] deserialized
/// from a string the parser hands out as a part of `text` shares it.
pub fn parsing<R>(text: &Arc<str>, parse: impl FnOnce() -> R) -> R {
    let before = PARSING.with_borrow_mut(|p| p.replace(Arc::clone(text)));
    let out = parse();
    PARSING.with_borrow_mut(|p| *p = before);
    out
}

/// `s` as a part of the file being parsed when it is one, else a copy.
fn from_parsed(s: &str) -> SourceStr {
    PARSING.with_borrow(|text| match text {
        Some(text) => {
            let (base, at) = (text.as_ptr() as usize, s.as_ptr() as usize);
            if at >= base && at + s.len() <= base + text.len() {
                SourceStr::slice(text, at - base..at - base + s.len())
            } else {
                SourceStr::from(s)
            }
        }
        None => SourceStr::from(s),
    })
}

impl<'de> Deserialize<'de> for SourceStr {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<SourceStr, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = SourceStr;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }

            fn visit_borrowed_str<E: serde::de::Error>(self, s: &'de str) -> Result<SourceStr, E> {
                Ok(from_parsed(s))
            }

            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<SourceStr, E> {
                Ok(SourceStr::from(s))
            }

            fn visit_string<E: serde::de::Error>(self, s: String) -> Result<SourceStr, E> {
                Ok(SourceStr::from(s))
            }
        }
        deserializer.deserialize_str(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize)]
    struct Doc {
        literal: SourceStr,
        plain: SourceStr,
        escaped: SourceStr,
    }

    #[test]
    fn strings_written_out_share_the_file_and_others_are_copies() {
        let text: Arc<str> = "literal = '''\nあいう\n'''\nplain = \"abc\"\nescaped = \"a\\tb\"\n".into();
        let doc: Doc = parsing(&text, || toml::from_str(&text)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((doc.literal.as_str(), doc.plain.as_str(), doc.escaped.as_str()), ("あいう\n", "abc", "a\tb"));
        let inside = |s: &SourceStr| {
            let (base, at) = (text.as_ptr() as usize, s.as_ptr() as usize);
            at >= base && at < base + text.len()
        };
        assert!(inside(&doc.literal) && inside(&doc.plain), "written-out strings are parts of the file");
        assert!(!inside(&doc.escaped), "a string with an escape is a copy");
        // Outside `parsing`, every string is a copy.
        let doc: Doc = toml::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
        assert!(!inside(&doc.literal));
        assert_eq!(doc.literal, SourceStr::from("あいう\n"));
    }

    #[test]
    fn a_slice_is_its_range_of_the_text_and_shares_it() {
        let text: Arc<str> = "あい".into();
        let s = SourceStr::slice(&text, 3..6);
        assert_eq!(s.as_str(), "い");
        assert_eq!(s.as_ptr(), text[3..].as_ptr());
    }
}
