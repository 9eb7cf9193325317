//! Response headers that every rendered page carries.

use http::{header, HeaderValue};
use leptos::{nonce::use_nonce, prelude::use_context};
use leptos_axum::ResponseOptions;

/// cargo-leptos's live-reload socket: only a debug build (`cargo leptos watch`) talks to it.
const DEV_RELOAD: Option<&str> = if cfg!(debug_assertions) {
    Some("ws://127.0.0.1:3001")
} else {
    None
};

/// The page's Content-Security-Policy. Inline scripts (hydration, streamed data) carry the
/// per-response nonce; nothing else inline runs. A dashboard with migrate buttons is never framed.
pub fn content_security_policy(nonce: Option<&str>, dev_reload: Option<&str>) -> String {
    let scripts = match nonce {
        Some(n) => format!("'self' 'nonce-{n}' 'wasm-unsafe-eval'"),
        None => "'self' 'wasm-unsafe-eval'".to_string(),
    };
    let connect = match dev_reload {
        Some(socket) => format!("'self' {socket}"),
        None => "'self'".to_string(),
    };
    format!(
        "default-src 'self'; script-src {scripts}; style-src 'self'; img-src 'self' data:; \
         connect-src {connect}; object-src 'none'; base-uri 'none'; \
         form-action 'self'; frame-ancestors 'none'"
    )
}

pub fn set_page_headers() {
    let Some(response) = use_context::<ResponseOptions>() else {
        return;
    };
    let nonce = use_nonce().map(|n| n.to_string());
    if let Ok(v) = HeaderValue::from_str(&content_security_policy(nonce.as_deref(), DEV_RELOAD)) {
        response.insert_header(header::CONTENT_SECURITY_POLICY, v);
    }
    // Pages hold other projects' data: never keep them in a cache or show them after logout.
    response.insert_header(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
}

#[cfg(test)]
mod tests {
    use super::content_security_policy;

    #[test]
    fn only_a_development_build_may_reach_the_reload_socket() {
        let release = content_security_policy(Some("n0nce"), None);
        assert!(release.contains("connect-src 'self';"), "{release}");
        assert!(!release.contains("ws:"), "{release}");
        assert!(release.contains("'nonce-n0nce'"));
        let dev = content_security_policy(None, Some("ws://127.0.0.1:3001"));
        assert!(
            dev.contains("connect-src 'self' ws://127.0.0.1:3001;"),
            "{dev}"
        );
    }
}
