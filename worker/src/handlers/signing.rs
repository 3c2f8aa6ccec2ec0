//! Webhook signatures in the Standard Webhooks scheme
//! (<https://www.standardwebhooks.com/>), so a receiver can tell a delivery
//! from a forgery and a replay:
//!
//! - `webhook-id`: the job's id, the same on every retry (deduplicate on it);
//! - `webhook-timestamp`: seconds since the Unix epoch, when this attempt was
//!   sent (refuse ones too far from now);
//! - `webhook-signature`: `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`,
//!   one per secret, space-separated, so secrets can be rotated: a receiver
//!   accepts a delivery when any signature verifies with a secret it holds.
//!
//! Secrets are given as `whsec_` followed by the key in base64 (what the
//! Standard Webhooks libraries generate and read). Error messages name a
//! secret by its position, never by its text.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The header names, reserved in every webhook payload (see
/// `redspin_core::jobs::webhook`).
pub const ID: &str = "webhook-id";
pub const TIMESTAMP: &str = "webhook-timestamp";
pub const SIGNATURE: &str = "webhook-signature";

const PREFIX: &str = "whsec_";

/// The signing keys, in the order given (the first is the current one).
#[derive(Clone)]
pub struct Signer {
    keys: Vec<Vec<u8>>,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Signer({} keys)", self.keys.len())
    }
}

/// A signing secret that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    #[error("no webhook signing secret given")]
    Empty,
    #[error("webhook signing secret #{0} does not start with `whsec_`")]
    Prefix(usize),
    #[error("webhook signing secret #{0} is not base64 after `whsec_`")]
    Base64(usize),
    #[error("webhook signing secret #{0} is shorter than 16 bytes")]
    Short(usize),
}

impl Signer {
    /// Reads space-separated `whsec_...` secrets.
    pub fn parse(secrets: &str) -> Result<Self, SecretError> {
        let keys = secrets
            .split_whitespace()
            .enumerate()
            .map(|(i, s)| key(i + 1, s))
            .collect::<Result<Vec<_>, _>>()?;
        if keys.is_empty() {
            return Err(SecretError::Empty);
        }
        Ok(Self { keys })
    }

    /// The three headers for one attempt to deliver `body`.
    pub fn headers(&self, id: &str, timestamp: u64, body: &[u8]) -> [(&'static str, String); 3] {
        let signatures: Vec<String> = self
            .keys
            .iter()
            .map(|k| format!("v1,{}", STANDARD.encode(sign(k, id, timestamp, body))))
            .collect();
        [
            (ID, id.to_owned()),
            (TIMESTAMP, timestamp.to_string()),
            (SIGNATURE, signatures.join(" ")),
        ]
    }
}

fn key(n: usize, secret: &str) -> Result<Vec<u8>, SecretError> {
    let b64 = secret.strip_prefix(PREFIX).ok_or(SecretError::Prefix(n))?;
    let key = STANDARD.decode(b64).map_err(|_| SecretError::Base64(n))?;
    if key.len() < 16 {
        return Err(SecretError::Short(n));
    }
    Ok(key)
}

fn sign(key: &[u8], id: &str, timestamp: u64, body: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(body);
    mac.finalize().into_bytes().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of the Standard Webhooks specification and its
    /// reference libraries.
    #[test]
    fn the_specification_example() {
        let signer = Signer::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let [id, ts, sig] = signer.headers(
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            br#"{"test": 2432232314}"#,
        );
        assert_eq!(id, (ID, "msg_p5jXN8AQM9LWM0D4loKWxJek".to_owned()));
        assert_eq!(ts, (TIMESTAMP, "1614265330".to_owned()));
        assert_eq!(
            sig,
            (
                SIGNATURE,
                "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=".to_owned()
            )
        );
    }

    #[test]
    fn every_secret_signs_and_bad_ones_are_named_by_position() {
        let two = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw whsec_AAECAwQFBgcICQoLDA0ODw==";
        let [_, _, (_, sig)] = Signer::parse(two).unwrap().headers("a", 1, b"x");
        assert_eq!(sig.split(' ').count(), 2);
        assert!(sig.split(' ').all(|s| s.starts_with("v1,")));
        let cases = [
            ("", SecretError::Empty),
            ("   ", SecretError::Empty),
            ("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", SecretError::Prefix(1)),
            (
                "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw whsec_!!",
                SecretError::Base64(2),
            ),
            ("whsec_AAEC", SecretError::Short(1)),
        ];
        for (secrets, want) in cases {
            assert_eq!(Signer::parse(secrets).unwrap_err(), want, "{secrets:?}");
        }
    }
}
