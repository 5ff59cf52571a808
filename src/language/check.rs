//! The type checker: turns a parsed expression into a [`Checked`] one,
//! resolving names against the input schema and derived values, and
//! reporting every type error with the span of the offending part.

use crate::diagnostic::Diagnostic;
use crate::diagnostic::span::Span;
use crate::diagnostic::suggest::{did_you_mean, list_names};
use crate::language::ast::{BinaryOp, Expr, ExprKind, Ident, Literal, Path, UnaryOp};
use crate::language::compiled::{
    Aggregate, AggregateKind, Arithmetic, Checked, Comparison, Function, Node, Setting,
};
use crate::language::parser::print_shared;
use crate::language::schema::Schema;
use crate::language::types::Type;
use crate::language::value::Value;
use crate::language::weekday::weekday_type;
use crate::language::zone::Zone;

/// What names an expression can see.
pub(crate) struct Scope<'a> {
    pub(crate) schema: &'a Schema,
    /// Derived values by index: name and, once checked, type.
    pub(crate) derived: &'a [(String, Option<Type>)],
    /// The names of the policy's calendars.
    pub(crate) calendars: &'a [String],
    /// Whether `any_missing()` and `missing_fields()` may be used here.
    pub(crate) missing_allowed: bool,
    /// Whether the expression is a `{placeholder}` of a reason.
    pub(crate) placeholder: bool,
    /// The texts each derived value may be, as [`written_texts`] finds
    /// them, so that comparing one with an enum checks them.
    pub(crate) derived_texts: &'a [Vec<WrittenText>],
}

/// A text constant as written in the policy, and where.
pub(crate) type WrittenText = (String, Span);

/// The text constants that `expr`'s value may be, as written: a constant,
/// the items of a list, the branches of an `if`, the values of `[… for
/// item in …]`, and those of the derived values it names (`derived_texts`).
pub(crate) fn written_texts(
    expr: &Checked,
    derived_texts: &[Vec<WrittenText>],
) -> Vec<WrittenText> {
    let mut found = Vec::new();
    collect_texts(expr, derived_texts, &mut found);
    found
}

fn collect_texts(expr: &Checked, derived_texts: &[Vec<WrittenText>], found: &mut Vec<WrittenText>) {
    match &expr.node {
        Node::Constant(Value::String(text)) => found.push((text.to_string(), expr.span)),
        Node::List(items) => items
            .iter()
            .for_each(|item| collect_texts(item, derived_texts, found)),
        Node::If {
            then, otherwise, ..
        } => {
            collect_texts(then, derived_texts, found);
            collect_texts(otherwise, derived_texts, found);
        }
        Node::Aggregate(aggregate) if aggregate.kind == AggregateKind::List => {
            collect_texts(&aggregate.value, derived_texts, found);
        }
        Node::Derived(index) => {
            found.extend(derived_texts.get(*index).into_iter().flatten().cloned())
        }
        _ => {}
    }
}

/// Checks `expr`, pushing every problem to `errors`; `None` when it has any.
pub(crate) fn check(expr: &Expr, scope: &Scope, errors: &mut Vec<Diagnostic>) -> Option<Checked> {
    check_with_locals(expr, scope, Vec::new(), errors)
}

/// Checks a member's `required_when`, with the list item it belongs to
/// bound to the name `item`.
pub(crate) fn check_for_item(
    expr: &Expr,
    item: Type,
    scope: &Scope,
    errors: &mut Vec<Diagnostic>,
) -> Option<Checked> {
    let checked = check_with_locals(expr, scope, vec![(ITEM.to_owned(), item)], errors)?;
    if Type::Bool.accepts(&checked.ty) {
        return Some(checked);
    }
    errors.push(
        Diagnostic::new(
            "type-mismatch",
            format!(
                "`required_when` needs a bool, but this is {}",
                a(&checked.ty)
            ),
            checked.span,
        )
        .with_label(format!("this is {}", a(&checked.ty)))
        .with_help(format!(
            "a condition is true or false: compare the value, for example `{}`",
            example_condition(&checked)
        )),
    );
    None
}

/// The name a member's `required_when` gives the item it belongs to.
pub(crate) const ITEM: &str = "item";

fn check_with_locals(
    expr: &Expr,
    scope: &Scope,
    locals: Vec<(String, Type)>,
    errors: &mut Vec<Diagnostic>,
) -> Option<Checked> {
    let before = errors.len();
    let checked = Checker {
        scope,
        errors,
        locals,
    }
    .expr(expr)?;
    if checked.ty.holds_records() {
        errors.push(
            Diagnostic::new(
                "list-of-objects",
                format!("`{}` is a list of objects, which has no value of its own here", checked.text),
                checked.span,
            )
            .with_label(format!("{}", checked.ty))
            .with_help("read its items through an aggregate, for example `sum(item.price for item in order.items)`, `count(item.opened for item in order.items)` or `length(order.items)`"),
        );
        return None;
    }
    Some(checked).filter(|_| errors.len() == before)
}

/// Checks `expr` and requires its type to be `expected`.
pub(crate) fn check_typed(
    expr: &Expr,
    expected: &Type,
    what: &str,
    scope: &Scope,
    errors: &mut Vec<Diagnostic>,
) -> Option<Checked> {
    let checked = check(expr, scope, errors)?;
    if expected.accepts(&checked.ty) {
        return Some(checked);
    }
    let mut diagnostic = Diagnostic::new(
        "type-mismatch",
        format!(
            "{what} needs {}, but this is {}",
            a(expected),
            a(&checked.ty)
        ),
        checked.span,
    )
    .with_label(format!("this is {}", a(&checked.ty)));
    if *expected == Type::Bool {
        diagnostic = diagnostic.with_help(format!(
            "a condition is true or false: compare the value, for example `{}`",
            example_condition(&checked)
        ));
    }
    errors.push(diagnostic);
    None
}

struct Checker<'s, 'e> {
    scope: &'s Scope<'s>,
    errors: &'e mut Vec<Diagnostic>,
    /// The items bound by the enclosing aggregates, outermost first.
    locals: Vec<(String, Type)>,
}

fn a(ty: &Type) -> String {
    ty.with_article()
}

fn checked(expr: &Expr, node: Node, ty: Type) -> Checked {
    Checked {
        node,
        ty,
        span: expr.span,
        text: print_shared(expr),
        folded: None,
        trace_head: std::sync::OnceLock::new(),
    }
}

impl Checker<'_, '_> {
    fn expr(&mut self, expr: &Expr) -> Option<Checked> {
        match &expr.kind {
            ExprKind::Literal(literal) => Some(literal_node(expr, literal)),
            ExprKind::Path(parts) => self.path(expr, parts),
            ExprKind::Unary(op, operand) => self.unary(expr, *op, operand),
            ExprKind::Binary(op, left, right) => self.binary(expr, *op, left, right),
            ExprKind::In {
                value,
                list,
                negated,
            } => self.membership(expr, value, list, *negated),
            ExprKind::List(items) => self.list(expr, items),
            ExprKind::Call(name, args) => self.call(expr, name, args),
            ExprKind::If {
                condition,
                then,
                otherwise,
            } => self.conditional(expr, condition, then, otherwise),
            ExprKind::Aggregate {
                function,
                value,
                binder,
                list,
                filter,
            } => self.aggregate(expr, function, value, binder, list, filter.as_deref()),
        }
    }

    fn error(&mut self, diagnostic: Diagnostic) -> Option<Checked> {
        self.errors.push(diagnostic);
        None
    }

    fn path(&mut self, expr: &Expr, path: &Path) -> Option<Checked> {
        let (first, members) = path.split_first();
        if let Some(binding) = self.locals.iter().rposition(|(name, _)| name == first) {
            return self.local_path(expr, binding, members);
        }
        if let Some(single) = path.single()
            && let Some(index) = self
                .scope
                .derived
                .iter()
                .position(|(name, _)| name == single)
        {
            let ty = self
                .scope
                .derived
                .get(index)
                .and_then(|(_, ty)| ty.clone())?;
            return Some(checked(expr, Node::Derived(index), ty));
        }
        let dotted = path.dotted();
        if let Some(slot) = self.scope.schema.slot(dotted) {
            let ty = self.scope.schema.field(slot)?.ty.clone();
            return Some(checked(expr, Node::Field(slot), ty));
        }
        let names: Vec<&str> = path.names().collect();
        if let Some(object) = self.scope.schema.object(&names) {
            let members = object.members.iter().map(|(name, _)| name.as_str());
            return self.error(
                Diagnostic::new(
                    "not-a-value",
                    format!("`{dotted}` is an object, not a value"),
                    expr.span,
                )
                .with_label("an object of the request")
                .with_help(format!(
                    "name one of its fields: {}",
                    list_names(members, 6)
                )),
            );
        }
        self.unknown_name(expr, dotted)
    }

    /// `item` or `item.price`, where `item` is bound by an aggregate;
    /// `members` is what follows `item.`.
    fn local_path(
        &mut self,
        expr: &Expr,
        binding: usize,
        members: Option<&str>,
    ) -> Option<Checked> {
        let (name, ty) = self.locals.get(binding)?.clone();
        let Some(dotted) = members else {
            return Some(checked(
                expr,
                Node::Local {
                    binding,
                    member: None,
                },
                ty,
            ));
        };
        let record = match &ty {
            Type::Record(record) => record,
            Type::Nothing => {
                return Some(checked(
                    expr,
                    Node::Local {
                        binding,
                        member: None,
                    },
                    ty,
                ));
            }
            other => {
                return self.error(
                    Diagnostic::new(
                        "not-an-object",
                        format!("`{name}` is {}, which has no member `{dotted}`", a(other)),
                        expr.span,
                    )
                    .with_label("no such member")
                    .with_help(format!(
                        "the items of this list are values: write `{name}` alone"
                    )),
                );
            }
        };
        if let Some(slot) = record.schema.slot(dotted) {
            let ty = record.schema.field(slot)?.ty.clone();
            return Some(checked(
                expr,
                Node::Local {
                    binding,
                    member: Some(slot),
                },
                ty,
            ));
        }
        let members = record.schema.fields.iter().map(|field| field.path.as_str());
        let help = did_you_mean(dotted, members.clone()).unwrap_or_else(|| {
            format!(
                "the members of `{}[]` are {}",
                record.path,
                list_names(members, 8)
            )
        });
        self.error(
            Diagnostic::new(
                "unknown-name",
                format!("`{name}` has no member `{dotted}`"),
                expr.span,
            )
            .with_label(format!("not declared as `{}[].{dotted}`", record.path))
            .with_help(help),
        )
    }

    fn aggregate(
        &mut self,
        expr: &Expr,
        function: &Ident,
        value: &Expr,
        binder: &Ident,
        list: &Expr,
        filter: Option<&Expr>,
    ) -> Option<Checked> {
        let Some(kind) = AggregateKind::from_name(&function.name) else {
            return self.error(
                Diagnostic::new(
                    "unknown-function",
                    format!("`{}` does not run over the items of a list", function.name),
                    function.span,
                )
                .with_label("not an aggregate")
                .with_help(AGGREGATES_HELP),
            );
        };
        let list = self.expr(list)?;
        let item = match &list.ty {
            Type::List(item) => (**item).clone(),
            Type::Nothing => Type::Nothing,
            other => {
                return self.error(
                    Diagnostic::new(
                        "type-mismatch",
                        format!(
                            "`{}` needs a list after `in`, but `{}` is {}",
                            kind.name(),
                            list.text,
                            a(other)
                        ),
                        list.span,
                    )
                    .with_label(format!("this is {}", a(other)))
                    .with_help("an aggregate runs over a list field, such as `order.items`"),
                );
            }
        };
        if let Some(taken) = self.taken_as(&binder.name) {
            return self.error(
                Diagnostic::new(
                    "name-taken",
                    format!("`{}` already names {taken}", binder.name),
                    binder.span,
                )
                .with_label("the name of each item")
                .with_help("choose another name for each item, such as `item` or `line`"),
            );
        }
        let binding = self.locals.len();
        self.locals.push((binder.name.clone(), item));
        let value = self.expr(value);
        let filter = filter.map(|filter| self.condition(filter, "the `if` of an aggregate"));
        self.locals.truncate(binding);
        let (value, filter) = (
            value?,
            filter.map_or(Some(None), |filter| filter.map(Some))?,
        );
        let ty = match aggregate_type(kind, &value.ty) {
            Some(ty) => ty,
            None => {
                return self.error(
                    Diagnostic::new(
                        "type-mismatch",
                        format!(
                            "`{}` needs {} for each item, but `{}` is {}",
                            kind.name(),
                            aggregate_needs(kind),
                            value.text,
                            a(&value.ty)
                        ),
                        value.span,
                    )
                    .with_label(format!("this is {}", a(&value.ty)))
                    .with_help(AGGREGATES_HELP),
                );
            }
        };
        let aggregate = Aggregate {
            kind,
            binder: binder.name.clone(),
            binding,
            list,
            value,
            filter,
        };
        Some(checked(expr, Node::Aggregate(Box::new(aggregate)), ty))
    }

    /// What a name for each item would hide, if anything.
    fn taken_as(&self, name: &str) -> Option<&'static str> {
        if self.locals.iter().any(|(local, _)| local == name) {
            Some("the items of an enclosing aggregate")
        } else if self
            .scope
            .derived
            .iter()
            .any(|(derived, _)| derived == name)
        {
            Some("a derived value")
        } else if self.scope.schema.root.member(name).is_some() {
            Some("a part of the request")
        } else {
            None
        }
    }

    fn condition(&mut self, expr: &Expr, what: &str) -> Option<Checked> {
        let checked = self.expr(expr)?;
        if Type::Bool.accepts(&checked.ty) {
            return Some(checked);
        }
        self.error(
            Diagnostic::new(
                "type-mismatch",
                format!("{what} needs a bool, but this is {}", a(&checked.ty)),
                checked.span,
            )
            .with_label(format!("this is {}", a(&checked.ty)))
            .with_help(format!(
                "a condition is true or false: compare the value, for example `{}`",
                example_condition(&checked)
            )),
        )
    }

    fn unknown_name(&mut self, expr: &Expr, dotted: &str) -> Option<Checked> {
        let fields = self
            .scope
            .schema
            .fields
            .iter()
            .map(|field| field.path.as_str());
        let derived = self.scope.derived.iter().map(|(name, _)| name.as_str());
        let candidates: Vec<&str> = fields.chain(derived).collect();
        let as_method = dotted.rsplit_once('.').and_then(|(value, method)| {
            let known = candidates.contains(&value);
            let function = match method {
                "length" | "len" | "size" | "count" => "length",
                "lower" | "upper" | "trim" | "abs" | "floor" | "ceil" | "date" | "weekday" => {
                    method
                }
                _ => return None,
            };
            known.then(|| format!("functions take the value as an argument: `{function}({value})`"))
        });
        let help = as_method.or_else(|| did_you_mean(dotted, candidates.iter().copied())).unwrap_or_else(|| {
            if self.scope.placeholder {
                format!(
                    "`{{…}}` in a reason shows a field or derived value; to write the text `{{{dotted}}}` itself, double the braces: `{{{{{dotted}}}}}`"
                )
            } else if matches!(dotted, "null" | "none" | "nil" | "None" | "NULL") {
                "there is no `null`: a value the request does not give is unknown; test it with `present(x)` or `blank(x)`, or give its field a `default`".to_owned()
            } else if !dotted.contains('.') {
                format!("to use the text `{dotted}`, put it in quotes: `\"{dotted}\"`")
            } else if candidates.is_empty() {
                "declare it as a `[[field]]` or a `[derived]` value".to_owned()
            } else {
                format!(
                    "the names are {}",
                    list_names(candidates.iter().copied(), 8)
                )
            }
        });
        let what = if dotted.contains('.') {
            "field"
        } else {
            "name"
        };
        self.error(
            Diagnostic::new(
                "unknown-name",
                format!("unknown {what} `{dotted}`"),
                expr.span,
            )
            .with_label("not a field or derived value of this policy")
            .with_help(help),
        )
    }

    fn unary(&mut self, expr: &Expr, op: UnaryOp, operand: &Expr) -> Option<Checked> {
        let inner = self.expr(operand)?;
        if inner.ty == Type::Nothing {
            let node = match op {
                UnaryOp::Not => Node::Not(Box::new(inner)),
                UnaryOp::Negate => Node::Negate(Box::new(inner)),
            };
            return Some(checked(expr, node, Type::Nothing));
        }
        match op {
            UnaryOp::Not if inner.ty == Type::Bool => {
                Some(checked(expr, Node::Not(Box::new(inner)), Type::Bool))
            }
            UnaryOp::Not => self.error(operand_error("`not` needs a bool", &inner)),
            UnaryOp::Negate if inner.ty.is_numeric() || inner.ty == Type::Duration => {
                let ty = inner.ty.clone();
                let folded = inner.constant().and_then(|value| value.clone().negated());
                let mut negation = checked(expr, Node::Negate(Box::new(inner)), ty);
                negation.folded = folded;
                Some(negation)
            }
            UnaryOp::Negate => {
                self.error(operand_error("`-` needs a number or a duration", &inner))
            }
        }
    }

    fn binary(&mut self, expr: &Expr, op: BinaryOp, left: &Expr, right: &Expr) -> Option<Checked> {
        let left = self.expr(left);
        let right = self.expr(right);
        let (left, right) = (left?, right?);
        if left.ty == Type::Nothing || right.ty == Type::Nothing {
            return Some(unchecked_binary(expr, op, left, right));
        }
        match op {
            BinaryOp::And | BinaryOp::Or => self.logical(expr, op, left, right),
            BinaryOp::Eq | BinaryOp::NotEq => self.equality(expr, op, left, right),
            BinaryOp::Less | BinaryOp::LessEq | BinaryOp::Greater | BinaryOp::GreaterEq => {
                self.ordering(expr, op, left, right)
            }
            BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div | BinaryOp::Rem => {
                self.arithmetic(expr, op, left, right)
            }
        }
    }

    fn logical(
        &mut self,
        expr: &Expr,
        op: BinaryOp,
        left: Checked,
        right: Checked,
    ) -> Option<Checked> {
        for side in [&left, &right] {
            if side.ty != Type::Bool {
                let message = format!("`{}` needs a bool on both sides", op.symbol());
                return self.error(operand_error(&message, side));
            }
        }
        let (left, right) = (Box::new(left), Box::new(right));
        let node = if op == BinaryOp::And {
            Node::And(left, right)
        } else {
            Node::Or(left, right)
        };
        Some(checked(expr, node, Type::Bool))
    }

    fn equality(
        &mut self,
        expr: &Expr,
        op: BinaryOp,
        left: Checked,
        right: Checked,
    ) -> Option<Checked> {
        if !(left.ty.accepts(&right.ty) || right.ty.accepts(&left.ty)) {
            return self.error(mismatch(op, &left, &right));
        }
        self.enum_literal(&left, &right)?;
        self.enum_literal(&right, &left)?;
        Some(checked(
            expr,
            Node::Compare(comparison(op), Box::new(left), Box::new(right)),
            Type::Bool,
        ))
    }

    fn ordering(
        &mut self,
        expr: &Expr,
        op: BinaryOp,
        left: Checked,
        right: Checked,
    ) -> Option<Checked> {
        let ordered = match (&left.ty, &right.ty) {
            (a, b) if a.is_numeric() && b.is_numeric() => true,
            (Type::Date, Type::Date)
            | (Type::DateTime, Type::DateTime)
            | (Type::Duration, Type::Duration)
            | (Type::String, Type::String) => true,
            _ => false,
        };
        if !ordered {
            return self.error(mismatch(op, &left, &right));
        }
        Some(checked(
            expr,
            Node::Compare(comparison(op), Box::new(left), Box::new(right)),
            Type::Bool,
        ))
    }

    /// When `value` is an enum (or a list of an enum's values) and `other`
    /// may be a text written in the policy (a constant, a list of them, or
    /// a derived value or `[… for item in …]` that holds them), each such
    /// text must be one of the enum's values.
    fn enum_literal(&mut self, value: &Checked, other: &Checked) -> Option<()> {
        let values = match &value.ty {
            Type::Enum(values) => values,
            Type::List(item) => match item.as_ref() {
                Type::Enum(values) => values,
                _ => return Some(()),
            },
            _ => return Some(()),
        };
        let texts = written_texts(other, self.scope.derived_texts);
        let mut valid = true;
        for (text, span) in texts {
            let reported = self
                .errors
                .iter()
                .any(|error| error.code == "unknown-enum-value" && error.span == span);
            if reported {
                valid = false;
            } else if !values.iter().any(|value| **value == *text) {
                valid = false;
                let mut help = did_you_mean(&text, values.iter().map(|value| &**value))
                    .map(|hint| format!("{hint} "))
                    .unwrap_or_default();
                let (message, what, holds) = match &value.ty {
                    Type::Enum(_) => (
                        format!("`{text}` is not a value of `{}`", value.text),
                        "the values of",
                        format!("this is {}", a(&value.ty)),
                    ),
                    _ => (
                        format!(
                            "`{text}` is not one of the enum values that `{}` holds",
                            value.text
                        ),
                        "the values that can be in",
                        "a list of enum values".to_owned(),
                    ),
                };
                help.push_str(&format!(
                    "{what} `{}` are {}",
                    value.text,
                    list_names(values.iter().map(|value| &**value), 12)
                ));
                self.errors.push(
                    Diagnostic::new("unknown-enum-value", message, span)
                        .with_label("not one of the listed values")
                        .with_secondary(value.span, holds)
                        .with_help(help),
                );
            }
        }
        valid.then_some(())
    }

    fn arithmetic(
        &mut self,
        expr: &Expr,
        op: BinaryOp,
        left: Checked,
        right: Checked,
    ) -> Option<Checked> {
        let Some(ty) = arithmetic_type(op, &left.ty, &right.ty) else {
            return self.error(mismatch(op, &left, &right));
        };
        let op = match op {
            BinaryOp::Add => Arithmetic::Add,
            BinaryOp::Sub => Arithmetic::Sub,
            BinaryOp::Mul => Arithmetic::Mul,
            BinaryOp::Rem => Arithmetic::Rem,
            _ => Arithmetic::Div,
        };
        Some(checked(
            expr,
            Node::Arithmetic(op, Box::new(left), Box::new(right)),
            ty,
        ))
    }

    fn membership(
        &mut self,
        expr: &Expr,
        value: &Expr,
        list: &Expr,
        negated: bool,
    ) -> Option<Checked> {
        let value = self.expr(value);
        let list = self.expr(list);
        let (value, list) = (value?, list?);
        let Type::List(item) = &list.ty else {
            return self.error(
                Diagnostic::new(
                    "type-mismatch",
                    format!(
                        "`in` needs a list on its right, but this is {}",
                        a(&list.ty)
                    ),
                    list.span,
                )
                .with_label(format!("this is {}", a(&list.ty)))
                .with_help("write the values in brackets: `x in [\"a\", \"b\"]`"),
            );
        };
        if !(item.accepts(&value.ty) || value.ty.accepts(item)) {
            return self.error(
                Diagnostic::new(
                    "type-mismatch",
                    format!("cannot look for {} in a {}", a(&value.ty), list.ty),
                    value.span,
                )
                .with_label(format!("this is {}", a(&value.ty)))
                .with_secondary(list.span, format!("this is a {}", list.ty)),
            );
        }
        self.enum_literal(&value, &list)?;
        self.enum_literal(&list, &value)?;
        let node = Node::In {
            value: Box::new(value),
            list: Box::new(list),
            negated,
        };
        Some(checked(expr, node, Type::Bool))
    }

    fn list(&mut self, expr: &Expr, items: &[Expr]) -> Option<Checked> {
        let checked_items: Vec<Option<Checked>> =
            items.iter().map(|item| self.expr(item)).collect();
        let checked_items: Vec<Checked> = checked_items.into_iter().collect::<Option<_>>()?;
        let mut item_type = Type::Nothing;
        for item in &checked_items {
            item_type = match unify(&item_type, &item.ty) {
                Some(ty) => ty,
                None => {
                    return self.error(
                        Diagnostic::new(
                            "type-mismatch",
                            format!("a list holds values of one type, but this is {} among {item_type} values", a(&item.ty)),
                            item.span,
                        )
                        .with_label(format!("this is {}", a(&item.ty))),
                    );
                }
            };
        }
        let ty = Type::List(Box::new(item_type));
        let folded = checked_items
            .iter()
            .map(|item| item.constant().cloned())
            .collect::<Option<Vec<Value>>>()
            .map(|items| Value::List(items.into()).fitted_to(&ty));
        let mut list = checked(expr, Node::List(checked_items), ty);
        list.folded = folded;
        Some(list)
    }

    fn conditional(
        &mut self,
        expr: &Expr,
        condition: &Expr,
        then: &Expr,
        otherwise: &Expr,
    ) -> Option<Checked> {
        let condition = self.expr(condition);
        let then = self.expr(then);
        let otherwise = self.expr(otherwise);
        let (condition, then, otherwise) = (condition?, then?, otherwise?);
        if condition.ty != Type::Bool {
            return self.error(operand_error(
                "the condition of `if` must be a bool",
                &condition,
            ));
        }
        let Some(ty) = unify(&then.ty, &otherwise.ty) else {
            return self.error(
                Diagnostic::new(
                    "type-mismatch",
                    format!(
                        "both branches of `if` must have one type, but they are {} and {}",
                        a(&then.ty),
                        a(&otherwise.ty)
                    ),
                    otherwise.span,
                )
                .with_label(format!("this is {}", a(&otherwise.ty)))
                .with_secondary(then.span, format!("this is {}", a(&then.ty))),
            );
        };
        let node = Node::If {
            condition: Box::new(condition),
            then: Box::new(then),
            otherwise: Box::new(otherwise),
        };
        Some(checked(expr, node, ty))
    }

    fn call(&mut self, expr: &Expr, name: &Ident, args: &[Expr]) -> Option<Checked> {
        let Some(function) = Function::from_name(&name.name) else {
            let names = Function::ALL.map(Function::name);
            let help = known_elsewhere(&name.name)
                .map(str::to_owned)
                .or_else(|| did_you_mean(&name.name, names))
                .unwrap_or_else(|| format!("the functions are {}", list_names(names, names.len())));
            return self.error(
                Diagnostic::new(
                    "unknown-function",
                    format!("unknown function `{}`", name.name),
                    name.span,
                )
                .with_label("not a function of the language")
                .with_help(help),
            );
        };
        if function.arity() != args.len() {
            let count = match function.arity() {
                0 => "no arguments".to_owned(),
                1 => "one argument".to_owned(),
                n => format!("{n} arguments"),
            };
            return self.error(
                Diagnostic::new(
                    "wrong-arguments",
                    format!(
                        "`{}` takes {count}, but is given {}",
                        function.name(),
                        args.len()
                    ),
                    expr.span,
                )
                .with_label(format!("given {}", args.len()))
                .with_help(arity_help(function, args.len())),
            );
        }
        if matches!(function, Function::AnyMissing | Function::MissingFields)
            && !self.scope.missing_allowed
        {
            return self.error(
                Diagnostic::new(
                    "missing-not-allowed",
                    format!("`{}` can only be used in rules, effects and reasons", function.name()),
                    expr.span,
                )
                .with_label("not available here")
                .with_help("required fields are worked out before rules run; use `present(x)` to test one value"),
            );
        }
        let checked_args: Vec<Option<Checked>> = args.iter().map(|arg| self.expr(arg)).collect();
        let checked_args: Vec<Checked> = checked_args.into_iter().collect::<Option<_>>()?;
        let ty = match function_type(function, &checked_args) {
            Ok(ty) => ty,
            Err(_) if checked_args.iter().any(|arg| arg.ty == Type::Nothing) => Type::Nothing,
            Err(bad) => {
                let (span, found) = checked_args
                    .get(bad)
                    .map_or((expr.span, String::new()), |arg| {
                        (arg.span, format!(", but `{}` is {}", arg.text, a(&arg.ty)))
                    });
                let ordinal = ["first", "second", "third"]
                    .get(bad)
                    .copied()
                    .unwrap_or("next");
                return self.error(
                    Diagnostic::new(
                        "wrong-arguments",
                        format!(
                            "`{}` needs {} as its {ordinal} argument{found}",
                            function.name(),
                            function.expects(bad)
                        ),
                        span,
                    )
                    .with_label("wrong type of argument")
                    .with_help(format!("call it as `{}`", function.signature())),
                );
            }
        };
        if let Some(setting) = function.setting() {
            self.setting(function, setting, checked_args.last()?)?;
        }
        // Looking for texts in a list of enum values, as `in` does.
        if let (Function::Contains | Function::ContainsAny, [list, texts]) =
            (function, checked_args.as_slice())
            && matches!(list.ty, Type::List(_))
        {
            self.enum_literal(list, texts)?;
        }
        Some(checked(expr, Node::Call(function, checked_args), ty))
    }

    /// The last argument of `function` names a setting: it must be a text
    /// written in the policy, naming one that exists, so that it is checked
    /// now rather than when a request comes.
    fn setting(&mut self, function: Function, setting: Setting, arg: &Checked) -> Option<()> {
        let what = match setting {
            Setting::Zone => "time zone",
            Setting::Calendar => "calendar",
        };
        let Node::Constant(Value::String(name)) = &arg.node else {
            self.errors.push(
                Diagnostic::new(
                    "wrong-arguments",
                    format!(
                        "the {what} of `{}` must be written in quotes",
                        function.name()
                    ),
                    arg.span,
                )
                .with_label(format!("not a {what} name written here"))
                .with_help(format!(
                    "name the {what} itself, so that it is checked when the policy loads: `{}`",
                    function.signature()
                )),
            );
            return None;
        };
        match setting {
            Setting::Zone => match Zone::parse(name) {
                Ok(_) => Some(()),
                Err(error) => {
                    self.errors.push(error.diagnostic(name, arg.span));
                    None
                }
            },
            Setting::Calendar => self.calendar(name, arg.span),
        }
    }

    fn calendar(&mut self, name: &str, span: Span) -> Option<()> {
        let calendars = self.scope.calendars;
        if calendars.iter().any(|calendar| calendar == name) {
            return Some(());
        }
        let names = calendars.iter().map(String::as_str);
        let help = did_you_mean(name, names.clone()).unwrap_or_else(|| {
            if calendars.is_empty() {
                format!(
                    "declare it as a `[calendar.{name}]` table, with its `weekend` and `holidays`"
                )
            } else {
                format!("the calendars of this policy are {}", list_names(names, 8))
            }
        });
        self.errors.push(
            Diagnostic::new(
                "unknown-calendar",
                format!("unknown calendar `{name}`"),
                span,
            )
            .with_label("not a calendar of this policy")
            .with_help(help),
        );
        None
    }
}

/// A binary operation on a value whose type is already in error: it is
/// not checked again, so one mistake gives one diagnostic.
fn unchecked_binary(expr: &Expr, op: BinaryOp, left: Checked, right: Checked) -> Checked {
    let (left, right) = (Box::new(left), Box::new(right));
    let (node, ty) = match op {
        BinaryOp::And => (Node::And(left, right), Type::Bool),
        BinaryOp::Or => (Node::Or(left, right), Type::Bool),
        BinaryOp::Add => (
            Node::Arithmetic(Arithmetic::Add, left, right),
            Type::Nothing,
        ),
        BinaryOp::Sub => (
            Node::Arithmetic(Arithmetic::Sub, left, right),
            Type::Nothing,
        ),
        BinaryOp::Mul => (
            Node::Arithmetic(Arithmetic::Mul, left, right),
            Type::Nothing,
        ),
        BinaryOp::Div => (
            Node::Arithmetic(Arithmetic::Div, left, right),
            Type::Nothing,
        ),
        BinaryOp::Rem => (
            Node::Arithmetic(Arithmetic::Rem, left, right),
            Type::Nothing,
        ),
        comparison_op => (
            Node::Compare(comparison(comparison_op), left, right),
            Type::Bool,
        ),
    };
    checked(expr, node, ty)
}

/// A condition built from a non-bool value, for help texts.
fn example_condition(value: &Checked) -> String {
    let text = &value.text;
    match &value.ty {
        Type::Enum(values) => format!(
            "{text} == \"{}\"",
            values.first().map_or("", |value| &**value)
        ),
        Type::String => format!("{text} == \"…\""),
        Type::Date => format!("{text} >= 2025-01-01"),
        Type::DateTime => format!("{text} >= 2025-01-01T00:00:00Z"),
        Type::Duration => format!("{text} <= 14d"),
        Type::List(_) => format!("length({text}) > 0"),
        _ => format!("{text} > 0"),
    }
}

fn literal_node(expr: &Expr, literal: &Literal) -> Checked {
    let (value, ty) = match literal {
        Literal::Bool(b) => (Value::Bool(*b), Type::Bool),
        Literal::Integer(n) => (Value::Integer(*n), Type::Integer),
        Literal::Decimal(d) => (Value::Decimal(*d), Type::Decimal),
        Literal::String(s) => (Value::string(s), Type::String),
        Literal::Date(d) => (Value::Date(*d), Type::Date),
        Literal::DateTime(t) => (Value::DateTime(*t), Type::DateTime),
        Literal::Duration(d, _) => (Value::Duration(*d), Type::Duration),
    };
    checked(expr, Node::Constant(value), ty)
}

fn comparison(op: BinaryOp) -> Comparison {
    match op {
        BinaryOp::NotEq => Comparison::NotEq,
        BinaryOp::Less => Comparison::Less,
        BinaryOp::LessEq => Comparison::LessEq,
        BinaryOp::Greater => Comparison::Greater,
        BinaryOp::GreaterEq => Comparison::GreaterEq,
        _ => Comparison::Eq,
    }
}

fn operand_error(message: &str, operand: &Checked) -> Diagnostic {
    Diagnostic::new(
        "type-mismatch",
        format!("{message}, but this is {}", a(&operand.ty)),
        operand.span,
    )
    .with_label(format!("this is {}", a(&operand.ty)))
}

fn mismatch(op: BinaryOp, left: &Checked, right: &Checked) -> Diagnostic {
    let verb = if op.is_comparison() {
        format!("cannot compare {} with {}", a(&left.ty), a(&right.ty))
    } else {
        format!(
            "cannot apply `{}` to {} and {}",
            op.symbol(),
            a(&left.ty),
            a(&right.ty)
        )
    };
    let diagnostic = Diagnostic::new("type-mismatch", verb, left.span)
        .with_label(format!("this is {}", a(&left.ty)))
        .with_secondary(right.span, format!("this is {}", a(&right.ty)));
    let help = if op.is_comparison() {
        mismatch_help(&left.ty, &right.ty)
    } else {
        arithmetic_help(op, &left.ty, &right.ty)
    };
    match help {
        Some(help) => diagnostic.with_help(help),
        None => diagnostic,
    }
}

/// How to call `function`, given `given` arguments; for `date(t, zone)`,
/// the function that takes a zone.
fn arity_help(function: Function, given: usize) -> String {
    match (function, given) {
        (Function::Date, 2) => "`date(t)` is the date in the policy's `timezone`; for the date in another zone, call `local_date(t, \"Europe/Paris\")`".to_owned(),
        _ => format!("call it as `{}`", function.signature()),
    }
}

fn mismatch_help(left: &Type, right: &Type) -> Option<&'static str> {
    match (left, right) {
        (Type::Date, Type::DateTime) | (Type::DateTime, Type::Date) => {
            Some("convert the datetime with `date(x)` to compare calendar dates")
        }
        (Type::Date | Type::DateTime, b) | (b, Type::Date | Type::DateTime) if b.is_numeric() => {
            Some(
                "write dates as YYYY-MM-DD, for example `2025-03-01`, and day counts with `days_between(from, to)`",
            )
        }
        (Type::Duration, b) | (b, Type::Duration) if b.is_numeric() => Some(
            "a number has no unit: compare a count such as `days_between(…)` with `30`, not `30d`; `days(d)` and `hours(d)` make a duration a number, and `14d` or `48h` write a duration",
        ),
        (Type::Bool, Type::String) | (Type::String, Type::Bool) => {
            Some("write `true` or `false` without quotes")
        }
        (Type::String, b) | (b, Type::String) if b.is_numeric() => {
            Some("write numbers without quotes")
        }
        _ => None,
    }
}

fn arithmetic_help(op: BinaryOp, left: &Type, right: &Type) -> Option<&'static str> {
    let calendar = |ty: &Type| matches!(ty, Type::Date | Type::DateTime);
    match op {
        BinaryOp::Rem => Some(
            "`%` gives the remainder of two integers: make a decimal whole first with `floor(x)` or `ceil(x)`",
        ),
        BinaryOp::Add | BinaryOp::Sub if calendar(left) || calendar(right) => Some(
            "dates move by durations, for example `purchase.date + 14d`; the days between two dates are `days_between(from, to)`",
        ),
        BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div => {
            Some("arithmetic works on numbers, and on durations with dates and datetimes")
        }
        _ => None,
    }
}

/// The type of `left op right`, when the operation is defined.
fn arithmetic_type(op: BinaryOp, left: &Type, right: &Type) -> Option<Type> {
    use Type::{Date, DateTime, Decimal, Duration, Integer};
    match (op, left, right) {
        (BinaryOp::Rem, Integer, Integer) => Some(Integer),
        (BinaryOp::Rem, _, _) => None,
        (BinaryOp::Div, a, b) if a.is_numeric() && b.is_numeric() => Some(Decimal),
        (_, Integer, Integer) => Some(Integer),
        (_, a, b) if a.is_numeric() && b.is_numeric() => Some(Decimal),
        (BinaryOp::Sub, Date, Date) | (BinaryOp::Sub, DateTime, DateTime) => Some(Duration),
        (BinaryOp::Add | BinaryOp::Sub, Date, Duration) => Some(Date),
        (BinaryOp::Add, Duration, Date) => Some(Date),
        (BinaryOp::Add | BinaryOp::Sub, DateTime, Duration) => Some(DateTime),
        (BinaryOp::Add, Duration, DateTime) => Some(DateTime),
        (BinaryOp::Add | BinaryOp::Sub, Duration, Duration) => Some(Duration),
        (BinaryOp::Mul, Duration, Integer) | (BinaryOp::Mul, Integer, Duration) => Some(Duration),
        (BinaryOp::Add, Type::String, Type::String) => Some(Type::String),
        _ => None,
    }
}

/// The common type of two values that must agree (list items, `if` branches).
/// Help for a function name that other languages have and this one spells
/// differently or leaves out on purpose.
const AGGREGATES_HELP: &str = "the aggregates are `any(c for item in list)` and `all(c for item in list)` for conditions, `count(c for item in list)`, `sum(x for item in list)`, `min(x for item in list)` and `max(x for item in list)`, each with an optional `if` condition before the `)`";

/// The type of an aggregate whose value for each item has type `value`.
fn aggregate_type(kind: AggregateKind, value: &Type) -> Option<Type> {
    if *value == Type::Nothing {
        return Some(match kind {
            AggregateKind::Any | AggregateKind::All => Type::Bool,
            AggregateKind::Count => Type::Integer,
            AggregateKind::List => Type::List(Box::new(Type::Nothing)),
            _ => Type::Nothing,
        });
    }
    match kind {
        AggregateKind::Any | AggregateKind::All => (*value == Type::Bool).then_some(Type::Bool),
        AggregateKind::Count => (*value == Type::Bool).then_some(Type::Integer),
        AggregateKind::Sum => {
            matches!(value, Type::Integer | Type::Decimal | Type::Duration).then(|| value.clone())
        }
        AggregateKind::Min | AggregateKind::Max => matches!(
            value,
            Type::Integer | Type::Decimal | Type::Date | Type::DateTime | Type::Duration
        )
        .then(|| value.clone()),
        AggregateKind::List => match value {
            Type::List(_) => None,
            other => Some(Type::List(Box::new(other.clone()))),
        },
    }
}

fn aggregate_needs(kind: AggregateKind) -> &'static str {
    match kind {
        AggregateKind::Any | AggregateKind::All | AggregateKind::Count => "a condition",
        AggregateKind::Sum => "a number or a duration",
        AggregateKind::Min | AggregateKind::Max => "a number, date, datetime or duration",
        AggregateKind::List => "a value that is not a list",
    }
}

fn known_elsewhere(name: &str) -> Option<&'static str> {
    Some(match name.to_lowercase().as_str() {
        "len" | "size" | "strlen" => "did you mean `length`?",
        "count" | "sum" | "any" | "all" | "every" | "some" | "exists" | "total" => {
            "an aggregate runs over the items of a list: `sum(item.price for item in order.items)`, `count(item.opened for item in order.items)`, `any(item.opened for item in order.items)`, `all(…)`, `min(…)`, `max(…)`"
        }
        "lowercase" | "tolower" | "to_lower" | "lcase" => "did you mean `lower`?",
        "uppercase" | "toupper" | "to_upper" | "ucase" => "did you mean `upper`?",
        "strip" => "did you mean `trim`?",
        "today" | "now" | "current_date" | "current_time" | "clock" => {
            "a policy cannot read the clock, so that a decision depends only on the request: declare the date as a request field (for example `request.date`) and use that"
        }
        "ceiling" => "did you mean `ceil`?",
        "trunc" | "truncate" | "int" | "integer" => {
            "`floor(x)` rounds down and `ceil(x)` rounds up to a whole number; `round(x, places)` rounds half away from zero"
        }
        "mod" | "modulo" | "rem" | "fmod" | "remainder" => {
            "the remainder of a division is written with `%`: `a % b`"
        }
        "any_of" | "intersects" | "overlaps" => "did you mean `contains_any`?",
        _ => return None,
    })
}

/// The type both `a` and `b` fit, if any.
pub(crate) fn unify(a: &Type, b: &Type) -> Option<Type> {
    match (a, b) {
        (Type::Nothing, other) | (other, Type::Nothing) => Some(other.clone()),
        (x, y) if x.is_numeric() && y.is_numeric() && x != y => Some(Type::Decimal),
        (Type::Enum(_), Type::String) | (Type::String, Type::Enum(_)) => Some(Type::String),
        (Type::List(x), Type::List(y)) => unify(x, y).map(|item| Type::List(Box::new(item))),
        (x, y) if x == y => Some(x.clone()),
        _ => None,
    }
}

/// The result type of a call, or the index of the first argument that does
/// not fit.
fn function_type(function: Function, args: &[Checked]) -> Result<Type, usize> {
    let types: Vec<&Type> = args.iter().map(|arg| &arg.ty).collect();
    let calendar = |ty: &Type| matches!(ty, Type::Date | Type::DateTime);
    let text = |ty: &Type| matches!(ty, Type::String | Type::Enum(_));
    let first_bad = |fits: &dyn Fn(usize, &Type) -> bool| {
        types
            .iter()
            .enumerate()
            .find(|(index, ty)| !fits(*index, ty))
            .map(|(index, _)| index)
    };
    let check = |fits: &dyn Fn(usize, &Type) -> bool, result: Type| match first_bad(fits) {
        Some(bad) => Err(bad),
        None => Ok(result),
    };
    match function {
        Function::DaysBetween | Function::MonthsBetween => {
            check(&|_, ty| calendar(ty), Type::Integer)
        }
        Function::HoursBetween => check(&|_, ty| calendar(ty), Type::Decimal),
        Function::Date => check(&|_, ty| calendar(ty), Type::Date),
        Function::Lower | Function::Upper | Function::Trim => {
            check(&|_, ty| text(ty), Type::String)
        }
        Function::Length => check(
            &|_, ty| text(ty) || matches!(ty, Type::List(_)),
            Type::Integer,
        ),
        Function::StartsWith | Function::EndsWith => check(&|_, ty| text(ty), Type::Bool),
        Function::Contains => contains_type(&types),
        Function::ContainsAny => match types.as_slice() {
            [Type::List(a), Type::List(b)] if unify(a, b).is_some() => Ok(Type::Bool),
            [Type::List(_), _] => Err(1),
            _ => Err(0),
        },
        Function::Present | Function::Blank => Ok(Type::Bool),
        Function::Min | Function::Max => extremum_type(&types),
        Function::Abs => match types.first() {
            Some(ty) if ty.is_numeric() || **ty == Type::Duration => Ok((*ty).clone()),
            _ => Err(0),
        },
        Function::Round => check(
            &|index, ty| {
                if index == 0 {
                    ty.is_numeric()
                } else {
                    *ty == Type::Integer
                }
            },
            Type::Decimal,
        ),
        Function::Days | Function::Hours => check(&|_, ty| *ty == Type::Duration, Type::Decimal),
        Function::AnyMissing => Ok(Type::Bool),
        Function::MissingFields => Ok(Type::List(Box::new(Type::String))),
        Function::Floor | Function::Ceil => check(&|_, ty| ty.is_numeric(), Type::Integer),
        Function::LocalDate => instant_in_zone(&types, Type::Date),
        Function::LocalTime => instant_in_zone(&types, Type::Duration),
        Function::Weekday => check(&|_, ty| calendar(ty), weekday_type()),
        Function::IsBusinessDay => check(
            &|index, ty| {
                if index == 0 {
                    calendar(ty)
                } else {
                    *ty == Type::String
                }
            },
            Type::Bool,
        ),
        Function::AddBusinessDays => check(
            &|index, ty| match index {
                0 => calendar(ty),
                1 => *ty == Type::Integer,
                _ => *ty == Type::String,
            },
            Type::Date,
        ),
        Function::BusinessDaysBetween => check(
            &|index, ty| {
                if index < 2 {
                    calendar(ty)
                } else {
                    *ty == Type::String
                }
            },
            Type::Integer,
        ),
    }
}

/// `f(datetime, "zone")`.
fn instant_in_zone(types: &[&Type], result: Type) -> Result<Type, usize> {
    match types {
        [Type::DateTime, Type::String] => Ok(result),
        [Type::DateTime, _] => Err(1),
        _ => Err(0),
    }
}

fn contains_type(types: &[&Type]) -> Result<Type, usize> {
    match types {
        [Type::String | Type::Enum(_), Type::String | Type::Enum(_)] => Ok(Type::Bool),
        [Type::List(item), value] if item.accepts(value) || value.accepts(item) => Ok(Type::Bool),
        [Type::List(_), _] => Err(1),
        _ => Err(0),
    }
}

fn extremum_type(types: &[&Type]) -> Result<Type, usize> {
    match types {
        [a, b] if a.is_numeric() && b.is_numeric() => unify(a, b).ok_or(1),
        [a, b] if a == b && matches!(a, Type::Date | Type::DateTime | Type::Duration) => {
            Ok((*a).clone())
        }
        [a, _] if a.is_numeric() || matches!(a, Type::Date | Type::DateTime | Type::Duration) => {
            Err(1)
        }
        _ => Err(0),
    }
}

#[cfg(test)]
mod tests {
    use crate::diagnostic::SourceFile;
    use crate::language::compiled::Function;
    use crate::policy::load::load;

    const HEADER: &str = r#"
format = 1
[policy]
id = "test"
version = "1"
title = "Test"
effective_date = 2025-01-01

[[field]]
path = "p.date"
type = "date"
description = "a date"

[[field]]
path = "p.at"
type = "datetime"
description = "a time"

[[field]]
path = "p.amount"
type = "decimal"
description = "an amount"

[[field]]
path = "p.reason"
type = "enum"
values = ["change_of_mind", "billing_error"]
description = "a reason"

[default]
id = "otherwise"
clause = "§0"
outcome = "deny"
reason = "no"
"#;

    /// The messages and help texts of checking `expr` as a derived value.
    fn problems(expr: &str) -> Vec<(String, Option<String>)> {
        let text = format!("{HEADER}\n[derived]\nvalue = '{expr}'\n");
        match load(SourceFile::new("t.toml", text)) {
            Ok(_) => Vec::new(),
            Err(error) => error
                .diagnostics
                .into_iter()
                .map(|d| (d.message, d.help))
                .collect(),
        }
    }

    fn message(expr: &str) -> String {
        problems(expr)
            .into_iter()
            .next()
            .map(|(message, _)| message)
            .unwrap_or_default()
    }

    #[test]
    fn well_typed_expressions_pass() {
        for expr in [
            "p.date + 7d",
            "p.at - p.at <= 14d",
            "p.amount * 2 > 10",
            r#"p.reason in ["billing_error"]"#,
            r#"p.reason == "change_of_mind""#,
            "days_between(p.date, p.at) <= 7",
            "if p.amount > 1 then p.amount else 0",
        ] {
            assert_eq!(problems(expr), Vec::new(), "{expr}");
        }
    }

    #[test]
    fn unknown_names_suggest_the_closest() {
        let found = problems("p.dat > 2025-01-01");
        assert_eq!(found[0].0, "unknown field `p.dat`");
        assert_eq!(found[0].1.as_deref(), Some("did you mean `p.date`?"));
    }

    #[test]
    fn objects_are_not_values() {
        assert_eq!(message("p > 1"), "`p` is an object, not a value");
    }

    #[test]
    fn type_mismatches_name_both_types() {
        assert_eq!(
            message("p.date > 5"),
            "cannot compare a date with an integer"
        );
        assert_eq!(
            message("p.date == p.at"),
            "cannot compare a date with a datetime"
        );
        assert_eq!(
            message("p.amount and true"),
            "`and` needs a bool on both sides, but this is a decimal"
        );
        assert_eq!(
            message("p.date + p.date"),
            "cannot apply `+` to a date and a date"
        );
    }

    #[test]
    fn help_says_what_the_language_has_instead() {
        let help = |expr: &str| problems(expr).remove(0).1.unwrap_or_default();
        assert!(
            help("days_between(p.date, p.date) <= 30d").contains("with `30`, not `30d`"),
            "{}",
            help("days_between(p.date, p.date) <= 30d")
        );
        assert!(help("if p.amount > 1 then p.amount else null").starts_with("there is no `null`"));
        assert_eq!(
            help("p.reason.length > 3"),
            "functions take the value as an argument: `length(p.reason)`"
        );
        assert!(
            help("date(p.at, \"Europe/London\")").contains("`local_date(t, \"Europe/Paris\")`")
        );
    }

    #[test]
    fn enum_literals_must_exist() {
        let found = problems(r#"p.reason == "chnage_of_mind""#);
        assert_eq!(found[0].0, "`chnage_of_mind` is not a value of `p.reason`");
        assert!(
            found[0]
                .1
                .as_deref()
                .unwrap_or_default()
                .starts_with("did you mean `change_of_mind`?")
        );
        assert_eq!(
            message(r#"p.reason in ["billing", "billing_error"]"#),
            "`billing` is not a value of `p.reason`"
        );
        assert_eq!(
            message(r#"contains([p.reason], "billing")"#),
            "`billing` is not one of the enum values that `[p.reason]` holds"
        );
        assert_eq!(
            message(r#"contains_any([p.reason], ["billing_error", "billng"])"#),
            "`billng` is not one of the enum values that `[p.reason]` holds"
        );
        assert_eq!(problems(r#"contains(lower("a"), "billing")"#), []);
        assert_eq!(
            message(r#""billing" in [p.reason, p.reason]"#),
            "`billing` is not one of the enum values that `[p.reason, p.reason]` holds"
        );
        assert_eq!(
            message(r#"p.reason == (if p.amount > 1 then "billing_error" else "other")"#),
            "`other` is not a value of `p.reason`"
        );
    }

    #[test]
    fn functions_check_their_arguments() {
        assert_eq!(
            message("lowercase(p.reason)"),
            "unknown function `lowercase`"
        );
        assert_eq!(
            message("days_between(p.date)"),
            "`days_between` takes 2 arguments, but is given 1"
        );
        assert_eq!(
            message("days_between(p.amount, p.date)"),
            "`days_between` needs a date or datetime as its first argument, but `p.amount` is a decimal"
        );
        assert_eq!(
            message("any_missing()"),
            "`any_missing` can only be used in rules, effects and reasons"
        );
    }

    #[test]
    fn time_zones_of_local_date_and_time_are_checked_when_the_policy_loads() {
        assert_eq!(
            problems(r#"local_time(p.at, "America/New_York") < 17h"#),
            Vec::new()
        );
        let found = problems(r#"local_date(p.at, "Europe/Pari")"#);
        assert_eq!(
            found[0].0,
            "`Europe/Pari` is not a time zone ruling understands"
        );
        assert_eq!(found[0].1.as_deref(), Some("did you mean `Europe/Paris`?"));
        assert_eq!(
            message(r#"local_date(p.at, lower("UTC"))"#),
            "the time zone of `local_date` must be written in quotes"
        );
        assert_eq!(
            message(r#"local_date(p.date, "UTC")"#),
            "`local_date` needs a datetime as its first argument, but `p.date` is a date"
        );
        assert_eq!(
            message("local_time(p.at, 2)"),
            "`local_time` needs a time zone name in quotes, such as `\"Europe/Paris\"` as its second argument, but `2` is an integer"
        );
    }

    /// The messages and help texts of checking `expr` in a policy with a
    /// calendar `us`.
    fn calendar_problems(expr: &str) -> Vec<(String, Option<String>)> {
        let text = format!("{HEADER}\n[calendar.us]\n\n[derived]\nvalue = '{expr}'\n");
        match load(SourceFile::new("t.toml", text)) {
            Ok(_) => Vec::new(),
            Err(error) => error
                .diagnostics
                .into_iter()
                .map(|d| (d.message, d.help))
                .collect(),
        }
    }

    #[test]
    fn calendars_are_named_by_text_checked_when_the_policy_loads() {
        for expr in [
            r#"is_business_day(p.date, "us")"#,
            r#"add_business_days(p.at, 3, "us") > p.date"#,
            r#"business_days_between(p.date, p.at, "us") <= 7"#,
            r#"weekday(p.at) in ["saturday", "sunday"]"#,
        ] {
            assert_eq!(calendar_problems(expr), Vec::new(), "{expr}");
        }
        let found = calendar_problems(r#"is_business_day(p.date, "uss")"#);
        assert_eq!(found[0].0, "unknown calendar `uss`");
        assert_eq!(found[0].1.as_deref(), Some("did you mean `us`?"));
        let found = problems(r#"is_business_day(p.date, "us")"#);
        assert_eq!(
            found[0].1.as_deref(),
            Some("declare it as a `[calendar.us]` table, with its `weekend` and `holidays`")
        );
        assert_eq!(
            calendar_problems(r#"is_business_day(p.date, trim("us"))"#)[0].0,
            "the calendar of `is_business_day` must be written in quotes"
        );
        assert_eq!(
            calendar_problems(r#"add_business_days(p.date, p.amount, "us")"#)[0].0,
            "`add_business_days` needs a whole number of business days as its second argument, but `p.amount` is a decimal"
        );
        assert_eq!(
            calendar_problems(r#"business_days_between(p.date, p.amount, "us")"#)[0].0,
            "`business_days_between` needs a date or datetime as its second argument, but `p.amount` is a decimal"
        );
        let found = calendar_problems(r#"weekday(p.date) == "satruday""#);
        assert_eq!(found[0].0, "`satruday` is not a value of `weekday(p.date)`");
        assert!(
            found[0]
                .1
                .as_deref()
                .unwrap()
                .starts_with("did you mean `saturday`?")
        );
    }

    #[test]
    fn functions_of_other_languages_get_this_ones_name_or_why_not() {
        let help = |expr: &str| problems(expr).into_iter().next().and_then(|(_, help)| help);
        assert_eq!(
            help("len(p.reason)").as_deref(),
            Some("did you mean `length`?")
        );
        assert!(
            help("today()")
                .unwrap()
                .starts_with("a policy cannot read the clock")
        );
        assert!(
            help("trunc(p.amount)")
                .unwrap()
                .contains("round(x, places)")
        );
        assert!(help("mod(3, 2)").unwrap().contains("`a % b`"));
    }

    #[test]
    fn an_unknown_function_without_a_close_name_gets_every_function() {
        let found = problems("fiscal_quarter(p.date) == 1");
        let help = found[0].1.as_deref().unwrap_or_default();
        assert!(help.starts_with("the functions are "), "{help}");
        for function in Function::ALL {
            assert!(help.contains(&format!("`{}`", function.name())), "{help}");
        }
        assert!(!help.contains("more"), "{help}");
    }

    #[test]
    fn an_unknown_name_in_a_reason_placeholder_is_explained_as_one() {
        let text = HEADER.replace(r#"reason = "no""#, r#"reason = "send {n_photos} photos""#);
        let error = load(SourceFile::new("t.toml", text)).unwrap_err();
        let help = error.diagnostics[0].help.clone().unwrap();
        assert!(help.contains("`{{n_photos}}`"), "{help}");
    }

    #[test]
    fn every_problem_is_reported() {
        assert_eq!(problems("p.dat > 1 and p.amout > 2").len(), 2);
    }
}
