//! psql's lexer, reduced to what matters for splitting: where tokens start and end, and which
//! are words, quoted text, parentheses, `;` or the `\\` of a meta-command.

use std::ops::Range;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// An unquoted identifier or keyword.
    Word,
    /// A string constant, quoted identifier or dollar-quoted string.
    Quoted,
    Semicolon,
    Open,
    Close,
    /// The start of a psql meta-command.
    Backslash,
    /// Numbers, parameters, operators, punctuation.
    Other,
}

#[derive(Debug)]
pub struct Token {
    pub kind: TokenKind,
    pub range: Range<usize>,
}

/// psql's lexer, reduced to what matters for splitting: where tokens start and end.
pub struct Lexer<'a> {
    bytes: &'a [u8],
    pub pos: usize,
    /// COPY data: on reaching the first offset between tokens, continue at the second.
    pub jump: Option<(usize, usize)>,
}

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b >= 0x80
}

fn is_ident_cont(b: u8) -> bool {
    is_ident_start(b) || b.is_ascii_digit() || b == b'$'
}

/// A dollar-quote tag continues with the identifier characters except `$`.
fn is_tag_cont(b: u8) -> bool {
    is_ident_start(b) || b.is_ascii_digit()
}

impl<'a> Lexer<'a> {
    pub fn new(sql: &'a str) -> Self {
        Self {
            bytes: sql.as_bytes(),
            pos: 0,
            jump: None,
        }
    }

    fn peek(&self, offset: usize) -> Option<u8> {
        self.bytes.get(self.pos + offset).copied()
    }

    pub fn next_token(&mut self) -> Option<Token> {
        self.skip_trivia();
        let start = self.pos;
        let byte = self.peek(0)?;
        self.pos += 1;
        let kind = match byte {
            b';' => TokenKind::Semicolon,
            b'(' => TokenKind::Open,
            b')' => TokenKind::Close,
            b'\\' => TokenKind::Backslash,
            b'\'' => self.string(),
            b'"' => self.quoted_identifier(),
            b'$' => self.dollar(),
            b'0'..=b'9' => self.number(),
            _ if is_ident_start(byte) => self.word(start),
            _ => TokenKind::Other,
        };
        Some(Token {
            kind,
            range: start..self.pos,
        })
    }

    /// Skips whitespace and comments, and COPY data when reaching it.
    fn skip_trivia(&mut self) {
        loop {
            if let Some((at, to)) = self.jump {
                if self.pos >= at {
                    self.jump = None;
                }
                if self.pos == at {
                    self.pos = to;
                }
            }
            match (self.peek(0), self.peek(1)) {
                (Some(b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c), _) => self.pos += 1,
                (Some(b'-'), Some(b'-')) => self.line_comment(),
                (Some(b'/'), Some(b'*')) => self.block_comment(),
                _ => return,
            }
        }
    }

    fn line_comment(&mut self) {
        while self.peek(0).is_some_and(|b| b != b'\n') {
            self.pos += 1;
        }
    }

    /// A `/* */` comment; they nest.
    fn block_comment(&mut self) {
        self.pos += 2;
        let mut depth = 1usize;
        while depth > 0 {
            match (self.peek(0), self.peek(1)) {
                (None, _) => return,
                (Some(b'/'), Some(b'*')) => {
                    depth += 1;
                    self.pos += 2;
                }
                (Some(b'*'), Some(b'/')) => {
                    depth -= 1;
                    self.pos += 2;
                }
                _ => self.pos += 1,
            }
        }
    }

    /// An identifier or keyword, or the prefix of a string: `E'`, `U&'`, `U&"`, `B'`, `X'`, `N'`.
    fn word(&mut self, start: usize) -> TokenKind {
        while self.peek(0).is_some_and(is_ident_cont) {
            self.pos += 1;
        }
        if self.pos - start != 1 {
            return TokenKind::Word;
        }
        match (
            self.bytes[start].to_ascii_lowercase(),
            self.peek(0),
            self.peek(1),
        ) {
            (b'e', Some(b'\''), _) => {
                self.pos += 1;
                self.escape_string()
            }
            (b'u', Some(b'&'), Some(b'\'')) => {
                self.pos += 2;
                self.string()
            }
            (b'u', Some(b'&'), Some(b'"')) => {
                self.pos += 2;
                self.quoted_identifier()
            }
            (b'b' | b'x' | b'n', Some(b'\''), _) => {
                self.pos += 1;
                self.string()
            }
            _ => TokenKind::Word,
        }
    }

    /// After an opening `'`: up to the closing one, `''` being a quote.
    fn string(&mut self) -> TokenKind {
        self.doubled_quote_body(b'\'');
        TokenKind::Quoted
    }

    /// After an opening `"`: up to the closing one, `""` being a quote.
    fn quoted_identifier(&mut self) -> TokenKind {
        self.doubled_quote_body(b'"');
        TokenKind::Quoted
    }

    fn doubled_quote_body(&mut self, quote: u8) {
        while let Some(b) = self.peek(0) {
            self.pos += 1;
            if b != quote {
                continue;
            }
            if self.peek(0) != Some(quote) {
                return;
            }
            self.pos += 1;
        }
    }

    /// After `E'`: backslash escapes, `''`, and continuation on a following line (`E'a'` newline
    /// `'b'` is one string, the second part with escapes too).
    fn escape_string(&mut self) -> TokenKind {
        while let Some(b) = self.peek(0) {
            self.pos += 1;
            match b {
                b'\\' => self.pos = (self.pos + 1).min(self.bytes.len()),
                b'\'' if self.peek(0) == Some(b'\'') => self.pos += 1,
                b'\'' => match self.continuation() {
                    Some(next) => self.pos = next,
                    None => return TokenKind::Quoted,
                },
                _ => {}
            }
        }
        TokenKind::Quoted
    }

    /// After a closing quote: whitespace and `--` comments including a newline, then `'`
    /// continue the string. Returns the offset after that `'`.
    fn continuation(&self) -> Option<usize> {
        let mut at = self.pos;
        let mut newline = false;
        loop {
            match (self.bytes.get(at), self.bytes.get(at + 1)) {
                (Some(b'\n' | b'\r'), _) => newline = true,
                (Some(b' ' | b'\t' | 0x0b | 0x0c), _) => {}
                (Some(b'-'), Some(b'-')) => {
                    while self.bytes.get(at + 1).is_some_and(|b| *b != b'\n') {
                        at += 1;
                    }
                }
                (Some(b'\''), _) if newline => return Some(at + 1),
                _ => return None,
            }
            at += 1;
        }
    }

    /// After `$`: a parameter `$1`, a dollar-quoted string `$tag$...$tag$`, or an operator.
    fn dollar(&mut self) -> TokenKind {
        let start = self.pos - 1;
        if self.peek(0).is_some_and(|b| b.is_ascii_digit()) {
            while self.peek(0).is_some_and(|b| b.is_ascii_digit()) {
                self.pos += 1;
            }
            return TokenKind::Other;
        }
        let mut end = self.pos;
        if self.bytes.get(end).is_some_and(|b| is_ident_start(*b)) {
            while self.bytes.get(end).is_some_and(|b| is_tag_cont(*b)) {
                end += 1;
            }
        }
        if self.bytes.get(end) != Some(&b'$') {
            return TokenKind::Other;
        }
        let delimiter = &self.bytes[start..=end];
        let body = end + 1;
        self.pos = self.bytes[body..]
            .windows(delimiter.len())
            .position(|window| window == delimiter)
            .map_or(self.bytes.len(), |i| body + i + delimiter.len());
        TokenKind::Quoted
    }

    /// A number, with any identifier characters glued to it (psql's `integer_junk`).
    fn number(&mut self) -> TokenKind {
        while self
            .peek(0)
            .is_some_and(|b| b.is_ascii_digit() || b == b'_' || b == b'.')
        {
            self.pos += 1;
        }
        if self.peek(0).is_some_and(is_ident_start) {
            while self.peek(0).is_some_and(is_ident_cont) {
                self.pos += 1;
            }
        }
        TokenKind::Other
    }
}
