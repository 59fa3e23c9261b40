//! What the fuzz tests share: how many cases each runs
//! ([`CASES_VAR`], so a long campaign needs no code change), and the
//! generators of hostile input every input edge is fed: text with control
//! and unusual characters, arbitrary JSON, byte mutations, and protobuf
//! mutations that keep the wire format readable so decoding gets past the
//! first byte ([`mutate_protobuf`]).
//!
//! Every fuzz test lives in a module or file named `fuzz`, so
//! `cargo nextest run -E 'test(fuzz)'` selects them all.

use proptest::prelude::*;
use proptest::test_runner::Config;
use serde_json::{Map, Number, Value};

/// The number of cases every fuzz test runs, when set; each test has its
/// own default, sized so the whole set takes about a minute in a debug
/// build on two cores.
pub const CASES_VAR: &str = "SWITCHBOARD_FUZZ_CASES";

/// The cases a fuzz test runs: [`CASES_VAR`] when set, else `default`.
pub fn cases(default: u32) -> u32 {
    match std::env::var(CASES_VAR) {
        Ok(value) => value
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("{CASES_VAR}={value:?} is not a number of cases")),
        Err(_) => default,
    }
}

/// A proptest configuration running [`cases`]`(default)` cases. Failures are
/// not written to files: a shrunk failure becomes a regression case in the
/// test's own code, next to the fix.
pub fn config(default: u32) -> Config {
    Config {
        cases: cases(default),
        failure_persistence: None,
        ..Config::default()
    }
}

/// Characters that break naive text handling: controls (C0, DEL, C1),
/// whitespace of every kind, zero-width and direction marks, a byte-order
/// mark, combining marks, and characters of two, three and four bytes.
const AWKWARD: &[char] = &[
    '\0',
    '\u{1}',
    '\u{8}',
    '\t',
    '\n',
    '\r',
    '\u{1b}',
    '\u{7f}',
    '\u{85}',
    '\u{9f}',
    ' ',
    '\u{a0}',
    '\u{2028}',
    '\u{3000}',
    '\u{200b}',
    '\u{200d}',
    '\u{202e}',
    '\u{feff}',
    '\u{301}',
    'é',
    'ß',
    '中',
    '\u{fffd}',
    '😀',
    '\u{10ffff}',
    '"',
    '\\',
    '/',
    '{',
    '}',
    '[',
    ']',
    ':',
    ',',
    '@',
    '.',
    '-',
    '_',
    '#',
    '?',
    '%',
    'a',
    'Z',
    '0',
    '9',
];

/// One awkward character, or any character at all.
pub fn awkward_char() -> impl Strategy<Value = char> {
    prop_oneof![
        3 => proptest::sample::select(AWKWARD),
        1 => any::<char>(),
    ]
}

/// Text as a hostile client sends it: empty, short and awkward, any
/// Unicode, or one character repeated past every length limit (up to 10,000
/// characters, so 4,000- and 8,192-limits are crossed in characters and in
/// bytes).
pub fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => proptest::collection::vec(awkward_char(), 0..24).prop_map(String::from_iter),
        2 => any::<String>(),
        1 => "[ -~]{0,64}",
        1 => (awkward_char(), 0usize..10_000).prop_map(|(c, n)| c.to_string().repeat(n)),
    ]
}

/// A JSON number of every kind serde_json tells apart: small and huge
/// integers, negative ones, and fractions.
pub fn json_number() -> impl Strategy<Value = Number> {
    prop_oneof![
        (-3i64..30).prop_map(Number::from),
        any::<i64>().prop_map(Number::from),
        any::<u64>().prop_map(Number::from),
        any::<f64>().prop_filter_map("finite", Number::from_f64),
    ]
}

/// A JSON leaf: null, a boolean, a number or a string.
pub fn json_leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        json_number().prop_map(Value::Number),
        text().prop_map(Value::String),
    ]
}

/// Any JSON value, nested a few levels, with keys drawn from `keys` (the
/// fields a parser knows, so values of the wrong type reach its checks) or
/// from hostile text.
pub fn json_value(keys: &'static [&'static str]) -> impl Strategy<Value = Value> {
    json_leaf().prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::vec((key(keys), inner), 0..6)
                .prop_map(|fields| Value::Object(Map::from_iter(fields))),
        ]
    })
}

/// A JSON object whose fields are mostly the known `keys`, holding any
/// JSON: structurally what a parser expects, with random types and sizes.
pub fn json_object(keys: &'static [&'static str]) -> impl Strategy<Value = Value> {
    proptest::collection::vec((key(keys), json_value(keys)), 0..8)
        .prop_map(|fields| Value::Object(Map::from_iter(fields)))
}

fn key(keys: &'static [&'static str]) -> BoxedStrategy<String> {
    if keys.is_empty() {
        return text().boxed();
    }
    prop_oneof![
        4 => proptest::sample::select(keys).prop_map(str::to_owned),
        1 => text(),
    ]
    .boxed()
}

/// One change to a JSON object that was valid: a field removed, a field's
/// value replaced by any JSON (wrong type, huge, nested), a field added, or
/// a string field's text replaced or extended.
#[derive(Debug, Clone)]
pub enum JsonEdit {
    Remove(usize),
    Replace(usize, Value),
    Add(String, Value),
    Text(usize, String),
    Append(usize, String),
}

/// Up to four [`JsonEdit`]s, field indexes taken modulo the object's size.
pub fn json_edits(keys: &'static [&'static str]) -> impl Strategy<Value = Vec<JsonEdit>> {
    let edit = prop_oneof![
        any::<usize>().prop_map(JsonEdit::Remove),
        (any::<usize>(), json_value(keys)).prop_map(|(i, v)| JsonEdit::Replace(i, v)),
        (key(keys), json_value(keys)).prop_map(|(k, v)| JsonEdit::Add(k, v)),
        (any::<usize>(), text()).prop_map(|(i, t)| JsonEdit::Text(i, t)),
        (any::<usize>(), text()).prop_map(|(i, t)| JsonEdit::Append(i, t)),
    ];
    proptest::collection::vec(edit, 1..5)
}

/// `valid` (a JSON object) with `edits` applied.
pub fn apply_json_edits(valid: &Value, edits: &[JsonEdit]) -> Value {
    let Value::Object(fields) = valid else {
        return valid.clone();
    };
    let mut fields: Vec<(String, Value)> = fields.clone().into_iter().collect();
    for edit in edits {
        let len = fields.len().max(1);
        match edit {
            JsonEdit::Remove(i) if !fields.is_empty() => {
                fields.remove(i % len);
            }
            JsonEdit::Replace(i, value) if !fields.is_empty() => {
                fields[i % len].1 = value.clone();
            }
            JsonEdit::Add(key, value) => fields.push((key.clone(), value.clone())),
            JsonEdit::Text(i, text) if !fields.is_empty() => {
                fields[i % len].1 = Value::String(text.clone());
            }
            JsonEdit::Append(i, text) if !fields.is_empty() => {
                if let Value::String(s) = &mut fields[i % len].1 {
                    s.push_str(text);
                }
            }
            _ => {}
        }
    }
    Value::Object(Map::from_iter(fields))
}

/// One change to a byte string.
#[derive(Debug, Clone)]
pub enum ByteEdit {
    Flip { at: usize, bit: u8 },
    Set { at: usize, byte: u8 },
    Insert { at: usize, bytes: Vec<u8> },
    Remove { at: usize, len: usize },
    Truncate { at: usize },
    Repeat { at: usize, len: usize },
}

/// Up to six [`ByteEdit`]s, positions taken modulo the length.
pub fn byte_edits() -> impl Strategy<Value = Vec<ByteEdit>> {
    let edit = prop_oneof![
        (any::<usize>(), 0u8..8).prop_map(|(at, bit)| ByteEdit::Flip { at, bit }),
        (any::<usize>(), interesting_byte()).prop_map(|(at, byte)| ByteEdit::Set { at, byte }),
        (
            any::<usize>(),
            proptest::collection::vec(interesting_byte(), 1..8)
        )
            .prop_map(|(at, bytes)| ByteEdit::Insert { at, bytes }),
        (any::<usize>(), 1usize..8).prop_map(|(at, len)| ByteEdit::Remove { at, len }),
        any::<usize>().prop_map(|at| ByteEdit::Truncate { at }),
        (any::<usize>(), 1usize..16).prop_map(|(at, len)| ByteEdit::Repeat { at, len }),
    ];
    proptest::collection::vec(edit, 1..7)
}

/// Bytes that mean something to a decoder: the ends of a varint, wire
/// types, quotes and braces, invalid UTF-8 lead and continuation bytes.
fn interesting_byte() -> impl Strategy<Value = u8> {
    prop_oneof![
        3 => any::<u8>(),
        2 => proptest::sample::select(
            &[0x00u8, 0x01, 0x02, 0x05, 0x07, 0x0a, 0x22, 0x5c, 0x7b, 0x7d, 0x7f, 0x80, 0xbf, 0xc0,
              0xe0, 0xf0, 0xf8, 0xff][..]
        ),
    ]
}

/// `valid` with `edits` applied.
pub fn apply_byte_edits(valid: &[u8], edits: &[ByteEdit]) -> Vec<u8> {
    let mut bytes = valid.to_vec();
    for edit in edits {
        let len = bytes.len();
        let at = |at: usize| if len == 0 { 0 } else { at % len };
        match edit {
            ByteEdit::Flip { at: i, bit } if len > 0 => bytes[at(*i)] ^= 1 << bit,
            ByteEdit::Set { at: i, byte } if len > 0 => bytes[at(*i)] = *byte,
            ByteEdit::Insert { at: i, bytes: new } => {
                let i = at(*i);
                bytes.splice(i..i, new.iter().copied());
            }
            ByteEdit::Remove { at: i, len: n } if len > 0 => {
                let i = at(*i);
                bytes.drain(i..(i + n).min(len));
            }
            ByteEdit::Truncate { at: i } => bytes.truncate(at(*i)),
            ByteEdit::Repeat { at: i, len: n } if len > 0 => {
                let i = at(*i);
                let chunk = bytes[i..(i + n).min(len)].to_vec();
                bytes.splice(i..i, chunk);
            }
            _ => {}
        }
    }
    bytes
}

mod protobuf;
pub use protobuf::{ProtoEdit, ProtoOp, mutate_protobuf, proto_edits, through_the_wire};
