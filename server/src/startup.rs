//! Turning settings into a running backend: the configured cloud, or the embedded one started
//! in-process on loopback.

use std::time::Duration;

use app::server::{Backend, BackendConfig};
use cookie_key::session_key;
use openstack_client::{Transport, TransportConfig};

use crate::config::CloudSettings;

pub mod cookie_key {
    use app::server::CookieKey;

    /// `FERRY_SESSION_KEY` (128 hex characters) lets several Ferry servers read each other's
    /// sessions; without it each process makes its own, and a restart logs everyone out.
    pub fn session_key() -> Result<CookieKey, String> {
        match std::env::var("FERRY_SESSION_KEY") {
            Ok(hex) if !hex.is_empty() => {
                let bytes = decode_hex(hex.trim())
                    .ok_or("FERRY_SESSION_KEY must be hexadecimal (128 characters)")?;
                CookieKey::try_from(bytes.as_slice())
                    .map_err(|_| "FERRY_SESSION_KEY must be 64 bytes (128 hex characters)".into())
            }
            _ => {
                tracing::warn!(
                    "FERRY_SESSION_KEY is not set: using a random session key; sessions end when \
                     this process stops and are not shared with other Ferry servers"
                );
                Ok(CookieKey::generate())
            }
        }
    }

    fn decode_hex(s: &str) -> Option<Vec<u8>> {
        if !s.len().is_multiple_of(2) {
            return None;
        }
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
            .collect()
    }

    #[cfg(test)]
    mod tests {
        #[test]
        fn trusted_proxies_are_addresses_or_networks() {
            let nets = crate::startup::trusted_proxies(Some("10.0.0.5, 192.168.0.0/16")).unwrap();
            assert_eq!(nets.len(), 2);
            assert!(nets[0].contains(&"10.0.0.5".parse::<std::net::IpAddr>().unwrap()));
            assert!(crate::startup::trusted_proxies(Some("proxy.example")).is_err());
            assert!(crate::startup::trusted_proxies(None).unwrap().is_empty());
        }

        #[test]
        fn hex() {
            assert_eq!(super::decode_hex("00ff10"), Some(vec![0, 255, 16]));
            assert_eq!(super::decode_hex("0g"), None);
            assert_eq!(super::decode_hex("abc"), None);
        }
    }
}

/// The backend for a configured cloud.
pub fn backend_for(settings: &CloudSettings, secure_cookies: bool) -> Result<Backend, String> {
    let transport = Transport::new(&TransportConfig {
        verify: settings.verify,
        cacert: settings.cacert.clone(),
        connect_timeout: Duration::from_secs(5),
        timeout: upstream_timeout(),
        ..TransportConfig::default()
    })
    .map_err(|e| format!("cannot set up HTTPS to the cloud: {e}"))?;
    Ok(Backend::new(
        BackendConfig {
            auth_url: settings.auth_url.clone(),
            region: settings.region.clone(),
            interface: settings.interface.clone(),
            default_domain: settings.default_domain.clone(),
            cloud_name: settings.name.clone(),
            secure_cookies,
            trusted_proxies: trusted_proxies(
                std::env::var("FERRY_TRUSTED_PROXIES").ok().as_deref(),
            )?,
        },
        transport,
        session_key()?,
    ))
}

/// `FERRY_TRUSTED_PROXIES`: addresses or networks (`10.0.0.5`, `10.0.0.0/24`), comma-separated,
/// of the reverse proxies in front of Ferry. Only their `X-Forwarded-For` is believed.
pub fn trusted_proxies(value: Option<&str>) -> Result<Vec<ipnet::IpNet>, String> {
    value
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<ipnet::IpNet>()
                .or_else(|_| s.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| {
                    format!("FERRY_TRUSTED_PROXIES: “{s}” is not an IP address or network")
                })
        })
        .collect()
}

/// How long one OpenStack call may take: `FERRY_UPSTREAM_TIMEOUT` seconds, 30 by default.
fn upstream_timeout() -> Duration {
    let secs = std::env::var("FERRY_UPSTREAM_TIMEOUT")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .filter(|s| (1..=600).contains(s))
        .unwrap_or(30);
    Duration::from_secs(secs)
}

/// Settings for the embedded cloud once it listens at `auth_url`.
pub fn embedded_settings(auth_url: String) -> CloudSettings {
    CloudSettings {
        name: "embedded demo cloud".into(),
        auth_url,
        region: Some("RegionOne".into()),
        interface: "public".into(),
        verify: true,
        cacert: None,
        default_domain: "Default".into(),
    }
}
