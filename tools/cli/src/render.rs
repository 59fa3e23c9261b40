//! Output: a table for people, or the same data as JSON for scripts.

use serde_json::Value;

/// Rows under a header line, each column as wide as its widest cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub headers: Vec<&'static str>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(headers: Vec<&'static str>) -> Self {
        Self {
            headers,
            rows: Vec::new(),
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// The table as text: columns two spaces apart, no trailing spaces.
    pub fn render(&self) -> String {
        let mut widths: Vec<usize> = self.headers.iter().map(|h| h.chars().count()).collect();
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate() {
                let width = cell.chars().count();
                match widths.get_mut(i) {
                    Some(w) => *w = (*w).max(width),
                    None => widths.push(width),
                }
            }
        }
        let line = |cells: &mut dyn Iterator<Item = &str>| -> String {
            let padded: Vec<String> = cells
                .enumerate()
                .map(|(i, cell)| format!("{cell:<width$}", width = widths[i]))
                .collect();
            format!("{}\n", padded.join("  ").trim_end())
        };
        let mut out = line(&mut self.headers.iter().copied());
        for row in &self.rows {
            out.push_str(&line(&mut row.iter().map(String::as_str)));
        }
        out
    }
}

/// What a command printed: its data, and how to show it as a table.
#[derive(Debug, Clone, PartialEq)]
pub struct Output {
    pub json: Value,
    pub table: Table,
}

impl Output {
    pub fn render(&self, json: bool) -> String {
        if json {
            format!("{:#}\n", self.json)
        } else {
            self.table.render()
        }
    }
}

/// A JSON value as one cell: strings bare, absent values empty, anything
/// else as compact JSON.
pub fn cell(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// One record as a two-column table of its fields.
pub fn fields(json: &Value, names: &[&str]) -> Table {
    let mut table = Table::new(vec!["FIELD", "VALUE"]);
    for name in names {
        table.row(vec![(*name).to_owned(), cell(&json[*name])]);
    }
    table
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn columns_are_as_wide_as_their_widest_cell() {
        let mut table = Table::new(vec!["ID", "NAME"]);
        table.row(vec!["1".to_owned(), "Acme".to_owned()]);
        table.row(vec!["1234".to_owned(), "Zed".to_owned()]);
        assert_eq!(table.render(), "ID    NAME\n1     Acme\n1234  Zed\n");
    }

    #[test]
    fn a_table_without_rows_is_its_header() {
        assert_eq!(Table::new(vec!["SEQ", "REASON"]).render(), "SEQ  REASON\n");
    }

    #[test]
    fn wide_characters_count_once_and_lines_end_without_spaces() {
        let mut table = Table::new(vec!["A", "B"]);
        table.row(vec!["é".to_owned(), String::new()]);
        assert_eq!(table.render(), "A  B\né\n");
    }

    #[test]
    fn json_output_is_the_data_pretty_printed() {
        let output = Output {
            json: json!({"tenants": [{"id": "t1"}]}),
            table: Table::new(vec!["ID"]),
        };
        let printed = output.render(true);
        assert_eq!(
            serde_json::from_str::<Value>(&printed).unwrap(),
            json!({"tenants": [{"id": "t1"}]})
        );
        assert!(printed.ends_with("}\n") && printed.contains("\n  \"tenants\""));
        assert_eq!(output.render(false), "ID\n");
    }

    #[test]
    fn cells_show_strings_bare_and_null_as_empty() {
        assert_eq!(cell(&json!("premium")), "premium");
        assert_eq!(cell(&Value::Null), "");
        assert_eq!(cell(&json!(3)), "3");
        assert_eq!(cell(&json!(["a"])), "[\"a\"]");
        let table = fields(
            &json!({"id": "t1", "edition": "standard"}),
            &["id", "edition", "name"],
        );
        assert_eq!(
            table.render(),
            "FIELD    VALUE\nid       t1\nedition  standard\nname\n"
        );
    }
}
