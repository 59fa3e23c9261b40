//! Wire bytes of a fully populated message, written straight from the schema
//! (the compiled descriptor set), field by field in declaration order. Every
//! value is derived from the field's message, name and number, so the bytes
//! are the same on every run.

use std::collections::HashMap;

use prost::Message;
use prost_types::field_descriptor_proto::{Label, Type};
use prost_types::{DescriptorProto, EnumDescriptorProto, FieldDescriptorProto, FileDescriptorSet};

/// How deep nested messages are filled; the schema has no recursive message,
/// so reaching it means one was added.
const MAX_DEPTH: usize = 8;

pub struct Schema {
    files: FileDescriptorSet,
    messages: HashMap<String, DescriptorProto>,
    enums: HashMap<String, EnumDescriptorProto>,
}

impl Schema {
    pub fn load() -> Self {
        let files = FileDescriptorSet::decode(switchboard_contracts::FILE_DESCRIPTOR_SET)
            .expect("the build's descriptor set decodes");
        let mut schema = Schema {
            files: FileDescriptorSet::default(),
            messages: HashMap::new(),
            enums: HashMap::new(),
        };
        for file in &files.file {
            let package = format!(".{}", file.package());
            for message in &file.message_type {
                schema.register(&package, message);
            }
            for e in &file.enum_type {
                schema
                    .enums
                    .insert(format!("{package}.{}", e.name()), e.clone());
            }
        }
        schema.files = files;
        schema
    }

    fn register(&mut self, scope: &str, message: &DescriptorProto) {
        let name = format!("{scope}.{}", message.name());
        for nested in &message.nested_type {
            self.register(&name, nested);
        }
        for e in &message.enum_type {
            self.enums.insert(format!("{name}.{}", e.name()), e.clone());
        }
        self.messages.insert(name, message.clone());
    }

    /// The messages declared at the top of each file.
    pub fn top_level(&self) -> impl Iterator<Item = &DescriptorProto> {
        self.files.file.iter().flat_map(|f| f.message_type.iter())
    }

    /// One populated encoding per member of the message's oneof (suffix
    /// `.{member}`), or a single one (no suffix) when it has none.
    pub fn populated(&self, message: &DescriptorProto) -> Vec<(String, Vec<u8>)> {
        let members: Vec<&FieldDescriptorProto> = message
            .field
            .iter()
            .filter(|f| f.oneof_index.is_some() && !f.proto3_optional())
            .collect();
        if members.is_empty() {
            return vec![(String::new(), self.encode(message, None, 0))];
        }
        members
            .iter()
            .map(|member| {
                let suffix = format!(".{}", member.name());
                (suffix, self.encode(message, Some(member.number()), 0))
            })
            .collect()
    }

    /// Every field of `message` set; of its oneof, only `chosen` (or the
    /// first member when `None`).
    fn encode(&self, message: &DescriptorProto, chosen: Option<i32>, depth: usize) -> Vec<u8> {
        assert!(depth < MAX_DEPTH, "{} nests too deep", message.name());
        let first_member = |index: i32| {
            message
                .field
                .iter()
                .find(|f| f.oneof_index == Some(index) && !f.proto3_optional())
                .map(FieldDescriptorProto::number)
        };
        let mut out = Vec::new();
        for field in &message.field {
            if let Some(index) = field.oneof_index.filter(|_| !field.proto3_optional())
                && Some(field.number()) != chosen.or_else(|| first_member(index))
            {
                continue;
            }
            self.encode_field(message, field, depth, &mut out);
        }
        out
    }

    fn encode_field(
        &self,
        message: &DescriptorProto,
        field: &FieldDescriptorProto,
        depth: usize,
        out: &mut Vec<u8>,
    ) {
        let number = u64::try_from(field.number()).unwrap();
        let repeated = field.label() == Label::Repeated;
        match field.r#type() {
            Type::String | Type::Bytes | Type::Message => {
                let nested = self.messages.get(field.type_name());
                let is_map =
                    nested.is_some_and(|m| m.options.as_ref().is_some_and(|o| o.map_entry()));
                // A map gets one entry: the order of several is not part of
                // the encoding (the Rust side keeps them in a hash map).
                let count = if repeated && !is_map { 2 } else { 1 };
                for copy in 0..count {
                    let payload = match (field.r#type(), nested) {
                        (Type::Message, Some(nested)) => self.encode(nested, None, depth + 1),
                        (Type::Message, None) => panic!("unknown type {}", field.type_name()),
                        (kind, _) => {
                            let mut text = format!("{}.{}", message.name(), field.name());
                            if copy > 0 {
                                text.push_str(".2");
                            }
                            let mut bytes = text.into_bytes();
                            if kind == Type::Bytes {
                                bytes.push(0xff);
                            }
                            bytes
                        }
                    };
                    key(number, 2, out);
                    varint(payload.len() as u64, out);
                    out.extend_from_slice(&payload);
                }
            }
            kind => {
                let mut values = Vec::new();
                let copies = if repeated { 2 } else { 1 };
                for copy in 0..copies {
                    self.scalar(kind, field, number + copy, &mut values);
                }
                if repeated {
                    // proto3 packs repeated scalars.
                    key(number, 2, out);
                    varint(values.len() as u64, out);
                    out.extend_from_slice(&values);
                } else {
                    key(number, wire_type(kind), out);
                    out.extend_from_slice(&values);
                }
            }
        }
    }

    fn scalar(&self, kind: Type, field: &FieldDescriptorProto, seed: u64, out: &mut Vec<u8>) {
        match kind {
            Type::Double => out.extend_from_slice(&(seed as f64 + 0.5).to_le_bytes()),
            Type::Float => out.extend_from_slice(&(seed as f32 + 0.5).to_le_bytes()),
            Type::Fixed64 | Type::Sfixed64 => out.extend_from_slice(&(seed << 40).to_le_bytes()),
            Type::Fixed32 | Type::Sfixed32 => {
                out.extend_from_slice(&(u32::try_from(seed).unwrap() << 8).to_le_bytes());
            }
            // Millisecond-sized values, so the multi-byte varints are pinned.
            Type::Int64 | Type::Uint64 => varint(1_700_000_000_000 + seed, out),
            Type::Int32 | Type::Uint32 => varint(1_000 + seed, out),
            Type::Sint32 | Type::Sint64 => varint(seed * 2 - 1, out), // zigzag of -seed
            Type::Bool => varint(1, out),
            Type::Enum => {
                let e = self
                    .enums
                    .get(field.type_name())
                    .unwrap_or_else(|| panic!("unknown enum {}", field.type_name()));
                // The highest value, so its number is pinned too.
                let highest = e.value.iter().map(|v| v.number()).max().unwrap_or(0);
                varint(u64::try_from(highest).unwrap(), out);
            }
            Type::Group | Type::String | Type::Bytes | Type::Message => {
                panic!("{kind:?} is not a scalar")
            }
        }
    }
}

fn wire_type(kind: Type) -> u64 {
    match kind {
        Type::Double | Type::Fixed64 | Type::Sfixed64 => 1,
        Type::Float | Type::Fixed32 | Type::Sfixed32 => 5,
        Type::String | Type::Bytes | Type::Message => 2,
        _ => 0,
    }
}

fn key(number: u64, wire_type: u64, out: &mut Vec<u8>) {
    varint(number << 3 | wire_type, out);
}

fn varint(mut value: u64, out: &mut Vec<u8>) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}
