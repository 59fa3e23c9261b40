//! Compiles `proto/` into Rust with a pure-Rust protobuf compiler, so a fresh
//! machine needs no system `protoc`.

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../proto");
    let files = [
        "common",
        "conversation",
        "ai",
        "config",
        "timer",
        "presence",
        "routing",
        "workitem",
        "webhook",
    ]
    .map(|name| root.join(format!("switchboard/v1/{name}.proto")));
    for file in &files {
        println!("cargo:rerun-if-changed={}", file.display());
    }
    let descriptors = protox::compile(&files, [&root])?;
    // Kept for the golden tests, which fill every field the schema declares.
    let out = PathBuf::from(std::env::var_os("OUT_DIR").ok_or("OUT_DIR is not set")?);
    std::fs::write(
        out.join("switchboard.v1.fds"),
        prost::Message::encode_to_vec(&descriptors),
    )?;
    let mut config = prost_build::Config::new();
    // Tenant holds secrets; its Debug is written by hand to redact them.
    config.skip_debug(["switchboard.v1.Tenant"]);
    config.compile_fds(descriptors)?;
    Ok(())
}
