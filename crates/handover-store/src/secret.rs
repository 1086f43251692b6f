//! Randomness, hashing of tokens, argon2id password hashes.

use std::fmt::Write as _;
use std::sync::OnceLock;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use sha2::{Digest, Sha256};

use crate::StoreError;

/// `n` random bytes from the operating system, as lower-case hex.
pub(crate) fn random_hex(n: usize) -> Result<String, StoreError> {
    let mut bytes = vec![0u8; n];
    getrandom::fill(&mut bytes)
        .map_err(|e| StoreError::Internal(format!("no randomness from the system: {e}")))?;
    Ok(hex(&bytes))
}

fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        // Writing to a String cannot fail.
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// SHA-256 of a token, as lower-case hex: what the database keeps.
pub(crate) fn sha256_hex(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// An argon2id PHC string (default parameters: 19 MiB, 2 passes, 1 lane)
/// with a random 16-byte salt.
pub(crate) fn hash_password(password: &str) -> Result<String, StoreError> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt)
        .map_err(|e| StoreError::Internal(format!("no randomness from the system: {e}")))?;
    let salt = SaltString::encode_b64(&salt)
        .map_err(|e| StoreError::Internal(format!("password salt: {e}")))?;
    let hash = Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| StoreError::Internal(format!("password hashing failed: {e}")))?;
    Ok(hash.to_string())
}

/// Whether `password` matches the PHC string `phc` (parameters taken from it).
pub(crate) fn verify_password(password: &str, phc: &str) -> Result<bool, StoreError> {
    let parsed = PasswordHash::new(phc)
        .map_err(|e| StoreError::Internal(format!("stored password hash is malformed: {e}")))?;
    match Argon2::default().verify_password(password.as_bytes(), &parsed) {
        Ok(()) => Ok(true),
        Err(argon2::password_hash::Error::Password) => Ok(false),
        Err(e) => Err(StoreError::Internal(format!(
            "password verification failed: {e}"
        ))),
    }
}

/// A hash of a random password with the same parameters as real ones:
/// verified against when the user is unknown, so that costs as much as a
/// wrong password for a known user.
pub(crate) fn dummy_hash() -> Result<&'static str, StoreError> {
    static DUMMY: OnceLock<String> = OnceLock::new();
    if let Some(h) = DUMMY.get() {
        return Ok(h);
    }
    let h = hash_password(&random_hex(16)?)?;
    Ok(DUMMY.get_or_init(|| h))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_hex_has_the_length_and_varies() {
        let a = random_hex(32).unwrap();
        let b = random_hex(32).unwrap();
        assert_eq!(a.len(), 64);
        assert!(a
            .bytes()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        assert_ne!(a, b);
    }

    #[test]
    fn sha256_of_a_known_string() {
        assert_eq!(
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn argon2id_round_trip() {
        let h = hash_password("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify_password("correct horse battery", &h).unwrap());
        assert!(!verify_password("correct horse battery!", &h).unwrap());
        assert_ne!(h, hash_password("correct horse battery").unwrap(), "salted");
        assert!(matches!(
            verify_password("x", "not a hash"),
            Err(StoreError::Internal(_))
        ));
        assert!(dummy_hash().unwrap().starts_with("$argon2id$"));
    }
}
