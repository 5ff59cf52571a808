//! Long expressions laid out over several lines, each at most
//! [`MAX_WIDTH`] columns where the expression allows it.
//!
//! The layout, decided from the outside in, each part on one line when it
//! fits there:
//!
//! - a chain of `and`, of `or`, or of `+ -` or `* /`, one operand a line,
//!   the operator leading: at the start of the expression or of a group in
//!   parentheses the operators line up with the first operand, elsewhere
//!   (an `and` chain inside an `or` chain) they are indented one step, so
//!   that the indentation shows how the operators group;
//! - parentheses that do not fit open a block: `(` ends the line, the
//!   inside is indented one step, `)` is alone on the last line;
//! - a call's arguments and a list's items, one a line between the
//!   brackets; an aggregate's value, `for … in …` and `if …`, one a line;
//! - `if … then … else …`, one part a line, with `else if` keeping its
//!   ladder flat.
//!
//! Comparisons, `in`, `not` and `-` never break: their operands may. The
//! layout depends on nothing but the tree and the width, so formatting a
//! formatted expression gives it back unchanged.

use crate::language::ast::{Expr, ExprKind, UnaryOp};
use crate::language::parser::{LIST_AGGREGATE, binary_level, binding, level, print};

/// The widest line, indentation and key included.
pub(super) const MAX_WIDTH: usize = 100;

/// How much deeper each nested level of a broken expression is indented.
const STEP: usize = 2;

/// An expression's text with the places where it may break: Wadler's
/// "prettier printer", with groups that break all their places or none.
enum Doc {
    Text(String),
    /// A space, or a new line when its group breaks.
    Space,
    /// Nothing, or a new line when its group breaks.
    Break,
    /// One after the other.
    Concat(Vec<Doc>),
    /// New lines inside start one step further in.
    Nest(Vec<Doc>),
    /// Breaks every `Space` and `Break` directly inside (not inside an
    /// inner group) when its contents, and what follows them up to the
    /// next place to break, do not fit on the line.
    Group(Vec<Doc>),
}

/// Where an expression stands: at the start of a block (the whole
/// expression, the inside of parentheses), or inside a larger expression,
/// where a broken chain is indented to set it apart.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    Block,
    Inside,
}

/// The lines of `expr`, each starting with `indent` spaces, within `width`
/// columns wherever a line can be broken. Given all the width it wants, it
/// is one line: the expression as [`print`] writes it.
pub(super) fn layout(expr: &Expr, indent: usize, width: usize) -> String {
    render(&doc(expr, Place::Block), indent, width)
}

fn doc(expr: &Expr, place: Place) -> Doc {
    match &expr.kind {
        ExprKind::Literal(_) | ExprKind::Path(_) => Doc::Text(print(expr)),
        // A negated literal prints as a whole: it may need parentheses
        // that keep it from reading as a negative literal.
        ExprKind::Unary(UnaryOp::Negate, operand)
            if matches!(operand.kind, ExprKind::Literal(_)) =>
        {
            Doc::Text(print(expr))
        }
        ExprKind::Unary(UnaryOp::Negate, operand) => {
            Doc::Concat(vec![text("-"), operand_doc(operand, level::NEGATE)])
        }
        ExprKind::Unary(UnaryOp::Not, operand) => {
            Doc::Concat(vec![text("not "), operand_doc(operand, level::NOT)])
        }
        ExprKind::Binary(op, left, right) if op.is_comparison() => {
            let minimum = level::COMPARISON + 1;
            Doc::Concat(vec![
                operand_doc(left, minimum),
                text(&format!(" {} ", op.symbol())),
                operand_doc(right, minimum),
            ])
        }
        ExprKind::Binary(..) => chain(expr, place),
        ExprKind::In {
            value,
            list,
            negated,
        } => {
            let minimum = level::COMPARISON + 1;
            Doc::Concat(vec![
                operand_doc(value, minimum),
                text(if *negated { " not in " } else { " in " }),
                operand_doc(list, minimum),
            ])
        }
        ExprKind::List(items) => bracketed("[", items, "]"),
        ExprKind::Call(name, arguments) => bracketed(&format!("{}(", name.name), arguments, ")"),
        ExprKind::If { .. } => ladder(expr, place),
        ExprKind::Aggregate {
            function,
            value,
            binder,
            list,
            filter,
        } => {
            let (open, close) = if function.name == LIST_AGGREGATE {
                ("[".to_owned(), "]")
            } else {
                (format!("{}(", function.name), ")")
            };
            // An `if` reads as the start of the filter; parentheses keep
            // each part whole, as the printer does.
            let mut parts = vec![
                Doc::Break,
                operand_doc(value, level::OR),
                Doc::Space,
                text(&format!("for {} in ", binder.name)),
                operand_doc(list, level::COMPARISON + 1),
            ];
            if let Some(filter) = filter {
                parts.extend([Doc::Space, text("if "), operand_doc(filter, level::OR)]);
            }
            Doc::Group(vec![text(&open), Doc::Nest(parts), Doc::Break, text(close)])
        }
    }
}

fn text(text: &str) -> Doc {
    Doc::Text(text.to_owned())
}

/// An operand that must bind at least as tightly as `minimum`, in
/// parentheses when it does not.
fn operand_doc(expr: &Expr, minimum: u8) -> Doc {
    if binding(expr) >= minimum {
        return doc(expr, Place::Inside);
    }
    Doc::Group(vec![
        text("("),
        Doc::Nest(vec![Doc::Break, doc(expr, Place::Block)]),
        Doc::Break,
        text(")"),
    ])
}

/// `a and b and c`, `a + b - c`: the operators of one level, which group
/// to the left, so the tree leans left and every right operand binds more
/// tightly than the chain.
fn chain(expr: &Expr, place: Place) -> Doc {
    let mut rest = Vec::new();
    let mut first = expr;
    let mut chain_level = None;
    while let ExprKind::Binary(op, left, right) = &first.kind {
        let op_level = binary_level(*op);
        if op.is_comparison() || chain_level.is_some_and(|chain| chain != op_level) {
            break;
        }
        chain_level = Some(op_level);
        rest.push((op.symbol(), right.as_ref()));
        first = left;
    }
    let chain_level = chain_level.unwrap_or(level::PRIMARY);
    let mut tail = Vec::new();
    for (symbol, operand) in rest.into_iter().rev() {
        tail.extend([
            Doc::Space,
            text(&format!("{symbol} ")),
            operand_doc(operand, chain_level + 1),
        ]);
    }
    Doc::Group(vec![operand_doc(first, chain_level), indented(tail, place)])
}

/// `if a then b else if c then d else e`, the `else if`s as one ladder.
fn ladder(expr: &Expr, place: Place) -> Doc {
    let mut parts = Vec::new();
    let mut current = expr;
    while let ExprKind::If {
        condition,
        then,
        otherwise,
    } = &current.kind
    {
        parts.extend([
            doc(condition, Place::Inside),
            Doc::Space,
            text("then "),
            doc(then, Place::Inside),
            Doc::Space,
        ]);
        current = otherwise;
        let more = matches!(current.kind, ExprKind::If { .. });
        parts.push(text(if more { "else if " } else { "else " }));
    }
    parts.push(doc(current, Place::Inside));
    Doc::Group(vec![text("if "), indented(parts, place)])
}

/// The lines after the first of a broken chain or ladder: level with the
/// first at the start of a block, one step in inside an expression.
fn indented(docs: Vec<Doc>, place: Place) -> Doc {
    match place {
        Place::Block => Doc::Concat(docs),
        Place::Inside => Doc::Nest(docs),
    }
}

/// `name(a, b)` or `[a, b]`: the items one a line between the brackets
/// when they do not fit on one.
fn bracketed(open: &str, items: &[Expr], close: &str) -> Doc {
    if items.is_empty() {
        return text(&format!("{open}{close}"));
    }
    let mut inside = vec![Doc::Break];
    for (index, item) in items.iter().enumerate() {
        if index > 0 {
            inside.extend([text(","), Doc::Space]);
        }
        inside.push(doc(item, Place::Inside));
    }
    Doc::Group(vec![text(open), Doc::Nest(inside), Doc::Break, text(close)])
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Flat,
    Broken,
}

/// One piece of the document still to write: its indentation, whether its
/// group broke, and the piece.
type Pending<'d> = (usize, Mode, &'d Doc);

/// Writes `doc` from the outside in, deciding each group as it is reached.
/// A stack rather than recursion: expressions may be deep.
fn render(doc: &Doc, indent: usize, width: usize) -> String {
    let mut out = " ".repeat(indent);
    let mut column = indent;
    let mut stack: Vec<Pending> = vec![(indent, Mode::Broken, doc)];
    while let Some((indent, mode, doc)) = stack.pop() {
        match doc {
            Doc::Text(text) => {
                out.push_str(text);
                column += text.chars().count();
            }
            Doc::Space | Doc::Break if mode == Mode::Broken => {
                out.push('\n');
                out.push_str(&" ".repeat(indent));
                column = indent;
            }
            Doc::Space => {
                out.push(' ');
                column += 1;
            }
            Doc::Break => {}
            Doc::Concat(docs) => push_all(&mut stack, docs, indent, mode),
            Doc::Nest(docs) => push_all(&mut stack, docs, indent + STEP, mode),
            Doc::Group(docs) => {
                let flat = mode == Mode::Flat || fits(width.saturating_sub(column), docs, &stack);
                let mode = if flat { Mode::Flat } else { Mode::Broken };
                push_all(&mut stack, docs, indent, mode);
            }
        }
    }
    out
}

fn push_all<'d>(stack: &mut Vec<Pending<'d>>, docs: &'d [Doc], indent: usize, mode: Mode) {
    stack.extend(docs.iter().rev().map(|doc| (indent, mode, doc)));
}

/// Whether `group`, written flat, and what follows it up to the next new
/// line fit in `room` columns. A group still to come counts as broken: it
/// will break where it must.
fn fits(mut room: usize, group: &[Doc], rest: &[Pending]) -> bool {
    let mut pending: Vec<(Mode, &Doc)> = group.iter().rev().map(|doc| (Mode::Flat, doc)).collect();
    let mut rest = rest.iter().rev();
    loop {
        let (mode, doc) = match pending.pop() {
            Some(next) => next,
            None => match rest.next() {
                Some(&(_, mode, doc)) => (mode, doc),
                None => return true,
            },
        };
        let used = match doc {
            Doc::Text(text) => text.chars().count(),
            Doc::Space | Doc::Break if mode == Mode::Broken => return true,
            Doc::Space => 1,
            Doc::Break => 0,
            Doc::Concat(docs) | Doc::Nest(docs) | Doc::Group(docs) => {
                pending.extend(docs.iter().rev().map(|doc| (mode, doc)));
                0
            }
        };
        match room.checked_sub(used) {
            Some(left) => room = left,
            None => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::diagnostic::span::Origin;
    use crate::language::parser::parse_expression;

    fn laid_out(text: &str, width: usize) -> String {
        let expr = parse_expression(text, &Origin::Identity).unwrap();
        let lines = layout(&expr, 0, width);
        let reread = parse_expression(&lines, &Origin::Identity).unwrap();
        assert_eq!(reread, expr, "{lines}");
        assert_eq!(
            layout(&expr, 0, usize::MAX),
            print(&expr),
            "on one line, the layout is the printed expression"
        );
        lines
    }

    #[test]
    fn what_fits_stays_on_one_line() {
        assert_eq!(laid_out("a and (b or c)", 40), "a and (b or c)");
    }

    #[test]
    fn a_chain_is_one_operand_a_line_with_the_operator_first() {
        assert_eq!(
            laid_out("alpha > 1 and beta < 2 and gamma == 3", 30),
            "alpha > 1\nand beta < 2\nand gamma == 3"
        );
    }

    #[test]
    fn a_chain_inside_another_is_indented() {
        assert_eq!(
            laid_out("alpha_value > 1 or beta_value < 2 and gamma_value == 3", 30),
            "alpha_value > 1\nor beta_value < 2\n  and gamma_value == 3"
        );
    }

    #[test]
    fn parentheses_that_do_not_fit_open_a_block() {
        assert_eq!(
            laid_out(
                "alpha and (beta_value_one or gamma_value_two) and delta",
                30
            ),
            "alpha\nand (\n  beta_value_one\n  or gamma_value_two\n)\nand delta"
        );
    }

    #[test]
    fn arguments_go_one_a_line() {
        assert_eq!(
            laid_out("round(refunded_prices - restocking_fees, 2)", 40),
            "round(\n  refunded_prices - restocking_fees,\n  2\n)"
        );
    }

    #[test]
    fn an_aggregate_puts_value_binder_and_filter_on_lines_of_their_own() {
        assert_eq!(
            laid_out(
                "sum(item.price for item in order.items if item.opened and item.price > 10)",
                40
            ),
            "sum(\n  item.price\n  for item in order.items\n  if item.opened and item.price > 10\n)"
        );
        assert_eq!(
            laid_out(
                "[item.price * 2 for item in order.items if item.opened]",
                30
            ),
            "[\n  item.price * 2\n  for item in order.items\n  if item.opened\n]"
        );
    }

    #[test]
    fn an_aggregate_value_in_parentheses_stays_whole() {
        assert_eq!(
            laid_out(
                "count((if item.opened then item.price else 0) for item in order.items)",
                30
            ),
            "count(\n  (\n    if item.opened\n    then item.price\n    else 0\n  )\n  for item in order.items\n)"
        );
    }

    #[test]
    fn else_if_keeps_a_flat_ladder() {
        assert_eq!(
            laid_out(
                "if tier == \"elite_plus\" then 45 else if tier == \"elite\" then 30 else 15",
                30
            ),
            "if tier == \"elite_plus\"\nthen 45\nelse if tier == \"elite\"\nthen 30\nelse 15"
        );
    }

    #[test]
    fn a_comparison_does_not_break_but_its_operands_may() {
        assert_eq!(
            laid_out(
                "days_between(a, b) <= (if c then fourteen else fifteen)",
                30
            ),
            "days_between(a, b) <= (\n  if c\n  then fourteen\n  else fifteen\n)"
        );
    }

    #[test]
    fn negation_and_not_keep_their_operand_whole() {
        assert_eq!(laid_out("-(-5)", 1), "--5");
        assert_eq!(
            laid_out("not (alpha_value or beta_value)", 20),
            "not (\n  alpha_value\n  or beta_value\n)"
        );
    }

    #[test]
    fn every_line_fits_when_the_names_do() {
        let operands: Vec<String> = (0..40).map(|n| format!("field_{n} > {n}")).collect();
        let text = operands.join(" and ");
        let lines = laid_out(&format!("x or ({text}) and y"), 40);
        assert!(lines.lines().all(|line| line.len() <= 40), "{lines}");
    }

    /// Expression text over the whole grammar, aggregates included, long
    /// enough to be laid out over several lines.
    fn expression() -> impl Strategy<Value = String> {
        let leaf = prop::sample::select(vec![
            "a",
            "purchase.amount",
            "item.price",
            "12",
            "-3",
            "59.99",
            "\"text\"",
            "true",
            "14d",
            "any_missing()",
        ])
        .prop_map(str::to_owned);
        leaf.prop_recursive(6, 64, 4, |inner| {
            let operator = prop::sample::select(vec![
                "and", "or", "==", "<=", "in", "not in", "+", "-", "*", "/",
            ]);
            let function = prop::sample::select(vec!["sum", "count", "any", "min"]);
            prop_oneof![
                (inner.clone(), operator, inner.clone())
                    .prop_map(|(left, op, right)| format!("{left} {op} {right}")),
                inner.clone().prop_map(|e| format!("not {e}")),
                inner.clone().prop_map(|e| format!("-({e})")),
                inner.clone().prop_map(|e| format!("({e})")),
                (inner.clone(), inner.clone(), inner.clone())
                    .prop_map(|(c, t, e)| format!("if {c} then {t} else {e}")),
                prop::collection::vec(inner.clone(), 0..4)
                    .prop_map(|items| format!("[{}]", items.join(", "))),
                prop::collection::vec(inner.clone(), 0..4)
                    .prop_map(|args| format!("round({})", args.join(", "))),
                (
                    function,
                    inner.clone(),
                    inner.clone(),
                    prop::option::of(inner.clone())
                )
                    .prop_map(|(function, value, list, filter)| {
                        let filter = filter.map(|f| format!(" if {f}")).unwrap_or_default();
                        format!("{function}({value} for item in {list}{filter})")
                    }),
                (inner.clone(), inner)
                    .prop_map(|(value, list)| format!("[{value} for x in {list}]")),
            ]
        })
    }

    /// Several expressions joined by operators: a long chain, with
    /// anything inside.
    fn long_expression() -> impl Strategy<Value = String> {
        let joint = prop::sample::select(vec![" and ", " or ", " and not "]);
        let part = expression().prop_filter("parses", |text| {
            parse_expression(text, &Origin::Identity).is_ok()
        });
        prop::collection::vec((part, joint), 1..12).prop_map(|parts| {
            let mut text = String::new();
            for (part, joint) in parts {
                if !text.is_empty() {
                    text.push_str(joint);
                }
                text.push_str(&part);
            }
            text
        })
    }

    proptest! {
        #[test]
        fn every_layout_reads_back_as_the_same_expression(text in long_expression(), width in 0usize..120) {
            let Ok(expr) = parse_expression(&text, &Origin::Identity) else {
                return Ok(());
            };
            prop_assert_eq!(layout(&expr, 0, usize::MAX), print(&expr));
            let lines = layout(&expr, 2, width);
            let reread = parse_expression(&lines, &Origin::Identity);
            prop_assert!(reread.as_ref().is_ok_and(|reread| *reread == expr), "{}\n{}", text, lines);
            prop_assert!(lines.lines().all(|line| line.starts_with("  ") && line.trim_end() == line));
        }
    }

    #[test]
    fn the_indent_is_on_every_line() {
        let expr = parse_expression("alpha and beta", &Origin::Identity).unwrap();
        assert_eq!(layout(&expr, 2, 12), "  alpha\n  and beta");
    }
}
