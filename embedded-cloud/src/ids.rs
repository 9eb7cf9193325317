//! Identifiers. The demo topology must be identical on every start (Ferry's
//! tests and docs refer to it), so its ids come from a seeded generator;
//! anything created at run time gets a random v4 UUID like the real services.

use uuid::Uuid;

/// splitmix64: tiny, fast and good enough to make distinct, stable ids.
#[derive(Clone, Debug)]
pub struct Seeded(u64);

impl Seeded {
    pub fn new(seed: u64) -> Self {
        Seeded(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A version-4-shaped UUID so clients that validate the format accept it.
    pub fn uuid(&mut self) -> String {
        let hi = self.next_u64();
        let lo = self.next_u64();
        let raw = ((hi as u128) << 64) | lo as u128;
        uuid::Builder::from_random_bytes(raw.to_be_bytes())
            .into_uuid()
            .to_string()
    }

    /// 32 hex digits, the shape of Keystone's ids.
    pub fn hex32(&mut self) -> String {
        self.uuid().replace('-', "")
    }
}

pub fn random_uuid() -> String {
    Uuid::new_v4().to_string()
}

pub fn random_hex32() -> String {
    Uuid::new_v4().simple().to_string()
}

pub fn request_id() -> String {
    format!("req-{}", Uuid::new_v4())
}

/// Nova's hostId: an opaque per-project digest of the host name (sha224 in
/// Nova; any stable 56-hex-digit digest serves the same purpose here).
pub fn host_id(project_id: &str, host: &str) -> String {
    if host.is_empty() {
        return String::new();
    }
    let mut out = String::with_capacity(56);
    let mut state: u64 = 0xcbf2_9ce4_8422_2325;
    for b in project_id.bytes().chain(host.bytes()) {
        state ^= b as u64;
        state = state.wrapping_mul(0x100_0000_01b3);
    }
    let mut gen = Seeded::new(state);
    while out.len() < 56 {
        out.push_str(&format!("{:016x}", gen.next_u64()));
    }
    out.truncate(56);
    out
}
