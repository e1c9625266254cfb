//! The search index of one language, built from the validated site (never from rendered HTML)
//! and written as JavaScript files that search.js loads with `<script>` elements, so it works
//! from file:// where `fetch()` of a local file is blocked:
//!
//! - `assets/search/<lang>/meta.js`: the number of term shards and where each document chunk
//!   starts (loaded when the reader first focuses the search box);
//! - `assets/search/<lang>/s<N>.js`: term shards, `term → [doc, weight, doc-delta, weight, …]`;
//!   a term's shard is [`super::shard_of`], so a query loads one shard per term;
//! - `assets/search/<lang>/d<N>.js`: document chunks, `[href, page title, step or heading, text]`,
//!   loaded only for the results shown.
//!
//! A document is a page (its title and summary), a procedure step, or a page's heading section.

use super::{normalize, shard_hash, terms};
use crate::config::Text;
use crate::ids::{Lang, SitePath};
use crate::model::{Site, Step};
use crate::render::{OutputFile, PageKind, page_path};
use rayon::prelude::*;

/// Weights of the fields a term is found in: a page title beats a step or heading, which beats
/// a passing mention; a step also carries its page's title, weakly, so that a query naming
/// both the procedure and the step finds the step.
const TITLE: u8 = 30;
const STEP: u8 = 20;
const BODY: u8 = 10;
const PAGE_TITLE: u8 = 5;

/// The average size a term shard is aimed at, and the size of a document chunk.
const SHARD_BYTES: usize = 48 * 1024;
const CHUNK_BYTES: usize = 16 * 1024;
/// The longest text kept for a snippet, in characters.
const SNIPPET_CHARS: usize = 600;

/// One searchable document of a language.
struct Doc {
    /// Relative to the language folder, with the anchor: `procedures/x.html#step`.
    href: String,
    title: String,
    /// The step (`Step 3`) or heading that matched; empty for the page itself.
    label: String,
    /// Plain text shown as the snippet.
    text: String,
    /// Plain texts to index, with their weights.
    fields: Vec<(String, u8)>,
}

/// The files of every language's index.
pub struct IndexFiles {
    pub files: Vec<OutputFile>,
}

/// Builds the index files of every language, languages in parallel.
pub fn index_files(site: &Site) -> IndexFiles {
    let files = site.config.languages.par_iter().flat_map_iter(|lang| language_files(site, lang)).collect();
    IndexFiles { files }
}

fn file(path: String, contents: String) -> OutputFile {
    OutputFile { path: SitePath::new(path), contents: contents.into_bytes(), is_html: false, uses_highlight: false }
}

fn language_files(site: &Site, lang: &Lang) -> Vec<OutputFile> {
    let docs = documents(site, lang);
    let dir = format!("assets/search/{}", lang.code);
    // Every document's terms with their weights, and each term's shard once the count is known.
    let doc_terms: Vec<Vec<Posting>> = docs.par_iter().map(doc_terms).collect();
    let postings: usize = doc_terms.iter().map(Vec::len).sum();
    let shards = postings.saturating_mul(6).div_ceil(SHARD_BYTES).max(1);
    let shards = u32::try_from(shards).unwrap_or(u32::MAX);
    // Each bucket allocated once at its final size: the postings are most of the memory.
    let mut sizes = vec![0usize; shards as usize];
    for p in doc_terms.iter().flatten() {
        sizes[(p.hash % shards) as usize] += 1;
    }
    let mut buckets: Vec<Vec<(Term, u32, u8)>> = sizes.into_iter().map(Vec::with_capacity).collect();
    for (doc, list) in doc_terms.into_iter().enumerate() {
        let doc = u32::try_from(doc).unwrap_or(u32::MAX);
        for Posting { term, hash, weight } in list {
            buckets[(hash % shards) as usize].push((term, doc, weight));
        }
    }
    let mut out: Vec<OutputFile> = buckets
        .into_par_iter()
        .enumerate()
        .map(|(i, mut bucket)| {
            // Documents were pushed in ascending order; the sort keeps it within each term.
            bucket.sort_by(|a, b| a.0.cmp(&b.0));
            file(format!("{dir}/s{i}.js"), shard_js(i, &bucket))
        })
        .collect();
    let mut starts = Vec::new();
    let mut chunk = String::new();
    for (i, doc) in docs.iter().enumerate() {
        if chunk.is_empty() {
            starts.push(i);
            chunk.push('[');
        } else {
            chunk.push(',');
        }
        let entry = [doc.href.as_str(), &doc.title, &doc.label, &doc.text];
        chunk.push_str(&serde_json::to_string(&entry).unwrap_or_default());
        if chunk.len() >= CHUNK_BYTES || i + 1 == docs.len() {
            let n = starts.len() - 1;
            out.push(file(format!("{dir}/d{n}.js"), format!("__vdSearch(\"d{n}\",{chunk}]);\n")));
            chunk.clear();
        }
    }
    let meta = serde_json::json!({ "v": 1, "docs": docs.len(), "shards": shards, "chunks": starts });
    out.push(file(format!("{dir}/meta.js"), format!("__vdSearch(\"meta\",{meta});\n")));
    out
}

/// An index term. Nearly every term (a bigram is six bytes, most words are short) fits in 15
/// bytes and is packed into two numbers, cheaper to collect, compare and sort than a string
/// (there are millions); the rest are strings.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Term {
    Packed(u64, u64),
    Long(Box<str>),
}

impl Term {
    fn new(term: &str) -> Term {
        let b = term.as_bytes();
        if b.len() > 15 {
            return Term::Long(term.into());
        }
        let mut bytes = [0u8; 16];
        bytes[..b.len()].copy_from_slice(b);
        bytes[15] = b.len() as u8;
        let n = u128::from_be_bytes(bytes);
        Term::Packed((n >> 64) as u64, n as u64)
    }

    /// Appends the term to `out`. Terms are letters, digits and CJK characters only, so they
    /// need no escaping inside a JSON string.
    fn write(&self, out: &mut String) {
        match self {
            Term::Packed(hi, lo) => {
                let bytes = ((u128::from(*hi) << 64) | u128::from(*lo)).to_be_bytes();
                let len = usize::from(bytes[15]).min(15);
                out.push_str(std::str::from_utf8(&bytes[..len]).unwrap_or_default());
            }
            Term::Long(s) => out.push_str(s),
        }
    }

    fn shard_hash(&self) -> u32 {
        match self {
            Term::Packed(hi, lo) => {
                let bytes = ((u128::from(*hi) << 64) | u128::from(*lo)).to_be_bytes();
                let len = usize::from(bytes[15]).min(15);
                shard_hash(std::str::from_utf8(&bytes[..len]).unwrap_or_default())
            }
            Term::Long(s) => shard_hash(s),
        }
    }
}

/// A term of a document with the hash that picks its shard and its weight.
struct Posting {
    term: Term,
    hash: u32,
    weight: u8,
}

/// A document's terms, each once, with its weight: the best field it is found in, plus one for
/// each further occurrence (up to four).
fn doc_terms(doc: &Doc) -> Vec<Posting> {
    let mut found: Vec<(Term, u8)> = Vec::new();
    for (text, weight) in &doc.fields {
        terms(&normalize(text), |t| found.push((Term::new(t), *weight)));
    }
    // Best weight first within each term, then one entry per term.
    found.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
    let mut out: Vec<Posting> = Vec::with_capacity(found.len() / 2);
    let mut more = 0u8;
    for (term, weight) in found {
        match out.last_mut() {
            Some(last) if last.term == term => {
                more = more.saturating_add(1);
                if more <= 4 {
                    last.weight += 1;
                }
            }
            _ => {
                more = 0;
                let hash = term.shard_hash();
                out.push(Posting { term, hash, weight });
            }
        }
    }
    out
}

/// `__vdSearch("s3",{"term":[doc,weight,delta,weight,…],…});`
fn shard_js(i: usize, bucket: &[(Term, u32, u8)]) -> String {
    let mut js = format!("__vdSearch(\"s{i}\",{{");
    let mut k = 0;
    while k < bucket.len() {
        let term = &bucket[k].0;
        if k > 0 {
            js.push(',');
        }
        js.push('"');
        term.write(&mut js);
        js.push_str("\":[");
        let mut last = 0;
        let mut first = true;
        while k < bucket.len() && bucket[k].0 == *term {
            let (_, doc, weight) = &bucket[k];
            if !first {
                js.push(',');
            }
            push_number(&mut js, doc - last);
            js.push(',');
            push_number(&mut js, u32::from(*weight));
            last = *doc;
            first = false;
            k += 1;
        }
        js.push(']');
    }
    js.push_str("});\n");
    js
}

/// Appends `n` in decimal: millions of numbers, without the formatting machinery.
fn push_number(out: &mut String, mut n: u32) {
    let mut digits = [0u8; 10];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.push_str(std::str::from_utf8(&digits[i..]).unwrap_or_default());
}

/// Plain text cut to the snippet length.
fn snippet(text: &str) -> String {
    match text.char_indices().nth(SNIPPET_CHARS) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_string(),
    }
}

/// Every document of a language, in the site's order: procedures and their steps, scenarios,
/// pages and their heading sections.
fn documents(site: &Site, lang: &Lang) -> Vec<Doc> {
    let plain = |t: &Text| crate::markdown::to_plain(t.get(lang));
    let href = |kind: &PageKind| {
        let path = page_path(kind, Some(lang));
        path.as_str().strip_prefix(&format!("{}/", lang.code)).unwrap_or(path.as_str()).to_string()
    };
    let step_word = site.ui[lang.index].get("step").cloned().unwrap_or_default();
    let mut docs = Vec::new();
    for p in site.procedures.values() {
        let url = href(&PageKind::Procedure(p.id.clone()));
        let plain = |t: &Text| crate::markdown::to_plain(&crate::model::params::with_defaults(p, t.get(lang), lang));
        let title = plain(&p.title);
        let summary = p.summary.as_ref().map(&plain).unwrap_or_default();
        docs.push(Doc {
            href: url.clone(),
            title: title.clone(),
            label: String::new(),
            text: snippet(&summary),
            fields: vec![(title.clone(), TITLE), (summary, BODY)],
        });
        let step_doc = |s: &Step, number: String| {
            let text = plain(&s.text);
            let note = s.note.as_ref().map(&plain).unwrap_or_default();
            Doc {
                href: format!("{url}#{}", s.anchor),
                title: title.clone(),
                label: format!("{step_word} {number}"),
                text: snippet(&if note.is_empty() { text.clone() } else { format!("{text} {note}") }),
                fields: vec![(text, STEP), (note, BODY), (title.clone(), PAGE_TITLE)],
            }
        };
        for (i, s) in p.steps.iter().enumerate() {
            docs.push(step_doc(s, format!("{}", i + 1)));
            for (j, sub) in s.substeps.iter().enumerate() {
                docs.push(step_doc(sub, format!("{}.{}", i + 1, j + 1)));
            }
        }
    }
    for s in site.scenarios.values() {
        let title = plain(&s.title);
        let symptom = plain(&s.symptom);
        let body: Vec<String> = s
            .parts
            .iter()
            .filter_map(|p| match p {
                crate::model::Part::Text(t) => Some(plain(t)),
                crate::model::Part::Snippet(id) => site.snippets.get(id).map(|sn| plain(&sn.text)),
                crate::model::Part::Procedure(_) => None,
            })
            .collect();
        docs.push(Doc {
            href: href(&PageKind::Scenario(s.id.clone())),
            title: title.clone(),
            label: String::new(),
            text: snippet(&symptom),
            fields: vec![(title, TITLE), (symptom, STEP), (body.join(" "), BODY)],
        });
    }
    let pages: Vec<&crate::model::Page> = site.pages.values().collect();
    let page_docs: Vec<Vec<Doc>> = pages
        .par_iter()
        .map(|p| {
            let mut docs = Vec::new();
            let url = href(&PageKind::Page(p.id.clone()));
            let title = p.title(lang).to_string();
            let description = p.descriptions.get(lang.index).cloned().flatten().unwrap_or_default();
            let body = crate::model::params::expand_snippets(p.body.get(lang), &|id| {
                site.snippets.get(id).map(|s| s.text.get(lang))
            });
            let mut sections = crate::markdown::plain_sections(&body).into_iter();
            let intro = sections.next().map(|s| s.text).unwrap_or_default();
            docs.push(Doc {
                href: url.clone(),
                title: title.clone(),
                label: String::new(),
                text: snippet(if description.is_empty() { &intro } else { &description }),
                fields: vec![(title.clone(), TITLE), (description, STEP), (intro, BODY)],
            });
            for s in sections {
                docs.push(Doc {
                    href: format!("{url}#{}", s.id),
                    title: title.clone(),
                    label: s.heading.clone(),
                    text: snippet(&s.text),
                    fields: vec![(s.heading, STEP), (s.text, BODY), (title.clone(), PAGE_TITLE)],
                });
            }
            docs
        })
        .collect();
    docs.extend(page_docs.into_iter().flatten());
    docs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_packed_terms_are_written_back_as_they_were() {
        for n in [0, 7, 10, 4_294_967_295, 123_456] {
            let mut s = String::new();
            push_number(&mut s, n);
            assert_eq!(s, n.to_string());
        }
        for t in ["既定", "年", "txt", "onmicrosoft", "a-very-long-term-indeed", "ｶ"] {
            let term = Term::new(t);
            let mut s = String::new();
            term.write(&mut s);
            assert_eq!(s, t);
            assert_eq!(term.shard_hash(), shard_hash(t), "{t}");
        }
        assert!(matches!(Term::new("既定値群の"), Term::Packed(..)));
        assert!(matches!(Term::new("abcdefghijklmnop"), Term::Long(_)));
    }
}
