//! JSON with the line of every value, so that a finding from a template or a plan points at the line
//! that causes it. ARM templates may carry comments (`//`, `/* */`), which ARM accepts: so does this.

use crate::error::Error;
use jsonc_parser::ast;
use jsonc_parser::{CollectOptions, ParseOptions, parse_to_ast};
use serde_json::{Map, Number, Value};
use std::collections::BTreeMap;

/// A parsed document and the line (1-based) where each value starts, by JSON pointer (RFC 6901:
/// `/resources/0/properties/adminUserEnabled`). For an object member, the line of its name.
pub struct Located {
    pub value: Value,
    lines: BTreeMap<String, usize>,
}

impl Located {
    pub fn line(&self, pointer: &str) -> Option<usize> {
        self.lines.get(pointer).copied()
    }

    /// Every value inside the one at `pointer`: (the pointer below it, without the leading `/`; line).
    pub fn lines_under<'a>(&'a self, pointer: &str) -> impl Iterator<Item = (&'a str, usize)> + 'a {
        let prefix = format!("{pointer}/");
        let skip = prefix.len();
        self.lines
            .range(prefix.clone()..)
            .take_while(move |(k, _)| k.starts_with(&prefix))
            .map(move |(k, v)| (&k[skip..], *v))
    }
}

/// Parses `text` (the contents of `file`); a syntax error names the file, line and column.
pub fn parse(text: &str, file: &str) -> Result<Located, Error> {
    let text = text.trim_start_matches('\u{feff}');
    if let Some(line) = too_deep(text) {
        return Err(Error::usage(
            format!("{file}:{line}: JSON nested more than {MAX_DEPTH} levels deep"),
            "templates and plans are never nested this deep: check that this is the intended file",
        ));
    }
    let strict = ParseOptions {
        allow_comments: true,
        allow_loose_object_property_names: false,
        allow_trailing_commas: false,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        ..ParseOptions::default()
    };
    let parsed = parse_to_ast(text, &CollectOptions::default(), &strict).map_err(|e| {
        Error::usage(
            format!("{file}:{}:{}: invalid JSON: {}", e.line_display(), e.column_display(), e.kind()),
            "fix the JSON at that position (`az bicep build` writes a template that parses)",
        )
    })?;
    let Some(root) = parsed.value else {
        return Err(Error::usage(format!("{file} is empty"), "give a JSON file"));
    };
    let starts: Vec<usize> = std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect();
    let mut walk = Walk { starts: &starts, lines: BTreeMap::new(), file };
    let value = walk.value(&root, &mut String::new(), None)?;
    Ok(Located { value, lines: walk.lines })
}

/// Deeper than any template or plan; a parser recursing further could exhaust the stack.
const MAX_DEPTH: usize = 256;

/// The line where brackets first nest deeper than `MAX_DEPTH` (strings and comments aside), if they do.
fn too_deep(text: &str) -> Option<usize> {
    let (mut depth, mut in_string, mut escaped, mut line) = (0usize, false, false, 1usize);
    for b in text.bytes() {
        if b == b'\n' {
            line += 1;
        }
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Some(line);
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

struct Walk<'a> {
    starts: &'a [usize],
    lines: BTreeMap<String, usize>,
    file: &'a str,
}

impl Walk<'_> {
    fn line_of(&self, offset: usize) -> usize {
        self.starts.partition_point(|&s| s <= offset)
    }

    /// Converts a node, recording its line under `pointer` (`at` overrides the node's own start: an
    /// object member is found at its name).
    fn value(&mut self, node: &ast::Value, pointer: &mut String, at: Option<usize>) -> Result<Value, Error> {
        let start = at.unwrap_or_else(|| node_start(node));
        self.lines.insert(pointer.clone(), self.line_of(start));
        Ok(match node {
            ast::Value::StringLit(s) => Value::String(s.value.to_string()),
            ast::Value::NumberLit(n) => {
                let number = n.value.parse::<i64>().ok().map(Number::from).or_else(|| {
                    n.value
                        .parse::<u64>()
                        .ok()
                        .map(Number::from)
                        .or_else(|| n.value.parse::<f64>().ok().and_then(Number::from_f64))
                });
                match number {
                    Some(n) => Value::Number(n),
                    None => {
                        return Err(Error::usage(
                            format!("{}:{}: {} is not a number", self.file, self.line_of(n.range.start), n.value),
                            "write the number in plain JSON form",
                        ));
                    }
                }
            }
            ast::Value::BooleanLit(b) => Value::Bool(b.value),
            ast::Value::NullKeyword(_) => Value::Null,
            ast::Value::Array(a) => {
                let mut out = Vec::with_capacity(a.elements.len());
                for (i, e) in a.elements.iter().enumerate() {
                    let len = pointer.len();
                    pointer.push_str(&format!("/{i}"));
                    out.push(self.value(e, pointer, None)?);
                    pointer.truncate(len);
                }
                Value::Array(out)
            }
            ast::Value::Object(o) => {
                let mut out = Map::new();
                for p in &o.properties {
                    let name = p.name.as_str();
                    let len = pointer.len();
                    pointer.push('/');
                    pointer.push_str(&name.replace('~', "~0").replace('/', "~1"));
                    let v = self.value(&p.value, pointer, Some(p.range.start))?;
                    pointer.truncate(len);
                    out.insert(name.to_string(), v);
                }
                Value::Object(out)
            }
        })
    }
}

fn node_start(node: &ast::Value) -> usize {
    match node {
        ast::Value::StringLit(s) => s.range.start,
        ast::Value::NumberLit(n) => n.range.start,
        ast::Value::BooleanLit(b) => b.range.start,
        ast::Value::NullKeyword(n) => n.range.start,
        ast::Value::Array(a) => a.range.start,
        ast::Value::Object(o) => o.range.start,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_has_its_line() {
        let text =
            "{\n  // a comment\n  \"resources\": [\n    {\n      \"properties\": {\"a/b\": true}\n    }\n  ]\n}\n";
        let doc = parse(text, "t.json").unwrap();
        assert_eq!(doc.line(""), Some(1));
        assert_eq!(doc.line("/resources"), Some(3));
        assert_eq!(doc.line("/resources/0"), Some(4));
        assert_eq!(doc.line("/resources/0/properties/a~1b"), Some(5));
        assert_eq!(doc.value["resources"][0]["properties"]["a/b"], true);
    }

    #[test]
    fn absurd_nesting_is_refused() {
        let text = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(parse(&text, "t.json").err().unwrap().to_string().contains("nested more than"));
    }

    #[test]
    fn a_syntax_error_names_the_position() {
        let err = parse("{\n  \"a\": 1,\n}", "t.json").err().unwrap().to_string();
        assert!(err.starts_with("t.json:2:9: invalid JSON: Trailing commas"), "{err}");
    }
}
