//! Turns expression text into tokens.
//!
//! The lexer never stops at a problem: it reports it and either skips the
//! offending text or stands in for it with a token, so that one pass finds
//! every lexical error and the parser still sees a plausible token stream.

use chrono::{DateTime, FixedOffset, NaiveDate, TimeDelta};
use rust_decimal::Decimal;

use crate::diagnostic::Diagnostic;
use crate::diagnostic::span::{Origin, Span};
use crate::language::ast::operator_list;

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Token {
    pub(crate) kind: TokenKind,
    /// Byte offsets into the lexed text, not into the file.
    pub(crate) span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum TokenKind {
    /// A name; its text is the token's span of the expression.
    Ident,
    /// The magnitude of an integer. It may be one more than `i64::MAX`, so
    /// that `-9223372036854775808` can be written; the parser rejects that
    /// value when no `-` precedes it.
    Integer(u64),
    Decimal(Decimal),
    Date(NaiveDate),
    DateTime(DateTime<FixedOffset>),
    Duration(TimeDelta, char),
    String(String),
    /// A literal the lexer has already reported as malformed. The parser
    /// takes it as a value, so that no second error follows from it.
    Invalid,
    And,
    Or,
    Not,
    In,
    If,
    Then,
    Else,
    For,
    True,
    False,
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
    Dot,
    EqEq,
    NotEq,
    Less,
    LessEq,
    Greater,
    GreaterEq,
    Plus,
    Minus,
    Star,
    Slash,
    Percent,
}

impl TokenKind {
    pub(crate) fn keyword(word: &str) -> Option<TokenKind> {
        Some(match word {
            "and" => TokenKind::And,
            "or" => TokenKind::Or,
            "not" => TokenKind::Not,
            "in" => TokenKind::In,
            "if" => TokenKind::If,
            "then" => TokenKind::Then,
            "else" => TokenKind::Else,
            "for" => TokenKind::For,
            "true" => TokenKind::True,
            "false" => TokenKind::False,
            _ => return None,
        })
    }

    pub(crate) fn is_keyword(&self) -> bool {
        matches!(
            self,
            TokenKind::And
                | TokenKind::Or
                | TokenKind::Not
                | TokenKind::In
                | TokenKind::If
                | TokenKind::Then
                | TokenKind::Else
                | TokenKind::For
                | TokenKind::True
                | TokenKind::False
        )
    }
}

/// One problem in the text, with spans local to the lexed text.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub(crate) struct SyntaxError {
    pub(crate) message: String,
    pub(crate) span: Span,
    pub(crate) label: String,
    pub(crate) help: Option<String>,
    pub(crate) secondary: Vec<(Span, String)>,
}

impl SyntaxError {
    pub(crate) fn new(message: impl Into<String>, span: Span, label: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            span,
            label: label.into(),
            help: None,
            secondary: Vec::new(),
        }
    }

    pub(crate) fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }

    pub(crate) fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub(crate) fn with_secondary(mut self, span: Span, label: impl Into<String>) -> Self {
        self.secondary.push((span, label.into()));
        self
    }

    pub(crate) fn into_diagnostic(self, origin: &Origin) -> Diagnostic {
        let mut diagnostic =
            Diagnostic::new("syntax", self.message, origin.span(self.span)).with_label(self.label);
        if let Some(help) = self.help {
            diagnostic = diagnostic.with_help(help);
        }
        for (span, label) in self.secondary {
            diagnostic = diagnostic.with_secondary(origin.span(span), label);
        }
        diagnostic
    }
}

const INTEGER_LIMIT_HELP: &str = "integers can be at most 9223372036854775807";

pub(crate) fn integer_too_large(text: &str, span: Span) -> SyntaxError {
    SyntaxError::new(format!("integer `{text}` is too large"), span, "too large")
        .with_help(INTEGER_LIMIT_HELP)
}

pub(crate) fn duration_too_large(text: &str, span: Span) -> SyntaxError {
    SyntaxError::new(format!("duration `{text}` is too large"), span, "too large").with_help(
        format!(
            "a duration can be at most {} days",
            TimeDelta::MAX.num_days()
        ),
    )
}

const UNITS: &str = "`w` weeks, `d` days, `h` hours, `m` minutes or `s` seconds";
const DATE_HELP: &str = "write dates as YYYY-MM-DD, for example `2025-03-01`";
const ESCAPES_HELP: &str =
    "the escapes are `\\\\`, `\\\"`, `\\'`, `\\n` and `\\t`; write `\\\\` for a backslash";
const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// Lexes all of `text`, returning every token and every error.
pub(crate) fn lex(text: &str) -> (Vec<Token>, Vec<SyntaxError>) {
    let mut lexer = Lexer {
        text,
        pos: 0,
        tokens: Vec::new(),
        errors: Vec::new(),
    };
    lexer.run();
    (lexer.tokens, lexer.errors)
}

struct Lexer<'a> {
    text: &'a str,
    pos: usize,
    tokens: Vec<Token>,
    errors: Vec<SyntaxError>,
}

impl<'a> Lexer<'a> {
    fn run(&mut self) {
        while let Some(c) = self.peek() {
            let start = self.pos;
            if c.is_whitespace() {
                self.bump();
            } else {
                self.lex_token(c, start);
            }
        }
    }

    fn lex_token(&mut self, c: char, start: usize) {
        match c {
            '0'..='9' => self.lex_number(start),
            '"' => self.lex_string(start, |c| c == '"'),
            '\'' => self.lex_string(start, |c| c == '\''),
            '“' | '”' | '„' => self.lex_curly_string(start, |c| matches!(c, '“' | '”')),
            '‘' | '’' | '‚' => self.lex_curly_string(start, |c| matches!(c, '‘' | '’')),
            c if is_name_start(c) => self.lex_word(start),
            c => {
                if !self.lex_operator(c, start) {
                    self.lex_unknown(start);
                }
            }
        }
    }

    fn rest(&self) -> &'a str {
        self.text.get(self.pos..).unwrap_or_default()
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn peek_nth(&self, n: usize) -> Option<char> {
        self.rest().chars().nth(n)
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    /// Moves past the characters that are `wanted`, decoding each once.
    fn eat_while(&mut self, wanted: impl Fn(char) -> bool) {
        let rest = self.rest();
        self.pos += rest
            .char_indices()
            .find(|&(_, c)| !wanted(c))
            .map_or(rest.len(), |(at, _)| at);
    }

    fn eat_digits(&mut self) {
        self.eat_while(|c| c.is_ascii_digit());
    }

    fn slice_from(&self, start: usize) -> &'a str {
        self.text.get(start..self.pos).unwrap_or_default()
    }

    fn span_from(&self, start: usize) -> Span {
        Span::new(start, self.pos)
    }

    fn push(&mut self, kind: TokenKind, start: usize) {
        let span = self.span_from(start);
        self.tokens.push(Token { kind, span });
    }

    fn report(&mut self, error: SyntaxError) {
        self.errors.push(error);
    }

    /// Reports the text from `start` as malformed and stands in for it.
    fn push_invalid(&mut self, start: usize, error: SyntaxError) {
        self.report(error);
        self.push(TokenKind::Invalid, start);
    }

    fn lex_word(&mut self, start: usize) {
        self.eat_while(is_name_char);
        let word = self.slice_from(start);
        if let Some(keyword) = TokenKind::keyword(word) {
            self.push(keyword, start);
            return;
        }
        if let Some(foreign) = word.chars().find(|c| !c.is_ascii()) {
            self.report(
                SyntaxError::new(
                    format!("`{word}` is not a valid name"),
                    self.span_from(start),
                    format!("`{foreign}` is not allowed in a name"),
                )
                .with_help("names may use only the letters `a`-`z` and `A`-`Z`, digits and `_`"),
            );
        }
        self.push(TokenKind::Ident, start);
    }

    fn lex_unknown(&mut self, start: usize) {
        self.bump();
        // One error for a run of strange characters, not one per character.
        self.eat_while(|c| !c.is_whitespace() && !starts_token(c));
        let run = self.slice_from(start);
        let message = if run.chars().count() == 1 {
            format!("unexpected character `{run}`")
        } else {
            format!("unexpected characters `{run}`")
        };
        let mut error =
            SyntaxError::new(message, self.span_from(start), "not part of the language");
        if run.len() == 1 && run.chars().all(|c| c.is_ascii_punctuation()) {
            error = error.with_help(format!(
                "`{run}` is not an operator; the operators are {}",
                operator_list()
            ));
        }
        self.report(error);
    }

    fn lex_operator(&mut self, c: char, start: usize) -> bool {
        let Some((kind, len, help)) = operator(c, self.peek_nth(1)) else {
            return false;
        };
        // Every operator character is ASCII, so `len` counts bytes too.
        self.pos += len;
        if let Some(help) = help {
            let text = self.slice_from(start);
            self.report(
                SyntaxError::new(
                    format!("unknown operator `{text}`"),
                    self.span_from(start),
                    "not an operator of this language",
                )
                .with_help(help),
            );
        }
        self.push(kind, start);
        true
    }

    fn lex_string(&mut self, start: usize, is_close: fn(char) -> bool) {
        let Some(open) = self.bump() else { return };
        let mut value = String::new();
        loop {
            let at = self.pos;
            match self.bump() {
                None => {
                    self.report_unterminated(start, open);
                    break;
                }
                Some(c) if is_close(c) => break,
                Some('\\') => self.lex_escape(at, &mut value),
                Some(c) => value.push(c),
            }
        }
        self.push(TokenKind::String(value), start);
    }

    fn report_unterminated(&mut self, start: usize, open: char) {
        let span = Span::new(start, start + open.len_utf8());
        let close = if matches!(open, '"' | '\'') {
            open
        } else {
            '"'
        };
        self.report(
            SyntaxError::new("unterminated string", span, "this string is never closed")
                .with_help(format!("close the string with `{close}`")),
        );
    }

    fn lex_escape(&mut self, backslash: usize, value: &mut String) {
        let escaped = match self.peek() {
            Some('\\') => '\\',
            Some('"') => '"',
            Some('\'') => '\'',
            Some('n') => '\n',
            Some('t') => '\t',
            // A backslash at the very end: the string is unterminated, and
            // the caller reports that.
            None => return,
            Some(_) => {
                self.bump();
                let escape = self.slice_from(backslash);
                self.report(
                    SyntaxError::new(
                        format!("unknown escape `{escape}` in a string"),
                        self.span_from(backslash),
                        "unknown escape",
                    )
                    .with_help(ESCAPES_HELP),
                );
                return;
            }
        };
        self.bump();
        value.push(escaped);
    }

    fn lex_curly_string(&mut self, start: usize, is_close: fn(char) -> bool) {
        let quote = self.peek().unwrap_or('"');
        let span = Span::new(start, start + quote.len_utf8());
        self.report(
            SyntaxError::new(
                format!("`{quote}` is not a quote the language understands"),
                span,
                "a typographic quote",
            )
            .with_help("write strings in straight quotes, `\"` or `'`"),
        );
        self.lex_string(start, is_close);
    }

    fn lex_number(&mut self, start: usize) {
        self.eat_digits();
        let digits_end = self.pos;
        if let Some(run) = self.date_like_run(start) {
            self.pos = run.end;
            if run.is_iso_date() {
                self.lex_date(start);
            } else {
                self.eat_while(is_name_char);
                let error = not_a_date(self.slice_from(start), self.span_from(start));
                self.push_invalid(start, error);
            }
        } else if self.peek() == Some('.') && self.peek_nth(1).is_some_and(|c| c.is_ascii_digit()) {
            self.bump();
            self.eat_digits();
            self.lex_decimal(start);
        } else if self.peek().is_some_and(is_name_char) {
            self.lex_duration(start, digits_end);
        } else {
            self.lex_integer(start);
        }
    }

    /// Finds text like `2025-01-22`, `03/01/2025` or `01.03.2025` starting
    /// at `start`, whose first digit group has been eaten already.
    fn date_like_run(&self, start: usize) -> Option<DateRun> {
        let bytes = self.text.as_bytes();
        let first = self.pos - start;
        let separator = *bytes.get(self.pos)?;
        if !matches!(separator, b'-' | b'/' | b'.') {
            return None;
        }
        let second_start = self.pos + 1;
        let second = count_digits(bytes, second_start);
        let third_start = second_start + second + 1;
        if second == 0 || bytes.get(third_start - 1) != Some(&separator) {
            return None;
        }
        let third = count_digits(bytes, third_start);
        let run = DateRun {
            end: third_start + third,
            separator,
            groups: [first, second, third],
        };
        run.is_date_like().then_some(run)
    }

    fn lex_date(&mut self, start: usize) {
        if self.time_follows() {
            self.lex_datetime(start);
            return;
        }
        if self.peek().is_some_and(is_name_char) {
            self.eat_while(is_name_char);
            let error = not_a_date(self.slice_from(start), self.span_from(start));
            self.push_invalid(start, error);
            return;
        }
        let text = self.slice_from(start);
        match parse_iso_date(text) {
            Ok(date) => self.push(TokenKind::Date(date), start),
            Err(help) => {
                let error = SyntaxError::new(
                    format!("`{text}` is not a valid date"),
                    self.span_from(start),
                    "no such date",
                )
                .with_help(help);
                self.push_invalid(start, error);
            }
        }
    }

    /// Whether a time follows a date: after `T`, or after a space when it
    /// clearly reads as a time (`2025-01-22 10:30`).
    fn time_follows(&self) -> bool {
        match self.rest().as_bytes() {
            [b'T' | b't', digit, ..] => digit.is_ascii_digit(),
            [b' ', hour, hour2, b':', ..] => hour.is_ascii_digit() && hour2.is_ascii_digit(),
            _ => false,
        }
    }

    fn lex_datetime(&mut self, start: usize) {
        let separator = self.bump();
        self.eat_while(|c| c.is_ascii_digit() || c == ':');
        if self.peek() == Some('.') && self.peek_nth(1).is_some_and(|c| c.is_ascii_digit()) {
            self.bump();
            self.eat_digits();
        }
        let has_offset = self.eat_offset();
        self.eat_while(is_name_char);
        let text = self.slice_from(start);
        if separator == Some(' ') {
            let error = spaced_datetime(text, self.span_from(start));
            self.push_invalid(start, error);
            return;
        }
        match DateTime::parse_from_rfc3339(text) {
            Ok(datetime) => self.push(TokenKind::DateTime(datetime), start),
            Err(_) => {
                let error = invalid_datetime(text, self.span_from(start), has_offset);
                self.push_invalid(start, error);
            }
        }
    }

    fn eat_offset(&mut self) -> bool {
        match self.peek() {
            Some('Z' | 'z') => {
                self.bump();
                true
            }
            Some('+' | '-') if is_offset_digits(self.rest().as_bytes().get(1..6)) => {
                self.pos += 6;
                true
            }
            _ => false,
        }
    }

    fn lex_decimal(&mut self, start: usize) {
        if self.peek().is_some_and(is_name_char) {
            self.eat_while(is_name_char);
            let error = fractional_duration(self.slice_from(start), self.span_from(start));
            self.push_invalid(start, error);
            return;
        }
        let text = self.slice_from(start);
        match Decimal::from_str_exact(text) {
            Ok(decimal) => self.push(TokenKind::Decimal(decimal), start),
            Err(_) => {
                let error = SyntaxError::new(
                    format!("decimal `{text}` has too many digits"),
                    self.span_from(start),
                    "too many digits",
                )
                .with_help("a decimal can have at most 28 significant digits");
                self.push_invalid(start, error);
            }
        }
    }

    fn lex_integer(&mut self, start: usize) {
        let text = self.slice_from(start);
        match text.parse::<u64>() {
            Ok(value) if value <= i64::MIN.unsigned_abs() => {
                self.push(TokenKind::Integer(value), start);
            }
            _ => {
                let error = integer_too_large(text, self.span_from(start));
                self.push_invalid(start, error);
            }
        }
    }

    fn lex_duration(&mut self, start: usize, digits_end: usize) {
        self.eat_while(is_name_char);
        let text = self.slice_from(start);
        let digits = self.text.get(start..digits_end).unwrap_or_default();
        let unit = self.text.get(digits_end..self.pos).unwrap_or_default();
        let span = self.span_from(start);
        let Some(make) = duration_unit(unit) else {
            let error = unknown_unit(text, digits, unit, span);
            self.push_invalid(start, error);
            return;
        };
        match digits.parse::<i64>().ok().and_then(make) {
            Some(duration) => {
                let written = unit.chars().next().unwrap_or('s');
                self.push(TokenKind::Duration(duration, written), start);
            }
            None => self.push_invalid(start, duration_too_large(text, span)),
        }
    }
}

struct DateRun {
    end: usize,
    separator: u8,
    groups: [usize; 3],
}

impl DateRun {
    fn is_iso_date(&self) -> bool {
        self.separator == b'-' && self.groups == [4, 2, 2]
    }

    /// Whether the text was meant as a date. `1.5.2025` cannot be anything
    /// else; with `-` and `/` a four-digit group (a year) tells a date from
    /// arithmetic such as `10-2-3`.
    fn is_date_like(&self) -> bool {
        let groups_fit = self.groups.iter().all(|&digits| (1..=4).contains(&digits));
        let has_year = self.groups.contains(&4);
        match self.separator {
            b'.' => self.groups.iter().all(|&digits| digits > 0),
            _ => groups_fit && has_year,
        }
    }
}

fn count_digits(bytes: &[u8], from: usize) -> usize {
    bytes
        .get(from..)
        .unwrap_or_default()
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count()
}

fn is_offset_digits(bytes: Option<&[u8]>) -> bool {
    matches!(bytes, Some([h1, h2, b':', m1, m2])
        if [h1, h2, m1, m2].iter().all(|b| b.is_ascii_digit()))
}

fn is_name_start(c: char) -> bool {
    c == '_' || c.is_alphabetic()
}

fn is_name_char(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

fn starts_token(c: char) -> bool {
    is_name_char(c) || "\"'“”„‘’‚()[],.+-*/%=!<>&|".contains(c)
}

type OperatorMatch = (TokenKind, usize, Option<&'static str>);

/// The operator starting with `first` and `second`, its length, and for an
/// operator from another language the help that names the right one.
fn operator(first: char, second: Option<char>) -> Option<OperatorMatch> {
    use TokenKind as T;
    Some(match (first, second) {
        ('(', _) => (T::LParen, 1, None),
        (')', _) => (T::RParen, 1, None),
        ('[', _) => (T::LBracket, 1, None),
        (']', _) => (T::RBracket, 1, None),
        (',', _) => (T::Comma, 1, None),
        ('.', _) => (T::Dot, 1, None),
        ('+', _) => (T::Plus, 1, None),
        ('-', _) => (T::Minus, 1, None),
        ('*', _) => (T::Star, 1, None),
        ('/', _) => (T::Slash, 1, None),
        ('%', _) => (T::Percent, 1, None),
        ('=', Some('=')) => (T::EqEq, 2, None),
        ('=', Some('<')) => (T::LessEq, 2, Some("write `<=` instead of `=<`")),
        ('=', Some('>')) => (T::GreaterEq, 2, Some("write `>=` instead of `=>`")),
        ('=', _) => (T::EqEq, 1, Some("use `==` to compare")),
        ('!', Some('=')) => (T::NotEq, 2, None),
        ('!', _) => (T::Not, 1, Some("write `not` instead of `!`")),
        ('<', Some('=')) => (T::LessEq, 2, None),
        ('<', Some('>')) => (T::NotEq, 2, Some("write `!=` instead of `<>`")),
        ('<', _) => (T::Less, 1, None),
        ('>', Some('=')) => (T::GreaterEq, 2, None),
        ('>', _) => (T::Greater, 1, None),
        ('&', Some('&')) => (T::And, 2, Some("write `and` instead of `&&`")),
        ('&', _) => (T::And, 1, Some("write `and` instead of `&`")),
        ('|', Some('|')) => (T::Or, 2, Some("write `or` instead of `||`")),
        ('|', _) => (T::Or, 1, Some("write `or` instead of `|`")),
        _ => return None,
    })
}

fn not_a_date(text: &str, span: Span) -> SyntaxError {
    SyntaxError::new(
        format!("`{text}` is not a date the language understands"),
        span,
        "not a YYYY-MM-DD date",
    )
    .with_help(DATE_HELP)
}

/// Parses `YYYY-MM-DD`, or says in words why there is no such day.
fn parse_iso_date(text: &str) -> Result<NaiveDate, String> {
    let number =
        |range: std::ops::Range<usize>| text.get(range).and_then(|s: &str| s.parse::<u32>().ok());
    let (Some(year), Some(month), Some(day)) = (number(0..4), number(5..7), number(8..10)) else {
        return Err(DATE_HELP.to_owned());
    };
    let year = i32::try_from(year).unwrap_or_default();
    if let Some(date) = NaiveDate::from_ymd_opt(year, month, day) {
        return Ok(date);
    }
    let month_name = month
        .checked_sub(1)
        .and_then(|index| MONTHS.get(usize::try_from(index).ok()?));
    match (month_name, days_in_month(year, month)) {
        (Some(name), Some(days)) => Err(format!("{name} {year} has {days} days")),
        _ => Err("months go from `01` to `12`".to_owned()),
    }
}

fn days_in_month(year: i32, month: u32) -> Option<u32> {
    let first = NaiveDate::from_ymd_opt(year, month, 1)?;
    let next = first.checked_add_months(chrono::Months::new(1))?;
    u32::try_from(next.signed_duration_since(first).num_days()).ok()
}

fn invalid_datetime(text: &str, span: Span, has_offset: bool) -> SyntaxError {
    if has_offset {
        SyntaxError::new(
            format!("`{text}` is not a valid date and time"),
            span,
            "not a valid date and time",
        )
        .with_help(
            "write a date and time as YYYY-MM-DDTHH:MM:SS with an offset, \
             for example `2025-01-22T10:30:00+02:00`",
        )
    } else {
        SyntaxError::new(
            format!("`{text}` has no time zone offset"),
            span,
            "no offset",
        )
        .with_help(
            "add `Z` for UTC or an offset such as `+02:00`, for example `2025-01-22T10:30:00Z`",
        )
    }
}

fn spaced_datetime(text: &str, span: Span) -> SyntaxError {
    SyntaxError::new(
        format!("`{text}` needs a `T` between the date and the time"),
        span,
        "space instead of `T`",
    )
    .with_help(format!("write `{}`", text.replacen(' ', "T", 1)))
}

/// The checked constructor for a duration unit.
fn duration_unit(unit: &str) -> Option<fn(i64) -> Option<TimeDelta>> {
    Some(match unit {
        "w" => TimeDelta::try_weeks,
        "d" => TimeDelta::try_days,
        "h" => TimeDelta::try_hours,
        "m" => TimeDelta::try_minutes,
        "s" => TimeDelta::try_seconds,
        _ => return None,
    })
}

/// The one-letter unit a spelled-out unit such as `days` means.
fn unit_meant(unit: &str) -> Option<&'static str> {
    Some(match unit.to_ascii_lowercase().as_str() {
        "w" | "wk" | "wks" | "week" | "weeks" => "w",
        "d" | "day" | "days" => "d",
        "h" | "hr" | "hrs" | "hour" | "hours" => "h",
        "m" | "min" | "mins" | "minute" | "minutes" => "m",
        "s" | "sec" | "secs" | "second" | "seconds" => "s",
        _ => return None,
    })
}

fn unknown_unit(text: &str, digits: &str, unit: &str, span: Span) -> SyntaxError {
    if unit.starts_with('_') {
        return digit_separator(text, span);
    }
    let help = match unit_meant(unit) {
        Some(meant) => format!("write `{digits}{meant}`; the units are {UNITS}"),
        None => {
            format!("a duration is a whole number followed by one unit: {UNITS}, for example `7d`")
        }
    };
    SyntaxError::new(
        format!("unknown unit `{unit}` in `{text}`"),
        span,
        "unknown unit",
    )
    .with_help(help)
}

fn digit_separator(text: &str, span: Span) -> SyntaxError {
    let without: String = text.chars().filter(|&c| c != '_').collect();
    SyntaxError::new(
        format!("`{text}` is not a valid number"),
        span,
        "`_` is not allowed in a number",
    )
    .with_help(format!(
        "write numbers without separators, for example `{without}`"
    ))
}

fn fractional_duration(text: &str, span: Span) -> SyntaxError {
    let digits_end = text
        .char_indices()
        .find(|&(_, c)| is_name_start(c))
        .map_or(text.len(), |(at, _)| at);
    let unit = text.get(digits_end..).unwrap_or_default();
    if unit_meant(unit).is_none() {
        let digits = text.get(..digits_end).unwrap_or_default();
        return unknown_unit(text, digits, unit, span);
    }
    SyntaxError::new(
        format!("`{text}` is not a valid duration"),
        span,
        "not a whole number",
    )
    .with_help("durations take a whole number of a unit, for example `90m` instead of `1.5h`")
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn kinds(text: &str) -> Vec<TokenKind> {
        let (tokens, errors) = lex(text);
        assert!(errors.is_empty(), "{text}: {errors:?}");
        tokens.into_iter().map(|token| token.kind).collect()
    }

    fn single(text: &str) -> TokenKind {
        let mut kinds = kinds(text);
        assert_eq!(kinds.len(), 1, "{text}: {kinds:?}");
        kinds.remove(0)
    }

    /// The one error of `text`: message, span range, help.
    fn error(text: &str) -> (String, std::ops::Range<usize>, Option<String>) {
        let (_, errors) = lex(text);
        assert_eq!(errors.len(), 1, "{text}: {errors:?}");
        let error = errors.into_iter().next().unwrap();
        (error.message, error.span.range(), error.help)
    }

    fn assert_error(text: &str, message: &str, span: std::ops::Range<usize>) {
        let (actual, actual_span, help) = error(text);
        assert_eq!(actual, message, "{text}");
        assert_eq!(actual_span, span, "{text}: {message}");
        assert!(help.is_some(), "{text}: {message} has no help");
    }

    /// The texts of the names among the tokens of `text`.
    fn names(text: &str) -> Vec<&str> {
        let (tokens, _) = lex(text);
        tokens
            .iter()
            .filter(|token| token.kind == TokenKind::Ident)
            .filter_map(|token| text.get(token.span.range()))
            .collect()
    }

    /// Whitespace between tokens plus token texts give back the input.
    fn assert_reassembles(text: &str) {
        let (tokens, _) = lex(text);
        let mut rebuilt = String::new();
        let mut offset = 0;
        for token in &tokens {
            let gap = &text[offset..token.span.start];
            assert!(gap.chars().all(char::is_whitespace), "{text}: gap {gap:?}");
            assert!(!token.span.is_empty(), "{text}: empty token {token:?}");
            rebuilt.push_str(gap);
            rebuilt.push_str(&text[token.span.range()]);
            offset = token.span.end;
        }
        let tail = &text[offset..];
        assert!(
            tail.chars().all(char::is_whitespace),
            "{text}: tail {tail:?}"
        );
        rebuilt.push_str(tail);
        assert_eq!(rebuilt, text);
    }

    #[test]
    fn tokens_reassemble_the_input() {
        for text in [
            "",
            "   ",
            "a.b <= 7",
            "  if x then 'y' else \"z\"\n",
            "\tpurchase.date >= 2025-01-22 and reason in [\"a\", 'b']",
            "(1 + 2.50) * -3 / 4 - 7d + 48h - 30m + 15s + 2w",
            "x != y == z < 1 > 2 <= 3 >= 4",
            "at >= 2025-01-22T10:30:00+02:00 or at < 2025-01-22T10:30:00Z",
            "not true or false\r\n and f(a, b,)",
            "\"héllo wörld ✓\" in ['日本', \"e\\\"scaped\\n\"]",
            "a\u{a0}b",
        ] {
            assert_reassembles(text);
        }
    }

    #[test]
    fn identifiers_and_keywords() {
        assert_eq!(kinds("a _b c_9 And notes"), vec![TokenKind::Ident; 5]);
        assert_eq!(
            names("a _b c_9 And notes"),
            ["a", "_b", "c_9", "And", "notes"]
        );
        assert_eq!(
            kinds("and or not in if then else true false"),
            [
                TokenKind::And,
                TokenKind::Or,
                TokenKind::Not,
                TokenKind::In,
                TokenKind::If,
                TokenKind::Then,
                TokenKind::Else,
                TokenKind::True,
                TokenKind::False,
            ]
        );
    }

    #[test]
    fn numbers() {
        assert_eq!(single("123"), TokenKind::Integer(123));
        assert_eq!(single("0"), TokenKind::Integer(0));
        assert_eq!(
            single("9223372036854775808"),
            TokenKind::Integer(9_223_372_036_854_775_808)
        );
        assert_eq!(
            single("59.99"),
            TokenKind::Decimal(Decimal::from_str("59.99").unwrap())
        );
        let TokenKind::Decimal(decimal) = single("1.50") else {
            panic!("not a decimal")
        };
        assert_eq!(decimal.scale(), 2);
        assert_eq!(
            kinds("1.x"),
            [TokenKind::Integer(1), TokenKind::Dot, TokenKind::Ident]
        );
        assert_eq!(names("1.x"), ["x"]);
        assert_eq!(
            kinds("10-2-3"),
            [
                TokenKind::Integer(10),
                TokenKind::Minus,
                TokenKind::Integer(2),
                TokenKind::Minus,
                TokenKind::Integer(3),
            ]
        );
        assert_eq!(
            kinds("8/2/1"),
            [
                TokenKind::Integer(8),
                TokenKind::Slash,
                TokenKind::Integer(2),
                TokenKind::Slash,
                TokenKind::Integer(1),
            ]
        );
    }

    #[test]
    fn dates_and_datetimes() {
        let date = NaiveDate::from_ymd_opt(2025, 1, 22).unwrap();
        assert_eq!(single("2025-01-22"), TokenKind::Date(date));
        assert_eq!(
            single("2024-02-29"),
            TokenKind::Date(NaiveDate::from_ymd_opt(2024, 2, 29).unwrap())
        );
        for text in [
            "2025-01-22T10:30:00Z",
            "2025-01-22T10:30:00+02:00",
            "2025-01-22T10:30:00-05:30",
            "2025-01-22T10:30:00.250Z",
            "2025-01-22t10:30:00z",
        ] {
            let expected = DateTime::parse_from_rfc3339(text).unwrap();
            assert_eq!(single(text), TokenKind::DateTime(expected), "{text}");
        }
        let TokenKind::DateTime(at) = single("2025-01-22T10:30:00+02:00") else {
            panic!("not a datetime")
        };
        assert_eq!(at.offset().local_minus_utc(), 7200);
        assert_eq!(
            kinds("2025-01-22 - 7d"),
            [
                TokenKind::Date(date),
                TokenKind::Minus,
                TokenKind::Duration(TimeDelta::days(7), 'd'),
            ]
        );
    }

    #[test]
    fn durations() {
        assert_eq!(single("7d"), TokenKind::Duration(TimeDelta::days(7), 'd'));
        assert_eq!(
            single("48h"),
            TokenKind::Duration(TimeDelta::hours(48), 'h')
        );
        assert_eq!(
            single("30m"),
            TokenKind::Duration(TimeDelta::minutes(30), 'm')
        );
        assert_eq!(
            single("15s"),
            TokenKind::Duration(TimeDelta::seconds(15), 's')
        );
        assert_eq!(single("2w"), TokenKind::Duration(TimeDelta::weeks(2), 'w'));
        assert_eq!(single("0s"), TokenKind::Duration(TimeDelta::zero(), 's'));
    }

    #[test]
    fn strings() {
        assert_eq!(
            single("\"change_of_mind\""),
            TokenKind::String("change_of_mind".into())
        );
        assert_eq!(
            single("'change_of_mind'"),
            TokenKind::String("change_of_mind".into())
        );
        assert_eq!(
            single(r#""a\\b\"c\'d\ne\tf""#),
            TokenKind::String("a\\b\"c'd\ne\tf".into())
        );
        assert_eq!(
            single(r#"'it\'s "fine"'"#),
            TokenKind::String("it's \"fine\"".into())
        );
        assert_eq!(single("\"\""), TokenKind::String(String::new()));
        assert_eq!(
            single("\"two\nlines\""),
            TokenKind::String("two\nlines".into())
        );
    }

    #[test]
    fn punctuation_and_operators() {
        use TokenKind as T;
        assert_eq!(
            kinds("( ) [ ] , . == != < <= > >= + - * /"),
            [
                T::LParen,
                T::RParen,
                T::LBracket,
                T::RBracket,
                T::Comma,
                T::Dot,
                T::EqEq,
                T::NotEq,
                T::Less,
                T::LessEq,
                T::Greater,
                T::GreaterEq,
                T::Plus,
                T::Minus,
                T::Star,
                T::Slash,
            ]
        );
        assert_eq!(kinds("a<=-b"), [T::Ident, T::LessEq, T::Minus, T::Ident]);
        assert_eq!(names("a<=-b"), ["a", "b"]);
    }

    #[test]
    fn token_spans_are_byte_offsets() {
        let (tokens, errors) = lex("é == 'ü✓' and x");
        assert_eq!(errors.len(), 1);
        let spans: Vec<_> = tokens.iter().map(|token| token.span.range()).collect();
        assert_eq!(spans, [0..2, 3..5, 6..13, 14..17, 18..19]);
    }

    #[test]
    fn unicode_in_strings_keeps_char_boundaries() {
        let text = "name == \"Zoë 🎁 日本\" or name == 'naïve'";
        let (tokens, errors) = lex(text);
        assert!(errors.is_empty());
        for token in &tokens {
            assert!(text.is_char_boundary(token.span.start));
            assert!(text.is_char_boundary(token.span.end));
        }
        assert_eq!(tokens[2].kind, TokenKind::String("Zoë 🎁 日本".into()));
        assert_eq!(&text[tokens[2].span.range()], "\"Zoë 🎁 日本\"");
        let text = "'🎁\\🎁' €€ x";
        let (_, errors) = lex(text);
        let spans: Vec<_> = errors.iter().map(|error| error.span.range()).collect();
        assert_eq!(spans, [5..10, 12..18]);
    }

    #[test]
    fn number_errors() {
        assert_error(
            "99999999999999999999",
            "integer `99999999999999999999` is too large",
            0..20,
        );
        assert_error(
            "x + 9223372036854775809",
            "integer `9223372036854775809` is too large",
            4..23,
        );
        assert_error(
            "0.000000000000000000000000000001",
            "decimal `0.000000000000000000000000000001` has too many digits",
            0..32,
        );
        assert_error(
            "123456789012345678901234567890.5",
            "decimal `123456789012345678901234567890.5` has too many digits",
            0..32,
        );
    }

    #[test]
    fn date_errors() {
        let (message, span, help) = error("d < 2025-02-30");
        assert_eq!(message, "`2025-02-30` is not a valid date");
        assert_eq!(span, 4..14);
        assert_eq!(help.as_deref(), Some("February 2025 has 28 days"));
        let (message, _, help) = error("2024-13-01");
        assert_eq!(message, "`2024-13-01` is not a valid date");
        assert_eq!(help.as_deref(), Some("months go from `01` to `12`"));
        let (_, _, help) = error("2024-02-00");
        assert_eq!(help.as_deref(), Some("February 2024 has 29 days"));
        for (text, span) in [
            ("03/01/2025", 0..10),
            ("01.03.2025", 0..10),
            ("2025/03/01", 0..10),
            ("2025-3-1", 0..8),
            ("22-01-2025", 0..10),
            ("1.5.2025", 0..8),
            ("2025-01-22x", 0..11),
        ] {
            let (message, actual_span, help) = error(text);
            assert_eq!(
                message,
                format!("`{text}` is not a date the language understands")
            );
            assert_eq!(actual_span, span, "{text}");
            assert_eq!(
                help.as_deref(),
                Some("write dates as YYYY-MM-DD, for example `2025-03-01`")
            );
        }
        assert_eq!(
            lex("d == 03/01/2025 + 1")
                .0
                .iter()
                .map(|t| &t.kind)
                .collect::<Vec<_>>(),
            [
                &TokenKind::Ident,
                &TokenKind::EqEq,
                &TokenKind::Invalid,
                &TokenKind::Plus,
                &TokenKind::Integer(1)
            ]
        );
    }

    #[test]
    fn datetime_errors() {
        assert_error(
            "2025-01-22T10:30:00",
            "`2025-01-22T10:30:00` has no time zone offset",
            0..19,
        );
        assert_error(
            "2025-01-22T25:30:00Z",
            "`2025-01-22T25:30:00Z` is not a valid date and time",
            0..20,
        );
        assert_error(
            "2025-01-22T10:30Z",
            "`2025-01-22T10:30Z` is not a valid date and time",
            0..17,
        );
        let (message, span, help) = error("at > 2025-01-22 10:30:00Z and x");
        assert_eq!(
            message,
            "`2025-01-22 10:30:00Z` needs a `T` between the date and the time"
        );
        assert_eq!(span, 5..25);
        assert_eq!(help.as_deref(), Some("write `2025-01-22T10:30:00Z`"));
        assert_eq!(
            kinds("2025-01-22 10"),
            [
                TokenKind::Date(NaiveDate::from_ymd_opt(2025, 1, 22).unwrap()),
                TokenKind::Integer(10)
            ]
        );
        assert_error(
            "2025-02-30T10:30:00Z",
            "`2025-02-30T10:30:00Z` is not a valid date and time",
            0..20,
        );
    }

    #[test]
    fn duration_errors() {
        let (message, span, help) = error("7x");
        assert_eq!(message, "unknown unit `x` in `7x`");
        assert_eq!(span, 0..2);
        assert_eq!(
            help.as_deref(),
            Some(
                "a duration is a whole number followed by one unit: `w` weeks, `d` days, \
                 `h` hours, `m` minutes or `s` seconds, for example `7d`"
            )
        );
        let (message, span, help) = error("age > 7days");
        assert_eq!(message, "unknown unit `days` in `7days`");
        assert_eq!(span, 6..11);
        assert_eq!(
            help.as_deref(),
            Some(
                "write `7d`; the units are `w` weeks, `d` days, `h` hours, \
                 `m` minutes or `s` seconds"
            )
        );
        let (message, _, help) = error("3H");
        assert_eq!(message, "unknown unit `H` in `3H`");
        assert!(help.unwrap().starts_with("write `3h`"));
        assert_error("1.5h", "`1.5h` is not a valid duration", 0..4);
        assert_error("1.5x", "unknown unit `x` in `1.5x`", 0..4);
        let (message, span, help) = error("x < 1_000");
        assert_eq!(message, "`1_000` is not a valid number");
        assert_eq!(span, 4..9);
        assert_eq!(
            help.as_deref(),
            Some("write numbers without separators, for example `1000`")
        );
        assert_error(
            "99999999999999999999d",
            "duration `99999999999999999999d` is too large",
            0..21,
        );
        assert_error(
            "9999999999999w",
            "duration `9999999999999w` is too large",
            0..14,
        );
    }

    #[test]
    fn string_errors() {
        assert_error("x == \"abc", "unterminated string", 5..6);
        let (_, _, help) = error("'abc");
        assert_eq!(help.as_deref(), Some("close the string with `'`"));
        assert_error("\"abc\\", "unterminated string", 0..1);
        let (message, span, help) = error(r#""a\qb""#);
        assert_eq!(message, r"unknown escape `\q` in a string");
        assert_eq!(span, 2..4);
        assert_eq!(
            help.as_deref(),
            Some(r#"the escapes are `\\`, `\"`, `\'`, `\n` and `\t`; write `\\` for a backslash"#)
        );
        assert_error("'\\é'", r"unknown escape `\é` in a string", 1..4);
        assert_error(
            "reason == “refund”",
            "`“` is not a quote the language understands",
            10..13,
        );
        let (tokens, _) = lex("“refund” and ‘x’");
        assert_eq!(tokens[0].kind, TokenKind::String("refund".into()));
        assert_eq!(tokens[2].kind, TokenKind::String("x".into()));
    }

    #[test]
    fn operators_from_other_languages() {
        use TokenKind as T;
        for (text, kind, help) in [
            ("a = b", T::EqEq, "use `==` to compare"),
            ("a && b", T::And, "write `and` instead of `&&`"),
            ("a & b", T::And, "write `and` instead of `&`"),
            ("a || b", T::Or, "write `or` instead of `||`"),
            ("a | b", T::Or, "write `or` instead of `|`"),
            ("a ! b", T::Not, "write `not` instead of `!`"),
            ("a <> b", T::NotEq, "write `!=` instead of `<>`"),
            ("a =< b", T::LessEq, "write `<=` instead of `=<`"),
            ("a => b", T::GreaterEq, "write `>=` instead of `=>`"),
        ] {
            let (tokens, errors) = lex(text);
            let kinds: Vec<_> = tokens.into_iter().map(|token| token.kind).collect();
            assert_eq!(kinds, [T::Ident, kind, T::Ident], "{text}");
            assert_eq!(names(text), ["a", "b"], "{text}");
            let operator = text.split(' ').nth(1).unwrap();
            assert_eq!(errors.len(), 1);
            assert_eq!(errors[0].message, format!("unknown operator `{operator}`"));
            assert_eq!(errors[0].span.range(), 2..2 + operator.len());
            assert_eq!(errors[0].help.as_deref(), Some(help));
        }
    }

    #[test]
    fn unknown_characters_are_reported_and_skipped() {
        let (tokens, errors) = lex("a @ b");
        assert_eq!(tokens.len(), 2);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].message, "unexpected character `@`");
        assert_eq!(errors[0].span.range(), 2..3);
        assert!(
            errors[0]
                .help
                .as_deref()
                .unwrap_or_default()
                .starts_with("`@` is not an operator; the operators are `or`, `and`,")
        );
        let (tokens, errors) = lex("a #$^b ; c");
        assert_eq!(
            tokens.into_iter().map(|t| t.kind).collect::<Vec<_>>(),
            vec![TokenKind::Ident; 3]
        );
        assert_eq!(names("a #$^b ; c"), ["a", "b", "c"]);
        let messages: Vec<_> = errors
            .iter()
            .map(|e| (e.message.as_str(), e.span.range()))
            .collect();
        assert_eq!(
            messages,
            [
                ("unexpected characters `#$^`", 2..5),
                ("unexpected character `;`", 7..8)
            ]
        );
    }

    #[test]
    fn non_ascii_names() {
        let (tokens, errors) = lex("größe > 1");
        assert_eq!(tokens[0].kind, TokenKind::Ident);
        assert_eq!(names("größe > 1"), ["größe"]);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].message, "`größe` is not a valid name");
        assert_eq!(errors[0].label, "`ö` is not allowed in a name");
        assert_eq!(errors[0].span.range(), 0..7);
    }

    #[test]
    fn into_diagnostic_maps_spans() {
        let (_, errors) = lex("x = 1");
        let error = errors
            .into_iter()
            .next()
            .unwrap()
            .with_secondary(Span::new(0, 1), "here");
        let diagnostic = error.into_diagnostic(&Origin::Shifted(100));
        assert_eq!(diagnostic.code, "syntax");
        assert_eq!(diagnostic.message, "unknown operator `=`");
        assert_eq!(diagnostic.span.range(), 102..103);
        assert_eq!(diagnostic.label, "not an operator of this language");
        assert_eq!(diagnostic.help.as_deref(), Some("use `==` to compare"));
        assert_eq!(diagnostic.secondary[0].0.range(), 100..101);
    }
}
