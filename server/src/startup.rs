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
    /// sessions (and a drain's stored secret). Without it, the key is generated once into the
    /// data directory (`session.key`, mode 0600) and read from there on every start, so a restart
    /// keeps everyone logged in.
    pub fn session_key() -> Result<CookieKey, String> {
        match std::env::var("FERRY_SESSION_KEY") {
            Ok(hex) if !hex.is_empty() => key_from_hex(hex.trim(), "FERRY_SESSION_KEY"),
            _ => key_in(&crate::startup::data_dir()?),
        }
    }

    fn key_from_hex(hex: &str, origin: &str) -> Result<CookieKey, String> {
        let bytes =
            decode_hex(hex).ok_or(format!("{origin} must be hexadecimal (128 characters)"))?;
        CookieKey::try_from(bytes.as_slice())
            .map_err(|_| format!("{origin} must be 64 bytes (128 hex characters)"))
    }

    /// The key kept in `dir/session.key`, made on first use. Two processes starting at once
    /// agree: only one can create the file, the other reads it.
    pub fn key_in(dir: &std::path::Path) -> Result<CookieKey, String> {
        use std::io::Write;
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        let path = dir.join("session.key");
        let shown = path.display();
        let fresh = CookieKey::generate();
        let hex: String = fresh.master().iter().map(|b| format!("{b:02x}")).collect();
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
        {
            Ok(mut f) => {
                f.write_all(hex.as_bytes())
                    .and_then(|_| f.sync_all())
                    .map_err(|e| format!("cannot write the session key {shown}: {e}"))?;
                tracing::info!(path = %shown, "made the session key (set FERRY_SESSION_KEY to share one between servers)");
                return Ok(fresh);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(format!("cannot create the session key {shown}: {e}")),
        }
        // Read through one handle that is not a symbolic link, checked after opening, so the
        // file checked is the file read.
        use std::io::{Read, Seek};
        use std::os::unix::fs::MetadataExt;
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NOFOLLOW)
            .open(&path)
            .map_err(|e| format!("cannot read {shown} (it must be a plain file): {e}"))?;
        let meta = file
            .metadata()
            .map_err(|e| format!("cannot read {shown}: {e}"))?;
        // SAFETY: geteuid has no preconditions and cannot fail.
        let me = unsafe { libc::geteuid() };
        if !meta.is_file() || meta.uid() != me {
            return Err(format!(
                "{shown} must be a plain file owned by the user Ferry runs as (uid {me})"
            ));
        }
        if meta.permissions().mode() & 0o077 != 0 {
            return Err(format!(
                "{shown} can be read by other users (mode {:o}): run chmod 600 on it",
                meta.permissions().mode() & 0o777
            ));
        }
        // The other process may still be writing it.
        for _ in 0..50 {
            let mut text = String::new();
            file.rewind()
                .and_then(|_| file.read_to_string(&mut text))
                .map_err(|e| format!("cannot read {shown}: {e}"))?;
            if text.trim().len() >= 128 {
                return key_from_hex(text.trim(), &shown.to_string());
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        Err(format!(
            "{shown} does not hold a key (128 hex characters); remove it to make a new one"
        ))
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
        fn the_key_is_made_once_private_and_kept() {
            use std::os::unix::fs::PermissionsExt;
            let dir = std::env::temp_dir().join(format!("ferry-key-{}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            let _ = std::fs::remove_file(dir.join("session.key"));
            let first = super::key_in(&dir).unwrap();
            let mode = std::fs::metadata(dir.join("session.key"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
            let again = super::key_in(&dir).unwrap();
            assert_eq!(first.master(), again.master());
            // Readable by others: refused with what to do.
            std::fs::set_permissions(
                dir.join("session.key"),
                std::fs::Permissions::from_mode(0o644),
            )
            .unwrap();
            assert!(super::key_in(&dir).unwrap_err().contains("chmod 600"));
            std::fs::write(dir.join("session.key"), "x".repeat(128)).unwrap();
            std::fs::set_permissions(
                dir.join("session.key"),
                std::fs::Permissions::from_mode(0o600),
            )
            .unwrap();
            assert!(super::key_in(&dir).is_err());
            std::fs::remove_dir_all(&dir).unwrap();
        }

        #[test]
        fn hex() {
            assert_eq!(super::decode_hex("00ff10"), Some(vec![0, 255, 16]));
            assert_eq!(super::decode_hex("0g"), None);
            assert_eq!(super::decode_hex("abc"), None);
        }
    }
}

/// Where Ferry keeps what must survive a restart (the session key; the drains' SQLite database):
/// `FERRY_DATA_DIR`, else `$XDG_DATA_HOME/ferry` (`~/.local/share/ferry`). Made, mode 0700, if
/// missing.
pub fn data_dir() -> Result<std::path::PathBuf, String> {
    use std::os::unix::fs::DirBuilderExt;
    let dir = match std::env::var_os("FERRY_DATA_DIR").filter(|v| !v.is_empty()) {
        Some(d) => std::path::PathBuf::from(d),
        None => dirs::data_dir()
            .ok_or("no data directory: set FERRY_DATA_DIR (or HOME)")?
            .join("ferry"),
    };
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&dir)
        .map_err(|e| format!("cannot create the data directory {}: {e}", dir.display()))?;
    // Someone else who may write here could plant a key Ferry would then trust.
    let meta = std::fs::metadata(&dir)
        .map_err(|e| format!("cannot read the data directory {}: {e}", dir.display()))?;
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    if meta.uid() != me || meta.permissions().mode() & 0o022 != 0 {
        return Err(format!(
            "the data directory {} must belong to the user Ferry runs as (uid {me}) and be writable by it alone",
            dir.display()
        ));
    }
    Ok(dir)
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

/// The drain database and this server's runner. `FERRY_DATABASE_URL` (`postgres://…` to share
/// drains between several Ferry servers, or `sqlite://…`), else SQLite in the data directory
/// (`drains.db`). The runner is not started here: `drains::Running::spawn` does that.
pub async fn drains_for(backend: &Backend) -> Result<app::server::drains::DrainService, String> {
    let url = match std::env::var("FERRY_DATABASE_URL") {
        Ok(u) if !u.trim().is_empty() => u.trim().to_string(),
        _ => {
            let file = data_dir()?.join("drains.db");
            format!("sqlite://{}?mode=rwc", file.display())
        }
    };
    drains_at(backend, &url).await
}

/// The drain service on the database at `url`.
pub async fn drains_at(
    backend: &Backend,
    url: &str,
) -> Result<app::server::drains::DrainService, String> {
    use drain::runner::{Runner, RunnerConfig, SecretBox};
    use std::sync::Arc;

    let url = url.to_string();
    let store = drain::store::Store::connect(&url)
        .await
        .map_err(|e| format!("the drain database ({}): {e}", redact_url(&url)))?;
    tracing::info!(database = %redact_url(&url), backend = store.backend(), "drain database ready");
    let secrets = Arc::new(SecretBox::new(backend.cookie_key.master()));
    let seconds = |name: &str, default: u64, min: u64, max: u64| -> Result<Duration, String> {
        match std::env::var(name) {
            Ok(v) if !v.trim().is_empty() => v
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|n| (min..=max).contains(n))
                .map(Duration::from_millis)
                .ok_or(format!(
                    "{name} must be a whole number of milliseconds, {min}–{max}"
                )),
            _ => Ok(Duration::from_millis(default)),
        }
    };
    let runner = Runner::new(
        store.clone(),
        RunnerConfig {
            owner: server_name(),
            auth_url: backend.config.auth_url.clone(),
            transport: backend.transport.clone(),
            secrets: secrets.clone(),
            tick: seconds("FERRY_DRAIN_TICK_MS", 2_000, 100, 60_000)?,
            lease: seconds("FERRY_DRAIN_LEASE_MS", 30_000, 1_000, 600_000)?,
        },
    );
    Ok(app::server::drains::DrainService {
        store,
        runner,
        secrets,
    })
}

/// This server's name in drain leases and timelines: `FERRY_SERVER_NAME`, else host and pid.
fn server_name() -> String {
    if let Ok(n) = std::env::var("FERRY_SERVER_NAME") {
        if !n.trim().is_empty() {
            return n.trim().chars().take(100).collect();
        }
    }
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "ferry".into());
    format!("{host}:{}", std::process::id())
}

/// A database URL without its password, for logs and messages.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_string(),
    }
}
