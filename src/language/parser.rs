//! Parses expression text into an [`Expr`] by precedence climbing, and
//! prints expressions back in canonical form.
//!
//! Precedence, lowest first: `if`, `or`, `and`, `not`, comparisons and `in`
//! (which do not chain), `+ -`, `* / %`, unary `-`.

use std::sync::Arc;

use chrono::{SecondsFormat, TimeDelta};

use crate::diagnostic::Diagnostic;
use crate::diagnostic::span::{Origin, Span};
use crate::diagnostic::suggest::did_you_mean;
use crate::language::ast::{
    BinaryOp, Expr, ExprKind, Ident, Literal, Path, UnaryOp, operator_list,
};
use crate::language::compiled::Function;
use crate::language::lexer::{
    SyntaxError, Token, TokenKind, duration_too_large, integer_too_large, lex,
};

pub(crate) use crate::limits::{
    MAX_EXPRESSION_CHARS as MAX_CHARS, MAX_EXPRESSION_HEIGHT as MAX_HEIGHT,
    MAX_EXPRESSION_NESTING as MAX_NESTING,
};

/// Parses `text`, whose byte offsets `origin` maps to the file, into an
/// expression with file spans, or returns every error found.
pub(crate) fn parse_expression(text: &str, origin: &Origin) -> Result<Expr, Vec<Diagnostic>> {
    // Counted lazily: only text longer in bytes can be longer in characters.
    if text.len() > MAX_CHARS && text.chars().count() > MAX_CHARS {
        return Err(vec![too_long(text).into_diagnostic(origin)]);
    }
    let (tokens, mut errors) = lex(text);
    if tokens.is_empty() {
        if errors.is_empty() {
            errors.push(empty_expression(text));
        }
    } else {
        let parser = Parser {
            text,
            tokens: &tokens,
            origin,
            next: 0,
            nesting: 0,
        };
        match parser.parse() {
            Ok(expr) if errors.is_empty() => return Ok(expr),
            Ok(_) => {}
            Err(Stopped { error, at }) => {
                // Text the lexer skipped leaves a hole that the parser would
                // report again in its own words.
                if errors.is_empty() || !skipped_text_before(text, &tokens, at) {
                    errors.push(error);
                }
            }
        }
    }
    errors.sort_by_key(|error| error.span.start);
    Err(errors
        .into_iter()
        .map(|error| error.into_diagnostic(origin))
        .collect())
}

fn too_long(text: &str) -> SyntaxError {
    SyntaxError::new(
        format!(
            "the expression is {} characters long, more than the limit of {MAX_CHARS}",
            text.chars().count()
        ),
        Span::new(0, text.len()),
        "this expression is too long",
    )
    .with_help("split it into named values under `[derived]`, or into several rules")
}

fn empty_expression(text: &str) -> SyntaxError {
    SyntaxError::new(
        "the expression is empty",
        Span::new(0, text.len()),
        "nothing here",
    )
    .with_help("write a value or a condition, for example `days_since_purchase <= 30`")
}

/// Whether the lexer skipped text just before token `index` (or before the
/// end, when `index` is past the last token).
fn skipped_text_before(text: &str, tokens: &[Token], index: usize) -> bool {
    let gap_start = index
        .checked_sub(1)
        .and_then(|previous| tokens.get(previous))
        .map_or(0, |token| token.span.end);
    let gap_end = tokens
        .get(index)
        .map_or(text.len(), |token| token.span.start);
    text.get(gap_start..gap_end)
        .is_some_and(|gap| !gap.trim().is_empty())
}

/// The parser's first error and the index of the token it stopped at.
struct Stopped {
    error: SyntaxError,
    at: usize,
}

/// A parsed expression together with what only the parser needs: its span
/// in the text (errors are mapped to the file later) and its height.
struct Node {
    expr: Box<Expr>,
    local: Span,
    height: usize,
}

/// Boxed values keep the recursive parsing functions' stack frames small.
type Parsed<T = Node> = Result<T, Box<SyntaxError>>;

struct Parser<'a> {
    text: &'a str,
    tokens: &'a [Token],
    origin: &'a Origin,
    next: usize,
    nesting: usize,
}

/// An operator between two values. `not` stands for `not in`; the `in`
/// is checked when the operator is eaten.
#[derive(Clone, Copy)]
enum Infix {
    Binary(BinaryOp),
    In { negated: bool },
}

impl Infix {
    fn of(kind: &TokenKind) -> Option<Infix> {
        Some(match kind {
            TokenKind::In => Infix::In { negated: false },
            TokenKind::Not => Infix::In { negated: true },
            kind => Infix::Binary(binary_op(kind)?),
        })
    }

    fn level(self) -> u8 {
        match self {
            Infix::Binary(op) => binary_level(op),
            Infix::In { .. } => level::COMPARISON,
        }
    }
}

/// What a bracketed, comma-separated sequence belongs to, for its errors.
#[derive(Clone, Copy)]
enum Items {
    List,
    Arguments,
}

impl Items {
    fn close(self) -> TokenKind {
        match self {
            Items::List => TokenKind::RBracket,
            Items::Arguments => TokenKind::RParen,
        }
    }
}

impl<'a> Parser<'a> {
    fn parse(mut self) -> Result<Expr, Stopped> {
        let parsed = self.parse_expr().and_then(|node| match self.peek() {
            Some(token) => Err(self.trailing_error(token).into()),
            None => Ok(*node.expr),
        });
        parsed.map_err(|error| Stopped {
            error: *error,
            at: self.next,
        })
    }

    // ---- tokens ----

    fn peek(&self) -> Option<&'a Token> {
        self.tokens.get(self.next)
    }

    fn peek_kind(&self) -> Option<&'a TokenKind> {
        self.peek().map(|token| &token.kind)
    }

    fn peek_second_kind(&self) -> Option<&'a TokenKind> {
        self.tokens.get(self.next + 1).map(|token| &token.kind)
    }

    fn eat(&mut self, kind: &TokenKind) -> Option<Span> {
        let token = self.peek().filter(|token| token.kind == *kind)?;
        self.next += 1;
        Some(token.span)
    }

    /// Where an error about the next token points: at it, or at the last
    /// token when the text has ended (an empty span at the very end of the
    /// text would show no label).
    fn here(&self) -> Span {
        self.peek()
            .or_else(|| self.tokens.last())
            .map_or(Span::empty(0), |token| token.span)
    }

    /// The label for `here()`, saying that `what` was expected.
    fn expected_here(&self, what: &str) -> String {
        if self.peek().is_some() {
            format!("expected {what} here")
        } else {
            format!("expected {what} after this")
        }
    }

    fn token_text(&self, token: &Token) -> &'a str {
        self.text.get(token.span.range()).unwrap_or_default()
    }

    /// Names the next token for an error message: `` `x` `` or in words.
    fn found(&self) -> String {
        match self.peek() {
            None => "the end of the expression".to_owned(),
            Some(token) => self.describe(token),
        }
    }

    /// Quotes a token's text, cut short when it is long or spans lines.
    fn describe(&self, token: &Token) -> String {
        let text = self.token_text(token);
        let first_line = text.lines().next().unwrap_or_default();
        let shown: String = first_line.chars().take(24).collect();
        if shown.len() < text.len() {
            format!("`{shown}…`")
        } else {
            format!("`{text}`")
        }
    }

    // ---- building nodes ----

    fn node(&self, kind: ExprKind, local: Span, height: usize) -> Parsed {
        if height > MAX_HEIGHT {
            return Err(too_complex(Span::empty(local.end)).into());
        }
        let expr = Box::new(Expr::new(kind, self.origin.span(local)));
        Ok(Node {
            expr,
            local,
            height,
        })
    }

    fn leaf(&self, literal: Literal, local: Span) -> Parsed {
        self.node(ExprKind::Literal(literal), local, 1)
    }

    fn ident(&self, name: &str, local: Span) -> Ident {
        Ident {
            name: name.to_owned(),
            span: self.origin.span(local),
        }
    }

    fn unary(&self, op: UnaryOp, operator: Span, operand: Node) -> Parsed {
        let local = operator.to(operand.local);
        let height = operand.height + 1;
        self.node(ExprKind::Unary(op, operand.expr), local, height)
    }

    fn binary(&self, op: BinaryOp, left: Node, right: Node) -> Parsed {
        let local = left.local.to(right.local);
        let height = left.height.max(right.height) + 1;
        let kind = ExprKind::Binary(op, left.expr, right.expr);
        self.node(kind, local, height)
    }

    fn infix(&self, infix: Infix, left: Node, right: Node) -> Parsed {
        let negated = match infix {
            Infix::Binary(op) => return self.binary(op, left, right),
            Infix::In { negated } => negated,
        };
        let local = left.local.to(right.local);
        let height = left.height.max(right.height) + 1;
        let kind = ExprKind::In {
            value: left.expr,
            list: right.expr,
            negated,
        };
        self.node(kind, local, height)
    }

    /// Runs `parse` one nesting level deeper, refusing to go past the limit
    /// at the token `at` that opens the level.
    fn nested<T>(&mut self, at: Span, parse: impl FnOnce(&mut Self) -> Parsed<T>) -> Parsed<T> {
        if self.nesting >= MAX_NESTING {
            return Err(too_deep(at).into());
        }
        self.nesting += 1;
        let result = parse(self);
        self.nesting -= 1;
        result
    }

    // ---- grammar ----

    fn parse_expr(&mut self) -> Parsed {
        match self.peek() {
            Some(token) if token.kind == TokenKind::If => {
                self.next += 1;
                self.nested(token.span, |parser| parser.parse_if(token.span))
            }
            _ => self.parse_operators(level::OR),
        }
    }

    fn parse_if(&mut self, if_span: Span) -> Parsed {
        let condition = self.parse_expr()?;
        self.expect_branch(TokenKind::Then, if_span)?;
        let then = self.parse_expr()?;
        self.expect_branch(TokenKind::Else, if_span)?;
        let otherwise = self.parse_expr()?;
        let local = if_span.to(otherwise.local);
        let height = condition.height.max(then.height).max(otherwise.height) + 1;
        let kind = ExprKind::If {
            condition: condition.expr,
            then: then.expr,
            otherwise: otherwise.expr,
        };
        self.node(kind, local, height)
    }

    fn expect_branch(&mut self, keyword: TokenKind, if_span: Span) -> Parsed<()> {
        if self.eat(&keyword).is_some() {
            return Ok(());
        }
        let (word, article) = match keyword {
            TokenKind::Then => ("then", "a"),
            _ => ("else", "an"),
        };
        let error = SyntaxError::new(
            format!("expected `{word}`, found {}", self.found()),
            self.here(),
            self.expected_here(&format!("`{word}`")),
        )
        .with_secondary(if_span, format!("this `if` needs {article} `{word}`"))
        .with_help(
            self.decimal_comma_help()
                .unwrap_or_else(|| "write `if condition then value else value`".to_owned()),
        );
        Err(error.into())
    }

    /// Precedence climbing: parses an operand, then every operator that
    /// binds at least as tightly as `min`, each with a right operand that
    /// binds more tightly, so that operators of one level group to the left.
    fn parse_operators(&mut self, min: u8) -> Parsed {
        let mut left = self.parse_prefix(min)?;
        let mut comparison: Option<Span> = None;
        while let Some(infix) = self.peek_kind().and_then(Infix::of) {
            let level = infix.level();
            if level < min {
                break;
            }
            let operator = self.eat_infix(infix)?;
            if level == level::COMPARISON {
                // A second comparison in this loop directly follows the
                // first: a looser operator's right operand would have
                // taken it.
                if let Some(first) = comparison {
                    return Err(chained_comparison(first, operator).into());
                }
                comparison = Some(operator);
            }
            let right = self.parse_operators(level + 1)?;
            left = self.infix(infix, left, right)?;
        }
        Ok(left)
    }

    fn eat_infix(&mut self, infix: Infix) -> Parsed<Span> {
        let operator = self.here();
        self.next += 1;
        if let Infix::In { negated: true } = infix {
            let Some(in_span) = self.eat(&TokenKind::In) else {
                return Err(self.missing_in_after_not().into());
            };
            return Ok(operator.to(in_span));
        }
        Ok(operator)
    }

    fn missing_in_after_not(&self) -> SyntaxError {
        SyntaxError::new(
            format!("expected `in` after `not`, found {}", self.found()),
            self.here(),
            self.expected_here("`in`"),
        )
        .with_help(
            "write `value not in list` to test that a value is missing from a list, \
             or put `not` before a whole condition",
        )
    }

    /// Parses the prefix operators `not` (where a condition may stand) and
    /// `-`, and what they apply to.
    fn parse_prefix(&mut self, min: u8) -> Parsed {
        let Some(token) = self.peek() else {
            return Err(self.expected_value().into());
        };
        match token.kind {
            TokenKind::Not if min <= level::NOT => {
                self.next += 1;
                self.nested(token.span, |parser| {
                    let operand = parser.parse_operators(level::NOT)?;
                    parser.unary(UnaryOp::Not, token.span, operand)
                })
            }
            TokenKind::Minus => {
                self.next += 1;
                self.nested(token.span, |parser| parser.parse_negation(token.span))
            }
            _ => self.parse_primary(),
        }
    }

    fn parse_negation(&mut self, minus: Span) -> Parsed {
        if let Some(literal) = self.negative_literal(minus)? {
            return Ok(literal);
        }
        let operand = self.parse_operators(level::NEGATE)?;
        self.unary(UnaryOp::Negate, minus, operand)
    }

    /// Folds `-` and the number or duration right after it into one literal.
    fn negative_literal(&mut self, minus: Span) -> Parsed<Option<Node>> {
        let Some(token) = self.peek() else {
            return Ok(None);
        };
        let local = minus.to(token.span);
        let literal = match &token.kind {
            TokenKind::Integer(magnitude) => {
                let value = i64::try_from(-i128::from(*magnitude));
                let text = self.text.get(local.range()).unwrap_or_default();
                Literal::Integer(value.map_err(|_| integer_too_large(text, local))?)
            }
            TokenKind::Decimal(decimal) => Literal::Decimal(-*decimal),
            TokenKind::Duration(duration, unit) => {
                let negated = TimeDelta::zero().checked_sub(duration);
                let text = self.text.get(local.range()).unwrap_or_default();
                Literal::Duration(
                    negated.ok_or_else(|| duration_too_large(text, local))?,
                    *unit,
                )
            }
            _ => return Ok(None),
        };
        self.next += 1;
        self.leaf(literal, local).map(Some)
    }

    fn parse_primary(&mut self) -> Parsed {
        let Some(token) = self.peek() else {
            return Err(self.expected_value().into());
        };
        match &token.kind {
            TokenKind::Ident => {
                self.next += 1;
                self.parse_path_or_call(self.token_text(token), token.span)
            }
            TokenKind::LParen => {
                self.next += 1;
                self.nested(token.span, |parser| parser.parse_group(token.span))
            }
            TokenKind::LBracket => {
                self.next += 1;
                self.nested(token.span, |parser| parser.parse_list(token.span))
            }
            _ => {
                let Some(literal) = self.literal(token)? else {
                    return Err(self.expected_value().into());
                };
                self.next += 1;
                self.leaf(literal, token.span)
            }
        }
    }

    fn literal(&self, token: &Token) -> Parsed<Option<Literal>> {
        Ok(Some(match &token.kind {
            TokenKind::Integer(magnitude) => Literal::Integer(
                i64::try_from(*magnitude)
                    .map_err(|_| integer_too_large(self.token_text(token), token.span))?,
            ),
            TokenKind::Decimal(decimal) => Literal::Decimal(*decimal),
            TokenKind::Date(date) => Literal::Date(*date),
            TokenKind::DateTime(datetime) => Literal::DateTime(*datetime),
            TokenKind::Duration(duration, unit) => Literal::Duration(*duration, *unit),
            TokenKind::String(string) => Literal::String(string.clone()),
            TokenKind::True => Literal::Bool(true),
            TokenKind::False => Literal::Bool(false),
            // Stands in for a literal the lexer reported; never returned,
            // because the lexer's error fails the parse.
            TokenKind::Invalid => Literal::Bool(false),
            _ => return Ok(None),
        }))
    }

    fn expected_value(&self) -> SyntaxError {
        let error = SyntaxError::new(
            format!("expected a value, found {}", self.found()),
            self.here(),
            self.expected_here("a value"),
        );
        match self.peek_kind() {
            Some(TokenKind::If) => error.with_help(
                "put an `if` inside parentheses to use it as a value: \
                 `(if condition then value else value)`",
            ),
            Some(TokenKind::Not) => error.with_help(
                "`not` applies to a whole condition; put it in parentheses here, \
                 as in `a == (not b)`",
            ),
            Some(kind) if kind.is_keyword() && self.keyword_used_as_name() => {
                let keyword = self.peek().map(|t| self.token_text(t)).unwrap_or_default();
                error.with_help(keyword_help(keyword))
            }
            Some(kind) => match binary_symbol(kind) {
                Some(symbol) => error.with_help(format!("`{symbol}` needs a value on each side")),
                None => error,
            },
            None => error,
        }
    }

    /// Whether the keyword that is next looks meant as a name, as in
    /// `in.date` or `then(x)`.
    fn keyword_used_as_name(&self) -> bool {
        matches!(
            self.peek_second_kind(),
            Some(TokenKind::Dot | TokenKind::LParen)
        )
    }

    fn parse_path_or_call(&mut self, first: &str, first_span: Span) -> Parsed {
        match self.peek() {
            Some(open) if open.kind == TokenKind::LParen => {
                self.next += 1;
                let name = self.ident(first, first_span);
                self.nested(open.span, |parser| {
                    parser.parse_call(name, first_span, open.span)
                })
            }
            _ => self.parse_path(first, first_span),
        }
    }

    fn parse_path(&mut self, first: &str, first_span: Span) -> Parsed {
        let mut path = Path::new(first);
        let mut local = first_span;
        while self.eat(&TokenKind::Dot).is_some() {
            let (name, span) = self.name_after_dot()?;
            path.push(name);
            local = local.to(span);
        }
        if let Some(open) = self.peek().filter(|token| token.kind == TokenKind::LParen) {
            return Err(path_call_error(&path, local, open.span).into());
        }
        self.node(ExprKind::Path(path), local, 1)
    }

    fn name_after_dot(&mut self) -> Parsed<(&'a str, Span)> {
        let Some(token) = self.peek() else {
            return Err(self.expected_name().into());
        };
        match &token.kind {
            TokenKind::Ident => {
                self.next += 1;
                Ok((self.token_text(token), token.span))
            }
            kind if kind.is_keyword() => {
                let keyword = self.token_text(token);
                let error = self
                    .expected_name()
                    .with_label("a keyword, not a name")
                    .with_help(keyword_help(keyword));
                Err(error.into())
            }
            _ => Err(self.expected_name().into()),
        }
    }

    fn expected_name(&self) -> SyntaxError {
        SyntaxError::new(
            format!("expected a name after `.`, found {}", self.found()),
            self.here(),
            self.expected_here("a name"),
        )
    }

    fn parse_group(&mut self, open: Span) -> Parsed {
        let inner = self.parse_expr()?;
        let Some(close) = self.eat(&TokenKind::RParen) else {
            return Err(self.unclosed_paren(open).into());
        };
        // The parentheses belong to the node: its span covers them.
        let local = open.to(close);
        let mut expr = inner.expr;
        expr.span = self.origin.span(local);
        Ok(Node {
            expr,
            local,
            height: inner.height,
        })
    }

    fn unclosed_paren(&self, open: Span) -> SyntaxError {
        let error = SyntaxError::new(
            format!("expected `)` to close the `(`, found {}", self.found()),
            self.here(),
            self.expected_here("`)`"),
        )
        .with_secondary(open, "the `(` opened here");
        match self.peek() {
            Some(token) if starts_value(&token.kind) => error.with_help(
                self.stray_word_help()
                    .unwrap_or_else(|| MISSING_OPERATOR_HELP.to_owned()),
            ),
            _ => error,
        }
    }

    fn parse_list(&mut self, open: Span) -> Parsed {
        let mut first = None;
        if self.peek_kind() != Some(&TokenKind::RBracket) {
            let value = self.parse_expr()?;
            if self.peek_kind() == Some(&TokenKind::For) {
                // `[value for item in list]` is the aggregate `list`.
                let function = self.ident(LIST_AGGREGATE, open);
                return self.parse_aggregate(&function, open, value, Items::List);
            }
            first = Some(value);
        }
        let (items, close, height) = self.parse_items(first, Items::List, open)?;
        self.node(ExprKind::List(items), open.to(close), height + 1)
    }

    fn parse_call(&mut self, name: Ident, name_span: Span, open: Span) -> Parsed {
        let mut first = None;
        if self.peek_kind() != Some(&TokenKind::RParen) {
            let value = self.parse_expr()?;
            if self.peek_kind() == Some(&TokenKind::For) {
                return self.parse_aggregate(&name, name_span, value, Items::Arguments);
            }
            first = Some(value);
        }
        let (arguments, close, height) = self.parse_items(first, Items::Arguments, open)?;
        self.node(
            ExprKind::Call(name, arguments),
            name_span.to(close),
            height + 1,
        )
    }

    /// Parses the rest of `function(value for binder in list [if filter])`
    /// from the `for` on.
    fn parse_aggregate(
        &mut self,
        function: &Ident,
        name_span: Span,
        value: Node,
        items: Items,
    ) -> Parsed {
        let for_span = self.here();
        self.next += 1;
        let binder = self.binder(function, for_span)?;
        if self.eat(&TokenKind::In).is_none() {
            return Err(self.aggregate_error(function, "`in`").into());
        }
        let list = self.parse_operators(level::COMPARISON + 1)?;
        let filter = match self.eat(&TokenKind::If) {
            Some(_) => Some(self.parse_expr()?),
            None => None,
        };
        let Some(close) = self.eat(&items.close()) else {
            let bracket = if matches!(items, Items::List) {
                "`]`"
            } else {
                "`)`"
            };
            let expected = if filter.is_some() {
                bracket.to_owned()
            } else {
                format!("`if` or {bracket}")
            };
            return Err(self.aggregate_error(function, &expected).into());
        };
        let height = [Some(&value), Some(&list), filter.as_ref()]
            .into_iter()
            .flatten()
            .map(|node| node.height)
            .max()
            .unwrap_or(0);
        let kind = ExprKind::Aggregate {
            function: function.clone(),
            value: value.expr,
            binder,
            list: list.expr,
            filter: filter.map(|node| node.expr),
        };
        self.node(kind, name_span.to(close), height + 1)
    }

    /// The name after `for`, which stands for each item of the list.
    fn binder(&mut self, function: &Ident, for_span: Span) -> Parsed<Ident> {
        match self.peek() {
            Some(
                token @ Token {
                    kind: TokenKind::Ident,
                    span,
                },
            ) => {
                self.next += 1;
                Ok(self.ident(self.token_text(token), *span))
            }
            _ => Err(self
                .aggregate_error(function, "a name for each item")
                .with_secondary(for_span, "after this `for`")
                .into()),
        }
    }

    fn aggregate_error(&self, function: &Ident, expected: &str) -> SyntaxError {
        SyntaxError::new(
            format!("expected {expected}, found {}", self.found()),
            self.here(),
            self.expected_here(expected),
        )
        .with_help(format!(
            "write `{}(item.price for item in order.items if item.opened)`: \
             a value, `for`, a name for each item, `in`, the list, and an optional `if` condition",
            function.name
        ))
    }

    /// Parses `[expr (',' expr)* [',']]` and the closing bracket, the
    /// first item already parsed when given, returning the items, the
    /// closing bracket's span and the tallest item's height.
    fn parse_items(
        &mut self,
        mut first: Option<Node>,
        items: Items,
        open: Span,
    ) -> Parsed<(Vec<Expr>, Span, usize)> {
        let close = items.close();
        let mut parsed = Vec::new();
        let mut height = 0;
        loop {
            if first.is_none()
                && let Some(span) = self.eat(&close)
            {
                return Ok((parsed, span, height));
            }
            let item = match first.take() {
                Some(item) => item,
                None => self.parse_expr()?,
            };
            height = height.max(item.height);
            parsed.push(*item.expr);
            if let Some(span) = self.eat(&close) {
                return Ok((parsed, span, height));
            }
            if self.eat(&TokenKind::Comma).is_none() {
                return Err(self.unclosed_items(items, open).into());
            }
        }
    }

    fn unclosed_items(&self, items: Items, open: Span) -> SyntaxError {
        let (close, after, opened) = match items {
            Items::List => ("]", "a list item", "the list starts here"),
            Items::Arguments => (")", "an argument", "the arguments start here"),
        };
        SyntaxError::new(
            format!(
                "expected `,` or `{close}` after {after}, found {}",
                self.found()
            ),
            self.here(),
            self.expected_here(&format!("`,` or `{close}`")),
        )
        .with_secondary(open, opened)
    }

    /// For `order.items[0]`, a `[` right after a name: lists are not
    /// read by position.
    fn indexing_help(&self, bracket: &Token) -> Option<String> {
        let before = self.tokens.get(self.next.checked_sub(1)?)?;
        let name = matches!(
            before.kind,
            TokenKind::Ident | TokenKind::RParen | TokenKind::RBracket
        );
        (name && before.span.end == bracket.span.start).then(|| {
            "a list is not read by position: an aggregate reads its items, as in `any(item.price > 10 for item in order.items)`, `sum(item.price for item in order.items)` or `min(…)`".to_owned()
        })
    }

    /// For `0,15` where a value ends: a decimal written with a comma.
    fn decimal_comma_help(&self) -> Option<String> {
        let comma = self.tokens.get(self.next)?;
        let before = self.tokens.get(self.next.checked_sub(1)?)?;
        let after = self.tokens.get(self.next + 1)?;
        let whole = |token: &Token| matches!(token.kind, TokenKind::Integer(_));
        let touching = before.span.end == comma.span.start && comma.span.end == after.span.start;
        (matches!(comma.kind, TokenKind::Comma) && touching && whole(before) && whole(after)).then(
            || {
                format!(
                    "write decimals with a point: `{}.{}`",
                    self.token_text(before),
                    self.token_text(after)
                )
            },
        )
    }

    fn trailing_error(&self, token: &Token) -> SyntaxError {
        let error = SyntaxError::new(
            format!(
                "unexpected {} after the end of the expression",
                self.describe(token)
            ),
            token.span,
            "the expression already ended",
        );
        let after_number = self
            .next
            .checked_sub(1)
            .and_then(|index| self.tokens.get(index))
            .and_then(|previous| match previous.kind {
                TokenKind::Integer(count) => Some(count),
                _ => None,
            });
        let help = match (&token.kind, after_number) {
            (TokenKind::Ident, Some(count)) => duration_word_help(self.token_text(token), count),
            (TokenKind::LBracket, _) => self.indexing_help(token),
            _ => self.decimal_comma_help(),
        }
        .or_else(|| self.stray_word_help());
        match help.or_else(|| trailing_help(&token.kind, self.token_text(token))) {
            Some(help) => error.with_help(help),
            None => error,
        }
    }
}

impl Parser<'_> {
    /// For a name where an operator should be, the next token: `n mod 7`,
    /// `a adn b`, or a function called without parentheses, `floor x`.
    fn stray_word_help(&self) -> Option<String> {
        let word = self.peek().filter(|token| token.kind == TokenKind::Ident)?;
        let word = self.token_text(word);
        if TokenKind::keyword(&word.to_lowercase()).is_some() {
            return None;
        }
        if let Some(symbol) = operator_word(word) {
            return Some(format!("write `{symbol}` instead of `{word}`"));
        }
        if let Some(function) = self.function_before() {
            return Some(format!(
                "call `{}` with its arguments in parentheses: `{}`",
                function.name(),
                function.signature()
            ));
        }
        let operand_follows = self.peek_second_kind().is_some_and(starts_value);
        operand_follows.then(|| {
            let hint = (word.len() >= 3)
                .then(|| did_you_mean(word, ["and", "or", "not", "in"]))
                .flatten();
            hint.unwrap_or_else(|| {
                format!(
                    "`{word}` is not an operator; the operators are {}",
                    operator_list()
                )
            })
        })
    }

    /// The function named by the single name just before the next token.
    fn function_before(&self) -> Option<Function> {
        let previous = self.next.checked_sub(1)?;
        let name = self
            .tokens
            .get(previous)
            .filter(|token| token.kind == TokenKind::Ident)?;
        let name = self.token_text(name);
        let after_dot = previous
            .checked_sub(1)
            .and_then(|index| self.tokens.get(index))
            .is_some_and(|token| token.kind == TokenKind::Dot);
        if after_dot {
            return None;
        }
        Function::from_name(name)
    }
}

/// The operator that a word from another language stands for.
fn operator_word(word: &str) -> Option<&'static str> {
    Some(match word.to_lowercase().as_str() {
        "mod" | "modulo" | "rem" => "%",
        "div" => "/",
        "times" => "*",
        "plus" => "+",
        "minus" => "-",
        "eq" | "equals" => "==",
        "ne" | "neq" => "!=",
        "lt" => "<",
        "le" | "lte" => "<=",
        "gt" => ">",
        "ge" | "gte" => ">=",
        _ => return None,
    })
}

/// For `14 days`: durations are written without a space, `14d`.
fn duration_word_help(word: &str, count: u64) -> Option<String> {
    if matches!(
        word.to_lowercase().as_str(),
        "business" | "working" | "weekday" | "weekdays" | "workday" | "workdays"
    ) {
        return Some(format!(
            "business days are counted in a calendar: `add_business_days(date, {count}, \"us\")` for the date {count} business days after `date`, the calendar declared as `[calendar.us]`"
        ));
    }
    let unit = match word.to_lowercase().trim_end_matches('s') {
        "day" | "d" => 'd',
        "hour" | "h" | "hr" => 'h',
        "week" | "w" | "wk" => 'w',
        "minute" | "min" | "m" => 'm',
        "second" | "sec" => 's',
        _ => return None,
    };
    Some(format!(
        "write durations as a number and a unit letter, without a space: `{count}{unit}`"
    ))
}

const MISSING_OPERATOR_HELP: &str = "join conditions with `and` or `or`";

fn keyword_help(keyword: &str) -> String {
    format!("`{keyword}` is a keyword, so it cannot be used as a name")
}

fn trailing_help(kind: &TokenKind, text: &str) -> Option<String> {
    Some(match kind {
        TokenKind::RParen => "this `)` has no matching `(`".to_owned(),
        TokenKind::RBracket => "this `]` has no matching `[`".to_owned(),
        TokenKind::Then | TokenKind::Else => {
            format!("`{text}` belongs to an `if`: `if condition then value else value`")
        }
        TokenKind::For => "`for` goes inside an aggregate over a list: \
             `sum(item.price for item in order.items)`"
            .to_owned(),
        TokenKind::Comma => {
            "commas separate the items of a list `[a, b]` or the arguments of a call `f(a, b)`"
                .to_owned()
        }
        TokenKind::Ident if TokenKind::keyword(&text.to_lowercase()).is_some() => {
            format!("keywords are lowercase: write `{}`", text.to_lowercase())
        }
        kind if starts_value(kind) => MISSING_OPERATOR_HELP.to_owned(),
        _ => return None,
    })
}

fn path_call_error(path: &Path, span: Span, open: Span) -> SyntaxError {
    let (receiver, function) = path.split_last();
    let receiver = receiver.unwrap_or_default();
    SyntaxError::new(
        format!("`{}` cannot be called", path.dotted()),
        span,
        "only a single name can be called",
    )
    .with_secondary(open, "the call starts here")
    .with_help(format!(
        "call functions by their name alone, for example `{function}({receiver})`"
    ))
}

fn too_complex(local: Span) -> SyntaxError {
    SyntaxError::new(
        "the expression is too complex",
        local,
        format!("more than {MAX_HEIGHT} operators in one expression end here"),
    )
    .with_help(
        "split it into several rules or derived values; to test many values, use `x in [a, b, c]`",
    )
}

fn too_deep(at: Span) -> SyntaxError {
    SyntaxError::new(
        "the expression nests too deeply",
        at,
        format!("this is nested more than {MAX_NESTING} levels deep"),
    )
    .with_help(format!(
        "simplify the expression: parentheses, lists, calls, `if`, `not` and `-` \
         can nest at most {MAX_NESTING} levels"
    ))
}

fn chained_comparison(first: Span, second: Span) -> SyntaxError {
    SyntaxError::new("comparisons cannot be chained", second, "second comparison")
        .with_secondary(first, "first comparison")
        .with_help("join them with `and`: `a < b and b < c`")
}

fn binary_op(kind: &TokenKind) -> Option<BinaryOp> {
    Some(match kind {
        TokenKind::Or => BinaryOp::Or,
        TokenKind::And => BinaryOp::And,
        TokenKind::Plus => BinaryOp::Add,
        TokenKind::Minus => BinaryOp::Sub,
        TokenKind::Star => BinaryOp::Mul,
        TokenKind::Slash => BinaryOp::Div,
        TokenKind::Percent => BinaryOp::Rem,
        kind => comparison_op(kind)?,
    })
}

fn comparison_op(kind: &TokenKind) -> Option<BinaryOp> {
    Some(match kind {
        TokenKind::EqEq => BinaryOp::Eq,
        TokenKind::NotEq => BinaryOp::NotEq,
        TokenKind::Less => BinaryOp::Less,
        TokenKind::LessEq => BinaryOp::LessEq,
        TokenKind::Greater => BinaryOp::Greater,
        TokenKind::GreaterEq => BinaryOp::GreaterEq,
        _ => return None,
    })
}

/// The symbol of a token that can only stand between two values.
fn binary_symbol(kind: &TokenKind) -> Option<&'static str> {
    match kind {
        TokenKind::In => Some("in"),
        // `-` can also start a value.
        TokenKind::Minus => None,
        kind => binary_op(kind).map(BinaryOp::symbol),
    }
}

fn starts_value(kind: &TokenKind) -> bool {
    matches!(
        kind,
        TokenKind::Ident
            | TokenKind::Integer(_)
            | TokenKind::Decimal(_)
            | TokenKind::Date(_)
            | TokenKind::DateTime(_)
            | TokenKind::Duration(..)
            | TokenKind::String(_)
            | TokenKind::Invalid
            | TokenKind::True
            | TokenKind::False
            | TokenKind::Not
            | TokenKind::If
            | TokenKind::LParen
            | TokenKind::LBracket
    )
}

/// The aggregate that `[value for item in list]` stands for.
pub(crate) const LIST_AGGREGATE: &str = "list";

/// Binding strength of operators, loosest first. The parser climbs these
/// levels; the printer puts a child in parentheses when it binds more
/// loosely than its position allows.
pub(crate) mod level {
    pub(crate) const IF: u8 = 0;
    pub(crate) const OR: u8 = 1;
    pub(crate) const AND: u8 = 2;
    pub(crate) const NOT: u8 = 3;
    pub(crate) const COMPARISON: u8 = 4;
    pub(crate) const ADDITIVE: u8 = 5;
    pub(crate) const MULTIPLICATIVE: u8 = 6;
    pub(crate) const NEGATE: u8 = 7;
    pub(crate) const PRIMARY: u8 = 8;
}

// ---- printing ----

/// Prints `expr` in canonical form; parsing the result gives back `expr`.
pub(crate) fn print(expr: &Expr) -> String {
    let mut out = String::new();
    write_expr(&mut out, expr);
    out
}

/// [`print`], shared: the text is written into a buffer this thread reuses
/// and copied once into its `Arc`, where printing into a `String` of its
/// own and converting it would allocate twice per node of every
/// expression of a policy.
pub(crate) fn print_shared(expr: &Expr) -> Arc<str> {
    thread_local! {
        static BUFFER: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
    }
    BUFFER.with(|buffer| match buffer.try_borrow_mut() {
        Ok(mut out) => {
            out.clear();
            write_expr(&mut out, expr);
            Arc::from(out.as_str())
        }
        Err(_) => print(expr).into(),
    })
}

pub(crate) fn binding(expr: &Expr) -> u8 {
    match &expr.kind {
        ExprKind::If { .. } => level::IF,
        ExprKind::Binary(op, _, _) => binary_level(*op),
        ExprKind::In { .. } => level::COMPARISON,
        ExprKind::Unary(UnaryOp::Not, _) => level::NOT,
        ExprKind::Unary(UnaryOp::Negate, _) => level::NEGATE,
        ExprKind::Literal(_)
        | ExprKind::Path(_)
        | ExprKind::List(_)
        | ExprKind::Call(..)
        | ExprKind::Aggregate { .. } => level::PRIMARY,
    }
}

pub(crate) fn binary_level(op: BinaryOp) -> u8 {
    match op {
        BinaryOp::Or => level::OR,
        BinaryOp::And => level::AND,
        BinaryOp::Add | BinaryOp::Sub => level::ADDITIVE,
        BinaryOp::Mul | BinaryOp::Div | BinaryOp::Rem => level::MULTIPLICATIVE,
        _ => level::COMPARISON,
    }
}

fn write_expr(out: &mut String, expr: &Expr) {
    match &expr.kind {
        ExprKind::Literal(literal) => write_literal(out, literal),
        ExprKind::Path(path) => out.push_str(path.dotted()),
        ExprKind::Unary(op, operand) => write_unary(out, *op, operand),
        ExprKind::Binary(op, left, right) => {
            let level = binary_level(*op);
            // Comparisons do not chain, so neither side may be one; the other
            // operators group to the left, so only the right side may not.
            let left_minimum = if op.is_comparison() { level + 1 } else { level };
            write_operand(out, left, left_minimum);
            out.push(' ');
            out.push_str(op.symbol());
            out.push(' ');
            write_operand(out, right, level + 1);
        }
        ExprKind::In {
            value,
            list,
            negated,
        } => {
            write_operand(out, value, level::COMPARISON + 1);
            out.push_str(if *negated { " not in " } else { " in " });
            write_operand(out, list, level::COMPARISON + 1);
        }
        ExprKind::List(items) => {
            out.push('[');
            write_comma_separated(out, items);
            out.push(']');
        }
        ExprKind::Call(name, arguments) => {
            out.push_str(&name.name);
            out.push('(');
            write_comma_separated(out, arguments);
            out.push(')');
        }
        ExprKind::If {
            condition,
            then,
            otherwise,
        } => {
            out.push_str("if ");
            write_expr(out, condition);
            out.push_str(" then ");
            write_expr(out, then);
            out.push_str(" else ");
            write_expr(out, otherwise);
        }
        ExprKind::Aggregate {
            function,
            value,
            binder,
            list,
            filter,
        } => {
            let bracketed = function.name == LIST_AGGREGATE;
            if bracketed {
                out.push('[');
            } else {
                out.push_str(&function.name);
                out.push('(');
            }
            // An `if` reads as the start of the filter; parentheses keep
            // each part whole.
            write_operand(out, value, level::OR);
            out.push_str(" for ");
            out.push_str(&binder.name);
            out.push_str(" in ");
            write_operand(out, list, level::COMPARISON + 1);
            if let Some(filter) = filter {
                out.push_str(" if ");
                write_operand(out, filter, level::OR);
            }
            out.push(if bracketed { ']' } else { ')' });
        }
    }
}

fn write_unary(out: &mut String, op: UnaryOp, operand: &Expr) {
    match op {
        UnaryOp::Not => {
            out.push_str("not ");
            write_operand(out, operand, level::NOT);
        }
        UnaryOp::Negate => {
            out.push('-');
            // `-5` would parse as the literal -5, not as 5 negated.
            let mut printed = String::new();
            write_operand(&mut printed, operand, level::NEGATE);
            if is_foldable(operand) && !printed.starts_with('-') {
                out.push('(');
                out.push_str(&printed);
                out.push(')');
            } else {
                out.push_str(&printed);
            }
        }
    }
}

fn is_foldable(expr: &Expr) -> bool {
    matches!(
        expr.kind,
        ExprKind::Literal(Literal::Integer(_) | Literal::Decimal(_) | Literal::Duration(..))
    )
}

fn write_operand(out: &mut String, expr: &Expr, minimum: u8) {
    if binding(expr) < minimum {
        out.push('(');
        write_expr(out, expr);
        out.push(')');
    } else {
        write_expr(out, expr);
    }
}

fn write_comma_separated(out: &mut String, exprs: &[Expr]) {
    for (index, expr) in exprs.iter().enumerate() {
        if index > 0 {
            out.push_str(", ");
        }
        write_expr(out, expr);
    }
}

fn write_literal(out: &mut String, literal: &Literal) {
    match literal {
        Literal::Bool(value) => out.push_str(if *value { "true" } else { "false" }),
        Literal::Integer(value) => out.push_str(&value.to_string()),
        Literal::Decimal(value) => {
            let text = value.to_string();
            out.push_str(&text);
            // A decimal without a point would read back as an integer.
            if !text.contains('.') {
                out.push_str(".0");
            }
        }
        Literal::String(value) => write_string(out, value),
        Literal::Date(date) => out.push_str(&date.format("%Y-%m-%d").to_string()),
        Literal::DateTime(datetime) => {
            out.push_str(&datetime.to_rfc3339_opts(SecondsFormat::AutoSi, true));
        }
        Literal::Duration(duration, unit) => write_duration(out, *duration, *unit),
    }
}

fn write_string(out: &mut String, value: &str) {
    out.push('"');
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Prints whole seconds in the unit they were written in, or else in the
/// largest unit that divides them evenly; the language cannot write
/// fractions of a second, so they are dropped.
fn write_duration(out: &mut String, duration: TimeDelta, written: char) {
    const UNITS: [(u64, char); 5] = [
        (7 * 24 * 3600, 'w'),
        (24 * 3600, 'd'),
        (3600, 'h'),
        (60, 'm'),
        (1, 's'),
    ];
    let seconds = duration.num_seconds();
    let magnitude = seconds.unsigned_abs();
    let (size, unit) = UNITS
        .into_iter()
        .filter(|&(size, _)| magnitude != 0 && magnitude.is_multiple_of(size))
        .min_by_key(|&(_, unit)| unit != written)
        .unwrap_or((1, 's'));
    if seconds < 0 {
        out.push('-');
    }
    out.push_str(&(magnitude / size).to_string());
    out.push(unit);
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;
    use chrono::{DateTime, NaiveDate};
    use rust_decimal::Decimal;
    use std::ops::Range;
    use std::str::FromStr;

    fn parse(text: &str) -> Expr {
        match parse_expression(text, &Origin::Identity) {
            Ok(expr) => expr,
            Err(errors) => panic!("{text}: {errors:#?}"),
        }
    }

    fn errors(text: &str) -> Vec<Diagnostic> {
        match parse_expression(text, &Origin::Identity) {
            Ok(expr) => panic!("{text} parsed as {expr:?}"),
            Err(errors) => errors,
        }
    }

    fn error(text: &str) -> Diagnostic {
        let mut errors = errors(text);
        assert_eq!(errors.len(), 1, "{text}: {errors:#?}");
        errors.remove(0)
    }

    fn assert_error(text: &str, message: &str, span: Range<usize>) -> Diagnostic {
        let error = error(text);
        assert_eq!(error.message, message, "{text}");
        assert_eq!(error.span.range(), span, "{text}: {message}");
        assert!(!error.label.is_empty(), "{text}: {message} has no label");
        error
    }

    fn path(names: &[&str]) -> Expr {
        let (first, rest) = names.split_first().unwrap();
        let mut path = Path::new(first);
        rest.iter().for_each(|name| path.push(name));
        Expr::new(ExprKind::Path(path), Span::default())
    }

    fn var(name: &str) -> Expr {
        path(&[name])
    }

    fn literal(literal: Literal) -> Expr {
        Expr::new(ExprKind::Literal(literal), Span::default())
    }

    fn int(value: i64) -> Expr {
        literal(Literal::Integer(value))
    }

    fn binary(op: BinaryOp, left: Expr, right: Expr) -> Expr {
        Expr::new(
            ExprKind::Binary(op, Box::new(left), Box::new(right)),
            Span::default(),
        )
    }

    fn unary(op: UnaryOp, operand: Expr) -> Expr {
        Expr::new(ExprKind::Unary(op, Box::new(operand)), Span::default())
    }

    fn call(name: &str, arguments: Vec<Expr>) -> Expr {
        let name = Ident {
            name: name.to_owned(),
            span: Span::default(),
        };
        Expr::new(ExprKind::Call(name, arguments), Span::default())
    }

    fn list(items: Vec<Expr>) -> Expr {
        Expr::new(ExprKind::List(items), Span::default())
    }

    fn in_list(value: Expr, list: Expr, negated: bool) -> Expr {
        Expr::new(
            ExprKind::In {
                value: Box::new(value),
                list: Box::new(list),
                negated,
            },
            Span::default(),
        )
    }

    #[test]
    fn literals() {
        assert_eq!(parse("42"), int(42));
        assert_eq!(parse("-5"), int(-5));
        assert_eq!(parse("-9223372036854775808"), int(i64::MIN));
        assert_eq!(parse("true"), literal(Literal::Bool(true)));
        assert_eq!(parse("false"), literal(Literal::Bool(false)));
        assert_eq!(
            parse("-59.99"),
            literal(Literal::Decimal(Decimal::from_str("-59.99").unwrap()))
        );
        assert_eq!(
            parse("-7d"),
            literal(Literal::Duration(TimeDelta::days(-7), 'd'))
        );
        assert_eq!(parse("'it\\'s'"), literal(Literal::String("it's".into())));
        assert_eq!(
            parse("2025-01-22"),
            literal(Literal::Date(NaiveDate::from_ymd_opt(2025, 1, 22).unwrap()))
        );
        assert_eq!(
            parse("2025-01-22T10:30:00+02:00"),
            literal(Literal::DateTime(
                DateTime::parse_from_rfc3339("2025-01-22T10:30:00+02:00").unwrap()
            ))
        );
        assert_eq!(parse("-(5)"), unary(UnaryOp::Negate, int(5)));
        assert_eq!(parse("--5"), unary(UnaryOp::Negate, int(-5)));
        assert_eq!(parse("-a"), unary(UnaryOp::Negate, var("a")));
    }

    #[test]
    fn paths_calls_and_lists() {
        assert_eq!(parse("purchase.date"), path(&["purchase", "date"]));
        assert_eq!(parse("f()"), call("f", vec![]));
        assert_eq!(parse("f(a, 1,)"), call("f", vec![var("a"), int(1)]));
        assert_eq!(parse("[]"), list(vec![]));
        assert_eq!(
            parse("[1, [2], a.b,]"),
            list(vec![int(1), list(vec![int(2)]), path(&["a", "b"])])
        );
        assert_eq!(
            parse("reason in ['a', 'b']"),
            in_list(
                var("reason"),
                list(vec![
                    literal(Literal::String("a".into())),
                    literal(Literal::String("b".into()))
                ]),
                false
            )
        );
        assert_eq!(parse("x not in y"), in_list(var("x"), var("y"), true));
    }

    #[test]
    fn precedence() {
        use BinaryOp::*;
        assert_eq!(
            parse("a or b and c"),
            binary(Or, var("a"), binary(And, var("b"), var("c")))
        );
        assert_eq!(
            parse("not a == b"),
            unary(UnaryOp::Not, binary(Eq, var("a"), var("b")))
        );
        assert_eq!(
            parse("-a * b"),
            binary(Mul, unary(UnaryOp::Negate, var("a")), var("b"))
        );
        assert_eq!(
            parse("a - b - c"),
            binary(Sub, binary(Sub, var("a"), var("b")), var("c"))
        );
        assert_eq!(
            parse("a / b * c"),
            binary(Mul, binary(Div, var("a"), var("b")), var("c"))
        );
        assert_eq!(
            parse("a + b % c * d"),
            binary(
                Add,
                var("a"),
                binary(Mul, binary(Rem, var("b"), var("c")), var("d"))
            )
        );
        assert_eq!(
            parse("a + b * c < d"),
            binary(
                Less,
                binary(Add, var("a"), binary(Mul, var("b"), var("c"))),
                var("d")
            )
        );
        assert_eq!(
            parse("a and b or c and d"),
            binary(
                Or,
                binary(And, var("a"), var("b")),
                binary(And, var("c"), var("d"))
            )
        );
        assert_eq!(
            parse("not a and b"),
            binary(And, unary(UnaryOp::Not, var("a")), var("b"))
        );
        assert_eq!(
            parse("not not a"),
            unary(UnaryOp::Not, unary(UnaryOp::Not, var("a")))
        );
        assert_eq!(
            parse("a + 1 in b or c"),
            binary(
                Or,
                in_list(binary(Add, var("a"), int(1)), var("b"), false),
                var("c")
            )
        );
        assert_eq!(parse("(a - b) - c"), parse("a - b - c"));
        assert_eq!(
            parse("a - (b - c)"),
            binary(Sub, var("a"), binary(Sub, var("b"), var("c")))
        );
        assert_eq!(parse("2 - -3"), binary(Sub, int(2), int(-3)));
    }

    #[test]
    fn if_expressions() {
        let expected = Expr::new(
            ExprKind::If {
                condition: Box::new(binary(BinaryOp::Greater, var("a"), int(1))),
                then: Box::new(int(2)),
                otherwise: Box::new(binary(BinaryOp::Add, int(3), int(4))),
            },
            Span::default(),
        );
        assert_eq!(parse("if a > 1 then 2 else 3 + 4"), expected);
        let ExprKind::If { otherwise, .. } = parse("if a then b else if c then d else e").kind
        else {
            panic!("not an if")
        };
        assert!(matches!(otherwise.kind, ExprKind::If { .. }));
        assert!(matches!(
            parse("(if a then 1 else 2) + 1").kind,
            ExprKind::Binary(BinaryOp::Add, _, _)
        ));
    }

    #[test]
    fn spans_are_file_spans() {
        let origin = Origin::Shifted(100);
        let expr = parse_expression("a.b <= 7", &origin).unwrap();
        assert_eq!(expr.span.range(), 100..108);
        let ExprKind::Binary(_, left, right) = &expr.kind else {
            panic!("not binary")
        };
        assert_eq!(left.span.range(), 100..103);
        let ExprKind::Path(path) = &left.kind else {
            panic!("not a path")
        };
        assert_eq!(path.names().collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(right.span.range(), 107..108);

        let expr = parse_expression("if -x then f(1, [2]) else (y)", &origin).unwrap();
        assert_eq!(expr.span.range(), 100..129);
        let ExprKind::If {
            condition,
            then,
            otherwise,
        } = &expr.kind
        else {
            panic!("not an if")
        };
        assert_eq!(condition.span.range(), 103..105);
        assert_eq!(then.span.range(), 111..120);
        let ExprKind::Call(name, arguments) = &then.kind else {
            panic!("not a call")
        };
        assert_eq!(name.span.range(), 111..112);
        assert_eq!(arguments[1].span.range(), 116..119);
        assert_eq!(otherwise.span.range(), 126..129);

        let expr = parse_expression("not x not in [-1]", &origin).unwrap();
        assert_eq!(expr.span.range(), 100..117);
        let ExprKind::Unary(_, inner) = &expr.kind else {
            panic!("not unary")
        };
        assert_eq!(inner.span.range(), 104..117);
        let ExprKind::In { list, .. } = &inner.kind else {
            panic!("not in")
        };
        let ExprKind::List(items) = &list.kind else {
            panic!("not a list")
        };
        assert_eq!(items[0].span.range(), 114..116);
    }

    #[test]
    fn error_spans_are_file_spans() {
        let errors = parse_expression("(a = 1", &Origin::Shifted(100)).unwrap_err();
        let found: Vec<_> = errors
            .iter()
            .map(|error| (error.message.as_str(), error.span.range()))
            .collect();
        assert_eq!(
            found,
            [
                ("unknown operator `=`", 103..104),
                (
                    "expected `)` to close the `(`, found the end of the expression",
                    105..106
                ),
            ]
        );
        assert_eq!(errors[1].secondary[0].0.range(), 100..101);
        assert_eq!(errors[1].secondary[0].1, "the `(` opened here");
    }

    #[test]
    fn unicode_spans_stay_on_char_boundaries() {
        let text = "\"Zoë 🎁\" == naïve_name or 'ü' in [\"日本\"]";
        let expr = parse_expression(text, &Origin::Identity);
        let errors = expr.unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].message, "`naïve_name` is not a valid name");
        assert_eq!(&text[errors[0].span.range()], "naïve_name");
        let text = "\"Zoë 🎁\" == name or 'ü' in [\"日本\"]";
        let expr = parse(text);
        let ExprKind::Binary(_, left, right) = &expr.kind else {
            panic!("not binary")
        };
        assert_eq!(&text[left.span.range()], "\"Zoë 🎁\" == name");
        assert_eq!(&text[right.span.range()], "'ü' in [\"日本\"]");
        let error = error("x == 'é' 'ü'");
        assert_eq!(
            error.message,
            "unexpected `'ü'` after the end of the expression"
        );
        assert_eq!(error.span.range(), 10..14);
    }

    #[test]
    fn empty_input() {
        for text in ["", "   ", "\n\t"] {
            let error = assert_error(text, "the expression is empty", 0..text.len());
            assert_eq!(
                error.help.as_deref(),
                Some("write a value or a condition, for example `days_since_purchase <= 30`")
            );
        }
        let errors = errors(" @ ");
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].message, "unexpected character `@`");
    }

    #[test]
    fn value_errors() {
        assert_error("a == )", "expected a value, found `)`", 5..6);
        assert_error(
            "a and ",
            "expected a value, found the end of the expression",
            2..5,
        );
        let error = assert_error("* 3", "expected a value, found `*`", 0..1);
        assert_eq!(
            error.help.as_deref(),
            Some("`*` needs a value on each side")
        );
        let error = assert_error("a and and b", "expected a value, found `and`", 6..9);
        assert_eq!(
            error.help.as_deref(),
            Some("`and` needs a value on each side")
        );
        let error = assert_error(
            "a and if b then c else d",
            "expected a value, found `if`",
            6..8,
        );
        assert!(error.help.unwrap().contains("parentheses"));
        let error = assert_error("in.date > 1", "expected a value, found `in`", 0..2);
        assert_eq!(
            error.help.as_deref(),
            Some("`in` is a keyword, so it cannot be used as a name")
        );
        assert_error("[1,,2]", "expected a value, found `,`", 3..4);
        let error = assert_error("a == not b", "expected a value, found `not`", 5..8);
        assert!(error.help.unwrap().contains("`a == (not b)`"));
    }

    #[test]
    fn missing_value_error_for_long_strings() {
        let text = "x 'a very long string that goes on and on'";
        assert_error(
            text,
            "unexpected `'a very long string that…` after the end of the expression",
            2..text.len(),
        );
    }

    #[test]
    fn bracket_errors() {
        let error = assert_error(
            "(a or b",
            "expected `)` to close the `(`, found the end of the expression",
            6..7,
        );
        assert_eq!(error.label, "expected `)` after this");
        assert_eq!(error.secondary[0].0.range(), 0..1);
        assert_eq!(error.secondary[0].1, "the `(` opened here");
        let error = assert_error("(a b)", "expected `)` to close the `(`, found `b`", 3..4);
        assert_eq!(
            error.help.as_deref(),
            Some("join conditions with `and` or `or`")
        );
        let error = assert_error(
            "[1, 2 3]",
            "expected `,` or `]` after a list item, found `3`",
            6..7,
        );
        assert_eq!(error.secondary[0].0.range(), 0..1);
        assert_eq!(error.secondary[0].1, "the list starts here");
        let error = assert_error(
            "f(1 2)",
            "expected `,` or `)` after an argument, found `2`",
            4..5,
        );
        assert_eq!(error.secondary[0].0.range(), 1..2);
        assert_error(
            "[1, 2",
            "expected `,` or `]` after a list item, found the end of the expression",
            4..5,
        );
    }

    #[test]
    fn if_errors() {
        let error = assert_error("if a else b", "expected `then`, found `else`", 5..9);
        assert_eq!(error.secondary[0].0.range(), 0..2);
        assert_eq!(error.secondary[0].1, "this `if` needs a `then`");
        assert_eq!(
            error.help.as_deref(),
            Some("write `if condition then value else value`")
        );
        let error = assert_error(
            "if a then b",
            "expected `else`, found the end of the expression",
            10..11,
        );
        assert_eq!(error.secondary[0].1, "this `if` needs an `else`");
        assert_eq!(error.label, "expected `else` after this");
    }

    #[test]
    fn name_errors() {
        let error = assert_error("a.in", "expected a name after `.`, found `in`", 2..4);
        assert_eq!(error.label, "a keyword, not a name");
        assert_eq!(
            error.help.as_deref(),
            Some("`in` is a keyword, so it cannot be used as a name")
        );
        assert_error("a.5", "expected a name after `.`, found `5`", 2..3);
        assert_error(
            "a.",
            "expected a name after `.`, found the end of the expression",
            1..2,
        );
        let error = assert_error(
            "order.items.count()",
            "`order.items.count` cannot be called",
            0..17,
        );
        assert_eq!(
            error.help.as_deref(),
            Some("call functions by their name alone, for example `count(order.items)`")
        );
        assert_eq!(error.secondary[0].0.range(), 17..18);
    }

    #[test]
    fn comparison_errors() {
        let error = assert_error("a < b < c", "comparisons cannot be chained", 6..7);
        assert_eq!(
            error.help.as_deref(),
            Some("join them with `and`: `a < b and b < c`")
        );
        assert_eq!(error.secondary[0].0.range(), 2..3);
        assert_error("a == b in c", "comparisons cannot be chained", 7..9);
        assert_error("a in b not in c", "comparisons cannot be chained", 7..13);
        let error = assert_error("a not b", "expected `in` after `not`, found `b`", 6..7);
        assert!(error.help.is_some());
    }

    #[test]
    fn comparisons_in_parentheses_do_not_chain() {
        assert!(matches!(
            parse("(a < b) == (b < c)").kind,
            ExprKind::Binary(BinaryOp::Eq, _, _)
        ));
    }

    #[test]
    fn words_where_an_operator_goes_get_help() {
        for (text, help) in [
            ("n mod 7 == 0", "write `%` instead of `mod`"),
            ("(n MOD 7) == 0", "write `%` instead of `MOD`"),
            ("n div 2", "write `/` instead of `div`"),
            ("a adn b", "did you mean `and`?"),
            (
                "floor x > 1",
                "call `floor` with its arguments in parentheses: `floor(number)`",
            ),
            (
                "a foo b",
                "`foo` is not an operator; the operators are `or`, `and`, `==`, `!=`, `<`, `<=`, `>`, `>=`, `+`, `-`, `*`, `/`, `%`, `not`, `in`, `not in`",
            ),
            ("a.floor b", "join conditions with `and` or `or`"),
        ] {
            assert_eq!(error(text).help.as_deref(), Some(help), "{text}");
        }
    }

    #[test]
    fn business_days_written_as_a_unit_point_to_add_business_days() {
        let error = assert_error(
            "request.date + 3 business days",
            "unexpected `business` after the end of the expression",
            17..25,
        );
        assert!(
            error
                .help
                .as_deref()
                .unwrap_or_default()
                .contains("`add_business_days(date, 3, \"us\")`"),
            "{:?}",
            error.help
        );
    }

    #[test]
    fn a_list_read_by_position_is_told_to_use_an_aggregate() {
        let indexed = assert_error(
            "order.items[0].price > 5",
            "unexpected `[` after the end of the expression",
            11..12,
        );
        assert!(
            indexed
                .help
                .as_deref()
                .unwrap_or_default()
                .starts_with("a list is not read by position"),
            "{:?}",
            indexed.help
        );
        let apart = error("a [1]").help.unwrap_or_default();
        assert!(!apart.contains("by position"), "{apart}");
    }

    #[test]
    fn trailing_errors() {
        let error = assert_error(
            "a b",
            "unexpected `b` after the end of the expression",
            2..3,
        );
        assert_eq!(
            error.help.as_deref(),
            Some("join conditions with `and` or `or`")
        );
        let error = assert_error("a)", "unexpected `)` after the end of the expression", 1..2);
        assert_eq!(error.help.as_deref(), Some("this `)` has no matching `(`"));
        let error = assert_error("a]", "unexpected `]` after the end of the expression", 1..2);
        assert_eq!(error.help.as_deref(), Some("this `]` has no matching `[`"));
        let error = assert_error(
            "a AND b",
            "unexpected `AND` after the end of the expression",
            2..5,
        );
        assert_eq!(
            error.help.as_deref(),
            Some("keywords are lowercase: write `and`")
        );
        let error = assert_error(
            "a then b",
            "unexpected `then` after the end of the expression",
            2..6,
        );
        assert!(error.help.unwrap().starts_with("`then` belongs to an `if`"));
        let error = assert_error(
            "a, b",
            "unexpected `,` after the end of the expression",
            1..2,
        );
        assert!(error.help.unwrap().starts_with("commas separate"));
    }

    #[test]
    fn a_decimal_written_with_a_comma_gets_a_point_in_its_help() {
        let error = assert_error(
            "a * 0,15",
            "unexpected `,` after the end of the expression",
            5..6,
        );
        assert_eq!(
            error.help.as_deref(),
            Some("write decimals with a point: `0.15`")
        );
        let error = assert_error(
            "if a then 0,15 else 1",
            "expected `else`, found `,`",
            11..12,
        );
        assert_eq!(
            error.help.as_deref(),
            Some("write decimals with a point: `0.15`")
        );
        let error = assert_error(
            "a * 0, 15",
            "unexpected `,` after the end of the expression",
            5..6,
        );
        assert!(error.help.unwrap().starts_with("commas separate"));
    }

    #[test]
    fn integer_limit() {
        assert_error(
            "9223372036854775808",
            "integer `9223372036854775808` is too large",
            0..19,
        );
        assert_error(
            "- 9223372036854775809",
            "integer `9223372036854775809` is too large",
            2..21,
        );
    }

    #[test]
    fn lexer_and_parser_errors_are_reported_together() {
        let errors = errors("a == 2025-02-30 and (b || c");
        let found: Vec<_> = errors
            .iter()
            .map(|error| (error.message.as_str(), error.span.range()))
            .collect();
        assert_eq!(
            found,
            [
                ("`2025-02-30` is not a valid date", 5..15),
                ("unknown operator `||`", 23..25),
                (
                    "expected `)` to close the `(`, found the end of the expression",
                    26..27
                ),
            ]
        );
        assert!(errors.iter().all(|error| error.code == "syntax"));
    }

    #[test]
    fn skipped_characters_cause_no_second_error() {
        let errors = errors("a @ b");
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].message, "unexpected character `@`");
        let errors = errors_of("(a €");
        assert_eq!(errors, ["unexpected character `€`"]);
        let errors = errors_of("x == 03/01/2025 and y");
        assert_eq!(
            errors,
            ["`03/01/2025` is not a date the language understands"]
        );
        let errors = errors_of("x > 7days");
        assert_eq!(errors, ["unknown unit `days` in `7days`"]);
    }

    fn errors_of(text: &str) -> Vec<String> {
        errors(text)
            .into_iter()
            .map(|error| error.message)
            .collect()
    }

    #[test]
    fn nesting_limit() {
        let nested = |open: &str, close: &str, depth: usize| {
            format!("{}x{}", open.repeat(depth), close.repeat(depth))
        };
        // The deepest allowed nesting fits in a small stack, even unoptimised.
        let deepest: Vec<String> = [
            ("(", ")"),
            ("[", "]"),
            ("f(", ")"),
            ("not ", ""),
            ("-", ""),
            ("if a then ", " else b"),
            ("a + (", ")"),
        ]
        .into_iter()
        .map(|(open, close)| nested(open, close, MAX_NESTING))
        .collect();
        std::thread::Builder::new()
            .stack_size(512 * 1024)
            .spawn(move || deepest.iter().for_each(|text| drop(parse(text))))
            .unwrap()
            .join()
            .unwrap();
        // The opening token of level 65 is reported.
        for (open, close, opening) in [
            ("(", ")", 0..1),
            ("[", "]", 0..1),
            ("f(", ")", 1..2),
            ("not ", "", 0..3),
            ("-", "", 0..1),
            ("if a then ", " else b", 0..2),
        ] {
            let text = nested(open, close, MAX_NESTING + 1);
            let at = MAX_NESTING * open.len();
            let span = at + opening.start..at + opening.end;
            let error = assert_error(&text, "the expression nests too deeply", span);
            assert!(error.help.is_some());
        }
    }

    #[test]
    fn huge_nesting_fails_cleanly() {
        // As deep and as long as the length limit allows.
        for open in ["(", "not ", "-", "[", "f(", "if "] {
            let text = open.repeat(MAX_CHARS / open.len());
            let errors = errors_of(&text);
            assert_eq!(errors, ["the expression nests too deeply"], "{open}");
        }
        let text = "a or ".repeat(MAX_CHARS / 5 - 1) + "a";
        assert_eq!(errors_of(&text), ["the expression is too complex"]);
        let text = "(".repeat(60) + &"a + ".repeat(2_000) + "a" + &")".repeat(60);
        assert_eq!(errors_of(&text), ["the expression is too complex"]);
    }

    #[test]
    fn text_past_the_length_limit_is_refused_before_lexing() {
        for open in ["(", "not ", "a or ", "\"", "\u{0}"] {
            let text = open.repeat(100_000);
            let errors = errors_of(&text);
            assert_eq!(errors.len(), 1, "{open}");
            assert!(
                errors[0].ends_with("characters long, more than the limit of 10000"),
                "{errors:?}"
            );
        }
        let error = error(&"x".repeat(MAX_CHARS + 1));
        assert_eq!(error.span.range(), 0..MAX_CHARS + 1);
        assert_eq!(
            error.help.as_deref(),
            Some("split it into named values under `[derived]`, or into several rules")
        );
    }

    #[test]
    fn height_limit() {
        parse(&("a or ".repeat(MAX_HEIGHT - 1) + "a"));
        let error = error(&("a or ".repeat(MAX_HEIGHT) + "a"));
        assert_eq!(error.message, "the expression is too complex");
        assert_eq!(
            error.help.as_deref(),
            Some(
                "split it into several rules or derived values; to test many values, use `x in [a, b, c]`"
            )
        );
    }

    #[test]
    fn canonical_printing() {
        for (text, printed) in [
            ("(a+b)*c", "(a + b) * c"),
            ("a or (b and c)", "a or b and c"),
            ("(a or b) and c", "(a or b) and c"),
            ("a - (b - c)", "a - (b - c)"),
            ("(a - b) - c", "a - b - c"),
            ("not (a == b)", "not a == b"),
            ("(not a) == b", "(not a) == b"),
            ("- (a)", "-a"),
            ("-(5)", "-(5)"),
            ("-(-5)", "--5"),
            ("-(-a)", "--a"),
            ("-(a + 1)", "-(a + 1)"),
            ("'x\"y'", "\"x\\\"y\""),
            ("'tab\there'", "\"tab\\there\""),
            ("48h", "48h"),
            ("120m", "120m"),
            ("90m", "90m"),
            ("14d", "14d"),
            ("2w", "2w"),
            ("0d", "0s"),
            ("-7d", "-7d"),
            ("1.50", "1.50"),
            ("2025-01-22T10:30:00+02:00", "2025-01-22T10:30:00+02:00"),
            ("2025-01-22T10:30:00.5+00:00", "2025-01-22T10:30:00.500Z"),
            ("f( a ,b , )", "f(a, b)"),
            ("[ 1 , ]", "[1]"),
            ("x  not  in [1]", "x not in [1]"),
            ("(if a then b else c) + 1", "(if a then b else c) + 1"),
            (
                "if (if a then b else c) then d else e",
                "if if a then b else c then d else e",
            ),
            ("a == (b in c)", "a == (b in c)"),
            ("(a < b) == c", "(a < b) == c"),
            ("sum( x.p for x in o.items )", "sum(x.p for x in o.items)"),
            (
                "sum(if x.o then x.p else 0 for x in l if x.p > 1)",
                "sum((if x.o then x.p else 0) for x in l if x.p > 1)",
            ),
            ("any(x for x in (a + b))", "any(x for x in a + b)"),
            ("count(x for x in (a in b))", "count(x for x in (a in b))"),
        ] {
            assert_eq!(print(&parse(text)), printed, "{text}");
        }
    }

    #[test]
    fn printing_round_trips() {
        for text in [
            "a.b <= 7",
            "purchase.date >= 2025-01-22 and reason in ['change_of_mind', \"damaged\"]",
            "if days_since_purchase <= 30 then total else total * 0.5",
            "not a or not (b and c)",
            "a - b - c + d * e / f",
            "a * (b + c) / (d - e)",
            "-a * -b - -(c)",
            "--5 - -5 - -(5) - -5.5 - -(5.5) - -7d - -(7d)",
            "-9223372036854775808 + 9223372036854775807",
            "x not in [1, 2.5, -3, 4d, 'é 🎁\\n\\t\\\\\\'\"']",
            "(a in b) == (c not in d)",
            "f() + g(1, [2, [3]], h(x.y))",
            "if a then if b then 1 else 2 else if c then 3 else 4",
            "(if a then 1 else 2) * 3 > (if b then c else d)",
            "1 + (if a then 2 else 3)",
            "at < 2025-01-22T10:30:00Z or at >= 2025-01-22T10:30:00.123456789-05:30",
            "2w + 1d + 1h + 1m + 1s + 604800s + 86401s",
            "true and false or true",
            "not not not x",
            "'' == \"\"",
            "sum(item.price for item in order.items if item.opened and not item.final) > 10",
            "any(all(p.w > 3 for p in i.parts) for i in o.items)",
            "count(t == 'x' for t in o.tags if (if a then b else c))",
        ] {
            let expr = parse(text);
            let printed = print(&expr);
            assert_eq!(parse(&printed), expr, "{text} printed as {printed}");
            assert_eq!(print(&parse(&printed)), printed, "{text}");
        }
    }

    #[test]
    fn printing_hand_built_trees() {
        let cases = [
            unary(UnaryOp::Negate, int(5)),
            unary(UnaryOp::Negate, int(-5)),
            unary(
                UnaryOp::Negate,
                literal(Literal::Duration(TimeDelta::days(3), 'd')),
            ),
            literal(Literal::Decimal(Decimal::from(5))),
            binary(BinaryOp::Sub, int(1), int(-1)),
            binary(
                BinaryOp::Less,
                binary(BinaryOp::Less, var("a"), var("b")),
                var("c"),
            ),
            unary(UnaryOp::Not, binary(BinaryOp::Or, var("a"), var("b"))),
            unary(UnaryOp::Negate, unary(UnaryOp::Not, var("a"))),
            in_list(in_list(var("a"), var("b"), false), var("c"), true),
        ];
        for expr in cases {
            let printed = print(&expr);
            assert_eq!(parse(&printed), expr, "{printed}");
        }
    }

    /// Builds pseudo-random texts from pieces of the language (and a few
    /// strange ones): parsing must never panic, every span must fall on
    /// character boundaries, and whatever parses must print and parse back.
    #[test]
    fn random_texts() {
        const PIECES: [&str; 48] = [
            "a",
            "b.c",
            "f",
            "(",
            ")",
            "[",
            "]",
            ",",
            ".",
            "==",
            "!=",
            "<",
            "<=",
            ">",
            ">=",
            "+",
            "-",
            "*",
            "/",
            "and",
            "or",
            "not",
            "in",
            "if",
            "then",
            "else",
            "true",
            "false",
            "1",
            "2.50",
            "7d",
            "48h",
            "2025-01-22",
            "2025-01-22T10:30:00Z",
            "'é'",
            "\"x\\\"y\"",
            " ",
            "\n",
            "=",
            "&&",
            "!",
            "@",
            "€",
            "\"",
            "03/01/2025",
            "7x",
            "9223372036854775808",
            "größe",
        ];
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = move |bound: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            usize::try_from(state % u64::try_from(bound).unwrap()).unwrap()
        };
        let mut parsed = 0;
        for _ in 0..20_000 {
            let length = next(12);
            let text: String = (0..length)
                .map(|_| PIECES[next(PIECES.len())])
                .collect::<Vec<_>>()
                .join(if next(2) == 0 { " " } else { "" });
            match parse_expression(&text, &Origin::Identity) {
                Ok(expr) => {
                    parsed += 1;
                    assert!(text.is_char_boundary(expr.span.start), "{text}");
                    assert!(text.is_char_boundary(expr.span.end), "{text}");
                    let printed = print(&expr);
                    assert_eq!(parse(&printed), expr, "{text} printed as {printed}");
                }
                Err(errors) => {
                    assert!(!errors.is_empty());
                    for error in errors {
                        assert!(error.span.end <= text.len(), "{text}: {error:?}");
                        assert!(text.is_char_boundary(error.span.start), "{text}");
                        assert!(text.is_char_boundary(error.span.end), "{text}");
                    }
                }
            }
        }
        assert!(parsed > 500, "only {parsed} texts parsed");
    }
}
