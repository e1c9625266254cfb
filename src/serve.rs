//! `vlsc-docs serve`: not implemented yet (issue 4).

use std::path::PathBuf;

pub struct ServeOptions {
    pub root: PathBuf,
    pub port: u16,
    pub bind: std::net::IpAddr,
    pub open: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("serve is not implemented yet")]
    NotImplemented,
}

pub fn run(_opts: ServeOptions) -> Result<(), ServeError> {
    Err(ServeError::NotImplemented)
}
