//! Writing secrets to disk: files 0600 in directories 0700.

use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

use crate::AuthError;

/// Creates `dir` (and its parents) owner-only, or makes an existing one so.
pub fn secret_dir(dir: &Path) -> Result<(), AuthError> {
    let io = |e| AuthError::Io(dir.display().to_string(), e);
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(io)?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(io)
}

/// Writes `contents` to `path`, readable and writable by the owner only.
pub fn write_secret(path: &Path, contents: &[u8]) -> Result<(), AuthError> {
    let io = |e| AuthError::Io(path.display().to_string(), e);
    if let Some(parent) = path.parent() {
        secret_dir(parent)?;
    }
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .map_err(io)?;
    file.write_all(contents).map_err(io)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(io)
}
