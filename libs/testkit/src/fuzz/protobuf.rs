//! Mutations of a protobuf encoding at the level of its fields, so a
//! decoder sees messages that are well formed on the wire but carry values
//! nobody sends: enums and numbers out of range, strings that are not UTF-8,
//! nested messages that are garbage, fields repeated, dropped, added or of
//! another wire type. Random bytes alone rarely get past the first tag.

use proptest::prelude::*;

/// A field as it is on the wire.
#[derive(Debug, Clone)]
enum Wire {
    Varint(u64),
    Fixed64([u8; 8]),
    Bytes(Vec<u8>),
    Fixed32([u8; 4]),
}

#[derive(Debug, Clone)]
struct Field {
    number: u32,
    value: Wire,
}

/// What one [`ProtoEdit`] does to the field it reaches.
#[derive(Debug, Clone)]
pub enum ProtoOp {
    /// The field becomes a varint of this value (an enum out of range, a
    /// huge length, a string turned number).
    Varint(u64),
    /// The field's payload becomes these bytes (often not UTF-8).
    Bytes(Vec<u8>),
    /// The field's payload becomes this text.
    Text(String),
    /// The field becomes a fixed-width value.
    Fixed64(u64),
    Drop,
    Duplicate,
    /// A new field with this number and the payload.
    Add(u32, Vec<u8>),
}

/// An edit of the field at `path`: each index picks a field (modulo the
/// count) and descends into it while its payload reads as a message.
#[derive(Debug, Clone)]
pub struct ProtoEdit {
    pub path: Vec<usize>,
    pub op: ProtoOp,
}

/// Up to five field edits; none at times, so the valid message itself goes
/// through too.
pub fn proto_edits() -> impl Strategy<Value = Vec<ProtoEdit>> {
    let op = prop_oneof![
        prop_oneof![Just(0u64), Just(1), Just(u64::MAX), any::<u64>(), 2u64..40]
            .prop_map(ProtoOp::Varint),
        proptest::collection::vec(any::<u8>(), 0..24).prop_map(ProtoOp::Bytes),
        super::text().prop_map(ProtoOp::Text),
        any::<u64>().prop_map(ProtoOp::Fixed64),
        Just(ProtoOp::Drop),
        Just(ProtoOp::Duplicate),
        (0u32..24, proptest::collection::vec(any::<u8>(), 0..16))
            .prop_map(|(n, bytes)| ProtoOp::Add(n, bytes)),
    ];
    let edit = (proptest::collection::vec(any::<usize>(), 0..3), op)
        .prop_map(|(path, op)| ProtoEdit { path, op });
    proptest::collection::vec(edit, 0..6)
}

/// `seed` encoded, changed by `edits` and decoded again, as a consumer
/// would receive it.
pub fn through_the_wire<T: prost::Message + Default>(
    seed: &T,
    edits: &[ProtoEdit],
) -> Result<T, prost::DecodeError> {
    T::decode(mutate_protobuf(&seed.encode_to_vec(), edits).as_slice())
}

/// `valid` with `edits` applied; unchanged when it does not read as fields.
pub fn mutate_protobuf(valid: &[u8], edits: &[ProtoEdit]) -> Vec<u8> {
    let Some(mut fields) = parse(valid) else {
        return valid.to_vec();
    };
    for edit in edits {
        apply(&mut fields, &edit.path, &edit.op);
    }
    encode(&fields)
}

fn apply(fields: &mut Vec<Field>, path: &[usize], op: &ProtoOp) {
    if let Some((&first, rest)) = path.split_first()
        && !fields.is_empty()
    {
        let i = first % fields.len();
        if let Wire::Bytes(payload) = &fields[i].value
            && let Some(mut inner) = parse(payload)
        {
            apply(&mut inner, rest, op);
            fields[i].value = Wire::Bytes(encode(&inner));
            return;
        }
    }
    let i = path.first().copied().unwrap_or_default() % fields.len().max(1);
    match op {
        ProtoOp::Add(number, payload) => fields.push(Field {
            number: *number,
            value: Wire::Bytes(payload.clone()),
        }),
        _ if fields.is_empty() => {}
        ProtoOp::Varint(value) => fields[i].value = Wire::Varint(*value),
        ProtoOp::Bytes(bytes) => fields[i].value = Wire::Bytes(bytes.clone()),
        ProtoOp::Text(text) => fields[i].value = Wire::Bytes(text.as_bytes().to_vec()),
        ProtoOp::Fixed64(value) => fields[i].value = Wire::Fixed64(value.to_le_bytes()),
        ProtoOp::Drop => {
            fields.remove(i);
        }
        ProtoOp::Duplicate => {
            let copy = fields[i].clone();
            fields.insert(i, copy);
        }
    }
}

fn parse(mut bytes: &[u8]) -> Option<Vec<Field>> {
    let mut fields = Vec::new();
    while !bytes.is_empty() {
        let key = varint(&mut bytes)?;
        let number = u32::try_from(key >> 3).ok()?;
        let value = match key & 7 {
            0 => Wire::Varint(varint(&mut bytes)?),
            1 => Wire::Fixed64(take(&mut bytes, 8)?.try_into().ok()?),
            2 => {
                let len = usize::try_from(varint(&mut bytes)?).ok()?;
                Wire::Bytes(take(&mut bytes, len)?.to_vec())
            }
            5 => Wire::Fixed32(take(&mut bytes, 4)?.try_into().ok()?),
            _ => return None,
        };
        fields.push(Field { number, value });
    }
    Some(fields)
}

fn take<'a>(bytes: &mut &'a [u8], len: usize) -> Option<&'a [u8]> {
    if bytes.len() < len {
        return None;
    }
    let (head, tail) = bytes.split_at(len);
    *bytes = tail;
    Some(head)
}

fn varint(bytes: &mut &[u8]) -> Option<u64> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let (&byte, rest) = bytes.split_first()?;
        *bytes = rest;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Some(value);
        }
    }
    None
}

fn encode(fields: &[Field]) -> Vec<u8> {
    let mut out = Vec::new();
    for field in fields {
        let wire_type = match &field.value {
            Wire::Varint(_) => 0,
            Wire::Fixed64(_) => 1,
            Wire::Bytes(_) => 2,
            Wire::Fixed32(_) => 5,
        };
        put_varint(&mut out, (u64::from(field.number) << 3) | wire_type);
        match &field.value {
            Wire::Varint(value) => put_varint(&mut out, *value),
            Wire::Fixed64(bytes) => out.extend_from_slice(bytes),
            Wire::Bytes(bytes) => {
                put_varint(&mut out, bytes.len() as u64);
                out.extend_from_slice(bytes);
            }
            Wire::Fixed32(bytes) => out.extend_from_slice(bytes),
        }
    }
    out
}

fn put_varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_encoding_reads_back_as_itself() {
        // field 1 varint 150, field 2 "hi", field 3 fixed32, field 4 fixed64.
        let bytes = [
            0x08, 0x96, 0x01, 0x12, 0x02, b'h', b'i', 0x1d, 1, 2, 3, 4, 0x21, 1, 2, 3, 4, 5, 6, 7,
            8,
        ];
        assert_eq!(encode(&parse(&bytes).unwrap()), bytes);
        assert_eq!(mutate_protobuf(&bytes, &[]), bytes);
    }

    #[test]
    fn an_edit_reaches_a_nested_field() {
        // field 1 = message { field 1 = "a" }
        let bytes = [0x0a, 0x03, 0x0a, 0x01, b'a'];
        let edit = ProtoEdit {
            path: vec![0, 0],
            op: ProtoOp::Varint(7),
        };
        assert_eq!(mutate_protobuf(&bytes, &[edit]), [0x0a, 0x02, 0x08, 0x07]);
    }
}
