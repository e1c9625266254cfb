//! The search index of one language, built from the validated site (never from rendered HTML)
//! and written as JavaScript files that search.js loads with `<script>` elements, so it works
//! from file:// where `fetch()` of a local file is blocked:
//!
//! - `assets/search/<lang>/meta.js`: the format (`v`), the index's version (`id`, a hash of every
//!   other file of it, which search.js puts in their URLs so that no browser cache mixes two
//!   builds' files), the number of term shards, where each document chunk starts, and [`SPAN`]
//!   and [`PAGE_TITLE`] (loaded when the reader first focuses the search box, never from a cache);
//! - `assets/search/<lang>/s<N>.js`: term shards, `term → "postings"`: for each document that
//!   holds the term, its distance from the term's previous document (the first from 0) and its
//!   weight, as [`push_digits`] writes numbers (two characters for nearly every posting);
//!   a term's shard is [`super::shard_of`], so a query loads one shard per term. A weight of
//!   [`SPAN`] or more is a page's title match that also stands for the documents after it (its
//!   steps or sections: `weight / SPAN` of them, each found with [`PAGE_TITLE`]);
//! - `assets/search/<lang>/d<N>.js`: document chunks, `[href, page title, step or heading, text]`,
//!   loaded only for the results shown.
//!
//! A document is a page (its title and summary), a procedure step, or a page's heading section.

use super::{normalize, shard_hash, terms};
use crate::config::Text;
use crate::ids::{Lang, SitePath};
use crate::model::{Page, Part, Procedure, Scenario, Site, Step};
use crate::render::{OutputFile, PageKind, PlainTexts, page_path};
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use std::hash::Hasher;

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
    let mut postings = Postings::default();
    // Where each document chunk starts, and the chunk being filled.
    let mut starts: Vec<usize> = Vec::new();
    let mut chunk = String::new();
    let mut count = 0usize;
    // The index's version (`meta.id`): a hash of every chunk and shard, each hashed as it is
    // written, which search.js puts in their URLs, so that a browser's cache never hands it a
    // file of one build for the meta of another (a page left open across a deploy still can).
    let mut chunks_hash = rustc_hash::FxHasher::default();
    let mut flush = |chunk: &mut String, starts: &[usize]| {
        let n = starts.len() - 1;
        let js = format!("__vdSearch(\"d{n}\",{chunk}]);\n");
        chunk.clear();
        chunks_hash.write(js.as_bytes());
        sink(file(format!("{dir}/d{n}.js"), js))
    };
    // Sources are read and tokenized in parallel, a batch at a time; their documents are then
    // numbered, written into chunks and their terms interned in the site's order, while the
    // next batch is tokenized.
    let mut number = |tokenized: Vec<Vec<Tokenized>>| -> Result<(), E> {
        for doc in tokenized.into_iter().flatten() {
            if chunk.is_empty() {
                starts.push(count);
                chunk.push('[');
            } else {
                chunk.push(',');
            }
            chunk.push_str(&doc.entry);
            count += 1;
            postings.add(doc.terms);
            if chunk.len() >= CHUNK_BYTES {
                flush(&mut chunk, &starts)?;
            }
        }
        Ok(())
    };
    let tokenize_batch = |batch: &[Source<'_>]| -> Vec<Vec<Tokenized>> {
        batch.par_iter().map(|s| documents(site, lang, plain, s).into_iter().map(tokenize).collect()).collect()
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
    let postings = postings.by_term();
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
        .map(|(i, ids)| {
            let js = postings.shard_js(i, &ids);
            let mut h = rustc_hash::FxHasher::default();
            h.write(js.as_bytes());
            let hash = h.finish();
            sink(file(format!("{dir}/s{i}.js"), js)).map(|()| hash)
        })
        .collect::<Result<Vec<u64>, E>>()?;
    let mut id = chunks_hash;
    shard_hashes.iter().for_each(|h| id.write_u64(*h));
    crate::timing::report(
        &format!("search index {}: {} terms, {} postings", lang.code, postings.terms.len(), postings.total),
        t,
    );
    let meta = serde_json::json!({
        "v": 3, "id": format!("{:016x}", id.finish()), "docs": count, "shards": shards, "chunks": starts,
        "span": SPAN, "pageTitle": PAGE_TITLE,
    });
    sink(file(format!("{dir}/meta.js"), format!("__vdSearch(\"meta\",{meta});\n")))
}

/// How many sources (procedures, scenarios, pages) are tokenized in parallel before their
/// documents are numbered and their terms interned, in order. A batch's documents are held
/// whole (with their terms: ~25 MB for 512 procedures per language), so it stays small.
const BATCH: usize = 128;

/// A document made ready for the index: its entry in a document chunk (a JSON array) and its
/// terms with their weights.
struct Tokenized {
    entry: String,
    terms: Vec<(Term, u32)>,
}

fn tokenize(doc: Doc) -> Tokenized {
    let entry = [doc.href.as_str(), &doc.title, &doc.label, &doc.text];
    Tokenized { entry: serde_json::to_string(&entry).unwrap_or_default(), terms: doc_terms(&doc) }
}

/// The postings of a language while documents are added, by term (numbered in the order terms
/// are first found): each term's documents, in the order they were added (ascending), as the
/// shards write them: the distance from the term's previous document (a LEB128 number, one byte
/// for nearly every posting) and the weight. Kept per term from the start, the postings need no
/// sort and no second copy, and take two bytes each rather than a number and a weight.
#[derive(Default)]
struct Postings {
    ids: FxHashMap<Term, u32>,
    lists: Vec<PostingList>,
    /// The documents added so far.
    count: u32,
    /// The postings added so far.
    total: usize,
}

/// One term's postings: `(distance, weight)` pairs, and the last document (distances start
/// from 0).
#[derive(Default)]
struct PostingList {
    bytes: Vec<u8>,
    last: u32,
}

impl PostingList {
    fn push(&mut self, doc: u32, weight: u32) {
        self.push_number(doc - self.last);
        self.push_number(weight);
        self.last = doc;
    }

    /// `n` as a LEB128 number: one byte below 128.
    fn push_number(&mut self, mut n: u32) {
        while n >= 0x80 {
            self.bytes.push((n as u8) | 0x80);
            n >>= 7;
        }
        self.bytes.push(n as u8);
    }

    /// The `(distance, weight)` pairs, in order.
    fn pairs(&self) -> impl Iterator<Item = (u32, u32)> + '_ {
        let mut at = 0;
        let mut number = move || {
            let mut n = 0u32;
            let mut shift = 0;
            loop {
                let b = *self.bytes.get(at)?;
                at += 1;
                n |= u32::from(b & 0x7F) << shift;
                shift += 7;
                if b < 0x80 {
                    return Some(n);
                }
            }
        };
        std::iter::from_fn(move || Some((number()?, number()?)))
    }
}

impl Postings {
    /// Adds the next document's terms.
    fn add(&mut self, terms: Vec<(Term, u32)>) {
        let doc = self.count;
        self.total += terms.len();
        for (term, weight) in terms {
            let next = self.lists.len() as u32;
            let id = *self.ids.entry(term).or_insert(next) as usize;
            if id == self.lists.len() {
                self.lists.push(PostingList::default());
            }
            self.lists[id].push(doc, weight);
        }
        self.count += 1;
    }

    /// The terms by number, with their postings.
    fn by_term(self) -> ByTerm {
        let Postings { ids, lists, total, .. } = self;
        let mut terms = vec![Term::Packed(0, 0); ids.len()];
        for (term, id) in ids {
            terms[id as usize] = term;
        }
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
            for (delta, weight) in self.lists[id as usize].pairs() {
                push_digits(&mut js, delta);
                push_digits(&mut js, weight);
            }
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
fn doc_terms(doc: &Doc) -> Vec<(Term, u32)> {
    SEEN.with_borrow_mut(|seen| {
        seen.next_document();
        // Each term with its best weight and how often it occurs.
        let mut out: Vec<(Term, u32, u32)> = Vec::new();
        let mut found = |term: Term, field: Field| {
            let weight = field.weight();
            match seen.entry(&term, out.len()) {
                Some(i) => {
                    let (_, best, count) = &mut out[i];
                    *best = (*best).max(weight);
                    *count += 1;
                }
                None => out.push((term, weight, 1)),
            }
        };
        for (text, field) in &doc.fields {
            terms(&normalize(text), |t| found(Term::new(t), *field));
        }
        let span = SPAN * doc.children;
        out.into_iter()
            .map(|(term, best, count)| {
                let title = if best == Field::Title.weight() { span } else { 0 };
                (term, best + (count - 1).min(REPEATS) + title)
            })
            .collect()
    })
}

thread_local! {
    /// The terms of the document being read, on each thread that reads documents.
    static SEEN: std::cell::RefCell<Seen> = std::cell::RefCell::new(Seen::default());
}

/// The terms found so far in one document, each with its place in the document's list: a table
/// kept from one document to the next and cleared by numbering documents (a slot of an earlier
/// document is free), so that finding a term costs one hash and no sort, and no allocation once
/// the table is large enough. Long terms, which are rare, go in a map of their own.
struct Seen {
    slots: Vec<Slot>,
    /// The document being read, as its slots are stamped; 0 is never used.
    document: u32,
    /// The slots this document has taken.
    taken: usize,
    long: FxHashMap<Box<str>, usize>,
}

#[derive(Clone, Copy, Default)]
struct Slot {
    hi: u64,
    lo: u64,
    document: u32,
    index: u32,
}

impl Default for Seen {
    fn default() -> Self {
        Seen { slots: vec![Slot::default(); 1024], document: 0, taken: 0, long: FxHashMap::default() }
    }
}

impl Seen {
    fn next_document(&mut self) {
        self.document = self.document.wrapping_add(1);
        if self.document == 0 {
            // Numbers start again: no slot may look taken by this document.
            self.slots.fill(Slot::default());
            self.document = 1;
        }
        self.taken = 0;
        self.long.clear();
    }

    fn home(&self, hi: u64, lo: u64) -> usize {
        // Both halves multiplied, and the top bits taken (a product's low bits see only the
        // factors' low bits, which a short packed term leaves nearly empty: all 1- and 2-byte
        // terms would share one slot).
        let h = hi.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ lo.wrapping_mul(0xC2B2_AE3D_27D4_EB4F);
        let h = (h ^ (h >> 29)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let bits = self.slots.len().trailing_zeros();
        (h >> (64 - bits)) as usize
    }

    /// Where `term` is in this document's list, or `None` when it is new there, and then takes
    /// `next` as its place.
    fn entry(&mut self, term: &Term, next: usize) -> Option<usize> {
        let (hi, lo) = match term {
            Term::Packed(hi, lo) => (*hi, *lo),
            Term::Long(t) => {
                return match self.long.get(t) {
                    Some(&i) => Some(i),
                    None => {
                        self.long.insert(t.clone(), next);
                        None
                    }
                };
            }
        };
        // At most half full: a probe ends soon at a free slot.
        if (self.taken + 1) * 2 > self.slots.len() {
            self.grow();
        }
        let mask = self.slots.len() - 1;
        let mut at = self.home(hi, lo);
        loop {
            let slot = &mut self.slots[at];
            if slot.document != self.document {
                *slot = Slot { hi, lo, document: self.document, index: next as u32 };
                self.taken += 1;
                return None;
            }
            if slot.hi == hi && slot.lo == lo {
                return Some(slot.index as usize);
            }
            at = (at + 1) & mask;
        }
    }

    /// Doubles the table, keeping this document's slots.
    fn grow(&mut self) {
        let taken: Vec<Slot> = self.slots.iter().filter(|s| s.document == self.document).copied().collect();
        self.slots = vec![Slot::default(); self.slots.len() * 2];
        let mask = self.slots.len() - 1;
        for slot in taken {
            let mut at = self.home(slot.hi, slot.lo);
            while self.slots[at].document == self.document {
                at = (at + 1) & mask;
            }
            self.slots[at] = slot;
        }
    }
}

/// The 64 digits of the postings, in the order of their values: a string of them needs no escape
/// in JavaScript or JSON. search.js has the same.
const DIGITS: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Appends `n` in five-bit groups, the lowest first, each as the digit of its value, plus 32
/// when another group follows: a number below 32 is one digit, below 1,024 two.
fn push_digits(out: &mut String, mut n: u32) {
    // Pushed as characters: a `str` of them would be checked as UTF-8, millions of times.
    while n >= 32 {
        out.push(char::from(DIGITS[(32 | (n & 31)) as usize]));
        n >>= 5;
    }
    out.push(char::from(DIGITS[n as usize]));
}

/// Plain text cut to the snippet length.
fn snippet(text: &str) -> String {
    if text.len() <= SNIPPET_CHARS {
        // Fewer bytes than the limit: fewer characters too.
        return text.to_string();
    }
    match text.char_indices().nth(SNIPPET_CHARS) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_string(),
    }
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
fn documents(site: &Site, lang: &Lang, left: Option<&PlainTexts>, source: &Source) -> Vec<Doc> {
    let plain = |t: &Text| crate::markdown::to_plain(t.get(lang));
    let href = |kind: &PageKind| {
        let path = page_path(kind, Some(lang));
        path.as_str().strip_prefix(&format!("{}/", lang.code)).unwrap_or(path.as_str()).to_string()
    };
    let mut docs = Vec::new();
    match source {
        Source::Procedure(p) => {
            let step_word = site.ui[lang.index].get("step").map_or("", String::as_str);
            let url = href(&PageKind::Procedure(p.id.clone()));
            let plain =
                |t: &Text| crate::markdown::to_plain(&crate::model::params::with_defaults(p, t.get(lang), lang));
            let title = plain(&p.title);
            let summary = p.summary.as_ref().map(&plain).unwrap_or_default();
            docs.push(Doc {
                href: url.clone(),
                title: title.clone(),
                label: String::new(),
                text: snippet(&summary),
                fields: vec![(title.clone(), Field::Title), (summary, Field::Body)],
                children: 0,
            });
            let step_doc = |s: &Step, number: String| {
                let text = plain(&s.text);
                let note = s.note.as_ref().map(&plain).unwrap_or_default();
                Doc {
                    href: format!("{url}#{}", s.anchor),
                    title: title.clone(),
                    label: format!("{step_word} {number}"),
                    text: snippet(&if note.is_empty() { text.clone() } else { format!("{text} {note}") }),
                    fields: vec![(text, Field::Step), (note, Field::Body)],
                    children: 0,
                }
            };
            for (i, s) in p.steps.iter().enumerate() {
                docs.push(step_doc(s, format!("{}", i + 1)));
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
                title: title.clone(),
                label: String::new(),
                text: snippet(&symptom),
                fields: vec![(title, Field::Title), (symptom, Field::Step), (body.join(" "), Field::Body)],
                children: 0,
            });
        }
        Source::Page(p) => {
            let url = href(&PageKind::Page(p.id.clone()));
            let title = p.title(lang).to_string();
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
                label: String::new(),
                text: snippet(if description.is_empty() { &intro } else { &description }),
                fields: vec![(title.clone(), Field::Title), (description, Field::Step), (intro, Field::Body)],
                children: 0,
            });
            for s in sections {
                docs.push(Doc {
                    href: format!("{url}#{}", s.id),
                    title: title.clone(),
                    label: s.heading.clone(),
                    text: snippet(&s.text),
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

    fn doc(fields: &[(&str, Field)], children: u32) -> Doc {
        Doc {
            href: String::new(),
            title: String::new(),
            label: String::new(),
            text: String::new(),
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

    fn sorted_doc_terms(doc: &Doc) -> Vec<(Term, u32)> {
        let mut got = doc_terms(doc);
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
                ("sign sign sign sign sign sign 既定", Field::Body),
            ],
            3,
        );
        let expected = plain_rule(&doc);
        assert!(expected.iter().any(|(t, _)| matches!(t, Term::Long(_))), "no long term in the sample");
        assert_eq!(sorted_doc_terms(&doc), expected);
        // `sign`: best in a step (20), seven more occurrences count four.
        assert!(expected.contains(&(Term::new("sign"), 24)), "{expected:?}");
        // `record`: in the title (30), once more in a step; the three documents after it too.
        assert!(expected.contains(&(Term::new("record"), 31 + 3 * SPAN)), "{expected:?}");
        // Each term once, in the order first found.
        let got = doc_terms(&doc);
        let mut first = Vec::new();
        terms(&normalize("既定値群の設定"), |t| first.push(Term::new(t)));
        assert_eq!(got.first().map(|t| &t.0), first.first());
    }

    #[test]
    fn the_terms_table_grows_for_a_large_document_and_forgets_the_one_before() {
        // 3,000 different words (and each twice) outgrow the first table twice over.
        let words: Vec<String> = (0..3000).map(|i| format!("w{i} w{i}")).collect();
        let large = doc(&[(&words.join(" "), Field::Body), ("w7 w2999 設定", Field::Step), ("w5", Field::Title)], 9);
        assert_eq!(sorted_doc_terms(&large), plain_rule(&large));
        assert!(plain_rule(&large).len() > 3000);
        // The next document finds none of the last one's terms taken.
        let small = doc(&[("w1 w2 w2 設定", Field::Body), ("w3", Field::Title)], 0);
        assert_eq!(sorted_doc_terms(&small), plain_rule(&small));
        // When the documents' numbers start again, no slot looks taken.
        SEEN.with_borrow_mut(|seen| seen.document = u32::MAX);
        assert_eq!(sorted_doc_terms(&small), plain_rule(&small));
        assert_eq!(sorted_doc_terms(&small), plain_rule(&small));
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
        let mut digits = String::new();
        numbers.iter().for_each(|&n| push_digits(&mut digits, n));
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
