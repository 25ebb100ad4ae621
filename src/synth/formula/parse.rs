//! The text of a CHECK as an expression: a lexer and a recursive-descent parser for what
//! `pg_get_constraintdef` prints (AND/OR/NOT, IS [NOT] NULL, comparisons, `= ANY (ARRAY[…])`,
//! calls, casts). What it does not read becomes [`Expr::Opaque`] with the parts it is made of;
//! syntax it cannot follow (CASE, subqueries, LIKE) gives no expression at all.

/// The expression of a CHECK's body (`((a IS NULL) OR …)`), `None` when it is not understood.
pub(super) fn parse(body: &str) -> Option<Expr> {
    let tokens = lex(body)?;
    let mut parser = Parser { tokens, at: 0 };
    let expr = parser.or()?;
    (parser.at == parser.tokens.len()).then_some(expr)
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Open,
    Close,
    OpenBracket,
    CloseBracket,
    Comma,
    Op(String),
    Str(String),
    Num(String),
    Word(String),
    Quoted(String),
}

fn lex(s: &str) -> Option<Vec<Token>> {
    let chars: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        i += 1;
        match c {
            _ if c.is_whitespace() => {}
            '(' => out.push(Token::Open),
            ')' => out.push(Token::Close),
            '[' => out.push(Token::OpenBracket),
            ']' => out.push(Token::CloseBracket),
            ',' => out.push(Token::Comma),
            '\'' | '"' => {
                let mut text = String::new();
                loop {
                    let &d = chars.get(i)?;
                    i += 1;
                    if d == c && chars.get(i) == Some(&c) {
                        text.push(c);
                        i += 1;
                    } else if d == c {
                        break;
                    } else {
                        text.push(d);
                    }
                }
                out.push(if c == '"' {
                    Token::Quoted(text)
                } else {
                    Token::Str(format!("'{}'", text.replace('\'', "''")))
                });
            }
            _ if c.is_ascii_digit() => {
                while chars
                    .get(i)
                    .is_some_and(|d| d.is_ascii_digit() || *d == '.')
                {
                    i += 1;
                }
                out.push(Token::Num(chars[start..i].iter().collect()));
            }
            _ if c.is_alphabetic() || c == '_' => {
                while chars
                    .get(i)
                    .is_some_and(|d| d.is_alphanumeric() || *d == '_' || *d == '$')
                {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                out.push(Token::Word(word.to_lowercase()));
            }
            '.' => out.push(Token::Op(".".into())),
            _ if "+-*/<>=~!@#%^&|?:".contains(c) => {
                while chars
                    .get(i)
                    .is_some_and(|d| "+-*/<>=~!@#%^&|?:".contains(*d))
                {
                    i += 1;
                }
                out.push(Token::Op(chars[start..i].iter().collect()));
            }
            _ => return None,
        }
    }
    Some(out)
}

/// An expression, as far as a CHECK's formula needs it.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Expr {
    Or(Vec<Expr>),
    And(Vec<Expr>),
    Not(Box<Expr>),
    IsNull(Box<Expr>, bool),
    Compare(String, Box<Expr>, Box<Expr>),
    /// `x = ANY (ARRAY[…])`: the array's items.
    Any(String, Box<Expr>, Vec<Expr>),
    Column(String),
    Literal(String),
    Number(f64, String),
    Call(String, Vec<Expr>),
    /// Anything else, with the parts it is made of: a value this module does not read.
    Opaque(Vec<Expr>),
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn word(&self, w: &str) -> bool {
        matches!(self.peek(), Some(Token::Word(x)) if x == w)
    }

    fn eat(&mut self, t: &Token) -> Option<()> {
        (self.peek() == Some(t)).then(|| self.at += 1)
    }

    fn eat_word(&mut self, w: &str) -> bool {
        let found = self.word(w);
        if found {
            self.at += 1;
        }
        found
    }

    fn or(&mut self) -> Option<Expr> {
        let mut items = vec![self.and()?];
        while self.eat_word("or") {
            items.push(self.and()?);
        }
        Some(if items.len() == 1 {
            items.remove(0)
        } else {
            Expr::Or(items)
        })
    }

    fn and(&mut self) -> Option<Expr> {
        let mut items = vec![self.not()?];
        while self.eat_word("and") {
            items.push(self.not()?);
        }
        Some(if items.len() == 1 {
            items.remove(0)
        } else {
            Expr::And(items)
        })
    }

    fn not(&mut self) -> Option<Expr> {
        if self.eat_word("not") {
            return Some(Expr::Not(Box::new(self.not()?)));
        }
        let e = self.compare()?;
        if self.eat_word("is") {
            let negated = self.eat_word("not");
            if self.eat_word("null") {
                return Some(Expr::IsNull(Box::new(e), negated));
            }
            // IS TRUE, IS DISTINCT FROM …: not read.
            let other = self.value()?;
            return Some(Expr::Opaque(vec![e, other]));
        }
        Some(e)
    }

    fn compare(&mut self) -> Option<Expr> {
        let left = self.value()?;
        let Some(Token::Op(op)) = self.peek().cloned() else {
            if self.word("like") || self.word("between") || self.word("in") {
                return None;
            }
            return Some(left);
        };
        self.at += 1;
        if self.eat_word("any") {
            self.eat(&Token::Open)?;
            let items = self.array()?;
            self.eat(&Token::Close)?;
            return Some(Expr::Any(op, Box::new(left), items));
        }
        let right = self.value()?;
        Some(match op.as_str() {
            "=" | "<>" | "!=" | "<" | ">" | "<=" | ">=" => {
                Expr::Compare(op, Box::new(left), Box::new(right))
            }
            _ => Expr::Opaque(vec![left, right]),
        })
    }

    /// `ARRAY[…]`, possibly parenthesized and cast: `(ARRAY['a'::text, 'b'::text])::text[]`.
    fn array(&mut self) -> Option<Vec<Expr>> {
        let items = if self.eat(&Token::Open).is_some() {
            let items = self.array()?;
            self.eat(&Token::Close)?;
            items
        } else {
            if !self.eat_word("array") {
                return None;
            }
            self.eat(&Token::OpenBracket)?;
            let mut items = vec![self.value()?];
            while self.eat(&Token::Comma).is_some() {
                items.push(self.value()?);
            }
            self.eat(&Token::CloseBracket)?;
            items
        };
        self.casts()?;
        Some(items)
    }

    /// A value: a column, a literal, a call or a parenthesized expression, with its casts.
    fn value(&mut self) -> Option<Expr> {
        let e = match self.peek()?.clone() {
            Token::Open => {
                self.at += 1;
                let e = self.or()?;
                self.eat(&Token::Close)?;
                e
            }
            Token::Str(s) => {
                self.at += 1;
                Expr::Literal(s)
            }
            Token::Num(n) => {
                self.at += 1;
                Expr::Number(n.parse().ok()?, n)
            }
            Token::Op(op) if op == "-" => {
                self.at += 1;
                match self.value()? {
                    Expr::Number(v, n) => Expr::Number(-v, format!("-{n}")),
                    other => Expr::Opaque(vec![other]),
                }
            }
            Token::Quoted(name) => {
                self.at += 1;
                Expr::Column(name)
            }
            Token::Word(first) => {
                self.at += 1;
                let mut w = first;
                while matches!(self.peek(), Some(Token::Op(op)) if op == ".") {
                    self.at += 1;
                    let Some(Token::Word(next) | Token::Quoted(next)) = self.peek().cloned() else {
                        return None;
                    };
                    self.at += 1;
                    w = next;
                }
                if self.eat(&Token::Open).is_some() {
                    let mut args = Vec::new();
                    if self.eat(&Token::Close).is_none() {
                        args.push(self.or()?);
                        while self.eat(&Token::Comma).is_some() {
                            args.push(self.or()?);
                        }
                        self.eat(&Token::Close)?;
                    }
                    Expr::Call(w, args)
                } else if ["case", "array", "exists", "select"].contains(&w.as_str()) {
                    return None;
                } else if ["true", "false", "null"].contains(&w.as_str()) {
                    Expr::Opaque(Vec::new())
                } else {
                    Expr::Column(w)
                }
            }
            _ => return None,
        };
        self.casts()?;
        // Arithmetic and concatenation: a value, not read.
        if let Some(Token::Op(op)) = self.peek()
            && ["+", "-", "*", "/", "||", "%"].contains(&op.as_str())
        {
            self.at += 1;
            let other = self.value()?;
            return Some(Expr::Opaque(vec![e, other]));
        }
        Some(e)
    }

    /// `::type` suffixes (`::character varying(24)`, `::text[]`, `::timestamp with time zone`):
    /// casts keep the value's meaning here, so they are dropped.
    fn casts(&mut self) -> Option<()> {
        while matches!(self.peek(), Some(Token::Op(op)) if op == "::") {
            self.at += 1;
            self.type_name()?;
            if self.eat(&Token::Open).is_some() {
                while self.eat(&Token::Close).is_none() {
                    self.at += 1;
                    self.peek()?;
                }
            }
            while self.eat(&Token::OpenBracket).is_some() {
                self.eat(&Token::CloseBracket)?;
            }
        }
        Some(())
    }
}

impl Parser {
    /// A type's name: `text`, `public.my_enum`, `"Quoted"`, or several words
    /// (`character varying`, `timestamp with time zone`, `double precision`), never a keyword
    /// that follows the cast (`AND`).
    fn type_name(&mut self) -> Option<()> {
        const GOES_ON: [&str; 6] = ["varying", "precision", "with", "without", "time", "zone"];
        let (Token::Word(_) | Token::Quoted(_)) = self.peek()? else {
            return None;
        };
        self.at += 1;
        loop {
            match self.peek() {
                Some(Token::Op(op)) if op == "." => {
                    self.at += 1;
                    let (Token::Word(_) | Token::Quoted(_)) = self.peek()? else {
                        return None;
                    };
                    self.at += 1;
                }
                Some(Token::Word(w)) if GOES_ON.contains(&w.as_str()) => self.at += 1,
                _ => return Some(()),
            }
        }
    }
}
