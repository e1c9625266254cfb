//! The HTTP side of `serve`: GET and HEAD only, pages from the in-memory snapshot with the
//! live-reload script injected, server-sent events for reloads and errors, and a 404 page.

use super::{AppState, BuildState};
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::stream::{self, Stream, StreamExt};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::Arc;

const EVENTS: &str = "/__vlsc-docs/events";
const SCRIPT: &str = "/__vlsc-docs/live.js";
const LIVE_JS: &str = include_str!("live.js");

/// The host names a request may name: `localhost`, the loopback addresses and the address the
/// server is bound to, with or without a port. Anything else is refused, so that a web page whose
/// own host name was made to resolve to this machine (DNS rebinding) cannot read the drafts.
#[derive(Clone, Copy)]
pub struct AllowedHosts {
    bind: IpAddr,
}

impl AllowedHosts {
    pub fn new(bind: IpAddr) -> AllowedHosts {
        AllowedHosts { bind }
    }

    /// Whether `host`, a `Host` header or a request's authority, names this server. Bound to all
    /// addresses (`0.0.0.0`, `::`), the server also answers to any IP address: a name can be
    /// rebound to another machine, an address cannot.
    fn allows(self, host: &str) -> bool {
        let Some(name) = host_name(host) else { return false };
        if name.eq_ignore_ascii_case("localhost") {
            return true;
        }
        let Ok(ip) = name.parse::<IpAddr>() else { return false };
        ip == IpAddr::V4(Ipv4Addr::LOCALHOST)
            || ip == IpAddr::V6(Ipv6Addr::LOCALHOST)
            || ip == self.bind
            || self.bind.is_unspecified()
    }
}

/// The name in `name[:port]` or `[ipv6][:port]`, without brackets; `None` when malformed.
fn host_name(host: &str) -> Option<&str> {
    let (name, port) = match host.strip_prefix('[') {
        Some(rest) => rest.split_once(']')?,
        None => host.split_once(':').map_or((host, ""), |(name, _)| (name, &host[name.len()..])),
    };
    let port_ok = port.is_empty()
        || port.strip_prefix(':').is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    port_ok.then_some(name)
}

/// What every handler shares.
#[derive(Clone)]
struct Shared {
    app: Arc<AppState>,
    hosts: AllowedHosts,
}

pub fn router(state: Arc<AppState>, hosts: AllowedHosts) -> axum::Router {
    axum::Router::new().fallback(handle).with_state(Shared { app: state, hosts })
}

/// A path segment as it may stand in a `Location` header.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

async fn handle(State(shared): State<Shared>, method: Method, uri: Uri, headers: HeaderMap) -> Response {
    // An absolute request target names its host too; every name given must be ours.
    let named: Vec<&str> = uri
        .authority()
        .map(|a| a.as_str())
        .into_iter()
        .chain(headers.get_all(header::HOST).iter().map(|h| h.to_str().unwrap_or_default()))
        .collect();
    if named.is_empty() || !named.iter().all(|h| shared.hosts.allows(h)) {
        return respond(
            StatusCode::MISDIRECTED_REQUEST,
            "text/plain; charset=utf-8",
            b"this server answers only to localhost, 127.0.0.1, [::1] and the address it is bound to\n".to_vec(),
        );
    }
    let state = shared.app;
    if method != Method::GET && method != Method::HEAD {
        let mut r = (StatusCode::METHOD_NOT_ALLOWED, "only GET and HEAD\n").into_response();
        r.headers_mut().insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return r;
    }
    match uri.path() {
        EVENTS => return events(state).into_response(),
        SCRIPT => return respond(StatusCode::OK, "application/javascript; charset=utf-8", LIVE_JS.as_bytes().to_vec()),
        _ => {}
    }
    let Some(path) = site_path(uri.path()) else {
        return respond(StatusCode::BAD_REQUEST, "text/plain; charset=utf-8", b"bad request\n".to_vec());
    };
    let Some(snapshot) = state.current_snapshot() else {
        // No good build yet: every page shows the errors and reloads once they are fixed.
        return respond(
            StatusCode::SERVICE_UNAVAILABLE,
            "text/html; charset=utf-8",
            status_page("The first build failed"),
        );
    };
    match snapshot.get(&crate::ids::SitePath::new(&path)) {
        Some(Ok(file)) if path.ends_with(".html") => {
            return respond(StatusCode::OK, content_type(&path), inject(&file.contents));
        }
        Some(Ok(file)) => return respond(StatusCode::OK, content_type(&path), file.contents.clone()),
        // A template that fails on this page only: show why, like any build error.
        Some(Err(d)) => {
            let page = format!("<pre>{}</pre>", crate::markdown::escape(&d.to_string()));
            return respond(StatusCode::INTERNAL_SERVER_ERROR, "text/html; charset=utf-8", inject(page.as_bytes()));
        }
        None => {}
    }
    // A folder named without its slash: its index page would resolve its relative links against
    // the parent folder, so send the browser to the folder itself.
    if snapshot.contains(&crate::ids::SitePath::new(format!("{path}/index.html"))) {
        let segments: Vec<String> = path.split('/').map(|s| utf8_percent_encode(s, SEGMENT).to_string()).collect();
        let query = uri.query().map(|q| format!("?{q}")).unwrap_or_default();
        let mut r = respond(StatusCode::PERMANENT_REDIRECT, "text/plain; charset=utf-8", Vec::new());
        if let Ok(location) = HeaderValue::from_str(&format!("/{}/{query}", segments.join("/"))) {
            r.headers_mut().insert(header::LOCATION, location);
            return r;
        }
    }
    // The site's own 404 page, as a static host serves it: the language's when the path is
    // under a language folder, else the one offering every language.
    let lang_page = path.split_once('/').map(|(first, _)| (format!("{first}/404.html"), format!("/{first}/")));
    let (page, base) = match lang_page {
        Some((page, base)) if snapshot.contains(&crate::ids::SitePath::new(&page)) => (page, base),
        _ => ("404.html".to_string(), "/".to_string()),
    };
    match snapshot.get(&crate::ids::SitePath::new(&page)) {
        Some(Ok(file)) => {
            respond(StatusCode::NOT_FOUND, "text/html; charset=utf-8", inject(&with_base(&file.contents, &base)))
        }
        _ => respond(StatusCode::NOT_FOUND, "text/html; charset=utf-8", status_page("Page not found")),
    }
}

/// Makes a page's relative links resolve from `base` (a folder of this server) wherever it is
/// served: replaces the page's own `<base>` (which names the site's real address, `base-url`),
/// or adds one at the top of `<head>`.
fn with_base(html: &[u8], base: &str) -> Vec<u8> {
    let text = String::from_utf8_lossy(html);
    let tag = format!("<base href=\"{base}\">");
    if let Some(start) = text.find("<base ")
        && let Some(len) = text[start..].find('>')
    {
        return format!("{}{tag}{}", &text[..start], &text[start + len + 1..]).into_bytes();
    }
    match text.find("<head>") {
        Some(i) => format!("{}{tag}{}", &text[..i + "<head>".len()], &text[i + "<head>".len()..]).into_bytes(),
        None => format!("{tag}{text}").into_bytes(),
    }
}

/// The site path a request names, or `None` when it tries to leave the site or is malformed:
/// `..` and `.` segments, backslashes, NUL bytes, encoded or not. `/` and `/ja/` name index pages.
pub fn site_path(raw: &str) -> Option<String> {
    let decoded = percent_encoding::percent_decode_str(raw).decode_utf8().ok()?;
    if decoded.contains('\\') || decoded.contains('\0') || decoded.contains("%2") || decoded.contains("%5") {
        return None;
    }
    let mut parts = Vec::new();
    for seg in decoded.split('/') {
        match seg {
            "" => {}
            "." | ".." => return None,
            s if s.contains(':') => return None,
            s => parts.push(s),
        }
    }
    let mut path = parts.join("/");
    if decoded.ends_with('/') || path.is_empty() {
        if !path.is_empty() {
            path.push('/');
        }
        path.push_str("index.html");
    }
    Some(path)
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, e)| e) {
        Some("html") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "application/javascript; charset=utf-8",
        Some("xml") => "application/xml; charset=utf-8",
        Some("json") => "application/json; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("woff2") => "font/woff2",
        Some("txt") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn respond(status: StatusCode, content_type: &'static str, body: Vec<u8>) -> Response {
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = status;
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r.headers_mut().insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    r
}

/// Adds the live-reload script to a page; `build` output never contains it.
fn inject(html: &[u8]) -> Vec<u8> {
    let tag = format!("<script src=\"{SCRIPT}\"></script>");
    let text = String::from_utf8_lossy(html);
    match text.rfind("</body>") {
        Some(i) => format!("{}{tag}{}", &text[..i], &text[i..]).into_bytes(),
        None => format!("{text}{tag}").into_bytes(),
    }
}

fn status_page(title: &str) -> Vec<u8> {
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title></head>\
         <body><main><h1>{title}</h1><p>This page updates by itself when the site builds.</p></main>\
         <script src=\"{SCRIPT}\"></script></body></html>"
    )
    .into_bytes()
}

/// The event stream: the current state at once, then every build attempt's state.
fn events(state: Arc<AppState>) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let first = state.current_state();
    let rx = state.events.subscribe();
    let updates = stream::unfold(rx, |mut rx| async move {
        loop {
            match rx.recv().await {
                Ok(s) => return Some((s, rx)),
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
            }
        }
    });
    let all = stream::once(async move { first }).chain(updates).map(|s: BuildState| {
        Ok(Event::default().event("state").data(serde_json::to_string(&s).unwrap_or_else(|_| "{}".to_string())))
    });
    Sse::new(all).keep_alive(KeepAlive::default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_stay_inside_the_site() {
        assert_eq!(site_path("/").as_deref(), Some("index.html"));
        assert_eq!(site_path("/ja/").as_deref(), Some("ja/index.html"));
        assert_eq!(site_path("/ja/scenarios/x.html").as_deref(), Some("ja/scenarios/x.html"));
        assert_eq!(site_path("/ja").as_deref(), Some("ja"));
        for bad in [
            "/../etc/passwd",
            "/ja/../../x",
            "/%2e%2e/x",
            "/%2E%2E%2Fx",
            "/a\\b",
            "/a%5c..%5cb",
            "/a%00b",
            "/C:/x",
            "/./x",
        ] {
            assert_eq!(site_path(bad), None, "{bad}");
        }
    }

    #[test]
    fn only_this_machines_names_are_answered() {
        let loopback = AllowedHosts::new(IpAddr::V4(Ipv4Addr::LOCALHOST));
        let lan = AllowedHosts::new(IpAddr::V4(Ipv4Addr::new(192, 168, 1, 10)));
        let everywhere = AllowedHosts::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
        for host in
            ["localhost", "localhost:3000", "LocalHost:3000", "127.0.0.1", "127.0.0.1:3000", "[::1]", "[::1]:3000"]
        {
            for hosts in [loopback, lan, everywhere] {
                assert!(hosts.allows(host), "{host}");
            }
        }
        for host in ["192.168.1.10", "192.168.1.10:3000"] {
            assert!(lan.allows(host) && everywhere.allows(host) && !loopback.allows(host), "{host}");
        }
        for host in [
            "",
            "evil.example",
            "evil.example:3000",
            "localhost.evil.example",
            "127.0.0.1.nip.io",
            "localhost:",
            "localhost:3000x",
            "localhost:3000:1",
            "::1",
            "[::1",
            "[::1]x",
            "0.0.0.0:3000",
        ] {
            for hosts in [loopback, lan] {
                assert!(!hosts.allows(host), "{host}");
            }
        }
        for host in ["evil.example:3000", "localhost.evil.example", "[::1"] {
            assert!(!everywhere.allows(host), "{host}: a name, not an address");
        }
    }
}
