//! The search index of one language, built from the validated site (never from rendered HTML)
//! and written as JavaScript files that search.js loads with `<script>` elements, so it works
//! from file:// where `fetch()` of a local file is blocked:
//!
//! - `assets/search/<lang>/meta.js`: the format (`v`), the index's version (`id`, a hash of every
//!   other file of it), the number of term shards, where each document chunk starts, the hash
//!   of each chunk and shard (`chunkHashes`, `shardHashes`: eight hex digits each, one after
//!   the other), [`SPAN`] and [`PAGE_TITLE`], and search.js's messages in the language (`ui`:
//!   all but the one shown while this file loads, which every page carries) (loaded when the
//!   reader first focuses the search box, never from a cache);
//! - every other file is named by its content's hash (`s3.0a1b2c3d.js`), as meta.js lists them:
//!   no cache (a browser's, or a CDN's that drops query strings) can hand search.js a file of
//!   one build for the meta.js of another, and a file a build did not change keeps its name;
//! - `assets/search/<lang>/s<N>.<hash>.js`: term shards, `term → "postings"`: for each document that
//!   holds the term, its distance from the term's previous document (the first from 0) and its
//!   weight, as [`push_digits`] writes numbers (two characters for nearly every posting);
//!   a term's shard is [`super::shard_of`], so a query loads one shard per term. A weight of
//!   [`SPAN`] or more is a page's title match that also stands for the documents after it (its
//!   steps or sections: `weight / SPAN` of them, each found with [`PAGE_TITLE`]);
//! - `assets/search/<lang>/d<N>.<hash>.js`: document chunks, `[href, page title, step or heading, text]`,
//!   loaded only for the results shown; a document of the same page as the full entry before
//!   it in the chunk is written `["#anchor", step or heading, text]` (its page and title are
//!   that entry's: a page's steps do not repeat them).
//!
//! A document is a page (its title and summary), a procedure step, or a page's heading section.

use super::{normalize, shard_hash};
use crate::config::Text;
use crate::ids::{Lang, SitePath};
use crate::markdown::TextMemo;
use crate::model::{Page, Part, Procedure, Scenario, Site, Step};
use crate::render::{OutputFile, PageKind, PlainTexts, page_path};
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use std::rc::Rc;

/// The fields a term is found in, best first: a page title beats a step or heading, which beats
/// a passing mention.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Title,
    Step,
    Body,
}

/// The weight with which a step or section is found by its page's title, weakly, so that a
/// query naming both the procedure and the step finds the step. It is not written for each of
/// them: the page's own title posting says how many documents follow it (search.js reads them).
const PAGE_TITLE: u32 = 5;
/// What the number of documents a title posting stands for is multiplied by, in its weight
/// (a weight is at most 34).
const SPAN: u32 = 64;
/// How many further occurrences of a term in a document add one to its weight.
const REPEATS: u32 = 4;
// A weight must stay below SPAN, or search.js would read part of it as documents.
const _: () = assert!(Field::Title.weight() + REPEATS < SPAN);

impl Field {
    const fn weight(self) -> u32 {
        match self {
            Field::Title => 30,
            Field::Step => 20,
            Field::Body => 10,
        }
    }
}

/// A text of a document's entry: one of its fields (not copied), or a text of its own.
enum Shown {
    Field(usize),
    Own(String),
}

impl Doc {
    fn shown<'d>(&'d self, shown: &'d Shown) -> &'d str {
        match shown {
            Shown::Field(i) => self.fields.get(*i).map_or("", |(text, _)| text.as_str()),
            Shown::Own(text) => text,
        }
    }
}

/// The average size a term shard is aimed at, and the size of a document chunk.
const SHARD_BYTES: usize = 48 * 1024;
const CHUNK_BYTES: usize = 16 * 1024;
/// The longest text kept for a snippet, in characters.
const SNIPPET_CHARS: usize = 600;

/// One searchable document of a language.
struct Doc {
    /// Relative to the language folder, with the anchor: `procedures/x.html#step`.
    href: String,
    /// The page's title (shared by the page's documents).
    title: Rc<str>,
    /// The step (`Step 3`) or heading that matched; empty for the page itself.
    label: Shown,
    /// Plain text shown as the snippet (cut to [`SNIPPET_CHARS`]).
    text: Shown,
    /// Plain texts to index, with their fields.
    fields: Vec<(String, Field)>,
    /// The documents after this one that its title stands for (a page's steps or sections).
    children: u32,
}

/// Writes the index files of every language through `sink`, languages in parallel, each file as
/// soon as it is made (the index is never held whole in memory). A page's text is taken from
/// `plain` when the render pass left it there, and read from its Markdown otherwise.
pub fn index_files<E: Send>(
    site: &Site,
    plain: Option<&PlainTexts>,
    sink: &(dyn Fn(OutputFile) -> Result<(), E> + Sync),
) -> Result<(), E> {
    // One language after another, each with both threads (tokenizing a batch beside numbering
    // the previous one): run side by side, the lighter language finished early and left the
    // heavier one's numbering alone on one thread at the end.
    site.config.languages.iter().try_for_each(|lang| language_files(site, lang, plain, sink))
}

fn file(path: String, contents: String) -> OutputFile {
    OutputFile { path: SitePath::new(path), contents: contents.into_bytes(), is_html: false, uses_highlight: false }
}

fn language_files<E: Send>(
    site: &Site,
    lang: &Lang,
    plain: Option<&PlainTexts>,
    sink: &(dyn Fn(OutputFile) -> Result<(), E> + Sync),
) -> Result<(), E> {
    let t = std::time::Instant::now();
    let dir = format!("assets/search/{}", lang.code);
    let sources = sources(site);
    let dictionary = Dictionary::new();
    let mut postings = Postings::default();
    // Where each document chunk starts, and the chunk being filled.
    let mut starts: Vec<usize> = Vec::new();
    let mut chunk = String::new();
    // The length of the chunk's opening, `__vdSearch("d<N>",[`.
    let mut opening = 0;
    let mut count = 0usize;
    // Each chunk's name holds the hash of its content, as meta.js lists them (`chunkHashes`).
    let mut chunk_hashes = String::new();
    let mut flush = |chunk: &mut String, starts: &[usize]| {
        let n = starts.len() - 1;
        chunk.push_str("]);\n");
        let js = std::mem::take(chunk);
        let hash = file_hash(&js);
        chunk_hashes.push_str(&hash);
        sink(file(format!("{dir}/d{n}.{hash}.js"), js))
    };
    // The page and title of the chunk's last full entry (see `Tokenized::page`), which the
    // documents of the same page after it in the chunk do not repeat.
    let mut page = String::new();
    // Sources are read and tokenized in parallel, a batch at a time; their documents are then
    // numbered, written into chunks and their terms interned in the site's order, while the
    // next batch is tokenized.
    let mut number = |tokenized: Vec<Vec<Tokenized>>| -> Result<(), E> {
        for doc in tokenized.into_iter().flatten() {
            if chunk.is_empty() {
                chunk.push_str(&format!("__vdSearch(\"d{}\",[", starts.len()));
                opening = chunk.len();
                starts.push(count);
                page.clear();
            } else {
                chunk.push(',');
            }
            match doc.short(&page) {
                Some((anchor, rest)) => {
                    chunk.push_str("[\"");
                    chunk.push_str(anchor);
                    chunk.push_str(rest);
                }
                None => {
                    chunk.push_str(&doc.entry);
                    let (href, title) = doc.page();
                    page.clear();
                    page.push_str(href);
                    page.push_str(title);
                }
            }
            count += 1;
            postings.add(doc.terms);
            if chunk.len() - opening + 1 >= CHUNK_BYTES {
                flush(&mut chunk, &starts)?;
            }
        }
        Ok(())
    };
    // The plain text of the texts a site repeats (a step many procedures share) is made once.
    let memo = TextMemo::new(4 << 20);
    let tokenize_batch = |batch: &[Source<'_>]| -> Vec<Vec<Tokenized>> {
        batch
            .par_iter()
            .map(|s| documents(site, lang, plain, s, &memo).into_iter().map(|d| tokenize(d, &dictionary)).collect())
            .collect()
    };
    let mut previous: Option<Vec<Vec<Tokenized>>> = None;
    for batch in sources.chunks(BATCH) {
        let (tokenized, numbered) =
            rayon::join(|| tokenize_batch(batch), || previous.take().map_or(Ok(()), &mut number));
        numbered?;
        previous = Some(tokenized);
    }
    if let Some(last) = previous {
        number(last)?;
    }
    if !chunk.is_empty() {
        flush(&mut chunk, &starts)?;
    }
    crate::timing::report(&format!("search index {}: documents", lang.code), t);
    // The threads' tables of terms are not needed until the next language.
    rayon::broadcast(|_| SEEN.with_borrow_mut(|seen| *seen = Seen::default()));
    let postings = postings.by_term(dictionary.into_terms());
    // A posting takes about two bytes (one digit each for a distance and a weight, mostly;
    // measured 2.06 with the terms on the 10,000-page corpus).
    let shards = postings.total.saturating_mul(2).div_ceil(SHARD_BYTES).max(1);
    let shards = u32::try_from(shards).unwrap_or(u32::MAX);
    let mut by_shard: Vec<Vec<u32>> = vec![Vec::new(); shards as usize];
    for (id, term) in postings.terms.iter().enumerate() {
        by_shard[(term.shard_hash() % shards) as usize].push(id as u32);
    }
    let shard_hashes = by_shard
        .into_par_iter()
        .enumerate()
        .map(|(i, mut ids)| {
            // Terms are numbered in the order the threads met them, which varies: written in
            // their own order, the shards come out the same in every build.
            ids.sort_unstable_by(|a, b| postings.terms[*a as usize].cmp(&postings.terms[*b as usize]));
            let js = postings.shard_js(i, &ids);
            let hash = file_hash(&js);
            sink(file(format!("{dir}/s{i}.{hash}.js"), js)).map(|()| hash)
        })
        .collect::<Result<Vec<String>, E>>()?;
    let shard_hashes = shard_hashes.concat();
    // The index's version: search.js compares it to tell that a deploy replaced the index.
    let id = xxhash_rust::xxh3::xxh3_64(format!("{chunk_hashes}{shard_hashes}").as_bytes());
    crate::timing::report(
        &format!("search index {}: {} terms, {} postings", lang.code, postings.terms.len(), postings.total),
        t,
    );
    // search.js's messages, but for the one shown while this file loads (on every page).
    let ui = &site.ui[lang.index];
    let message = |key: &str| ui.get(&format!("search-{key}")).map_or("", String::as_str).to_string();
    let messages: serde_json::Map<String, serde_json::Value> = ["results", "one", "none", "shown", "other", "outdated"]
        .into_iter()
        .map(|key| (key.to_string(), message(key).into()))
        .collect();
    let meta = serde_json::json!({
        "v": 4, "id": format!("{id:016x}"), "docs": count, "shards": shards, "chunks": starts,
        "chunkHashes": chunk_hashes, "shardHashes": shard_hashes,
        "span": SPAN, "pageTitle": PAGE_TITLE, "ui": messages,
    });
    sink(file(format!("{dir}/meta.js"), format!("__vdSearch(\"meta\",{meta});\n")))
}

/// The hash in an index file's name: eight hex digits of its content's XXH3 (a file whose name
/// a build keeps but whose content it changes would need two contents of the same 32 bits).
fn file_hash(js: &str) -> String {
    format!("{:08x}", xxhash_rust::xxh3::xxh3_64(js.as_bytes()) as u32)
}

/// How many sources (procedures, scenarios, pages) are tokenized in parallel before their
/// documents are numbered and their postings added, in order. A batch's documents are held
/// whole (their entries and their terms' numbers), so it stays small.
const BATCH: usize = 128;

/// A document made ready for the index: its entry in a document chunk (a JSON array) and its
/// terms with their weights.
struct Tokenized {
    /// `[href, page title, step or heading, text]`, as JSON.
    entry: String,
    /// Where, in `entry`, the href's page ends: at its anchor's `#`, or before its closing quote.
    page_end: usize,
    /// Where the href's JSON string ends, and the title's.
    href_end: usize,
    title_end: usize,
    /// The document's terms, by their numbers in the language's [`Dictionary`], with weights.
    terms: Vec<(u32, u32)>,
}

impl Tokenized {
    /// The entry's page (its href's JSON without the anchor and closing quote) and its title's
    /// JSON (after a comma), which tell a full entry's page and title apart from another's.
    fn page(&self) -> (&str, &str) {
        (&self.entry[1..self.page_end], &self.entry[self.href_end..self.title_end])
    }

    /// The short entry of a document of the page and title `page` (as [`Self::page`] gives them,
    /// one after the other): `["#anchor", step or heading, text]`, given as the anchor's JSON
    /// without its opening quote, and the rest. `None` for a document of another page, or
    /// without an anchor (a page itself).
    fn short(&self, page: &str) -> Option<(&str, &str)> {
        let (href, title) = self.page();
        let same = page.len() == href.len() + title.len() && page.starts_with(href) && page.ends_with(title);
        let anchored = self.page_end + 1 < self.href_end;
        (same && anchored).then(|| (&self.entry[self.page_end..self.href_end], &self.entry[self.title_end..]))
    }
}

fn tokenize(doc: Doc, dictionary: &Dictionary) -> Tokenized {
    let snippet = snippet(doc.shown(&doc.text));
    let parts = [doc.href.as_str(), &doc.title, doc.shown(&doc.label), &snippet];
    let mut entry = String::with_capacity(parts.iter().map(|p| p.len() + 3).sum::<usize>() + 1);
    entry.push('[');
    push_json_str(&mut entry, &doc.href);
    let href_end = entry.len();
    // JSON escapes no `#`: the first in the href's JSON is its anchor's.
    let page_end = entry[..href_end].find('#').unwrap_or(href_end - 1);
    entry.push(',');
    push_json_str(&mut entry, &doc.title);
    let title_end = entry.len();
    for part in [doc.shown(&doc.label), &snippet] {
        entry.push(',');
        push_json_str(&mut entry, part);
    }
    entry.push(']');
    Tokenized { entry, page_end, href_end, title_end, terms: doc_terms(&doc, dictionary) }
}

/// Appends `text` as a JSON string, as serde_json writes it: a quote, a backslash and the
/// control characters escaped, everything else copied as it is. Nearly every plain text needs
/// no escape, which one pass over its bytes finds out faster than escaping looks at each of them.
fn push_json_str(out: &mut String, text: &str) {
    let escaped = |b: u8| (b < 0x20) | (b == b'"') | (b == b'\\');
    out.push('"');
    // Every byte looked at (no early exit), so that the loop is vectorized.
    if !text.bytes().fold(false, |found, b| found | escaped(b)) {
        out.push_str(text);
    } else {
        // The runs between escaped bytes copied whole (an escaped byte is ASCII: the runs end
        // on character boundaries); blocks without one passed over as the first pass did.
        let mut run = 0;
        let blocks = text.as_bytes().chunks(32).enumerate();
        let blocks = blocks.filter(|(_, block)| block.iter().fold(false, |found, &b| found | escaped(b)));
        let bytes = blocks.flat_map(|(n, block)| block.iter().enumerate().map(move |(i, &b)| (n * 32 + i, b)));
        for (i, b) in bytes {
            if !escaped(b) {
                continue;
            }
            out.push_str(&text[run..i]);
            run = i + 1;
            match b {
                b'"' => out.push_str("\\\""),
                b'\\' => out.push_str("\\\\"),
                b'\n' => out.push_str("\\n"),
                b'\t' => out.push_str("\\t"),
                b'\r' => out.push_str("\\r"),
                0x08 => out.push_str("\\b"),
                0x0C => out.push_str("\\f"),
                _ => {
                    const HEX: &[u8; 16] = b"0123456789abcdef";
                    out.push_str("\\u00");
                    out.push(char::from(HEX[usize::from(b >> 4)]));
                    out.push(char::from(HEX[usize::from(b & 15)]));
                }
            }
        }
        out.push_str(&text[run..]);
    }
    out.push('"');
}

/// The terms of one language, numbered as the threads reading its documents first meet them.
/// Each thread keeps the numbers of the terms it met (in [`Seen`]), so that it asks here once
/// per term, and numbering a document's postings needs no lookup at all.
struct Dictionary {
    /// Tells this dictionary from the one a thread's table was made for.
    id: u64,
    terms: std::sync::Mutex<(FxHashMap<Term, u32>, Vec<Term>)>,
}

static DICTIONARIES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

impl Dictionary {
    fn new() -> Dictionary {
        let id = DICTIONARIES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Dictionary { id, terms: std::sync::Mutex::default() }
    }

    /// The number of `term`, given it when it is new.
    fn number(&self, term: &Term) -> u32 {
        let mut terms = self.terms.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let (ids, list) = &mut *terms;
        if let Some(&n) = ids.get(term) {
            return n;
        }
        let n = u32::try_from(list.len()).unwrap_or(u32::MAX);
        list.push(term.clone());
        ids.insert(term.clone(), n);
        n
    }

    /// The terms by number.
    fn into_terms(self) -> Vec<Term> {
        self.terms.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner).1
    }
}

/// The postings of a language while documents are added, by term number ([`Dictionary`]): each
/// term's documents, in the order they were added (ascending), as the shards write them: the
/// distance from the term's previous document and the weight, in [`push_digits`]'s digits (one
/// each for nearly every posting). Kept per term from the start, the postings need no sort and
/// no second copy.
#[derive(Default)]
struct Postings {
    lists: Vec<PostingList>,
    /// The documents added so far.
    count: u32,
    /// The postings added so far.
    total: usize,
}

/// One term's postings, `(distance, weight)` pairs, as its shard writes them ([`push_digits`]:
/// one character for nearly every number), and the last document (distances start from 0).
#[derive(Default)]
struct PostingList {
    digits: Vec<u8>,
    last: u32,
}

impl PostingList {
    #[inline]
    fn push(&mut self, doc: u32, weight: u32) {
        let distance = doc - self.last;
        self.last = doc;
        if distance < 32 && weight < 32 {
            // One digit each, as most postings are: written at once.
            self.digits.extend_from_slice(&[DIGITS[distance as usize], DIGITS[weight as usize]]);
        } else {
            push_digits(&mut self.digits, distance);
            push_digits(&mut self.digits, weight);
        }
    }

    /// The `(distance, weight)` pairs, in order, read back as search.js reads them.
    #[cfg(test)]
    fn pairs(&self) -> impl Iterator<Item = (u32, u32)> + '_ {
        let mut digits = self.digits.iter().copied();
        let mut number = move || {
            let (mut n, mut shift) = (0u32, 0);
            loop {
                let digit = digits.next()?;
                let value = DIGITS.iter().position(|&d| d == digit)? as u32;
                n |= (value & 31) << shift;
                shift += 5;
                if value < 32 {
                    return Some(n);
                }
            }
        };
        std::iter::from_fn(move || Some((number()?, number()?)))
    }
}

impl Postings {
    /// Adds the next document's terms.
    fn add(&mut self, terms: Vec<(u32, u32)>) {
        let doc = self.count;
        self.total += terms.len();
        // The lists for the document's terms, made at once for the largest number among them.
        if let Some(largest) = terms.iter().map(|&(term, _)| term as usize).max()
            && largest >= self.lists.len()
        {
            self.lists.resize_with(largest + 1, PostingList::default);
        }
        for (term, weight) in terms {
            if let Some(list) = self.lists.get_mut(term as usize) {
                list.push(doc, weight);
            }
        }
        self.count += 1;
    }

    /// The postings with their terms (`terms`, by number).
    fn by_term(self, terms: Vec<Term>) -> ByTerm {
        let Postings { mut lists, total, .. } = self;
        lists.resize_with(terms.len(), PostingList::default);
        ByTerm { terms, lists, total }
    }
}

/// Every posting of a language, grouped by term: a large site has millions of postings and far
/// fewer terms.
struct ByTerm {
    terms: Vec<Term>,
    lists: Vec<PostingList>,
    total: usize,
}

impl ByTerm {
    /// `__vdSearch("s3",{"term":"<distance><weight><distance><weight>…",…});` for the terms
    /// `ids`, each number as [`push_digits`] writes it.
    fn shard_js(&self, i: usize, ids: &[u32]) -> String {
        let mut js = format!("__vdSearch(\"s{i}\",{{");
        for (n, &id) in ids.iter().enumerate() {
            if n > 0 {
                js.push(',');
            }
            js.push('"');
            self.terms[id as usize].write(&mut js);
            js.push_str("\":\"");
            // Digits only, ASCII: valid UTF-8 (checked a word at a time, not byte by byte as
            // a lossy conversion would).
            js.push_str(std::str::from_utf8(&self.lists[id as usize].digits).unwrap_or_default());
            js.push('"');
        }
        js.push_str("});\n");
        js
    }
}

/// An index term. Nearly every term (a bigram is six bytes, most words are short) fits in 15
/// bytes and is packed into two numbers, cheaper to collect, compare, hash and sort than a
/// string (there are millions); the rest are strings.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
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
        // The bytes big-endian from the top, the length in the last byte: shifted in one by one
        // (a term is a few bytes) rather than copied, which would call `memcpy` for each.
        let mut n = 0u128;
        for &byte in b {
            n = (n << 8) | u128::from(byte);
        }
        let n = n.checked_shl(8 * (16 - b.len() as u32)).unwrap_or(0) | b.len() as u128;
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

/// A document's terms, each once, with its weight: the best field it is found in, plus one for
/// each further occurrence (up to four); a title's terms also carry the documents the title
/// stands for ([`SPAN`]). In the order they are first found.
fn doc_terms(doc: &Doc, dictionary: &Dictionary) -> Vec<(u32, u32)> {
    SEEN.with_borrow_mut(|seen| {
        seen.next_document(dictionary);
        let mut word = std::mem::take(&mut seen.word);
        // Each term (its number) with its best weight and how often it occurs.
        let mut out = std::mem::take(&mut seen.found);
        out.clear();
        let found = |seen: &mut Seen, out: &mut Vec<(u32, u32, u32)>, token: Term, weight: u32| {
            let next = out.len();
            match seen.entry(token, next, dictionary) {
                Some(Ok(i)) => {
                    let (_, best, count) = &mut out[i];
                    *best = (*best).max(weight);
                    *count += 1;
                }
                Some(Err(number)) => out.push((number, weight, 1)),
                None => {}
            }
        };
        // Each token is counted as it is found, in one pass over the bytes ([`stable_terms`]).
        // At a character normalization may change, the document is read again by the plain
        // rules, as a new document (so that nothing the first reading counted is left).
        let stable = doc.fields.iter().all(|(text, field)| {
            let weight = field.weight();
            stable_terms(text, &mut word, &mut |token| found(seen, &mut out, token, weight))
        });
        if !stable {
            seen.next_document(dictionary);
            out.clear();
            for (text, field) in &doc.fields {
                super::tokens(&normalize(text), |t| found(seen, &mut out, Term::new(t), field.weight()));
            }
        }
        seen.word = word;
        let span = SPAN * doc.children;
        let weighted = out
            .iter()
            .map(|&(term, best, count)| {
                let title = if best == Field::Title.weight() { span } else { 0 };
                (term, best + (count - 1).min(REPEATS) + title)
            })
            .collect();
        seen.found = out;
        weighted
    })
}

/// The ASCII bytes of words: letters and digits.
const WORD_BYTE: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 128 {
        table[b] = (b as u8).is_ascii_alphanumeric();
        b += 1;
    }
    table
};

/// What a character below U+10000 is to [`stable_terms`]: [`super::is_stable_japanese`], and
/// then read as a Japanese run ([`super::is_cjk`]: kana and ideographs), dropped
/// ([`super::is_dropped`]) or punctuation (a test holds the two to the same sets).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stable {
    Ideograph,
    Dropped,
    Punctuation,
    No,
}

impl Stable {
    fn of(n: u32) -> Stable {
        match n {
            0x3041..=0x3096 | 0x30A1..=0x30FA | 0x4E00..=0x9FFF => Stable::Ideograph,
            0x30FC => Stable::Dropped,
            0x3001 | 0x3002 | 0x300C..=0x300F => Stable::Punctuation,
            _ => Stable::No,
        }
    }
}

/// Calls `emit` with each token of `text`, as `tokens(&normalize(text), …)` finds them, but in
/// one pass over the bytes without the normalized copy, as long as `text` is only ASCII, kana,
/// ideographs and the commonest Japanese punctuation (nearly all text is), which normalization
/// only lower-cases and rids of long-vowel marks; a bigram is packed from its characters' bytes,
/// not from a string. `false` (with some tokens emitted) at any other character. `word` holds
/// the word being read (kept by the caller, so that it is allocated once).
#[inline]
fn stable_terms(text: &str, word: &mut String, emit: &mut impl FnMut(Term)) -> bool {
    let bytes = text.as_bytes();
    // The last character of the Japanese run being read, as its UTF-8 bytes (every stable
    // Japanese character takes three), 0 outside a run; whether the run has more than one.
    let mut run: u32 = 0;
    let mut more = false;
    word.clear();
    macro_rules! end_word {
        () => {
            if !word.is_empty() {
                emit(Term::new(word));
                word.clear();
            }
        };
    }
    // A run of one character is its own token; longer runs emitted their bigrams as they went.
    macro_rules! end_run {
        () => {
            if run != 0 {
                if !more {
                    emit(Term::Packed(u64::from(run) << 40, 3));
                }
                run = 0;
                more = false;
            }
        };
    }
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b < 0x80 {
            end_run!();
            if WORD_BYTE[usize::from(b)] {
                // The rest of the word's ASCII letters and digits, at once.
                let end = bytes[i..].iter().position(|b| !WORD_BYTE[usize::from(*b)]).map_or(bytes.len(), |n| i + n);
                let start = i;
                let piece = &text[i..end];
                i = end;
                // A long-vowel mark next would join the word to what follows it (normalization
                // drops the mark): the word is gathered in `word`, as one after another such mark.
                let joined = bytes[end..].starts_with("ー".as_bytes());
                let alone = word.is_empty() && !joined;
                if let Some(term) = alone.then(|| packed_word(bytes, start, end)).flatten() {
                    emit(term);
                } else if alone && !piece.bytes().any(|b| b.is_ascii_uppercase()) {
                    emit(Term::new(piece));
                } else {
                    let at = word.len();
                    word.push_str(piece);
                    word[at..].make_ascii_lowercase();
                    if !joined {
                        end_word!();
                    }
                }
            } else {
                end_word!();
                i += 1;
            }
            continue;
        }
        // Every stable Japanese character takes three bytes (the text is UTF-8: they are there).
        let (Some(&b1), Some(&b2)) = (bytes.get(i + 1), bytes.get(i + 2)) else { return false };
        if b & 0xF0 != 0xE0 {
            return false;
        }
        i += 3;
        let n = (u32::from(b & 0x0F) << 12) | (u32::from(b1 & 0x3F) << 6) | u32::from(b2 & 0x3F);
        match Stable::of(n) {
            Stable::Ideograph => {
                end_word!();
                let bytes = (u32::from(b) << 16) | (u32::from(b1) << 8) | u32::from(b2);
                if run != 0 {
                    // Packed as `Term::new` packs six bytes: from the top, the length in the last byte.
                    emit(Term::Packed((u64::from(run) << 40) | (u64::from(bytes) << 16), 6));
                    more = true;
                }
                run = bytes;
            }
            // Gone from the normalized text: the characters around it meet.
            Stable::Dropped => {}
            Stable::Punctuation => {
                end_word!();
                end_run!();
            }
            Stable::No => return false,
        }
    }
    if run != 0 && !more {
        emit(Term::Packed(u64::from(run) << 40, 3));
    }
    end_word!();
    true
}

/// The word `bytes[start..end]` (ASCII letters and digits) lower-cased and packed as
/// [`Term::new`] packs it, from one load of the sixteen bytes at `start`; `None` when the word
/// is longer than fifteen bytes or fewer than sixteen are left to load. Most words are.
#[inline]
fn packed_word(bytes: &[u8], start: usize, end: usize) -> Option<Term> {
    let len = end - start;
    if len > 15 || len == 0 {
        return None;
    }
    let loaded: [u8; 16] = bytes.get(start..start + 16)?.try_into().ok()?;
    // The word's bytes from the top, the rest cleared; the length in the last byte.
    let n = u128::from_be_bytes(loaded) & (u128::MAX << (8 * (16 - len))) | len as u128;
    // Every byte is below 0x80 (the length too): adding 0x3F sets the top bit of a byte from
    // `A` up, adding 0x25 that of a byte from `[` up; neither carries into the next byte.
    const LANES: u128 = u128::from_ne_bytes([0x80; 16]);
    let from_a = n + LANES / 0x80 * 0x3F;
    let past_z = n + LANES / 0x80 * 0x25;
    let upper = from_a & !past_z & LANES;
    // `A`–`Z` to `a`–`z`: 0x20 added to each upper-case byte.
    let n = n | (upper >> 2);
    Some(Term::Packed((n >> 64) as u64, n as u64))
}

thread_local! {
    /// The tokens met by each thread that reads documents, and the terms of its current document.
    static SEEN: std::cell::RefCell<Seen> = std::cell::RefCell::new(Seen::default());
}

/// Every token a thread met in one language's documents, with the number of its term in the
/// language's [`Dictionary`] (or [`Seen::STOP`]), and the terms of the document being read,
/// each with its place in the document's list: an open-addressing table whose slots are
/// stamped with the document that last met them, so that a new document clears nothing, and
/// finding a token costs one hash, no sort, no lock (but for a token new to the thread), no
/// allocation once the table is large enough, and no stemming: a word's term is made once, when
/// the thread first meets the word. Two tokens may share a term (`records`, `record`): the
/// first time a document meets a token, its term is looked up in marks by term number, stamped
/// the same way. Long tokens, which are rare, go in a map of their own.
struct Seen {
    /// The dictionary the numbers are from.
    dictionary: u64,
    slots: Vec<Slot>,
    /// The slots in use.
    taken: usize,
    /// The long tokens met, with their terms' numbers.
    long: FxHashMap<Box<str>, u32>,
    /// By term number: the document that last met the term, and its place in that document's
    /// list.
    marks: Vec<Mark>,
    /// The document being read, as its slots and marks are stamped; 0 is never used.
    document: u32,
    /// The word being read, for [`stable_terms`].
    word: String,
    /// The terms of the document being read, for [`doc_terms`].
    found: Vec<(u32, u32, u32)>,
}

/// A token (packed as [`Term::Packed`]), the number of its term, and the document that last
/// met it with the term's place in that document's list.
#[derive(Clone, Copy)]
struct Slot {
    hi: u64,
    lo: u64,
    /// The term's number, [`Slot::FREE`] in a free slot.
    number: u32,
    mark: Mark,
}

impl Slot {
    const FREE: u32 = u32::MAX;
    const EMPTY: Slot = Slot { hi: 0, lo: 0, number: Slot::FREE, mark: Mark { document: 0, index: 0 } };
}

#[derive(Clone, Copy, Default)]
struct Mark {
    document: u32,
    index: u32,
}

impl Default for Seen {
    fn default() -> Self {
        Seen {
            dictionary: 0,
            slots: vec![Slot::EMPTY; 1024],
            taken: 0,
            long: FxHashMap::default(),
            marks: Vec::new(),
            document: 0,
            word: String::new(),
            found: Vec::new(),
        }
    }
}

impl Seen {
    /// The number given a stop word's token: it has no term.
    const STOP: u32 = u32::MAX - 1;

    /// Starts a document of `dictionary`'s language (a table made for another starts afresh).
    fn next_document(&mut self, dictionary: &Dictionary) {
        if self.dictionary != dictionary.id {
            *self = Seen { dictionary: dictionary.id, word: std::mem::take(&mut self.word), ..Seen::default() };
        }
        self.document = self.document.wrapping_add(1);
        if self.document == 0 {
            // Numbers start again: no slot or mark may look met by this document.
            self.slots.iter_mut().for_each(|s| s.mark.document = 0);
            self.marks.iter_mut().for_each(|m| m.document = 0);
            self.document = 1;
        }
    }

    fn home(&self, hi: u64, lo: u64) -> usize {
        // One product, its top bits taken (they depend on every bit of the factor; the low bits
        // would see only the low bits, which a short packed term leaves nearly empty). The
        // second half, rotated, fills the first's low bits, where a term's bytes end.
        let h = (hi ^ lo.rotate_left(32)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let bits = self.slots.len().trailing_zeros();
        (h >> (64 - bits)) as usize
    }

    /// `Ok` with the place of the term of `token` in this document's list, or, when the term
    /// is new to the document, `Err` with its number, and then `next` is its place. `None` for
    /// a stop word.
    #[inline]
    fn entry(&mut self, token: Term, next: usize, dictionary: &Dictionary) -> Option<Result<usize, u32>> {
        let (hi, lo) = match token {
            Term::Packed(hi, lo) => (hi, lo),
            Term::Long(t) => return self.long_entry(t, next, dictionary),
        };
        let size = self.slots.len();
        let mask = size - 1;
        let mut at = self.home(hi, lo);
        let document = self.document;
        loop {
            let slot = &mut self.slots[at];
            if slot.number == Slot::FREE {
                // At most half full, so that a probe ends soon at a free slot: a token new to
                // the thread that would fill it more grows the table first.
                if (self.taken + 1) * 2 > size {
                    self.grow();
                    return self.entry(Term::Packed(hi, lo), next, dictionary);
                }
                let number = term_number(&Term::Packed(hi, lo), dictionary);
                *slot = Slot { hi, lo, number, mark: Mark::default() };
                self.taken += 1;
            } else if slot.hi != hi || slot.lo != lo {
                at = (at + 1) & mask;
                continue;
            }
            if slot.mark.document == document {
                return Some(Ok(slot.mark.index as usize));
            }
            if slot.number == Seen::STOP {
                return None;
            }
            let entry = mark(&mut self.marks, slot.number, document, next);
            slot.mark = Mark { document, index: entry.map_or(next, |i| i) as u32 };
            return Some(entry);
        }
    }

    /// [`Self::entry`] of a long token (rare).
    #[cold]
    fn long_entry(&mut self, t: Box<str>, next: usize, dictionary: &Dictionary) -> Option<Result<usize, u32>> {
        let number = match self.long.get(&t) {
            Some(&n) => n,
            None => {
                let n = term_number(&Term::Long(t.clone()), dictionary);
                self.long.insert(t, n);
                n
            }
        };
        (number != Seen::STOP).then(|| mark(&mut self.marks, number, self.document, next))
    }

    /// Doubles the table.
    fn grow(&mut self) {
        let doubled = vec![Slot::EMPTY; self.slots.len() * 2];
        let old = std::mem::replace(&mut self.slots, doubled);
        let mask = self.slots.len() - 1;
        for slot in old.into_iter().filter(|s| s.number != Slot::FREE) {
            let mut at = self.home(slot.hi, slot.lo);
            while self.slots[at].number != Slot::FREE {
                at = (at + 1) & mask;
            }
            self.slots[at] = slot;
        }
    }
}

/// `Ok` with the place of term `number` in `document`'s list, as its mark says, or `Err` with
/// the number when the document has not met the term (and then `next` is its place).
fn mark(marks: &mut Vec<Mark>, number: u32, document: u32, next: usize) -> Result<usize, u32> {
    let n = number as usize;
    if n >= marks.len() {
        marks.resize(n + 1, Mark::default());
    }
    let mark = &mut marks[n];
    if mark.document == document {
        return Ok(mark.index as usize);
    }
    *mark = Mark { document, index: next as u32 };
    Err(number)
}

/// The number of the term of `token` in `dictionary` ([`super::term_of`]), [`Seen::STOP`] for a
/// stop word: once for each token a thread meets.
#[cold]
fn term_number(token: &Term, dictionary: &Dictionary) -> u32 {
    let mut text = String::new();
    token.write(&mut text);
    match super::term_of(&text) {
        Some(std::borrow::Cow::Borrowed(term)) if term.len() == text.len() => dictionary.number(token),
        Some(term) => dictionary.number(&Term::new(&term)),
        None => Seen::STOP,
    }
}

/// The 64 digits of the postings, in the order of their values: a string of them needs no escape
/// in JavaScript or JSON. search.js has the same.
const DIGITS: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Appends `n` in five-bit groups, the lowest first, each as the digit of its value, plus 32
/// when another group follows: a number below 32 is one digit, below 1,024 two.
fn push_digits(out: &mut Vec<u8>, mut n: u32) {
    while n >= 32 {
        out.push(DIGITS[(32 | (n & 31)) as usize]);
        n >>= 5;
    }
    out.push(DIGITS[n as usize]);
}

/// Plain text cut to the snippet length.
fn snippet(text: &str) -> std::borrow::Cow<'_, str> {
    if text.len() <= SNIPPET_CHARS {
        // Fewer bytes than the limit: fewer characters too.
        return text.into();
    }
    // Characters are counted as the bytes that begin one: a block of bytes at a time while the
    // limit is beyond it (the count of a block is vectorized), then one by one.
    let bytes = text.as_bytes();
    let starts = |b: &u8| (*b as i8) >= -0x40;
    let (mut chars, mut at) = (0, 0);
    for block in bytes.chunks_exact(64) {
        // Summed in a byte (at most 64) without an early exit: vectorized.
        let n = usize::from(block.iter().fold(0u8, |n, b| n + u8::from(starts(b))));
        if chars + n > SNIPPET_CHARS {
            break;
        }
        chars += n;
        at += block.len();
    }
    for (i, b) in bytes.iter().enumerate().skip(at) {
        if starts(b) {
            if chars == SNIPPET_CHARS {
                return format!("{}…", &text[..i]).into();
            }
            chars += 1;
        }
    }
    text.into()
}

/// What documents come from: the site's procedures, scenarios and pages, in the site's order.
enum Source<'a> {
    Procedure(&'a Procedure),
    Scenario(&'a Scenario),
    Page(&'a Page),
}

fn sources(site: &Site) -> Vec<Source<'_>> {
    let procedures = site.procedures.values().map(Source::Procedure);
    let scenarios = site.scenarios.values().map(Source::Scenario);
    procedures.chain(scenarios).chain(site.pages.values().map(Source::Page)).collect()
}

/// The documents of one source in a language: a procedure and its steps, a scenario, or a page
/// and its heading sections.
fn documents(site: &Site, lang: &Lang, left: Option<&PlainTexts>, source: &Source, memo: &TextMemo) -> Vec<Doc> {
    let to_plain = |md: &str| memo.get_or_make(md, 0, || (crate::markdown::to_plain(md), true));
    let plain = |t: &Text| to_plain(t.get(lang));
    let href = |kind: &PageKind| {
        let path = page_path(kind, Some(lang));
        let rel = path.as_str().strip_prefix(lang.code.as_str()).and_then(|p| p.strip_prefix('/'));
        rel.unwrap_or(path.as_str()).to_string()
    };
    let mut docs = Vec::new();
    match source {
        Source::Procedure(p) => {
            let step_word = site.ui[lang.index].get("step").map_or("", String::as_str);
            let url = href(&PageKind::Procedure(p.id.clone()));
            let plain = |t: &Text| to_plain(&crate::model::params::with_defaults(p, t.get(lang), lang));
            let title = plain(&p.title);
            let summary = p.summary.as_ref().map(&plain).unwrap_or_default();
            let shared: Rc<str> = title.as_str().into();
            docs.push(Doc {
                href: url.clone(),
                title: shared.clone(),
                label: Shown::Own(String::new()),
                text: Shown::Field(1),
                fields: vec![(title, Field::Title), (summary, Field::Body)],
                children: 0,
            });
            let step_doc = |s: &Step, number: String| {
                let text = plain(&s.text);
                let note = s.note.as_ref().map(&plain).unwrap_or_default();
                // `concat`, not `format!`: a large site has hundreds of thousands of steps.
                Doc {
                    href: [url.as_str(), "#", s.anchor.as_str()].concat(),
                    title: shared.clone(),
                    label: Shown::Own([step_word, " ", &number].concat()),
                    text: if note.is_empty() { Shown::Field(0) } else { Shown::Own([&text, " ", &note].concat()) },
                    fields: vec![(text, Field::Step), (note, Field::Body)],
                    children: 0,
                }
            };
            for (i, s) in p.steps.iter().enumerate() {
                docs.push(step_doc(s, (i + 1).to_string()));
                for (j, sub) in s.substeps.iter().enumerate() {
                    docs.push(step_doc(sub, format!("{}.{}", i + 1, j + 1)));
                }
            }
        }
        Source::Scenario(s) => {
            let title = plain(&s.title);
            let symptom = plain(&s.symptom);
            let body: Vec<String> = s
                .parts
                .iter()
                .filter_map(|p| match p {
                    Part::Text(t) => Some(plain(t)),
                    Part::Snippet(id) => site.snippets.get(id).map(|sn| plain(&sn.text)),
                    Part::Procedure(_) => None,
                })
                .collect();
            docs.push(Doc {
                href: href(&PageKind::Scenario(s.id.clone())),
                title: title.as_str().into(),
                label: Shown::Own(String::new()),
                text: Shown::Field(1),
                fields: vec![(title, Field::Title), (symptom, Field::Step), (body.join(" "), Field::Body)],
                children: 0,
            });
        }
        Source::Page(p) => {
            let url = href(&PageKind::Page(p.id.clone()));
            let title: Rc<str> = p.title(lang).into();
            let description = p.descriptions.get(lang.index).cloned().flatten().unwrap_or_default();
            let sections = left.and_then(|t| t.take(&p.id, lang)).unwrap_or_else(|| {
                let body = crate::model::params::expand_snippets(p.body.get(lang), &|id| {
                    site.snippets.get(id).map(|s| s.text.get(lang))
                });
                crate::markdown::plain_sections(&body)
            });
            let mut sections = sections.into_iter();
            let intro = sections.next().map(|s| s.text).unwrap_or_default();
            docs.push(Doc {
                href: url.clone(),
                title: title.clone(),
                label: Shown::Own(String::new()),
                text: Shown::Field(if description.is_empty() { 2 } else { 1 }),
                fields: vec![(title.to_string(), Field::Title), (description, Field::Step), (intro, Field::Body)],
                children: 0,
            });
            for s in sections {
                docs.push(Doc {
                    href: format!("{url}#{}", s.id),
                    title: title.clone(),
                    label: Shown::Field(0),
                    text: Shown::Field(1),
                    fields: vec![(s.heading, Field::Step), (s.text, Field::Body)],
                    children: 0,
                });
            }
        }
    }
    // A page's steps or sections follow it, and are found by its title too.
    if let Some((first, rest)) = docs.split_first_mut() {
        first.children = u32::try_from(rest.len()).unwrap_or(u32::MAX / SPAN).min(u32::MAX / SPAN);
    }
    docs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::terms;

    fn doc(fields: &[(&str, Field)], children: u32) -> Doc {
        Doc {
            href: String::new(),
            title: "".into(),
            label: Shown::Own(String::new()),
            text: Shown::Own(String::new()),
            fields: fields.iter().map(|(t, f)| (t.to_string(), *f)).collect(),
            children,
        }
    }

    /// The plain rule: every occurrence with its field's weight, sorted by term, best weight
    /// first; one entry per term, plus one for each further occurrence (up to four); a term of
    /// the title also carries the documents that follow it, times [`SPAN`].
    fn plain_rule(doc: &Doc) -> Vec<(Term, u32)> {
        let mut all: Vec<(Term, u32)> = Vec::new();
        for (text, field) in &doc.fields {
            terms(&normalize(text), |t| all.push((Term::new(t), field.weight())));
        }
        all.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
        let mut expected: Vec<(Term, u32)> = Vec::new();
        let mut more = 0;
        for (term, weight) in all {
            match expected.last_mut() {
                Some(last) if last.0 == term => {
                    more += 1;
                    if more <= 4 {
                        last.1 += 1;
                    }
                }
                _ => {
                    more = 0;
                    expected.push((term, weight));
                }
            }
        }
        for (_, weight) in &mut expected {
            if *weight >= Field::Title.weight() {
                *weight += SPAN * doc.children;
            }
        }
        expected
    }

    /// The terms of `doc` with their weights, in the order [`doc_terms`] gives them.
    fn named_doc_terms(doc: &Doc, dictionary: &Dictionary) -> Vec<(Term, u32)> {
        let numbered = doc_terms(doc, dictionary);
        let terms = dictionary.terms.lock().map(|t| t.1.clone()).unwrap_or_default();
        numbered.into_iter().map(|(n, w)| (terms[n as usize].clone(), w)).collect()
    }

    fn sorted_doc_terms(doc: &Doc, dictionary: &Dictionary) -> Vec<(Term, u32)> {
        let mut got = named_doc_terms(doc, dictionary);
        got.sort();
        got
    }

    #[test]
    fn a_documents_terms_are_deduplicated_and_weighted_as_the_plain_rule_says() {
        let doc = doc(
            &[
                ("既定値群の設定 administratorsettings administratorsettings sign", Field::Body),
                ("既定値 sign signing records TXT レコード administratorsettings", Field::Step),
                ("セキュリティの既定値群 record", Field::Title),
                ("sign sign sign sign sign sign 既定 Signed the THE a", Field::Body),
                // A token too long to be packed whose term is not, and the same term's packed token.
                ("reconfigurations administrators reconfiguration", Field::Body),
            ],
            3,
        );
        let expected = plain_rule(&doc);
        assert!(expected.iter().any(|(t, _)| matches!(t, Term::Long(_))), "no long term in the sample");
        assert!(matches!(Term::new("reconfigurations"), Term::Long(_)));
        assert!(expected.contains(&(Term::new("reconfiguration"), 11)), "{expected:?}");
        let dictionary = Dictionary::new();
        assert_eq!(sorted_doc_terms(&doc, &dictionary), expected);
        // `sign`: best in a step (20), seven more occurrences count four.
        assert!(expected.contains(&(Term::new("sign"), 24)), "{expected:?}");
        // `record`: in the title (30), once more in a step; the three documents after it too.
        assert!(expected.contains(&(Term::new("record"), 31 + 3 * SPAN)), "{expected:?}");
        // Each term once, in the order first found.
        let got = named_doc_terms(&doc, &dictionary);
        let mut first = Vec::new();
        terms(&normalize("既定値群の設定"), |t| first.push(Term::new(t)));
        assert_eq!(got.first().map(|t| &t.0), first.first());
    }

    #[test]
    fn the_terms_table_grows_for_a_large_document_and_forgets_the_one_before() {
        // 3,000 different words (and each twice) outgrow the first table twice over.
        let words: Vec<String> = (0..3000).map(|i| format!("w{i} w{i}")).collect();
        let large = doc(&[(&words.join(" "), Field::Body), ("w7 w2999 設定", Field::Step), ("w5", Field::Title)], 9);
        let dictionary = Dictionary::new();
        assert_eq!(sorted_doc_terms(&large, &dictionary), plain_rule(&large));
        assert!(plain_rule(&large).len() > 3000);
        // The next document finds none of the last one's terms taken, and the terms it shares
        // with it keep their numbers.
        let small = doc(&[("w1 w2 w2 設定", Field::Body), ("w3", Field::Title)], 0);
        assert_eq!(sorted_doc_terms(&small, &dictionary), plain_rule(&small));
        let count = dictionary.terms.lock().map(|t| t.1.len()).unwrap_or_default();
        assert_eq!(count, plain_rule(&large).len(), "every term of the small document was numbered already");
        // When the documents' numbers start again, no slot looks taken.
        SEEN.with_borrow_mut(|seen| seen.document = u32::MAX);
        assert_eq!(sorted_doc_terms(&small, &dictionary), plain_rule(&small));
        assert_eq!(sorted_doc_terms(&small, &dictionary), plain_rule(&small));
        // Another language's dictionary numbers its terms afresh.
        let other = Dictionary::new();
        assert_eq!(sorted_doc_terms(&small, &other), plain_rule(&small));
        assert_eq!(doc_terms(&small, &other).iter().map(|t| t.0).max(), Some(plain_rule(&small).len() as u32 - 1));
    }

    /// The tokens of `text` by the plain rules: normalized, then split.
    fn reference_tokens(text: &str) -> Vec<Term> {
        let mut out = Vec::new();
        crate::search::tokens(&normalize(text), |t| out.push(Term::new(t)));
        out
    }

    /// The tokens the one pass finds in `text`, `None` when it leaves the text to the plain rules.
    fn one_pass_tokens(text: &str) -> Option<Vec<Term>> {
        let mut out = Vec::new();
        stable_terms(text, &mut String::new(), &mut |t| out.push(t)).then_some(out)
    }

    #[test]
    fn the_one_pass_tokenizer_finds_the_tokens_of_normalizing_then_splitting() {
        let stable = [
            "",
            "既定値",
            "年",
            "「セキュリティの既定値群」を有効にします。",
            "サーバーのサーバ ー ーー",
            "Azure Active Directory の TXT レコード (.onmicrosoft.com)",
            "Sign in to VLSC; records signing SIGNED the a an",
            "abcー def ab\u{30FC}cd 漢ー字",
            "a-very-long-administrator-term administratorsettings",
        ];
        for text in stable {
            assert_eq!(one_pass_tokens(text), Some(reference_tokens(text)), "{text:?}");
        }
        // Texts normalization changes are left to the plain rules, and so is the document.
        let dictionary = Dictionary::new();
        for text in ["ＴＸＴ ｶﾀｶﾅ ワッフル・メニュー か\u{3099} Ⅳ", "既定値 Ä", "ＴＸＴ"]
        {
            assert_eq!(one_pass_tokens(text), None, "{text:?}");
            let mixed = doc(&[("TXT レコード", Field::Title), (text, Field::Body), ("records", Field::Step)], 2);
            assert_eq!(sorted_doc_terms(&mixed, &dictionary), plain_rule(&mixed), "{text:?}");
        }
        // Random texts of the characters either path treats apart: of those the one pass reads
        // itself (it must read every such text), and with some that send a document to the
        // plain rules; each also read as fields of a document, beside the text before it.
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut previous = String::new();
        for (alphabet, all_stable) in [
            ("aZ9 .-_、。「」『』かカ漢字ーぁヴ\nx", true),
            ("aZ9 .-_、。「」『』かカ漢字ーぁヴ\n\tÄé・ＴｶⅣ\u{3099}x", false),
        ] {
            let alphabet: Vec<char> = alphabet.chars().collect();
            let mut left = 0;
            let mut next = || {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state
            };
            for _ in 0..3000 {
                let len = (next() % 24) as usize;
                let text: String = (0..len).map(|_| alphabet[(next() % alphabet.len() as u64) as usize]).collect();
                match one_pass_tokens(&text) {
                    Some(tokens) => assert_eq!(tokens, reference_tokens(&text), "{text:?}"),
                    None => left += 1,
                }
                let both = doc(&[(&previous, Field::Step), (&text, Field::Body)], 1);
                assert_eq!(sorted_doc_terms(&both, &dictionary), plain_rule(&both), "{previous:?} {text:?}");
                previous = text;
            }
            if all_stable {
                assert_eq!(left, 0);
            } else {
                assert!(left > 1000 && left < 3000, "{left} of 3,000 left to the plain rules");
            }
        }
    }

    #[test]
    fn a_word_is_packed_from_one_load_as_term_new_packs_it_lower_cased() {
        let text = "Sign in TO VLSC9 records a Zz@[`{ 0123456789abcde x123456789abcdef 終わり END";
        let bytes = text.as_bytes();
        let mut packed = 0;
        let mut at = 0;
        while at < bytes.len() {
            let end = bytes[at..].iter().position(|b| !WORD_BYTE[usize::from(*b)]).map_or(bytes.len(), |n| at + n);
            if end > at {
                let expected = Term::new(&text[at..end].to_ascii_lowercase());
                match packed_word(bytes, at, end) {
                    Some(term) => {
                        assert_eq!(term, expected, "{}", &text[at..end]);
                        packed += 1;
                    }
                    None => assert!(end - at > 15 || bytes.len() - at < 16, "{}", &text[at..end]),
                }
            }
            at = end + 1;
        }
        // All but the word of sixteen bytes, and the last, too near the end to load sixteen bytes.
        assert_eq!(packed, 8);
    }

    #[test]
    fn the_stable_characters_are_those_normalization_keeps() {
        for n in 0..0x1_0000u32 {
            let Some(c) = char::from_u32(n) else { continue };
            let expected = match c {
                _ if c.is_ascii() || !crate::search::is_stable_japanese(c) => Stable::No,
                _ if crate::search::is_dropped(c) => Stable::Dropped,
                _ if crate::search::is_cjk(c) => Stable::Ideograph,
                _ => Stable::Punctuation,
            };
            assert_eq!(Stable::of(n), expected, "U+{n:04X}");
        }
    }

    #[test]
    fn a_snippet_is_cut_after_its_600th_character() {
        let reference = |text: &str| match text.char_indices().nth(SNIPPET_CHARS) {
            Some((i, _)) => format!("{}…", &text[..i]),
            None => text.to_string(),
        };
        for unit in ["a", "既", "aé既😀", "ab既定値 x"] {
            for n in [0, 1, 150, 599, 600, 601, 640, 1200] {
                let text = unit.repeat(n);
                for text in [text.clone(), format!("{text}x"), format!("x{text}")] {
                    assert_eq!(snippet(&text), reference(&text), "{unit} × {n}");
                }
            }
        }
    }

    #[test]
    fn a_json_string_is_escaped_only_when_it_must_be() {
        let every_ascii_byte: String = (0u8..128).map(char::from).collect();
        // Escapes in a later block of 32 bytes only, and between characters a block splits.
        let later = format!("{}\"{}\\{}\n", "a".repeat(40), "既".repeat(20), "定".repeat(11));
        for text in [
            "",
            "plain text 既定値",
            "a \"quote\"",
            "back\\slash",
            "line\nbreak\ttab\u{1}",
            "</script>\u{2028}",
            "\"既\"\\定\u{7f}\u{1f}値\r\u{8}\u{c}",
            &every_ascii_byte,
            &later,
        ] {
            let mut out = String::new();
            push_json_str(&mut out, text);
            assert_eq!(serde_json::from_str::<String>(&out).ok().as_deref(), Some(text), "{out}");
            assert_eq!(out, serde_json::to_string(text).unwrap_or_default());
        }
    }

    #[test]
    fn postings_read_back_as_they_were_added() {
        // Distances and weights of one byte, of two and of five (the largest numbers).
        let docs = [0, 1, 127, 128, 300, 16_384, 16_385, u32::MAX];
        let weights = [10, 34, 30 + 2 * SPAN, 127, 128, 20 + 300 * SPAN, 5, u32::MAX];
        let mut list = PostingList::default();
        for (&doc, &weight) in docs.iter().zip(&weights) {
            list.push(doc, weight);
        }
        let mut last = 0;
        let read: Vec<(u32, u32)> = list
            .pairs()
            .map(|(delta, weight)| {
                last += delta;
                (last, weight)
            })
            .collect();
        let expected: Vec<(u32, u32)> = docs.into_iter().zip(weights).collect();
        assert_eq!(read, expected);
    }

    #[test]
    fn numbers_and_packed_terms_are_written_back_as_they_were() {
        // Read back as search.js reads them: five bits per digit, the lowest first; a digit
        // worth 32 or more says another follows.
        let numbers = [0, 7, 10, 31, 32, 34, 64 * 3 + 30, 1023, 1024, 4_294_967_295, 123_456];
        let mut digits = Vec::new();
        numbers.iter().for_each(|&n| push_digits(&mut digits, n));
        let digits = String::from_utf8(digits).unwrap_or_default();
        assert!(digits.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_')));
        let mut read = Vec::new();
        let (mut n, mut scale) = (0u64, 1u64);
        for d in digits.bytes() {
            let v = DIGITS.iter().position(|&x| x == d).unwrap_or(usize::MAX) as u64;
            n += (v & 31) * scale;
            scale *= 32;
            if v < 32 {
                read.push(n);
                (n, scale) = (0, 1);
            }
        }
        assert_eq!(read, numbers.map(u64::from));
        assert_eq!(&digits[..3], "AHK", "numbers below 32 are one digit");
        for t in ["既定", "年", "txt", "onmicrosoft", "a-very-long-term-indeed", "ｶ", "", "abcdefghijklmno"] {
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
