//! The drain's application-credential secret, sealed before it reaches the database: AES-256-GCM
//! under a key derived (HKDF-SHA256) from Ferry's session key, so whoever reads the database
//! alone learns nothing, and every Ferry server that shares the session key can open it.

use ring::{aead, hkdf, rand::SecureRandom};

/// Bound into the derivation, so this key is never the cookie key itself.
const PURPOSE: &[u8] = b"ferry drain credential v1";

pub struct SecretBox {
    key: aead::LessSafeKey,
    rng: ring::rand::SystemRandom,
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBox(***)")
    }
}

struct Len;
impl hkdf::KeyType for Len {
    fn len(&self) -> usize {
        32
    }
}

impl SecretBox {
    /// From the session key's bytes (at least 32).
    pub fn new(master: &[u8]) -> SecretBox {
        let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, &[]).extract(master);
        let mut bytes = [0u8; 32];
        prk.expand(&[PURPOSE], Len)
            .and_then(|okm| okm.fill(&mut bytes))
            .expect("HKDF-SHA256 yields 32 bytes");
        let key = aead::UnboundKey::new(&aead::AES_256_GCM, &bytes).expect("a 32-byte key");
        SecretBox {
            key: aead::LessSafeKey::new(key),
            rng: ring::rand::SystemRandom::new(),
        }
    }

    /// Nonce (12 bytes) followed by the ciphertext and its tag. `drain` is bound in as
    /// associated data: a sealed secret copied onto another drain's row does not open.
    pub fn seal(&self, drain: &str, plain: &str) -> Result<Vec<u8>, &'static str> {
        let mut nonce = [0u8; aead::NONCE_LEN];
        self.rng.fill(&mut nonce).map_err(|_| "no randomness")?;
        let mut data = plain.as_bytes().to_vec();
        self.key
            .seal_in_place_append_tag(
                aead::Nonce::assume_unique_for_key(nonce),
                aead::Aad::from(drain.as_bytes()),
                &mut data,
            )
            .map_err(|_| "sealing failed")?;
        let mut out = nonce.to_vec();
        out.extend(data);
        Ok(out)
    }

    /// None when the bytes were not sealed by this key for this drain.
    pub fn open(&self, drain: &str, sealed: &[u8]) -> Option<String> {
        if sealed.len() < aead::NONCE_LEN + aead::AES_256_GCM.tag_len() {
            return None;
        }
        let (nonce, rest) = sealed.split_at(aead::NONCE_LEN);
        let nonce = aead::Nonce::try_assume_unique_for_key(nonce).ok()?;
        let mut data = rest.to_vec();
        let plain = self
            .key
            .open_in_place(nonce, aead::Aad::from(drain.as_bytes()), &mut data)
            .ok()?;
        String::from_utf8(plain.to_vec()).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_what_it_sealed_for_the_same_drain_only() {
        let b = SecretBox::new(&[7u8; 64]);
        let sealed = b.seal("d1", "s3cret").unwrap();
        assert!(!sealed.windows(6).any(|w| w == b"s3cret"));
        assert_eq!(b.open("d1", &sealed).as_deref(), Some("s3cret"));
        assert_eq!(b.open("d2", &sealed), None);
        assert_eq!(SecretBox::new(&[8u8; 64]).open("d1", &sealed), None);
        let mut tampered = sealed.clone();
        *tampered.last_mut().unwrap() ^= 1;
        assert_eq!(b.open("d1", &tampered), None);
        assert_eq!(b.open("d1", &sealed[..10]), None);
    }
}
