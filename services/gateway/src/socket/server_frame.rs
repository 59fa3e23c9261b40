//! How a server frame goes on the wire: one JSON object with its fields at
//! the top level next to `"type"` (CONTRACT.md §3). Each socket has its own
//! frame enum; this is what the shell needs of one.

use serde::Serialize;

/// Sent when a frame cannot be encoded, so the socket stays usable.
const UNENCODABLE: &str =
    r#"{"type":"error","code":"internal","message":"a frame could not be encoded"}"#;

/// A frame the server sends.
pub trait OutgoingFrame: Serialize {
    /// Whether this is an `error` frame (counted in the gateway's metrics).
    fn is_error(&self) -> bool;

    /// The frame's JSON text.
    fn to_json(&self) -> String {
        // Serializing plain structs cannot fail; the fallback keeps the
        // socket alive should one ever refuse.
        serde_json::to_string(self).unwrap_or_else(|_| UNENCODABLE.to_owned())
    }
}
