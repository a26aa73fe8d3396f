//! The key that encrypts secret values at rest on a local installation (`LocalSecrets`), and
//! where it comes from: `DEVPORTAL_SECRET_KEY`, or a key file kept outside the data directory
//! (created with mode 0600 on first start). The database never holds the key, so a copy of the
//! data directory alone does not reveal a Git token, a deploy key or a vault value.
//!
//! Sealing is XChaCha20-Poly1305 (RustCrypto's `chacha20poly1305`) with a random 192-bit nonce
//! per value and the value's identity (which secret, of which kind, owned by whom) as
//! associated data, so a sealed value moved onto another record does not open. A wrong key
//! never yields garbage: opening fails its authentication tag (see docs/ARCHITECTURE.md,
//! "Secrets").

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use std::io::Write;
use std::path::{Path, PathBuf};

const KEY_LEN: usize = 32;
const NONCE_LEN: usize = 24;
/// Prefix of a sealed value's text form (the format version).
const SEALED_PREFIX: &str = "v1:";

/// Why a key could not be had.
#[derive(Debug, thiserror::Error)]
pub enum SecretKeyError {
    #[error("DEVPORTAL_SECRET_KEY must be 32 bytes written as 64 hexadecimal digits or in base64 (generate one with `openssl rand -hex 32`)")]
    InvalidValue,
    #[error("the secret key file {path} is invalid: it must hold 32 bytes as 64 hexadecimal digits")]
    InvalidFile { path: PathBuf },
    #[error("the secret key file {path} must not be inside the data directory {data_dir} (a copy of the data would carry its key)")]
    InsideDataDir { path: PathBuf, data_dir: PathBuf },
    #[error("cannot read or create the secret key file {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
}

/// The 256-bit key; never printed.
#[derive(Clone)]
pub struct SecretKey([u8; KEY_LEN]);

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(***)")
    }
}

/// Where the key came from, for messages (never the key itself).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeySource {
    /// `DEVPORTAL_SECRET_KEY`.
    Environment,
    /// A key file that existed.
    File(PathBuf),
    /// A key file created just now (first start).
    CreatedFile(PathBuf),
    /// Given directly (tests, tools).
    Given,
}

impl std::fmt::Display for KeySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeySource::Environment => f.write_str("DEVPORTAL_SECRET_KEY"),
            KeySource::File(p) => write!(f, "the key file {}", p.display()),
            KeySource::CreatedFile(p) => write!(f, "the key file {} (created now)", p.display()),
            KeySource::Given => f.write_str("the key given"),
        }
    }
}

/// A sealed value did not open: the key differs from the one that sealed it, or the stored
/// bytes were changed.
#[derive(Debug, thiserror::Error)]
#[error("the stored secret cannot be decrypted with this key (a different DEVPORTAL_SECRET_KEY or key file than the one it was stored with, or a damaged record)")]
pub struct OpenError;

impl SecretKey {
    /// A fresh random key.
    pub fn generate() -> Self {
        Self(XChaCha20Poly1305::generate_key(&mut OsRng).into())
    }

    /// Parses `DEVPORTAL_SECRET_KEY`: 64 hex digits or base64 of 32 bytes.
    pub fn parse(text: &str) -> Result<Self, SecretKeyError> {
        let text = text.trim();
        let bytes =
            if text.len() == 2 * KEY_LEN && text.bytes().all(|b| b.is_ascii_hexdigit()) { hex_decode(text) } else { STANDARD.decode(text).ok() };
        match bytes {
            Some(b) if b.len() == KEY_LEN => Ok(Self(b.try_into().expect("length checked"))),
            _ => Err(SecretKeyError::InvalidValue),
        }
    }

    /// The key from `path`, or a new one written there (mode 0600, parent directories created)
    /// when the file does not exist. `data_dir` must not contain `path`.
    pub fn load_or_create(path: &Path, data_dir: &Path) -> Result<(Self, KeySource), SecretKeyError> {
        let abs = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
        if abs(path).starts_with(abs(data_dir)) {
            return Err(SecretKeyError::InsideDataDir { path: path.to_path_buf(), data_dir: data_dir.to_path_buf() });
        }
        let io = |source| SecretKeyError::Io { path: path.to_path_buf(), source };
        match std::fs::read_to_string(path) {
            Ok(text) => {
                let text = text.trim();
                let key = (text.len() == 2 * KEY_LEN)
                    .then(|| hex_decode(text))
                    .flatten()
                    .ok_or_else(|| SecretKeyError::InvalidFile { path: path.to_path_buf() })?;
                Ok((Self(key.try_into().expect("length checked")), KeySource::File(path.to_path_buf())))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                    std::fs::create_dir_all(parent).map_err(io)?;
                }
                let key = Self::generate();
                let mut options = std::fs::OpenOptions::new();
                options.write(true).create_new(true);
                #[cfg(unix)]
                std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
                let mut file = options.open(path).map_err(io)?;
                file.write_all(format!("{}\n", hex_encode(&key.0)).as_bytes()).map_err(io)?;
                file.sync_all().map_err(io)?;
                Ok((key, KeySource::CreatedFile(path.to_path_buf())))
            }
            Err(e) => Err(io(e)),
        }
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new((&self.0).into())
    }

    /// Encrypts `plaintext`, bound to `context` (associated data): `v1:<base64 nonce‖ciphertext>`.
    pub fn seal(&self, plaintext: &[u8], context: &str) -> String {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let sealed = self
            .cipher()
            .encrypt(&nonce, Payload { msg: plaintext, aad: context.as_bytes() })
            .expect("XChaCha20-Poly1305 encryption does not fail for in-memory input");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        format!("{SEALED_PREFIX}{}", STANDARD.encode(out))
    }

    /// Decrypts what [`seal`](Self::seal) made with the same key and `context`.
    pub fn open(&self, sealed: &str, context: &str) -> Result<Vec<u8>, OpenError> {
        let bytes = sealed.strip_prefix(SEALED_PREFIX).and_then(|b| STANDARD.decode(b).ok()).ok_or(OpenError)?;
        if bytes.len() < NONCE_LEN {
            return Err(OpenError);
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        self.cipher().decrypt(XNonce::from_slice(nonce), Payload { msg: ciphertext, aad: context.as_bytes() }).map_err(|_| OpenError)
    }
}

/// The default key file of a data directory: beside it, never inside (`.devportal` →
/// `.devportal.key`).
pub fn default_key_file(data_dir: &Path) -> PathBuf {
    let abs = std::path::absolute(data_dir).unwrap_or_else(|_| data_dir.to_path_buf());
    let name = abs.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "devportal".into());
    abs.with_file_name(format!("{name}.key"))
}

fn hex_encode(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn hex_decode(text: &str) -> Option<Vec<u8>> {
    (0..text.len()).step_by(2).map(|i| text.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_open_with_their_key_and_context_only() {
        let key = SecretKey::generate();
        let sealed = key.seal(b"ghp_token", "secret:1");
        assert!(!sealed.contains("ghp_token"));
        assert_eq!(key.open(&sealed, "secret:1").unwrap(), b"ghp_token");
        assert!(key.open(&sealed, "secret:2").is_err(), "moved to another record");
        assert!(SecretKey::generate().open(&sealed, "secret:1").is_err(), "another key");
        let mut tampered = sealed.clone();
        tampered.pop();
        tampered.push('A');
        assert!(key.open(&tampered, "secret:1").is_err());
        assert_ne!(key.seal(b"x", "c"), key.seal(b"x", "c"), "a fresh nonce each time");
    }

    #[test]
    fn keys_parse_from_hex_or_base64() {
        let hex = "00".repeat(31) + "ff";
        assert!(SecretKey::parse(&hex).is_ok());
        assert!(SecretKey::parse(&STANDARD.encode([7u8; 32])).is_ok());
        assert!(SecretKey::parse("short").is_err());
        assert!(SecretKey::parse(&STANDARD.encode([7u8; 16])).is_err());
        assert_eq!(format!("{:?}", SecretKey::generate()), "SecretKey(***)");
    }

    #[test]
    fn the_key_file_is_created_once_with_mode_0600_outside_the_data_dir() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let file = default_key_file(&data);
        assert_eq!(file, dir.path().join("data.key"));
        let (k1, s1) = SecretKey::load_or_create(&file, &data).unwrap();
        assert!(matches!(s1, KeySource::CreatedFile(_)));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
        }
        let (k2, s2) = SecretKey::load_or_create(&file, &data).unwrap();
        assert!(matches!(s2, KeySource::File(_)));
        assert_eq!(k1.0, k2.0);
        assert!(matches!(SecretKey::load_or_create(&data.join("k"), &data), Err(SecretKeyError::InsideDataDir { .. })));
        std::fs::write(&file, "garbage").unwrap();
        assert!(matches!(SecretKey::load_or_create(&file, &data), Err(SecretKeyError::InvalidFile { .. })));
    }
}
