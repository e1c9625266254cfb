//! Markdown: reading links and heading ids for validation, and rendering to HTML.
//!
//! Both `model` (to check every internal link) and `render` (to rewrite it into a relative URL)
//! use the same functions here, so a link that validates is a link that renders.

use pulldown_cmark::{CodeBlockKind, CowStr, Event, HeadingLevel, LinkType, Options, Parser, Tag, TagEnd};
use std::ops::Range;

fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_HEADING_ATTRIBUTES
}

/// The kind of an internal reference: `procedure:`, `scenario:` or `page:`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefKind {
    Procedure,
    Scenario,
    Page,
}

impl RefKind {
    pub fn name(self) -> &'static str {
        match self {
            RefKind::Procedure => "procedure",
            RefKind::Scenario => "scenario",
            RefKind::Page => "page",
        }
    }
}

/// A link destination as written in Markdown, classified.
#[derive(Debug, PartialEq, Eq)]
pub enum LinkDest<'a> {
    /// `procedure:id#fragment` and the like.
    Internal { kind: RefKind, id: &'a str, fragment: Option<&'a str> },
    /// `https:`, `http:`, `mailto:`, `tel:`.
    External,
    /// `#id` within the same page.
    Fragment(&'a str),
    /// Anything else: relative paths and unknown schemes, which would break on another host.
    Unsupported,
}

pub fn classify(dest: &str) -> LinkDest<'_> {
    if let Some(frag) = dest.strip_prefix('#') {
        return LinkDest::Fragment(frag);
    }
    let Some((scheme, rest)) = dest.split_once(':') else {
        return LinkDest::Unsupported;
    };
    let kind = match scheme {
        "procedure" => RefKind::Procedure,
        "scenario" => RefKind::Scenario,
        "page" => RefKind::Page,
        "http" | "https" | "mailto" | "tel" => return LinkDest::External,
        _ => return LinkDest::Unsupported,
    };
    let (id, fragment) = match rest.split_once('#') {
        Some((id, f)) => (id, Some(f)),
        None => (rest, None),
    };
    LinkDest::Internal { kind, id, fragment }
}

/// The longest Markdown text accepted (one language of one field, or a page body): far beyond any
/// real procedure or page, and small enough that parsing a hostile text (pulldown-cmark keeps
/// hundreds of bytes per unmatched `[` or `<`) stays cheap.
pub const MAX_TEXT_BYTES: usize = 256 * 1024;

/// The deepest nesting of elements accepted in one text (quotes, lists, emphasis, raw HTML). Real
/// texts stay under ten; the minifier recurses once per level and would overflow its stack
/// at a few thousand.
pub const MAX_NESTING: usize = 100;

/// Why a text is refused before it is parsed for good.
#[derive(Debug, PartialEq, Eq)]
pub enum Limit {
    /// The text is this many bytes long, over [`MAX_TEXT_BYTES`].
    TooLong(usize),
    /// An element at this byte range is nested deeper than [`MAX_NESTING`].
    TooDeep(Range<usize>),
}

impl Limit {
    pub fn message(&self) -> String {
        match self {
            Limit::TooLong(len) => format!(
                "text too long: {} KiB, over the limit of {} KiB per text; split it into several texts or pages",
                len.div_ceil(1024),
                MAX_TEXT_BYTES / 1024
            ),
            Limit::TooDeep(_) => format!(
                "Markdown nested too deeply: more than {MAX_NESTING} levels of quotes, lists, emphasis or HTML elements"
            ),
        }
    }
}

/// Checks that `md` is small and shallow enough to render safely.
pub fn check_limits(md: &str) -> Result<(), Limit> {
    if md.len() > MAX_TEXT_BYTES {
        return Err(Limit::TooLong(md.len()));
    }
    let mut depth = 0usize;
    for (event, range) in Parser::new_ext(md, options()).into_offset_iter() {
        match event {
            Event::Start(_) => depth += 1,
            Event::End(_) => depth = depth.saturating_sub(1),
            Event::Html(html) | Event::InlineHtml(html) => depth = raw_html_depth(depth, &html),
            _ => {}
        }
        if depth > MAX_NESTING {
            return Err(Limit::TooDeep(range));
        }
    }
    Ok(())
}

/// `depth` after the tags of a piece of raw HTML: `<x …>` opens, `</x>` closes; void elements,
/// `<x/>`, comments and elements whose end tag may be left out (`<li>`, `<p>`…) do not count.
fn raw_html_depth(mut depth: usize, html: &str) -> usize {
    const NOT_NESTING: &[&str] = &[
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr", "li",
        "p", "dt", "dd", "tr", "td", "th", "option", "optgroup", "thead", "tbody", "tfoot", "colgroup", "caption",
        "rb", "rt", "rp",
    ];
    for tag in html.split('<').skip(1) {
        let (closing, rest) = match tag.strip_prefix('/') {
            Some(rest) => (true, rest),
            None => (false, tag),
        };
        let name: String =
            rest.chars().take_while(char::is_ascii_alphanumeric).map(|c| c.to_ascii_lowercase()).collect();
        let self_closing = rest.split('>').next().is_some_and(|t| t.ends_with('/'));
        if name.is_empty() || NOT_NESTING.contains(&name.as_str()) || self_closing {
            continue;
        }
        depth = if closing { depth.saturating_sub(1) } else { depth + 1 };
    }
    depth
}

/// A link found in Markdown, with the byte range of the whole link in the source.
#[derive(Debug)]
pub struct FoundLink {
    pub dest: String,
    pub range: Range<usize>,
}

/// Every link and image destination in `md`, in order.
pub fn links(md: &str) -> Vec<FoundLink> {
    // Every link needs a `]` or an autolink's `<`: most step texts have neither, and skipping
    // their parse keeps validation of large sites fast. Texts over the size limit are reported by
    // `check_limits` and never parsed.
    if (!md.contains(']') && !md.contains('<')) || md.len() > MAX_TEXT_BYTES {
        return Vec::new();
    }
    Parser::new_ext(md, options())
        .into_offset_iter()
        .filter_map(|(event, range)| match event {
            Event::Start(Tag::Link { link_type: LinkType::Email, dest_url, .. }) => {
                Some(FoundLink { dest: format!("mailto:{dest_url}"), range })
            }
            Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) => {
                Some(FoundLink { dest: dest_url.into_string(), range })
            }
            _ => None,
        })
        .collect()
}

/// What validation needs of one text, from a single parse: whether it is within the limits, its
/// links, and (when asked) its heading ids.
pub struct Scan {
    pub limit: Result<(), Limit>,
    pub links: Vec<FoundLink>,
    pub headings: Vec<(String, Range<usize>)>,
}

impl Scan {
    /// A scan that found nothing: within the limits, no link, no heading.
    pub fn empty() -> Scan {
        Scan { limit: Ok(()), links: Vec::new(), headings: Vec::new() }
    }

    pub fn found_nothing(&self) -> bool {
        self.limit.is_ok() && self.links.is_empty() && self.headings.is_empty()
    }
}

/// Whether [`scan`] would find nothing in `md`, known without parsing it: one line (a heading
/// underline needs two), no `[`, `<` or `#` (no link, image, autolink, HTML or ATX heading), and
/// too few punctuation characters to nest anything [`MAX_NESTING`] deep (each level needs one).
/// Most step texts are such lines.
pub fn scan_finds_nothing(md: &str) -> bool {
    // What a byte is to this check: 2 ends it, 1 is punctuation (counted), 0 neither. One pass
    // over the bytes by a table: every text of a site is checked.
    const CLASS: [u8; 256] = {
        let mut table = [0u8; 256];
        let mut b = 0;
        while b < 128 {
            if (b as u8).is_ascii_punctuation() {
                table[b] = 1;
            }
            b += 1;
        }
        let ends = b"\n\r[<#";
        let mut i = 0;
        while i < ends.len() {
            table[ends[i] as usize] = 2;
            i += 1;
        }
        table
    };
    let line = md.trim_end_matches(['\n', '\r']);
    if line.len() > 4096 {
        return false;
    }
    let (ends, punctuation) = line.bytes().fold((false, 0usize), |(ends, n), b| {
        (ends | (CLASS[usize::from(b)] == 2), n + usize::from(CLASS[usize::from(b)] == 1))
    });
    !ends && punctuation < MAX_NESTING - 10
}

/// Scans `md` once for [`check_limits`], [`links`] and [`heading_ids`].
pub fn scan(md: &str) -> Scan {
    let mut out = Scan { limit: Ok(()), links: Vec::new(), headings: Vec::new() };
    if md.len() > MAX_TEXT_BYTES {
        out.limit = Err(Limit::TooLong(md.len()));
        return out;
    }
    let mut depth = 0usize;
    let mut current: Option<(Option<String>, String, Range<usize>)> = None;
    for (event, range) in Parser::new_ext(md, options()).into_offset_iter() {
        match &event {
            Event::Start(_) => depth += 1,
            Event::End(_) => depth = depth.saturating_sub(1),
            Event::Html(html) | Event::InlineHtml(html) => depth = raw_html_depth(depth, html),
            _ => {}
        }
        if depth > MAX_NESTING {
            out.limit = Err(Limit::TooDeep(range));
            return out;
        }
        match event {
            Event::Start(Tag::Link { link_type: LinkType::Email, dest_url, .. }) => {
                out.links.push(FoundLink { dest: format!("mailto:{dest_url}"), range });
            }
            Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) => {
                out.links.push(FoundLink { dest: dest_url.into_string(), range });
            }
            Event::Start(Tag::Heading { id, .. }) => {
                current = Some((id.map(|i| i.into_string()), String::new(), range));
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some((_, text, _)) = current.as_mut() {
                    text.push_str(&t);
                }
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some((id, text, range)) = current.take() {
                    out.headings.push((id.unwrap_or_else(|| slugify(&text)), range));
                }
            }
            _ => {}
        }
    }
    out
}

/// The ids of the headings of `md`, explicit (`{#id}`) or derived from the text, with their ranges.
pub fn heading_ids(md: &str) -> Vec<(String, Range<usize>)> {
    // A text over the limits is reported by validation; its headings found so far are enough.
    scan(md).headings
}

/// A heading's default id: lowercase, letters and digits kept (any script), the rest as `-`.
pub fn slugify(text: &str) -> String {
    let mut slug = String::new();
    for c in text.trim().chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    while slug.ends_with('-') {
        slug.pop();
    }
    if slug.is_empty() { "section".to_string() } else { slug }
}

/// Marks put around a parameter's default where it is substituted on the procedure's own page:
/// the value varies by situation. Characters of Unicode's private use area, taken out of the
/// text before marks are added.
pub const VARIES: char = '\u{E000}';
/// Marks the name of a parameter that has no default (every use gives a value).
pub const REQUIRED: char = '\u{E001}';
/// Ends a [`VARIES`] mark.
pub const END_VARIES: char = '\u{E002}';
/// Ends a [`REQUIRED`] mark.
pub const END_REQUIRED: char = '\u{E003}';

/// Whether `c` is one of the parameter marks.
pub fn is_mark(c: char) -> bool {
    ('\u{E000}'..='\u{E003}').contains(&c)
}

/// Whether `text` holds one of the parameter marks: [`is_mark`] over the text, by its bytes
/// (each mark is `EE 80 8x` in UTF-8).
pub fn has_mark(text: &str) -> bool {
    let bytes = text.as_bytes();
    memchr::memmem::find_iter(bytes, b"\xEE\x80").any(|at| matches!(bytes.get(at + 2), Some(0x80..=0x83)))
}

/// Text with the marks turned into elements (escaped otherwise).
fn marked_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 32);
    let mut rest = text;
    while let Some(i) = rest.find(is_mark) {
        out.push_str(&escape(&rest[..i]));
        let c = rest[i..].chars().next().unwrap_or(VARIES);
        out.push_str(match c {
            VARIES => "<em class=\"vd-param\">",
            REQUIRED => "<var class=\"vd-param\">",
            END_VARIES => "</em>",
            _ => "</var>",
        });
        rest = &rest[i + c.len_utf8()..];
    }
    out.push_str(&escape(rest));
    out
}

fn unmarked(text: &str) -> String {
    text.replace(is_mark, "")
}

/// Code with marks taken out: a required value reads `<name>`, the usual notation in commands.
fn unmarked_code(text: &str) -> String {
    text.chars()
        .filter_map(|c| match c {
            REQUIRED => Some('<'),
            END_REQUIRED => Some('>'),
            c if is_mark(c) => None,
            c => Some(c),
        })
        .collect()
}

/// How to render: what to do with raw HTML and how to turn internal links into URLs.
pub struct RenderOptions<'a> {
    pub allow_html: bool,
    /// Whether the text holds the marks of parameter values ([`VARIES`], [`REQUIRED`], [`END`]),
    /// written as `<em class="vd-param">` and `<var class="vd-param">` (and dropped in code).
    pub marks: bool,
    /// Returns the relative URL for an internal link (already validated by `model`).
    pub resolve: &'a dyn Fn(RefKind, &str, Option<&str>) -> String,
}

/// Renders `md` to HTML. Headings are moved so that the highest one is at `top_level` (2 under a
/// page's one `h1`), keeping their relative levels, so that no level is skipped.
pub fn to_html(md: &str, opts: &RenderOptions<'_>, top_level: u8) -> String {
    render_html(md, opts, top_level, None)
}

fn render_html(md: &str, opts: &RenderOptions<'_>, top_level: u8, mut plain: Option<&mut Plain>) -> String {
    // Headings keep their levels here and are moved once the highest is known (one parse).
    let mut highest: Option<HeadingLevel> = None;
    let mut events: Vec<Event<'_>> = Vec::new();
    let mut code: Option<(String, String)> = None;
    let mut heading_text: Option<(usize, String)> = None;
    // For each open link, whether it is an autolink written out by hand below.
    let mut link_stack: Vec<bool> = Vec::new();
    for event in Parser::new_ext(md, options()) {
        if let Some(plain) = plain.as_deref_mut() {
            plain.event(&event);
        }
        if let Some((lang, buf)) = code.as_mut() {
            match event {
                Event::Text(t) if opts.marks => buf.push_str(&unmarked_code(&t)),
                Event::Text(t) => buf.push_str(&t),
                Event::End(TagEnd::CodeBlock) => {
                    let html = code_block(buf, lang);
                    events.push(Event::Html(html.into()));
                    code = None;
                }
                _ => {}
            }
            continue;
        }
        if let Some((_, text)) = heading_text.as_mut()
            && let Event::Text(t) | Event::Code(t) = &event
        {
            text.push_str(&unmarked(t));
        }
        match event {
            Event::Text(t) if opts.marks && has_mark(&t) => events.push(Event::Html(marked_html(&t).into())),
            Event::Code(t) if opts.marks && has_mark(&t) => events.push(Event::Code(unmarked_code(&t).into())),
            Event::Start(Tag::CodeBlock(kind)) => {
                let lang = match kind {
                    CodeBlockKind::Fenced(info) => info.split_whitespace().next().unwrap_or("").to_string(),
                    CodeBlockKind::Indented => String::new(),
                };
                code = Some((lang, String::new()));
            }
            Event::Start(Tag::Heading { level, id, classes, attrs }) => {
                heading_text = Some((events.len(), String::new()));
                // `{onclick=…}` would be written out as an attribute: without raw HTML, a heading
                // keeps only its `#id` and plain `.class`es (both escaped by pulldown-cmark).
                let (classes, attrs) = if opts.allow_html {
                    (classes, attrs)
                } else {
                    (classes.into_iter().filter(|c| is_plain_class(c)).collect(), Vec::new())
                };
                highest = Some(highest.map_or(level, |h| h.min(level)));
                events.push(Event::Start(Tag::Heading { level, id, classes, attrs }));
            }
            Event::End(TagEnd::Heading(level)) => {
                // Give headings without an explicit id the same id `heading_ids` reports.
                if let Some((start, text)) = heading_text.take()
                    && let Some(Event::Start(Tag::Heading { id, .. })) = events.get_mut(start)
                {
                    if id.is_none() {
                        *id = Some(CowStr::from(slugify(&text)));
                    }
                    // The plain text's section has the id the HTML has.
                    if let (Some(plain), Some(id)) = (plain.as_deref_mut(), id.as_deref()) {
                        plain.heading_id(id);
                    }
                }
                events.push(Event::End(TagEnd::Heading(level)));
            }
            // An internal autolink (`<procedure:sign-in>`) is an ordinary internal link whose
            // text is what was written.
            Event::Start(Tag::Link { link_type: LinkType::Autolink, dest_url, title, id })
                if matches!(classify(&dest_url), LinkDest::Internal { .. }) =>
            {
                link_stack.push(false);
                let url = internal_url(&dest_url, opts).unwrap_or(dest_url);
                events.push(Event::Start(Tag::Link { link_type: LinkType::Inline, dest_url: url, title, id }));
            }
            // Autolinks (`<https://…>`) show their URL as text: marked so that print does not
            // repeat the URL after them.
            Event::Start(Tag::Link { link_type: LinkType::Autolink | LinkType::Email, dest_url, .. }) => {
                let href = if dest_url.contains(':') || !dest_url.contains('@') {
                    dest_url.to_string()
                } else {
                    format!("mailto:{dest_url}")
                };
                events.push(Event::Html(format!("<a class=\"vd-url\" href=\"{}\">", escape(&href)).into()));
                link_stack.push(true);
            }
            Event::End(TagEnd::Link) => {
                if link_stack.pop() == Some(true) {
                    events.push(Event::Html("</a>".into()));
                } else {
                    events.push(Event::End(TagEnd::Link));
                }
            }
            Event::Start(Tag::Link { link_type, dest_url, title, id }) => {
                link_stack.push(false);
                let dest_url = if opts.marks { CowStr::from(unmarked(&dest_url)) } else { dest_url };
                let url = internal_url(&dest_url, opts).unwrap_or(dest_url);
                events.push(Event::Start(Tag::Link { link_type, dest_url: url, title, id }));
            }
            Event::Html(h) | Event::InlineHtml(h) if !opts.allow_html => events.push(Event::Text(h)),
            other => events.push(other),
        }
    }
    let by = highest.map_or(0, |h| i16::from(top_level) - h as i16);
    if by != 0 {
        for event in &mut events {
            match event {
                Event::Start(Tag::Heading { level, .. }) | Event::End(TagEnd::Heading(level)) => {
                    *level = shift(*level, by)
                }
                _ => {}
            }
        }
    }
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    html
}

/// The relative URL of an internal link (`procedure:id#fragment`), `None` for any other link.
fn internal_url<'a>(dest: &str, opts: &RenderOptions<'_>) -> Option<CowStr<'a>> {
    match classify(dest) {
        LinkDest::Internal { kind, id, fragment } => Some(CowStr::from((opts.resolve)(kind, id, fragment))),
        _ => None,
    }
}

/// A class name that is safe and meaningful as written: letters, digits, `-` and `_`.
fn is_plain_class(class: &str) -> bool {
    !class.is_empty() && class.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Renders a one-paragraph text (a title, an answer) without the surrounding `<p>`.
pub fn to_inline_html(md: &str, opts: &RenderOptions<'_>) -> String {
    if is_plain_line(md) && !(opts.marks && has_mark(md)) {
        return escape(md);
    }
    let html = to_html(md, opts, 1);
    let trimmed = html.trim_end();
    match trimmed.strip_prefix("<p>").and_then(|s| s.strip_suffix("</p>")) {
        Some(inner) if !inner.contains("<p>") => inner.to_string(),
        _ => html,
    }
}

/// What texts were made into, kept by a pass over a site that meets the same text many times
/// (the render pass: HTML; the search index: plain text), by text and form (what it was made
/// into, a caller's number). A text is known by its 128-bit XXH3 hash, as build caches know
/// files (two texts of a site sharing one has a chance below 2^-100), so that only the result is
/// kept, in blocks (up to 256 KiB) that go back to the system when the pass ends. The memory held
/// is bounded; past it, texts are made each time.
pub struct TextMemo {
    /// By the key's low bits: the threads of a pass seldom wait on one another.
    shards: [std::sync::Mutex<MemoStore>; TextMemo::SHARDS],
    /// The bytes of blocks a shard may hold.
    shard_budget: usize,
}

#[derive(Default)]
struct MemoStore {
    /// Where each result is: its block, start and end.
    at: rustc_hash::FxHashMap<(u128, u8), (u32, u32, u32)>,
    blocks: Vec<String>,
    /// The bytes of `blocks`.
    held: usize,
}

impl TextMemo {
    const SHARDS: usize = 8;
    /// The sizes of a shard's blocks of results: the first is small (a page rendered alone, in
    /// `serve`, keeps a few texts), each next one twice the last, up to the largest.
    const FIRST_BLOCK: usize = 16 << 10;
    const BLOCK: usize = 256 << 10;
    /// The longest result kept. Short texts are most of those a site repeats (on the 12,000-page
    /// corpus of `scripts/bench.sh`, texts of up to 1 KiB of HTML were 99.8% of the repeats and
    /// 28% of the HTML): a long one (a code block, highlighted) would hold much memory for little.
    const LARGEST: usize = 1 << 10;

    /// A memo that keeps at most `budget` bytes of results.
    pub fn new(budget: usize) -> TextMemo {
        TextMemo { shards: Default::default(), shard_budget: budget / Self::SHARDS }
    }

    /// What `text` becomes in `form`: the result kept, or `make`'s, which returns the result and
    /// whether it may be kept (it would be the same wherever the text is met).
    pub fn get_or_make(&self, text: &str, form: u8, make: impl FnOnce() -> (String, bool)) -> String {
        let key = (xxhash_rust::xxh3::xxh3_128(text.as_bytes()), form);
        let shard = &self.shards[key.0 as usize % Self::SHARDS];
        let lock = || shard.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        {
            let store = lock();
            if let Some(&(block, start, end)) = store.at.get(&key) {
                return store.blocks[block as usize][start as usize..end as usize].to_string();
            }
        }
        let (made, keep) = make();
        if !keep || made.len() > Self::LARGEST {
            return made;
        }
        let mut store = lock();
        if store.at.contains_key(&key) {
            // Made by another thread meanwhile.
            return made;
        }
        let fits = store.blocks.last().is_some_and(|b| b.capacity() - b.len() >= made.len());
        if !fits {
            let size = store.blocks.last().map_or(Self::FIRST_BLOCK, |b| (b.capacity() * 2).min(Self::BLOCK));
            if store.held + size > self.shard_budget {
                return made;
            }
            store.held += size;
            store.blocks.push(String::with_capacity(size));
        }
        let block = store.blocks.len() - 1;
        let b = &mut store.blocks[block];
        let start = b.len();
        b.push_str(&made);
        let end = b.len();
        store.at.insert(key, (block as u32, start as u32, end as u32));
        made
    }
}

/// A part of a Markdown text as plain text: what comes before the first heading (empty `id`
/// and `heading`), then each heading with the text up to the next one. For the search index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlainSection {
    /// The heading's id, the same one `heading_ids` reports and `to_html` writes.
    pub id: String,
    pub heading: String,
    pub text: String,
}

/// The plain text of `md` split at its headings (code blocks included: commands are searched).
pub fn plain_sections(md: &str) -> Vec<PlainSection> {
    let mut plain = Plain::default();
    if md.len() <= MAX_TEXT_BYTES {
        Parser::new_ext(md, options()).for_each(|e| plain.event(&e));
    }
    plain.finish()
}

/// [`to_html`] and [`plain_sections`] of one text from one parse: the render pass hands a page's
/// plain text to the search index, which would otherwise parse the page again.
pub fn to_html_and_plain(md: &str, opts: &RenderOptions<'_>, top_level: u8) -> (String, Vec<PlainSection>) {
    // The plain text is shorter than the Markdown; the heading ids are the render's.
    let mut plain = Plain { given_ids: true, ..Plain::default() };
    plain.text.reserve(md.len());
    if md.len() > MAX_TEXT_BYTES {
        return (to_html(md, opts, top_level), plain.finish());
    }
    let html = render_html(md, opts, top_level, Some(&mut plain));
    (html, plain.finish())
}

/// [`plain_sections`] while the events go by: the parser's own events, before `to_html` changes
/// any of them.
struct Plain {
    /// The sections (their texts are left empty until `finish`), each with where its text
    /// starts in `text`.
    out: Vec<(PlainSection, usize)>,
    /// The texts of every section, one after the other (one string grows, not one a section).
    text: String,
    /// The explicit id of the heading being read, while inside one.
    in_heading: Option<Option<String>>,
    /// The render gives each heading's id ([`Plain::heading_id`]), rather than `slugify`.
    given_ids: bool,
}

impl Default for Plain {
    fn default() -> Plain {
        Plain {
            out: vec![(PlainSection { id: String::new(), heading: String::new(), text: String::new() }, 0)],
            text: String::new(),
            in_heading: None,
            given_ids: false,
        }
    }
}

impl Plain {
    fn event(&mut self, event: &Event<'_>) {
        let out = &mut self.out;
        match event {
            Event::Start(Tag::Heading { id, .. }) => {
                self.in_heading = Some(id.as_ref().map(|i| i.to_string()));
                out.push((PlainSection { id: String::new(), heading: String::new(), text: String::new() }, 0));
            }
            Event::End(TagEnd::Heading(_)) => {
                if let (Some(id), Some((last, start))) = (self.in_heading.take(), out.last_mut()) {
                    let heading = last.heading.trim();
                    if heading.len() != last.heading.len() {
                        last.heading = heading.to_string();
                    }
                    last.id = match id {
                        Some(id) => id,
                        None if self.given_ids => String::new(),
                        None => slugify(&last.heading),
                    };
                    *start = self.text.len();
                }
            }
            Event::Text(t) | Event::Code(t) => {
                if self.in_heading.is_some() {
                    if let Some((last, _)) = out.last_mut() {
                        last.heading.push_str(t);
                    }
                } else {
                    self.text.push_str(t);
                }
            }
            // A space between blocks and lines (one: the text is trimmed of the rest).
            Event::SoftBreak | Event::HardBreak | Event::End(TagEnd::Paragraph | TagEnd::Item | TagEnd::TableCell)
                if self.in_heading.is_none() && !self.text.ends_with(' ') =>
            {
                self.text.push(' ');
            }
            _ => {}
        }
    }

    /// The id the render gave the heading just read.
    fn heading_id(&mut self, id: &str) {
        if let Some((last, _)) = self.out.last_mut() {
            id.clone_into(&mut last.id);
        }
    }

    fn finish(self) -> Vec<PlainSection> {
        let Plain { mut out, text, .. } = self;
        let ends: Vec<usize> = out.iter().skip(1).map(|(_, start)| *start).chain([text.len()]).collect();
        for ((section, start), end) in out.iter_mut().zip(ends) {
            section.text = text.get(*start..end).unwrap_or_default().trim().to_string();
        }
        out.into_iter().map(|(section, _)| section).collect()
    }
}

/// Whether `md` is one line that Markdown leaves as it is: no markup character, nothing at its
/// start that opens a block. Most titles are; they skip the parser (navigation shows many).
fn is_plain_line(md: &str) -> bool {
    // A table, not `MARKUP.contains`: that is a memchr call for every byte of the text.
    const MARKUP: [bool; 256] = {
        let mut table = [false; 256];
        let chars = b"\\`*_[]<>!&#~|{}'\"\n\r\t";
        let mut i = 0;
        while i < chars.len() {
            table[chars[i] as usize] = true;
            i += 1;
        }
        table
    };
    let first = md.bytes().next();
    !md.is_empty()
        && md.trim() == md
        && !first.is_some_and(|b| b.is_ascii_digit() || b"-+=".contains(&b))
        && !md.bytes().any(|b| MARKUP[usize::from(b)])
}

/// The plain text of `md`, for `<title>`, `aria-label` and the like.
pub fn to_plain(md: &str) -> String {
    if is_plain_line(md) {
        return md.to_string();
    }
    let mut out = String::new();
    for event in Parser::new_ext(md, options()) {
        match event {
            Event::Text(t) | Event::Code(t) => out.push_str(&t),
            Event::SoftBreak | Event::HardBreak => out.push(' '),
            Event::End(TagEnd::Paragraph) => out.push(' '),
            _ => {}
        }
    }
    out.trim().to_string()
}

fn shift(level: HeadingLevel, by: i16) -> HeadingLevel {
    let n = (level as i16 + by).clamp(1, 6);
    HeadingLevel::try_from(n as usize).unwrap_or(HeadingLevel::H6)
}

fn code_block(code: &str, lang: &str) -> String {
    let highlighted = if lang.is_empty() { None } else { crate::highlight::highlight(code, lang) };
    let class = if lang.is_empty() { String::new() } else { format!(" class=\"language-{}\"", escape(lang)) };
    match highlighted {
        // Long lines scroll sideways; `tabindex` lets keyboard users scroll them too.
        Some(html) => format!("<pre class=\"code hl\" tabindex=\"0\"><code{class}>{html}</code></pre>\n"),
        None => format!("<pre class=\"code\" tabindex=\"0\"><code{class}>{}</code></pre>\n", escape(code)),
    }
}

/// Escapes text for HTML element content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_memo_makes_a_text_once_per_form_and_keeps_only_what_it_may_within_its_budget() {
        let made = std::cell::Cell::new(0);
        let make = |out: &str, keep: bool| {
            made.set(made.get() + 1);
            (out.to_string(), keep)
        };
        let memo = TextMemo::new(TextMemo::SHARDS * TextMemo::FIRST_BLOCK);
        assert_eq!(memo.get_or_make("**a**", 0, || make("<p>A</p>", true)), "<p>A</p>");
        assert_eq!(memo.get_or_make("**a**", 0, || make("other", true)), "<p>A</p>");
        assert_eq!(made.get(), 1, "the second time, the kept result");
        assert_eq!(memo.get_or_make("**a**", 1, || make("A", true)), "A", "another form is made apart");
        // A result that depends on where the text is met (a link) is made each time.
        assert_eq!(memo.get_or_make("[b](page:b)", 0, || make("1", false)), "1");
        assert_eq!(memo.get_or_make("[b](page:b)", 0, || make("2", false)), "2");
        // A long result is not kept.
        let long = "x".repeat(TextMemo::LARGEST + 1);
        memo.get_or_make("long", 0, || make(&long, true));
        assert_eq!(memo.get_or_make("long", 0, || make("again", true)), "again");
        // Nothing is kept past the budget.
        let none = TextMemo::new(0);
        none.get_or_make("**a**", 0, || make("<p>A</p>", true));
        assert_eq!(none.get_or_make("**a**", 0, || make("again", true)), "again");
    }

    #[test]
    fn has_mark_finds_what_is_mark_finds() {
        // Characters whose UTF-8 shares its first bytes with a mark's (`EE 80 8x`), alone and
        // around others.
        let near = ['\u{E000}', '\u{E001}', '\u{E002}', '\u{E003}', '\u{E004}', '\u{E03F}', '\u{E0C0}', '\u{E7FF}'];
        for c in near.into_iter().chain(['あ', 'a']) {
            for text in [c.to_string(), format!("設定{c}"), format!("{c}x"), format!("a\u{E080}{c}")] {
                assert_eq!(has_mark(&text), text.contains(is_mark), "{text:?}");
            }
        }
        assert!(!has_mark(""));
    }

    #[test]
    fn texts_the_scan_may_skip_have_nothing_to_scan() {
        let skipped = [
            "表示されたダイアログで「**テスト接続**」をクリックし、変更を確定します。\n",
            "In **Group name**, enter `proxy.example.local:8080`.",
            "Select *Accounts* > **Users**.",
            "- a list item with _emphasis_\r\n",
            &"*".repeat(80),
        ];
        for md in skipped {
            assert!(scan_finds_nothing(md), "{md}");
            assert!(scan(md).found_nothing(), "{md}");
        }
        let deep = ">".repeat(150);
        let scanned = [
            "See [the guide](page:guide).",
            "<https://example.com>",
            "# Title",
            "Title\n===",
            "two\nlines",
            deep.as_str(),
            "![image](x.png)",
        ];
        for md in scanned {
            assert!(!scan_finds_nothing(md), "{md}");
        }
        assert!(scan(&deep).limit.is_err(), "a line of 150 `>` nests too deep");
    }

    #[test]
    fn plain_lines_skip_the_parser_with_the_same_result() {
        let opts = RenderOptions { allow_html: false, marks: false, resolve: &|_, id, _| id.to_string() };
        for md in [
            "Sign in to VLSC",
            "VLSC サインイン",
            "Microsoft 365 (Office 365) のアカウント",
            "“Quoted” — dash; colon: ok?",
            "a.b/c,d(e)f",
        ] {
            assert!(is_plain_line(md), "{md}");
            let parsed: String = {
                let mut out = String::new();
                for event in Parser::new_ext(md, options()) {
                    if let Event::Text(t) = event {
                        out.push_str(&t);
                    }
                }
                out
            };
            assert_eq!(to_plain(md), parsed, "{md}");
            let html = to_html(md, &opts, 1);
            assert_eq!(format!("<p>{}</p>", to_inline_html(md, &opts)), html.trim_end(), "{md}");
        }
        for md in
            ["1. x", "- x", "# x", " x", "x  ", "**x**", "a\nb", "x &amp; y", "it's", "[x](y)", "`x`", "a_b", "=", "+x"]
        {
            assert!(!is_plain_line(md), "{md}");
        }
    }

    fn opts() -> RenderOptions<'static> {
        RenderOptions {
            allow_html: false,
            marks: false,
            resolve: &|k, id, f| format!("{}/{id}.html{}", k.name(), f.map(|f| format!("#{f}")).unwrap_or_default()),
        }
    }

    #[test]
    fn marks_become_elements_in_text_and_vanish_in_code() {
        let o = RenderOptions { marks: true, ..opts() };
        let md = format!(
            "Use {VARIES}*your* account{END_VARIES} and {REQUIRED}domain{END_REQUIRED}: `ping {VARIES}x{END_VARIES}`"
        );
        assert_eq!(
            to_html(&md, &o, 2),
            "<p>Use <em class=\"vd-param\"><em>your</em> account</em> and <var class=\"vd-param\">domain</var>: <code>ping x</code></p>\n"
        );
        let block = format!("```\nnslookup {VARIES}x{END_VARIES}\n```\n");
        assert!(!to_html(&block, &o, 2).contains(is_mark));
    }

    #[test]
    fn classifies_links() {
        assert_eq!(
            classify("procedure:sign-in#open"),
            LinkDest::Internal { kind: RefKind::Procedure, id: "sign-in", fragment: Some("open") }
        );
        assert_eq!(
            classify("page:contacts"),
            LinkDest::Internal { kind: RefKind::Page, id: "contacts", fragment: None }
        );
        assert_eq!(classify("https://x"), LinkDest::External);
        assert_eq!(classify("tel:+81120737565"), LinkDest::External);
        assert_eq!(classify("#top"), LinkDest::Fragment("top"));
        assert_eq!(classify("other.html"), LinkDest::Unsupported);
        assert_eq!(classify("procedures:x"), LinkDest::Unsupported);
    }

    #[test]
    fn rewrites_links_and_escapes_html() {
        let html = to_html("See [x](page:contacts#vlsc) <b>bold</b>", &opts(), 0);
        assert_eq!(html, "<p>See <a href=\"page/contacts.html#vlsc\">x</a> &lt;b&gt;bold&lt;/b&gt;</p>\n");
    }

    #[test]
    fn heading_ids_match_rendering() {
        let md = "## Phone numbers {#phones}\n\n## お問い合わせ 先\n";
        let ids: Vec<String> = heading_ids(md).into_iter().map(|(id, _)| id).collect();
        assert_eq!(ids, ["phones", "お問い合わせ-先"]);
        let html = to_html(md, &opts(), 2);
        assert!(html.contains("<h2 id=\"phones\">") && html.contains("<h2 id=\"お問い合わせ-先\">"), "{html}");
    }

    #[test]
    fn one_parse_gives_the_html_and_the_plain_sections_of_two() {
        let texts = [
            "",
            "Intro with **bold**, `code` and [a link](procedure:a#b).\n\n## First {#own-id}\n\nText\nmore.",
            "# Top\n\n- one\n- two\n\n### Deeper `x`\n\n```powershell\nGet-Item\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |",
            "Setext\n======\n\n<b>raw</b> text<br>\nline  \nbreak",
        ];
        for md in texts {
            let (html, plain) = to_html_and_plain(md, &opts(), 2);
            assert_eq!(html, to_html(md, &opts(), 2), "{md}");
            assert_eq!(plain, plain_sections(md), "{md}");
        }
        let (_, plain) = to_html_and_plain(texts[2], &opts(), 2);
        let headings: Vec<&str> = plain.iter().map(|s| s.heading.as_str()).collect();
        assert_eq!(headings, ["", "Top", "Deeper x"]);
        assert!(plain[2].text.contains("Get-Item"), "{plain:?}");
    }

    #[test]
    fn shifts_headings_to_the_top_level_without_gaps() {
        assert!(to_html("# a\n\n## b", &opts(), 2).starts_with("<h2"));
        assert!(to_html("# a\n\n## b", &opts(), 2).contains("<h3"));
        assert!(to_html("## a", &opts(), 2).starts_with("<h2"));
        assert!(to_html("### a\n\n#### b", &opts(), 2).starts_with("<h2"));
        assert!(to_html("### a\n\n#### b", &opts(), 2).contains("<h3"));
    }

    #[test]
    fn autolinks_are_marked() {
        assert_eq!(
            to_html("<https://a.example/x?y=1&z=2>", &opts(), 2),
            "<p><a class=\"vd-url\" href=\"https://a.example/x?y=1&amp;z=2\">https://a.example/x?y=1&amp;z=2</a></p>\n"
        );
        assert_eq!(links("<help@example.test>")[0].dest, "mailto:help@example.test");
        assert!(to_html("<help@example.test>", &opts(), 2).contains("href=\"mailto:help@example.test\""));
        assert!(to_html("[t](https://a.example/)", &opts(), 2).contains("<a href=\"https://a.example/\">t</a>"));
    }

    #[test]
    fn heading_attributes_keep_only_id_and_plain_classes_without_html() {
        let check = |md: &str, allow_html: bool, want: &str| {
            let o = RenderOptions { allow_html, ..opts() };
            assert_eq!(to_html(md, &o, 2), want, "{md} (allow-html = {allow_html})");
        };
        check("## Hi {onclick=alert(1)}", false, "<h2 id=\"hi\">Hi</h2>\n");
        check("## Hi {#x .note onmouseover=alert(1)}", false, "<h2 id=\"x\" class=\"note\">Hi</h2>\n");
        check("## Hi {.a .b\"c}", false, "<h2 id=\"hi\" class=\"a\">Hi</h2>\n");
        check("## Hi {#x data-k=v}", true, "<h2 id=\"x\" data-k=\"v\">Hi</h2>\n");
    }

    #[test]
    fn internal_autolinks_are_resolved() {
        assert_eq!(
            to_html("<procedure:sign-in#open>", &opts(), 2),
            "<p><a href=\"procedure/sign-in.html#open\">procedure:sign-in#open</a></p>\n"
        );
        assert!(to_html("<page:contacts>", &opts(), 2).contains("href=\"page/contacts.html\""));
    }

    #[test]
    fn limits_refuse_long_and_deeply_nested_texts() {
        let deep = |r: Result<(), Limit>| matches!(r, Err(Limit::TooDeep(_)));
        assert_eq!(check_limits(&"[".repeat(MAX_TEXT_BYTES + 1)), Err(Limit::TooLong(MAX_TEXT_BYTES + 1)));
        assert!(deep(check_limits(&"> ".repeat(2_500))));
        assert!(deep(check_limits(&("- ".repeat(2_000) + "x"))));
        assert!(deep(check_limits(&format!("{}x{}", "*".repeat(5_000), "*".repeat(5_000)))));
        assert!(deep(check_limits(&"<div>".repeat(MAX_NESTING + 1))));
        // The deepest text the size allows is refused without exhausting a 2 MiB test thread.
        assert!(deep(check_limits(&">".repeat(MAX_TEXT_BYTES))));
        // The error points at the first element too deep.
        assert_eq!(check_limits(&">".repeat(MAX_NESTING + 5)), Err(Limit::TooDeep(MAX_NESTING..MAX_NESTING + 5)));
        for ok in [
            "> ".repeat(40),
            "- a\n  - b\n    - *c **d***".to_string(),
            "<br><li>".repeat(MAX_NESTING * 2),
            "<div></div><img/>".repeat(MAX_NESTING * 2),
            "[".repeat(MAX_TEXT_BYTES),
        ] {
            assert_eq!(check_limits(&ok), Ok(()), "{}", &ok[..ok.len().min(40)]);
        }
    }

    #[test]
    fn inline_and_plain() {
        assert_eq!(to_inline_html("**a** b", &opts()), "<strong>a</strong> b");
        assert_eq!(to_plain("**a** `b`"), "a b");
    }
}
