//! Clock and randomness, from the WASI host in a component.

use crate::EdgeError;

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// Fills `buf` from the system's CSPRNG.
pub(crate) fn random_bytes(buf: &mut [u8]) -> Result<(), EdgeError> {
    getrandom::fill(buf).map_err(|e| EdgeError::Random(e.to_string()))
}

/// A uniform number in `(0, 1]` (never 0, so its logarithm is finite).
pub(crate) fn random_unit() -> f64 {
    let n = getrandom::u64().unwrap_or(u64::MAX / 2) >> 11;
    (n as f64 + 1.0) / (1u64 << 53) as f64
}
