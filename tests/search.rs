//! The search index as the build writes it: one set of files per language holding only that
//! language's text, turned off by `[search] enabled = false`, and on a large site split into
//! shards so that a query loads only the shards its terms name.

mod common;

use common::{build_ok, bundled_guide, read_tree};
use std::collections::BTreeMap;
use std::path::Path;
use vlsc_docs::search::{query_terms, shard_of};

/// The JSON payload of an index script: `__vdSearch("name",PAYLOAD);`.
fn payload(js: &[u8], name: &str) -> serde_json::Value {
    let js = String::from_utf8_lossy(js);
    let prefix = format!("__vdSearch(\"{name}\",");
    let body = js
        .trim_end()
        .strip_prefix(&prefix)
        .and_then(|s| s.strip_suffix(");"))
        .unwrap_or_else(|| panic!("{name}.js is not a __vdSearch call: {}", &js[..js.len().min(80)]));
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{name}.js: {e}"))
}

/// The index files of one language: name (`meta`, `s0`, `d0`, …) → contents. Every file but
/// meta.js is named `<name>.<hash>.js`, with the hash meta.js lists for it (`chunkHashes`,
/// `shardHashes`: eight hex digits each), which is its content's: checked here.
fn index(files: &BTreeMap<String, Vec<u8>>, lang: &str) -> BTreeMap<String, Vec<u8>> {
    let dir = format!("assets/search/{lang}/");
    let meta_js = files.get(&format!("{dir}meta.js")).unwrap_or_else(|| panic!("{dir}meta.js is missing"));
    let meta = payload(meta_js, "meta");
    let listed =
        |key: &str| meta[key].as_str().unwrap_or_else(|| panic!("{lang}: meta has no {key}: {meta}")).to_string();
    let (chunk_hashes, shard_hashes) = (listed("chunkHashes"), listed("shardHashes"));
    let mut out = BTreeMap::from([("meta".to_string(), meta_js.clone())]);
    for (path, contents) in files.iter().filter(|(k, _)| k.starts_with(&dir) && !k.ends_with("/meta.js")) {
        let file = &path[dir.len()..];
        let (name, hash) = file
            .strip_suffix(".js")
            .and_then(|f| f.split_once('.'))
            .unwrap_or_else(|| panic!("{path} is not named <name>.<hash>.js"));
        let hashes = if name.starts_with('d') { &chunk_hashes } else { &shard_hashes };
        let n: usize = name[1..].parse().unwrap_or_else(|e| panic!("{path}: {e}"));
        assert_eq!(hashes.get(n * 8..n * 8 + 8), Some(hash), "{path}: meta.js lists another hash");
        let own = format!("{:08x}", xxhash_rust::xxh3::xxh3_64(contents) as u32);
        assert_eq!(hash, own, "{path} is not named by its content's hash");
        out.insert(name.to_string(), contents.clone());
    }
    let count = |prefix: char| out.keys().filter(|k| k.starts_with(prefix)).count();
    assert_eq!(count('d') * 8, chunk_hashes.len(), "{lang}: a chunk meta.js lists is missing, or one more");
    assert_eq!(count('s') * 8, shard_hashes.len(), "{lang}: a shard meta.js lists is missing, or one more");
    assert_eq!(Some(count('s') as u64), meta["shards"].as_u64(), "{lang}: {meta}");
    out
}

/// The entries of a document chunk, each as `[href, page title, step or heading, text]`: a
/// document of the same page as the full entry before it is written `["#anchor", step or
/// heading, text]`, and takes that entry's page and title.
fn entries(chunk: &serde_json::Value) -> Vec<serde_json::Value> {
    let mut full: Option<serde_json::Value> = None;
    let list = chunk.as_array().unwrap_or_else(|| panic!("a chunk is an array: {chunk}"));
    list.iter()
        .map(|e| match e.as_array().map(Vec::len) {
            Some(4) => {
                full = Some(e.clone());
                e.clone()
            }
            Some(3) => {
                let page = full.as_ref().unwrap_or_else(|| panic!("a short entry first in its chunk: {e}"));
                let anchor = e[0].as_str().unwrap_or_else(|| panic!("{e}"));
                assert!(anchor.starts_with('#'), "a short entry's href is an anchor: {e}");
                let href = page[0].as_str().unwrap_or("").split('#').next().unwrap_or("");
                serde_json::json!([format!("{href}{anchor}"), page[1], e[1], e[2]])
            }
            _ => panic!("an entry has 4 or 3 fields: {e}"),
        })
        .collect()
}

/// The numbers of a term's postings, read as the format says (ARCHITECTURE.md, `search`): digits of
/// `A–Z a–z 0–9 - _` worth 0–63, five bits each, the lowest first; a digit worth 32 or more says
/// another follows.
fn numbers(postings: &serde_json::Value) -> Vec<u64> {
    const DIGITS: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let text = postings.as_str().unwrap_or_else(|| panic!("postings are a string: {postings}"));
    let mut out = Vec::new();
    let (mut n, mut scale) = (0u64, 1u64);
    for c in text.chars() {
        let v = DIGITS.find(c).unwrap_or_else(|| panic!("`{c}` is not a digit of the postings {text}")) as u64;
        n += (v % 32) * scale;
        scale *= 32;
        if v < 32 {
            out.push(n);
            (n, scale) = (0, 1);
        }
    }
    assert_eq!(scale, 1, "the postings end inside a number: {text}");
    assert_eq!(out.len() % 2, 0, "the postings are pairs: {text}");
    out
}

#[test]
fn each_language_has_its_own_index_with_only_its_own_text() {
    let site = common::bundled_guide();
    let files = read_tree(&build_ok(site.path()));
    assert!(files.contains_key("assets/search.js"));
    let ja = index(&files, "ja");
    let en = index(&files, "en");
    for (lang, idx) in [("ja", &ja), ("en", &en)] {
        for name in ["meta", "s0", "d0"] {
            assert!(idx.contains_key(name), "assets/search/{lang}/{name}.js is missing");
        }
        let meta = payload(&idx["meta"], "meta");
        assert!(meta["docs"].as_u64().is_some_and(|n| n > 20), "{lang}: {meta}");
        // search.js's messages, in the language, but for the one shown while meta.js loads.
        for key in ["results", "one", "none", "shown", "other", "outdated"] {
            assert!(meta["ui"][key].as_str().is_some_and(|m| !m.is_empty()), "{lang}: no message {key}: {meta}");
        }
        assert!(meta["ui"]["results"].as_str().is_some_and(|m| m.contains("{n}")), "{lang}: {meta}");
    }
    assert_eq!(payload(&en["meta"], "meta")["ui"]["none"], "No results for “{q}”");
    assert_eq!(payload(&ja["meta"], "meta")["ui"]["none"], "「{q}」に一致する結果はありません");
    // Japanese-only texts are not in the English index (the English texts quote one Japanese
    // screen message, which is English content and stays).
    let en_all: String = en.values().map(|v| String::from_utf8_lossy(v).to_lowercase()).collect();
    for text in ["多要素認証", "既定値", "職場アカウント", "\"既定\"", "\"手順 1\"", "管理者になるための手順"]
    {
        assert!(!en_all.contains(text), "the English index holds the Japanese {text}");
    }
    // Words that only the English texts use are not in the Japanese index.
    let ja_all: String = ja.values().map(|v| String::from_utf8_lossy(v).to_lowercase()).collect();
    for word in ["\"step 1\"", "multifactor", "waffle", "security defaults", "\"click\"", "\"record\""] {
        assert!(en_all.contains(word), "the English index should hold {word}");
        assert!(!ja_all.contains(word), "the Japanese index holds the English {word}");
    }
    for term in ["\"既定\"", "\"定値\"", "\"txt\"", "\"onmicrosoft\""] {
        assert!(ja_all.contains(term), "the Japanese index should hold {term}");
    }
    // Every page carries the (hidden until the script makes and shows it) search box, with its
    // label and placeholder in the page's language, and the script.
    let home = String::from_utf8_lossy(&files["ja/index.html"]).into_owned();
    assert!(home.contains("class=vd-search") && home.contains("search/ja/"), "no search box on ja/index.html");
    assert!(home.contains("data-label=このガイドを検索"), "no search label on ja/index.html");
    assert!(home.contains("data-placeholder=\"検索 ( / キー)\""), "no search placeholder on ja/index.html");
    let script = home.split("assets/search.").nth(1).and_then(|rest| rest.split_once(".js")).map(|(v, _)| v);
    assert!(
        script.is_some_and(|v| v.len() == 8 && v.bytes().all(|b| b.is_ascii_hexdigit())),
        "ja/index.html does not load search.js by its fingerprinted name"
    );
    // The page carries the message shown while meta.js loads; the others are in meta.js only.
    assert!(home.contains("data-loading=検索しています…"), "no loading message on ja/index.html");
    assert!(!home.contains("data-none") && !home.contains("に一致する"), "ja/index.html carries meta.js's messages");
}

#[test]
fn the_index_version_changes_with_any_file_of_the_index_and_only_then() {
    // search.js compares `meta.id` to tell that a deploy replaced the index: the id must change
    // when a document's text does, even where no term does (a snippet), and stay when nothing in
    // the index changes. Each file is named by its content (checked by `index`): the chunk that
    // changed gets another name, and every other file keeps its own.
    let site = common::bundled_guide();
    let id = |files: &BTreeMap<String, Vec<u8>>, lang: &str| -> String {
        let meta = payload(&index(files, lang)["meta"], "meta");
        meta["id"].as_str().unwrap_or_else(|| panic!("{lang}: meta has no id: {meta}")).to_string()
    };
    let first = read_tree(&build_ok(site.path()));
    assert_eq!(id(&first, "ja").len(), 16);
    assert_ne!(id(&first, "ja"), id(&first, "en"));
    let again = read_tree(&build_ok(site.path()));
    assert_eq!((id(&first, "ja"), id(&first, "en")), (id(&again, "ja"), id(&again, "en")));
    // One punctuation mark more in an English step: the same terms, another snippet.
    let path = site.path().join("content/procedures/sign-in-vlsc.toml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{e}"));
    let changed = text.replacen("en = \"", "en = \"¡", 1);
    assert_ne!(changed, text);
    std::fs::write(&path, changed).unwrap_or_else(|e| panic!("{e}"));
    let after = read_tree(&build_ok(site.path()));
    assert_eq!(id(&first, "ja"), id(&after, "ja"), "the Japanese index did not change");
    assert_ne!(id(&first, "en"), id(&after, "en"), "the English index changed");
    let shards = |files: &BTreeMap<String, Vec<u8>>| -> Vec<Vec<u8>> {
        index(files, "en").into_iter().filter(|(k, _)| k.starts_with('s')).map(|(_, v)| v).collect()
    };
    assert_eq!(shards(&first), shards(&after), "only a document chunk changed");
    let names = |files: &BTreeMap<String, Vec<u8>>| -> std::collections::BTreeSet<String> {
        files.keys().filter(|k| k.starts_with("assets/search/en/")).cloned().collect()
    };
    let (before, now) = (names(&first), names(&after));
    let gone: Vec<_> = before.difference(&now).collect();
    let new: Vec<_> = now.difference(&before).collect();
    assert_eq!(gone.len(), 1, "one chunk renamed: {gone:?} → {new:?}");
    assert_eq!(new.len(), 1, "one chunk renamed: {gone:?} → {new:?}");
    assert!(gone[0].contains("/d") && new[0].contains("/d"), "a chunk, not a shard: {gone:?} → {new:?}");
}

#[test]
fn search_can_be_turned_off() {
    let site = common::bundled_guide();
    let book = site.path().join("book.toml");
    let mut text = std::fs::read_to_string(&book).unwrap_or_else(|e| panic!("{e}"));
    text.push_str("\n[search]\nenabled = false\n");
    std::fs::write(&book, text).unwrap_or_else(|e| panic!("{e}"));
    let files = read_tree(&build_ok(site.path()));
    assert!(!files.keys().any(|k| k.starts_with("assets/search")), "index or script written");
    for (path, html) in files.iter().filter(|(k, _)| k.ends_with(".html")) {
        let html = String::from_utf8_lossy(html);
        assert!(!html.contains("vd-search"), "{path} has a search box");
    }
}

/// A site of `n` pages per language, each with headings and text from a shared vocabulary, a
/// word and a Japanese phrase only it has.
fn large_site(root: &Path, n: usize) {
    std::fs::write(
        root.join("book.toml"),
        "[book]\ntitle = { ja = \"大きなサイト\", en = \"Large site\" }\nlanguages = [\"ja\", \"en\"]\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let dir = root.join("content/pages");
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let kanji: Vec<char> =
        "設定管理画面表示確認登録削除変更追加選択入力保存開始終了接続認証証明書更新検索".chars().collect();
    let words = ["network", "printer", "account", "password", "settings", "device", "update", "policy", "server"];
    let mut seed: u64 = 7;
    let mut next = |m: usize| {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        usize::try_from(seed >> 33).unwrap_or(0) % m
    };
    for i in 0..n {
        let mut ja = format!("+++\ntitle = \"ページ {i}\"\n+++\n固有{}語{} を確認します。\n", i % 97, i);
        let mut en = format!("+++\ntitle = \"Page {i}\"\n+++\nThe unique marker{i} is here.\n");
        for h in 0..3 {
            ja.push_str(&format!("\n## 見出し {h}\n\n"));
            en.push_str(&format!("\n## Heading {h}\n\n"));
            for _ in 0..12 {
                let phrase: String = (0..6).map(|_| kanji[next(kanji.len())]).collect();
                ja.push_str(&format!("{phrase}を{}します。", kanji[next(kanji.len())]));
                en.push_str(&format!(
                    "Open the {} {}{} screen. ",
                    words[next(words.len())],
                    words[next(words.len())],
                    next(500)
                ));
            }
            ja.push('\n');
            en.push('\n');
        }
        std::fs::write(dir.join(format!("p{i:04}.ja.md")), ja).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(dir.join(format!("p{i:04}.en.md")), en).unwrap_or_else(|e| panic!("{e}"));
    }
}

#[test]
fn a_large_index_is_sharded_and_a_query_needs_only_its_shards() {
    let site = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    large_site(site.path(), 3600);
    let files = read_tree(&build_ok(site.path()));
    for (lang, query, page) in [("en", "marker1021", "p1021.html"), ("ja", "確認します", "")] {
        let idx = index(&files, lang);
        let meta = payload(&idx["meta"], "meta");
        let shards = u32::try_from(meta["shards"].as_u64().unwrap_or(0)).unwrap_or(0);
        assert!(shards >= 8, "{lang}: expected a sharded index, got {meta}");
        let total: usize = idx.values().map(Vec::len).sum();
        let terms = query_terms(query);
        assert!(!terms.is_empty());
        // The shards the query names hold its terms; no other shard holds any of them.
        let wanted: std::collections::BTreeSet<u32> = terms.iter().map(|t| shard_of(&t.term, shards)).collect();
        assert!(wanted.len() < shards as usize / 2, "{lang}: {query} needs {} of {shards} shards", wanted.len());
        let mut loaded = idx["meta"].len();
        let mut postings: Vec<Vec<u64>> = Vec::new();
        for s in 0..shards {
            let name = format!("s{s}");
            let shard = payload(&idx[&name], &name);
            for t in &terms {
                let holds = shard.get(&t.term).is_some();
                assert_eq!(holds, s == shard_of(&t.term, shards), "{lang}: {} in {name}", t.term);
                if holds {
                    let list = numbers(&shard[&t.term]);
                    // Delta-coded document numbers, each with its weight.
                    let docs = list.chunks(2).scan(0, |d, p| {
                        *d += p[0];
                        Some(*d)
                    });
                    postings.push(docs.collect());
                }
            }
            if wanted.contains(&s) {
                loaded += idx[&name].len();
            }
        }
        assert_eq!(postings.len(), terms.len(), "{lang}: every term of {query} is found");
        // Every term of the query is found in the shard it maps to; the documents holding all of
        // them are read from the chunks that hold them.
        let hits: Vec<u64> = postings[0].iter().copied().filter(|d| postings.iter().all(|p| p.contains(d))).collect();
        assert!(!hits.is_empty(), "{lang}: {query} matches no document");
        let starts: Vec<u64> = meta["chunks"].as_array().into_iter().flatten().filter_map(|v| v.as_u64()).collect();
        let chunk = starts.iter().rposition(|s| *s <= hits[0]).unwrap_or(0);
        let name = format!("d{chunk}");
        let docs = entries(&payload(&idx[&name], &name));
        loaded += idx[&name].len();
        let entry = &docs[usize::try_from(hits[0] - starts[chunk]).unwrap_or(0)];
        assert!(entry[0].as_str().is_some_and(|href| href.starts_with(page)), "{lang}: {entry}");
        assert!(loaded * 4 < total, "{lang}: {query} loads {loaded} of {total} bytes");
    }
}

#[test]
fn two_builds_of_a_large_site_write_the_same_bytes() {
    // More sources than the index tokenizes in one parallel batch, and pages rendered on every
    // thread: nothing in the output may depend on which thread finished first (the next build
    // reuses unchanged files of the previous output).
    let site = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    large_site(site.path(), 1200);
    let first = read_tree(&build_ok(site.path()));
    let second = read_tree(&build_ok(site.path()));
    assert!(first.keys().any(|k| k.starts_with("assets/search/ja/s")), "the index was not built");
    assert_eq!(first.keys().collect::<Vec<_>>(), second.keys().collect::<Vec<_>>(), "the same files");
    for (path, bytes) in &first {
        assert!(second[path] == *bytes, "{path} differs between two builds of the same site");
    }
}

#[test]
fn the_index_made_beside_the_pages_equals_the_one_serve_makes_alone() {
    // A build's render pass hands each page's plain text to the index; `serve` makes the index
    // on its own from the Markdown. Both must write the same files. Snippets and headings with
    // and without ids, code and a table make the two ways of reading a body differ if they can.
    let site = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    large_site(site.path(), 30);
    let root = site.path();
    std::fs::create_dir_all(root.join("content/snippets")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        root.join("content/snippets/warn.toml"),
        "text = { ja = \"**注意**: 再起動が必要です。\", en = \"**Note**: a restart is needed.\" }\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    for (lang, title, body) in [
        (
            "ja",
            "特別",
            "前文。\n\n{{> warn }}\n\n## 手順 {#steps}\n\n```powershell\nGet-Item TXT\n```\n\n| a | b |\n|---|---|\n| 値 | ２ |\n",
        ),
        (
            "en",
            "Special",
            "Intro.\n\n{{> warn }}\n\n## Steps {#steps}\n\n```powershell\nGet-Item TXT\n```\n\n| a | b |\n|---|---|\n| value | 2 |\n",
        ),
    ] {
        std::fs::write(
            root.join(format!("content/pages/special.{lang}.md")),
            format!("+++\ntitle = \"{title}\"\n+++\n{body}"),
        )
        .unwrap_or_else(|e| panic!("{e}"));
    }
    let compiled = vlsc_docs::compile(root).unwrap_or_else(|e| panic!("{e:?}"));
    let built: BTreeMap<&str, &[u8]> = compiled
        .files
        .iter()
        .filter(|f| f.path.as_str().starts_with("assets/search/"))
        .map(|f| (f.path.as_str(), f.contents.as_slice()))
        .collect();
    let alone = vlsc_docs::render::search_files(&compiled.site);
    let alone: BTreeMap<&str, &[u8]> = alone.iter().map(|f| (f.path.as_str(), f.contents.as_slice())).collect();
    assert!(built.keys().any(|k| k.starts_with("assets/search/en/d")), "no index in the build: {:?}", built.keys());
    assert_eq!(built.keys().collect::<Vec<_>>(), alone.keys().collect::<Vec<_>>());
    for (path, bytes) in &built {
        assert!(
            alone[path] == *bytes,
            "{path} differs:\n{}\n{}",
            String::from_utf8_lossy(bytes),
            String::from_utf8_lossy(alone[path])
        );
    }
    let docs: Vec<serde_json::Value> = built
        .iter()
        .filter_map(|(k, v)| {
            let name = k.rsplit('/').next()?.split('.').next()?;
            name.starts_with('d').then(|| entries(&payload(v, name)))
        })
        .flatten()
        .collect();
    let field = |i: usize, found: &dyn Fn(&str) -> bool| docs.iter().any(|d| d[i].as_str().is_some_and(found));
    assert!(field(0, &|h| h == "special.html#steps"), "{docs:?}");
    assert!(field(3, &|t| t.contains("a restart is needed")), "{docs:?}");
}

#[test]
fn a_title_match_stands_for_exactly_the_steps_of_its_page() {
    // A page's title is written once, on the page's own posting, with the number of documents
    // after it that it also finds (its steps): search.js gives each of them `pageTitle`.
    let guide = bundled_guide();
    let files = read_tree(&build_ok(guide.path()));
    for (lang, word, page) in [
        ("en", "tenant", "procedures/become-tenant-admin.html"),
        ("ja", "管理者", "procedures/become-tenant-admin.html"),
    ] {
        let idx = index(&files, lang);
        let meta = payload(&idx["meta"], "meta");
        let (span, page_title) = (meta["span"].as_u64().unwrap_or(0), meta["pageTitle"].as_u64().unwrap_or(0));
        assert!(span > 34 && page_title > 0, "{lang}: {meta}");
        let chunks: Vec<serde_json::Value> =
            (0..).map_while(|c| idx.get(&format!("d{c}")).map(|js| payload(js, &format!("d{c}")))).collect();
        // A page's steps follow its own entry and do not repeat its page and title.
        let short = chunks
            .iter()
            .flat_map(|c| c.as_array().cloned().unwrap_or_default())
            .filter(|e| e.as_array().is_some_and(|a| a.len() == 3))
            .count();
        assert!(short > 20, "{lang}: {short} short entries");
        let docs: Vec<serde_json::Value> = chunks.iter().flat_map(entries).collect();
        let shards = u32::try_from(meta["shards"].as_u64().unwrap_or(0)).unwrap_or(0);
        let terms = query_terms(word);
        let t = &terms[0];
        let name = format!("s{}", shard_of(&t.term, shards));
        let list = numbers(&payload(&idx[&name], &name)[&t.term]);
        let mut doc = 0;
        let mut checked = false;
        for pair in list.chunks(2) {
            doc += pair[0];
            let after = pair[1] / span;
            let href = docs[usize::try_from(doc).unwrap_or(0)][0].as_str().unwrap_or("").to_string();
            if href != page {
                continue;
            }
            // The page's steps, every one of them and nothing past them.
            let steps =
                docs.iter().filter(|d| d[0].as_str().is_some_and(|h| h.starts_with(&format!("{page}#")))).count();
            assert!(steps >= 5, "{lang}: {steps} steps");
            assert_eq!(usize::try_from(after).unwrap_or(0), steps, "{lang}: the title of {page} stands for its steps");
            for k in 1..=after {
                let next = docs[usize::try_from(doc + k).unwrap_or(0)][0].as_str().unwrap_or("");
                assert!(next.starts_with(&format!("{page}#")), "{lang}: document {} is {next}", doc + k);
            }
            checked = true;
        }
        assert!(checked, "{lang}: `{word}` has no posting on {page}");
    }
}
