//! JSON5, the format of graphile-migrate's `.gmrc` (it reads the file with the `json5` package):
//! JSON plus comments (`//`, `/* */`), trailing commas, unquoted keys, single-quoted strings,
//! and numbers such as `0x1F`, `.5`, `+1`, `Infinity`. Read into `serde_json::Value` (a number
//! JSON cannot hold, `Infinity` or `NaN`, reads as `null`: no setting here is a number).

use serde_json::{Map, Value};

/// Where the text is not JSON5, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct SyntaxError {
    pub offset: usize,
    pub message: String,
}

/// Parses `text`, one value and nothing after it but whitespace and comments.
pub(super) fn parse(text: &str) -> Result<Value, SyntaxError> {
    let mut parser = Parser { text, pos: 0 };
    let value = parser.value()?;
    parser.skip_trivia()?;
    if parser.pos < text.len() {
        return Err(parser.error("unexpected text after the value"));
    }
    Ok(value)
}

struct Parser<'a> {
    text: &'a str,
    pos: usize,
}

impl Parser<'_> {
    fn error(&self, message: &str) -> SyntaxError {
        SyntaxError {
            offset: self.pos,
            message: message.to_string(),
        }
    }

    fn peek(&self) -> Option<char> {
        self.text[self.pos..].chars().next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn eat(&mut self, s: &str) -> bool {
        let found = self.text[self.pos..].starts_with(s);
        if found {
            self.pos += s.len();
        }
        found
    }

    /// Whitespace (JSON5 allows any Unicode space) and comments.
    fn skip_trivia(&mut self) -> Result<(), SyntaxError> {
        loop {
            if self
                .peek()
                .is_some_and(|c| c.is_whitespace() || c == '\u{feff}')
            {
                self.bump();
            } else if self.eat("//") {
                while self.peek().is_some_and(|c| c != '\n' && c != '\r') {
                    self.bump();
                }
            } else if self.text[self.pos..].starts_with("/*") {
                let start = self.pos;
                let end = self.text[start + 2..]
                    .find("*/")
                    .ok_or_else(|| self.error("a `/*` comment that never ends"))?;
                self.pos = start + 2 + end + 2;
            } else {
                return Ok(());
            }
        }
    }

    fn value(&mut self) -> Result<Value, SyntaxError> {
        self.skip_trivia()?;
        match self.peek() {
            Some('{') => self.object(),
            Some('[') => self.array(),
            Some(quote @ ('"' | '\'')) => {
                self.bump();
                self.string(quote).map(Value::String)
            }
            Some(c) if c.is_ascii_digit() || matches!(c, '+' | '-' | '.' | 'I' | 'N') => {
                self.number()
            }
            _ if self.eat("true") => Ok(Value::Bool(true)),
            _ if self.eat("false") => Ok(Value::Bool(false)),
            _ if self.eat("null") => Ok(Value::Null),
            _ => Err(self.error("expected a value")),
        }
    }

    /// A list of items between `open` and `close`, separated by commas, a trailing one allowed.
    fn items(
        &mut self,
        close: char,
        mut item: impl FnMut(&mut Self) -> Result<(), SyntaxError>,
    ) -> Result<(), SyntaxError> {
        self.bump();
        loop {
            self.skip_trivia()?;
            if self.peek() == Some(close) {
                self.bump();
                return Ok(());
            }
            item(self)?;
            self.skip_trivia()?;
            match self.bump() {
                Some(',') => {}
                Some(c) if c == close => return Ok(()),
                _ => {
                    self.pos = self.pos.saturating_sub(1);
                    return Err(self.error(&format!("expected `,` or `{close}`")));
                }
            }
        }
    }

    fn object(&mut self) -> Result<Value, SyntaxError> {
        let mut map = Map::new();
        self.items('}', |p| {
            let key = p.key()?;
            p.skip_trivia()?;
            if !p.eat(":") {
                return Err(p.error("expected `:` after the key"));
            }
            let value = p.value()?;
            map.insert(key, value);
            Ok(())
        })?;
        Ok(Value::Object(map))
    }

    fn array(&mut self) -> Result<Value, SyntaxError> {
        let mut items = Vec::new();
        self.items(']', |p| {
            items.push(p.value()?);
            Ok(())
        })?;
        Ok(Value::Array(items))
    }

    /// A quoted key, or an identifier (letters, digits, `$`, `_`, not starting with a digit).
    fn key(&mut self) -> Result<String, SyntaxError> {
        if let Some(quote @ ('"' | '\'')) = self.peek() {
            self.bump();
            return self.string(quote);
        }
        let start = self.pos;
        while self
            .peek()
            .is_some_and(|c| c.is_alphanumeric() || c == '$' || c == '_')
        {
            self.bump();
        }
        let key = &self.text[start..self.pos];
        if key.is_empty() || key.starts_with(|c: char| c.is_ascii_digit()) {
            self.pos = start;
            return Err(self.error("expected a key"));
        }
        Ok(key.to_string())
    }

    /// After the opening `quote`: the string up to the closing one, escapes resolved.
    fn string(&mut self, quote: char) -> Result<String, SyntaxError> {
        let mut out = String::new();
        loop {
            match self.bump() {
                None | Some('\n' | '\r') => return Err(self.error("a string that never ends")),
                Some(c) if c == quote => return Ok(out),
                Some('\\') => self.escape(&mut out)?,
                Some(c) => out.push(c),
            }
        }
    }

    fn escape(&mut self, out: &mut String) -> Result<(), SyntaxError> {
        let Some(c) = self.bump() else {
            return Err(self.error("a string that never ends"));
        };
        let code = |p: &mut Self, digits: usize| -> Result<u32, SyntaxError> {
            let hex = p.text.get(p.pos..p.pos + digits).unwrap_or_default();
            let value = u32::from_str_radix(hex, 16).map_err(|_| p.error("a bad escape"))?;
            p.pos += digits;
            Ok(value)
        };
        match c {
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            'b' => out.push('\u{8}'),
            'f' => out.push('\u{c}'),
            'v' => out.push('\u{b}'),
            '0' => out.push('\0'),
            'x' => out.push(char::from_u32(code(self, 2)?).unwrap_or('\u{fffd}')),
            'u' => out.push(char::from_u32(code(self, 4)?).unwrap_or('\u{fffd}')),
            '\r' => {
                self.eat("\n");
            }
            '\n' | '\u{2028}' | '\u{2029}' => {}
            other => out.push(other),
        }
        Ok(())
    }

    fn number(&mut self) -> Result<Value, SyntaxError> {
        let start = self.pos;
        let negative = self.eat("-");
        if !negative {
            self.eat("+");
        }
        if self.eat("Infinity") || self.eat("NaN") {
            return Ok(Value::Null);
        }
        if self.eat("0x") || self.eat("0X") {
            let digits = self.pos;
            while self.peek().is_some_and(|c| c.is_ascii_hexdigit()) {
                self.bump();
            }
            let value = i64::from_str_radix(&self.text[digits..self.pos], 16)
                .map_err(|_| self.error("a bad hexadecimal number"))?;
            return Ok(Value::from(if negative { -value } else { value }));
        }
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-'))
        {
            self.bump();
        }
        let literal = self.text[start..self.pos].trim_start_matches('+');
        if let Ok(integer) = literal.parse::<i64>() {
            return Ok(Value::from(integer));
        }
        let value: f64 = literal.parse().map_err(|_| SyntaxError {
            offset: start,
            message: "a bad number".into(),
        })?;
        Ok(serde_json::Number::from_f64(value).map_or(Value::Null, Value::Number))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_json5() {
        let text = r#"
            /* graphile-migrate's .gmrc */
            {
              // comment
              "placeholders": { ':A_B': '!ENV', "x": "a\"b\\c", },
              afterReset: ["!afterReset.sql", { _: "sql", file: 'x.sql' },],
              n: [0x10, .5, +1, -2e1, Infinity, true, null],
            }
        "#;
        assert_eq!(
            parse(text).unwrap(),
            json!({
                "placeholders": {":A_B": "!ENV", "x": "a\"b\\c"},
                "afterReset": ["!afterReset.sql", {"_": "sql", "file": "x.sql"}],
                "n": [16, 0.5, 1, -20.0, null, true, null],
            })
        );
    }

    #[test]
    fn an_error_says_where() {
        let error = parse("{\n  \"a\": 1\n  \"b\": 2\n}").unwrap_err();
        assert_eq!(error.offset, 13);
        assert!(error.message.contains("expected `,`"), "{error:?}");
        assert!(parse("{ a: 'x }").is_err());
        assert!(parse("{} x").is_err());
    }
}
