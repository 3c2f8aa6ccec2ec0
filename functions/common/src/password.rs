//! Passwords: argon2id (m = 19456 KiB, t = 2, p = 1, the OWASP minimum).

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

/// A PHC string (`$argon2id$v=19$...`) for `password`.
pub fn hash(password: &str) -> Result<String, String> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| format!("random source: {e}"))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| format!("salt: {e}"))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| format!("hashing: {e}"))
}

/// True when `password` matches `phc`. A malformed hash never matches.
pub fn verify(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A hash to verify against when the email is unknown, so that a wrong
/// email and a wrong password take the same time.
pub const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$kBhUqPca2CIa2UriIXlqBg$ov39Z1kZ+gDqK4SLSmmxITxb6ZdDA2t85MM2zL45ydg";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seeded_hashes_match_their_documented_passwords() {
        let seed = include_str!("../../../migrations/002_seed.sql");
        let hashes: Vec<&str> = seed
            .split('\'')
            .filter(|s| s.starts_with("$argon2id$"))
            .collect();
        assert_eq!(hashes.len(), 2);
        assert!(verify("correct horse battery staple", hashes[0]));
        assert!(verify("bob has a long password", hashes[1]));
        assert!(!verify("correct horse battery stapler", hashes[0]));
    }

    #[test]
    fn hash_then_verify() {
        let h = hash("a password").unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify("a password", &h));
        assert!(!verify("another", &h));
        assert!(!verify("a password", "not a hash"));
        assert!(!verify("x", DUMMY_HASH));
    }
}
