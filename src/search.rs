//! Offline search: the text normalizer and tokenizer shared (rule for rule) with
//! `themes/default/static/search.js`, and the per-language index written at build time.
//!
//! The same rules run on both sides, so an index term and a query term meet whenever the reader
//! typed any part of the text: NFKC (full-width `ＴＸＴ` → `txt`, half-width `ｶﾀｶﾅ` → `カタカナ`),
//! lower case, long-vowel marks and middle dots dropped (`サーバー` = `サーバ`, `ワッフル・メニュー`
//! = `ワッフルメニュー`); Japanese and Chinese characters as overlapping character bigrams (so any
//! substring of two or more characters is found without a dictionary), other letters and digits
//! as words, English words stemmed (`records` → `record`, `signing` → `sign`) and stop words
//! left out.

use std::borrow::Cow;
use unicode_normalization::UnicodeNormalization;

pub mod index;

pub use index::index_files;

/// Characters dropped by normalization: long-vowel marks and middle dots (after NFKC, which maps
/// their half-width forms onto these), written or left out at will in Japanese loanwords.
fn is_dropped(c: char) -> bool {
    matches!(c, '\u{30FC}' | '\u{30FB}' | '\u{00B7}')
}

/// Whether `c` is read as part of a Japanese or Chinese run (indexed as character bigrams):
/// kana, the iteration and closing marks, and CJK ideographs. search.js has the same ranges.
pub fn is_cjk(c: char) -> bool {
    // Kana and the common ideographs first: nearly every Japanese character is one.
    if matches!(c, '\u{3040}'..='\u{30FF}' | '\u{4E00}'..='\u{9FFF}') {
        return true;
    }
    matches!(c,
        '\u{3005}'..='\u{3007}'
        | '\u{3040}'..='\u{309F}'
        | '\u{30A0}'..='\u{30FF}'
        | '\u{31F0}'..='\u{31FF}'
        | '\u{3400}'..='\u{4DBF}'
        | '\u{4E00}'..='\u{9FFF}'
        | '\u{F900}'..='\u{FAFF}'
        | '\u{20000}'..='\u{2FFFF}')
}

/// Whether `c` is part of a word (any other letter or digit).
fn is_word(c: char) -> bool {
    // ASCII first: the Unicode tables are slow, and Japanese text would consult them for every
    // character.
    if c.is_ascii() {
        c.is_ascii_alphanumeric()
    } else {
        // Japanese punctuation (、。「」…) is not, and is common enough to be told apart first.
        !is_cjk(c) && !is_cjk_punctuation(c) && c.is_alphanumeric()
    }
}

/// The characters of the CJK symbols and punctuation block that are neither letters nor digits
/// (and have no case): 、。「」【】〜 and the like.
fn is_cjk_punctuation(c: char) -> bool {
    matches!(c, '\u{3000}'..='\u{3004}' | '\u{3008}'..='\u{3020}' | '\u{3030}' | '\u{3036}'..='\u{3037}' | '\u{303D}'..='\u{303F}')
}

/// Text as both sides compare it: NFKC, lower case, long-vowel marks and middle dots dropped.
pub fn normalize(text: &str) -> String {
    if text.is_ascii() {
        return text.to_ascii_lowercase();
    }
    // Nearly all text is ASCII, kana and ideographs, which NFKC leaves as they are: one pass,
    // without the normalization tables, unless another character turns up.
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if !c.is_ascii() && !is_stable_japanese(c) {
            out.clear();
            return normalize_any(text, out);
        }
        push_folded(&mut out, c);
    }
    out
}

/// Kana, the long-vowel mark, ideographs and the commonest Japanese punctuation: characters that
/// NFKC never changes and that never combine with what follows.
fn is_stable_japanese(c: char) -> bool {
    matches!(c, '\u{3041}'..='\u{3096}' | '\u{30A1}'..='\u{30FA}' | '\u{30FC}' | '\u{4E00}'..='\u{9FFF}' | '\u{3001}' | '\u{3002}' | '\u{300C}'..='\u{300F}')
}

/// [`normalize`] for any text.
fn normalize_any(text: &str, mut out: String) -> String {
    // Most text is already in NFKC: the quick check is far cheaper than normalizing.
    if unicode_normalization::is_nfkc_quick(text.chars()) == unicode_normalization::IsNormalized::Yes {
        text.chars().for_each(|c| push_folded(&mut out, c));
    } else {
        text.nfkc().for_each(|c| push_folded(&mut out, c));
    }
    out
}

/// Appends `c` (already in NFKC) lower-cased, unless it is a dropped mark.
fn push_folded(out: &mut String, c: char) {
    // ASCII and Japanese (no case) skip the case table: they are nearly all of the text.
    if c.is_ascii() {
        out.push(c.to_ascii_lowercase());
    } else if is_cjk(c) {
        if !is_dropped(c) {
            out.push(c);
        }
    } else if is_cjk_punctuation(c) {
        out.push(c);
    } else {
        out.extend(c.to_lowercase().filter(|c| !is_dropped(*c)));
    }
}

/// English words that would match nearly every text; neither indexed nor searched for.
/// search.js has the same list.
pub fn is_stop_word(word: &str) -> bool {
    matches!(
        word,
        "a" | "an"
            | "and"
            | "are"
            | "as"
            | "at"
            | "be"
            | "by"
            | "can"
            | "do"
            | "does"
            | "for"
            | "from"
            | "how"
            | "if"
            | "in"
            | "into"
            | "is"
            | "it"
            | "its"
            | "of"
            | "on"
            | "or"
            | "that"
            | "the"
            | "then"
            | "this"
            | "to"
            | "was"
            | "were"
            | "what"
            | "when"
            | "which"
            | "will"
            | "with"
            | "you"
            | "your"
    )
}

/// A light English stemmer: plural `-s`/`-es`/`-ies`, then `-ing`/`-ed` (undoubling a final
/// consonant), then a final `-e`; stems stay at least three letters. Only ASCII words change.
/// Every rule but `-ies` → `-y` only shortens the word, so most words are not copied.
pub fn stem(word: &str) -> Cow<'_, str> {
    // Every rule needs the word to end in `s`, `d`, `g` or `e` (most words do not: they are
    // left as they are at once).
    if word.len() <= 3
        || !matches!(word.as_bytes().last(), Some(b's' | b'd' | b'g' | b'e'))
        || !word.bytes().all(|b| b.is_ascii_lowercase())
    {
        return Cow::Borrowed(word);
    }
    if word.len() > 4 && (word.ends_with("ies") || word.ends_with("ied")) {
        return Cow::Owned(format!("{}y", &word[..word.len() - 3]));
    }
    let mut w = word;
    if w.ends_with("sses") {
        w = &w[..w.len() - 2];
    } else if w.ends_with('s') && !w.ends_with("ss") && !w.ends_with("us") && !w.ends_with("is") {
        w = &w[..w.len() - 1];
    }
    for suffix in ["ing", "ed"] {
        if w.ends_with(suffix) && w.len() - suffix.len() >= 3 {
            w = &w[..w.len() - suffix.len()];
            let b = w.as_bytes();
            let n = b.len();
            if n >= 4 && b[n - 1] == b[n - 2] && b"bdgmnprt".contains(&b[n - 1]) {
                w = &w[..n - 1];
            }
            break;
        }
    }
    if w.ends_with('e') && w.len() > 3 {
        w = &w[..w.len() - 1];
    }
    Cow::Borrowed(w)
}

/// Calls `emit` with every index term of already normalized text, in order: each word (stop
/// words left out, stemmed), each character bigram of a Japanese run (a run of one character is
/// its own term).
pub fn terms(normalized: &str, mut emit: impl FnMut(&str)) {
    tokens(normalized, |token| {
        if let Some(term) = term_of(token) {
            emit(&term);
        }
    });
}

/// The index term of a token of [`tokens`]: a word stemmed, `None` for a stop word; a Japanese
/// term as it is (neither rule changes one).
pub fn term_of(token: &str) -> Option<Cow<'_, str>> {
    (!is_stop_word(token)).then(|| stem(token))
}

/// Calls `emit` with every token of already normalized text, in order: each word as it is, each
/// character bigram of a Japanese run (a run of one character is its own token). [`term_of`]
/// makes them the index terms; the index does it once for each token, not each occurrence.
pub fn tokens(normalized: &str, mut emit: impl FnMut(&str)) {
    // Where the word being read starts; the Japanese run being read: where it starts, where its
    // last character starts, and whether it has more than one. One pass, each character
    // classified once (ASCII first: it needs no table).
    let mut word: Option<usize> = None;
    let mut run: Option<(usize, usize, bool)> = None;
    macro_rules! end_word {
        ($at:expr) => {
            if let Some(start) = word.take() {
                emit(&normalized[start..$at]);
            }
        };
    }
    // A run of one character is its own term; longer runs emitted their bigrams as they went.
    macro_rules! end_run {
        ($at:expr) => {
            if let Some((start, _, false)) = run.take() {
                emit(&normalized[start..$at]);
            }
        };
    }
    for (i, c) in normalized.char_indices() {
        if !c.is_ascii() && is_cjk(c) {
            end_word!(i);
            match run.as_mut() {
                // Each character after the first closes the bigram that began one character back.
                Some((_, previous, more)) => {
                    emit(&normalized[*previous..i + c.len_utf8()]);
                    *previous = i;
                    *more = true;
                }
                None => run = Some((i, i, false)),
            }
            continue;
        }
        end_run!(i);
        if is_word(c) {
            word.get_or_insert(i);
        } else {
            end_word!(i);
        }
    }
    end_run!(normalized.len());
    end_word!(normalized.len());
}

/// A term of a query: search.js looks up each one; `prefix` terms (the last word being typed)
/// match every index term that starts with them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryTerm {
    pub term: String,
    pub prefix: bool,
}

/// The terms search.js looks up for `query`: the words and the bigrams of the index rules, a
/// Japanese run covered by every other bigram (and its last), the last word as a prefix.
pub fn query_terms(query: &str) -> Vec<QueryTerm> {
    let normalized = normalize(query);
    let mut out: Vec<QueryTerm> = Vec::new();
    let mut push = |term: &str, prefix: bool| {
        if !out.iter().any(|t| t.term == term) {
            out.push(QueryTerm { term: term.to_string(), prefix });
        }
    };
    let runs = runs(&normalized);
    let last_word = runs.iter().rposition(|(_, cjk)| !cjk);
    for (i, (run, cjk)) in runs.iter().enumerate() {
        if *cjk {
            let chars: Vec<char> = run.chars().collect();
            if chars.len() == 1 {
                push(run, false);
                continue;
            }
            let mut at = 0;
            while at + 1 < chars.len() {
                push(&chars[at..at + 2].iter().collect::<String>(), false);
                at += 2;
            }
            if chars.len() % 2 == 1 {
                push(&chars[chars.len() - 2..].iter().collect::<String>(), false);
            }
        } else if !is_stop_word(run) {
            push(&stem(run), Some(i) == last_word && run.chars().count() >= 2);
        }
    }
    out
}

/// The word and Japanese runs of normalized text, in order (`true` for Japanese).
fn runs(normalized: &str) -> Vec<(&str, bool)> {
    let mut out = Vec::new();
    let mut start: Option<(usize, bool)> = None;
    for (i, c) in normalized.char_indices() {
        let kind = if is_cjk(c) {
            Some(true)
        } else if is_word(c) {
            Some(false)
        } else {
            None
        };
        if let Some((s, k)) = start
            && kind != Some(k)
        {
            out.push((&normalized[s..i], k));
            start = None;
        }
        if let (None, Some(k)) = (start, kind) {
            start = Some((i, k));
        }
    }
    if let Some((s, k)) = start {
        out.push((&normalized[s..], k));
    }
    out
}

/// The shard holding `term`: FNV-1a over the UTF-16 code units of its first two characters,
/// modulo the number of shards. Terms sharing their first two characters share a shard, so a
/// prefix of two or more characters is looked up in one shard. search.js computes the same.
pub fn shard_of(term: &str, shards: u32) -> u32 {
    shard_hash(term) % shards.max(1)
}

/// The hash [`shard_of`] takes modulo the number of shards.
pub fn shard_hash(term: &str) -> u32 {
    let mut hash: u32 = 0x811c_9dc5;
    let mut units = [0u16; 2];
    for c in term.chars().take(2) {
        for u in c.encode_utf16(&mut units) {
            hash = (hash ^ u32::from(*u)).wrapping_mul(0x0100_0193);
        }
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_terms(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        terms(&normalize(text), |t| out.push(t.to_string()));
        out
    }

    fn query(q: &str) -> Vec<(String, bool)> {
        query_terms(q).into_iter().map(|t| (t.term, t.prefix)).collect()
    }

    #[test]
    fn japanese_punctuation_is_told_apart_as_the_unicode_tables_would() {
        for c in ('\u{3000}'..='\u{303F}').chain(['a', 'é', 'Ж', '1', '١', '漢', 'カ', '・', '-']) {
            assert_eq!(is_word(c), !is_cjk(c) && c.is_alphanumeric(), "{c:?} U+{:04X}", c as u32);
            if is_cjk_punctuation(c) {
                assert!(!c.is_alphanumeric() && c.to_lowercase().eq([c]), "{c:?}");
            }
        }
    }

    #[test]
    fn the_one_pass_for_japanese_agrees_with_full_normalization() {
        for text in [
            "セキュリティの既定値群を有効にする",
            "「サーバー」を選択します。",
            "か\u{3099}",   // a combining voiced mark: NFKC composes が
            "ｶﾀｶﾅとＴＸＴ", // half- and full-width forms
            "ワッフル・メニュー",
            "ヿ", // the koto digraph, which NFKC spells out
            "Azure Active Directory の管理センター",
            "\u{3000}全角スペース",
        ] {
            assert_eq!(normalize(text), normalize_any(text, String::new()), "{text}");
        }
        assert_eq!(normalize("か\u{3099}"), "が");
        assert_eq!(normalize("ヿ"), "コト");
    }

    #[test]
    fn normalizes_width_case_long_vowels_and_middle_dots() {
        for (a, b) in [
            ("ＴＸＴ レコード", "txt レコド"),
            ("TXT", "txt"),
            ("ｶﾀｶﾅ", "カタカナ"),
            ("ｻｰﾊﾞｰ", "サバ"),
            ("サーバー", "サバ"),
            ("ワッフル・メニュー", "ワッフルメニュ"),
            ("ﾜｯﾌﾙ･ﾒﾆｭｰ", "ワッフルメニュ"),
            ("Azure Active Directory", "azure active directory"),
            ("１２３", "123"),
        ] {
            assert_eq!(normalize(a), b, "{a}");
        }
    }

    #[test]
    fn japanese_is_read_as_bigrams() {
        assert_eq!(all_terms("既定値群"), ["既定", "定値", "値群"]);
        assert_eq!(all_terms("年"), ["年"]);
        // Every substring of two or more characters is covered by the index terms.
        let text = all_terms("セキュリティの既定値群の管理");
        for q in ["既定値", "セキュリティ", "の管理", "既定"] {
            for t in query_terms(q) {
                assert!(text.contains(&t.term), "{q}: {} not in {text:?}", t.term);
            }
        }
    }

    #[test]
    fn a_japanese_token_is_its_own_term() {
        let mut tokens = Vec::new();
        super::tokens(&normalize("セキュリティの既定値群、年。ｶﾀｶﾅ 𠀋 を有効にする"), |t| tokens.push(t.to_string()));
        assert!(tokens.len() > 10, "{tokens:?}");
        for token in tokens {
            assert_eq!(term_of(&token).as_deref(), Some(token.as_str()));
        }
        assert_eq!(term_of("records").as_deref(), Some("record"));
        assert_eq!(term_of("the"), None);
    }

    #[test]
    fn english_is_case_folded_stemmed_and_stop_words_dropped() {
        assert_eq!(all_terms("Register the TXT records"), ["register", "txt", "record"]);
        assert_eq!(all_terms("a TXT record"), ["txt", "record"]);
        assert_eq!(all_terms("Signing in"), ["sign"]);
        for (a, b) in [
            ("records", "record"),
            ("recorded", "record"),
            ("signs", "sign"),
            ("signed", "sign"),
            ("settings", "set"),
            ("policies", "policy"),
            ("verified", "verify"),
            ("addresses", "address"),
            ("configure", "configur"),
            ("configuring", "configur"),
            ("access", "access"),
            ("status", "status"),
            ("dns", "dns"),
            ("adding", "add"),
        ] {
            assert_eq!(stem(a), b, "{a}");
        }
    }

    #[test]
    fn mixed_text_splits_at_script_changes() {
        assert_eq!(all_terms("TXT レコードの登録"), ["txt", "レコ", "コド", "ドの", "の登", "登録"]);
        assert_eq!(all_terms("`@xxxx.onmicrosoft.com` のアカウント")[..3], ["xxxx", "onmicrosoft", "com"]);
        assert_eq!(all_terms("2021年9月"), ["2021", "年", "9", "月"]);
        assert_eq!(all_terms("Microsoft365管理センター")[..2], ["microsoft365", "管理"]);
    }

    #[test]
    fn queries_use_the_same_rules_as_the_index() {
        assert_eq!(query("ＴＸＴ"), [("txt".to_string(), true)]);
        assert_eq!(query("TXT record"), [("txt".to_string(), false), ("record".to_string(), true)]);
        assert_eq!(query("records"), [("record".to_string(), true)]);
        assert_eq!(query("既定値"), [("既定".to_string(), false), ("定値".to_string(), false)]);
        assert_eq!(
            query("セキュリティ"),
            [("セキ", false), ("ュリ", false), ("ティ", false)].map(|(t, p)| (t.to_string(), p))
        );
        assert_eq!(query("onmicrosoft"), [("onmicrosoft".to_string(), true)]);
        assert_eq!(query("the"), []);
        assert_eq!(query("ｻｰﾊﾞｰ"), query("サーバ"));
    }

    #[test]
    fn shards_follow_the_first_two_characters() {
        assert_eq!(shard_of("record", 97), shard_of("re", 97));
        assert_eq!(shard_of("既定", 97), shard_of("既定値", 97));
        assert_eq!(shard_of("anything", 1), 0);
        // The values search.js computes for the same input (FNV-1a over UTF-16 units, the
        // supplementary character as two units).
        assert_eq!(shard_of("tx", u32::MAX), 0x5145_5fc1);
        assert_eq!(shard_of("既定値", 97), 62);
        assert_eq!(shard_of("𠀋x", 1000), 500);
    }
}
