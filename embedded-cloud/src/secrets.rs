//! Application-credential secrets: generated the way Keystone's
//! `_generate_secret` does, kept only as a salted PBKDF2-SHA512 digest (one of
//! Keystone's `password_hash_algorithm` choices), so neither the state nor a
//! log line ever holds a usable secret.

use std::num::NonZeroU32;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ring::pbkdf2;
use ring::rand::{SecureRandom, SystemRandom};

/// passlib's default rounds for pbkdf2_sha512, what Keystone uses when
/// `password_hash_rounds` is unset.
const ROUNDS: u32 = 25_000;
const SALT_LEN: usize = 16;
const DIGEST_LEN: usize = 64;
const SCHEME: &str = "pbkdf2-sha512";

/// The randomness source failed; there is nothing sensible to hand out.
#[derive(Debug)]
pub struct NoRandomness;

/// 64 random bytes, URL-safe base64 without padding (86 characters).
pub fn generate() -> Result<String, NoRandomness> {
    let mut bytes = [0u8; 64];
    SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| NoRandomness)?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// A stored digest in modular-crypt style: `$pbkdf2-sha512$rounds$salt$digest`.
/// Its `Debug` hides the digest too: it is still material for an offline guess.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretHash(String);

impl std::fmt::Debug for SecretHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretHash(***)")
    }
}

fn rounds(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN)
}

pub fn hash(secret: &str) -> Result<SecretHash, NoRandomness> {
    let mut salt = [0u8; SALT_LEN];
    SystemRandom::new()
        .fill(&mut salt)
        .map_err(|_| NoRandomness)?;
    let mut digest = [0u8; DIGEST_LEN];
    pbkdf2::derive(
        pbkdf2::PBKDF2_HMAC_SHA512,
        rounds(ROUNDS),
        &salt,
        secret.as_bytes(),
        &mut digest,
    );
    Ok(SecretHash(format!(
        "${SCHEME}${ROUNDS}${}${}",
        URL_SAFE_NO_PAD.encode(salt),
        URL_SAFE_NO_PAD.encode(digest)
    )))
}

/// Constant-time check (ring compares the digests).
pub fn verify(secret: &str, stored: &SecretHash) -> bool {
    let mut parts = stored.0.split('$').skip(1);
    let (Some(SCHEME), Some(n), Some(salt), Some(digest), None) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return false;
    };
    let (Ok(n), Ok(salt), Ok(digest)) = (
        n.parse::<u32>(),
        URL_SAFE_NO_PAD.decode(salt),
        URL_SAFE_NO_PAD.decode(digest),
    ) else {
        return false;
    };
    pbkdf2::verify(
        pbkdf2::PBKDF2_HMAC_SHA512,
        rounds(n),
        &salt,
        secret.as_bytes(),
        &digest,
    )
    .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_secret_only_and_never_shows_it() {
        let s = generate().expect("random");
        assert_eq!(s.len(), 86);
        let h = hash(&s).expect("random");
        assert!(verify(&s, &h));
        assert!(!verify("not-it", &h));
        assert!(!h.0.contains(&s));
        assert_eq!(format!("{h:?}"), "SecretHash(***)");
        // Two hashes of one secret differ by their salt.
        assert_ne!(hash(&s).expect("random"), h);
    }
}
