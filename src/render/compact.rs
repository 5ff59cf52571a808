//! The compact decision line of `ruling decide --ndjson` without `--trace`:
//! a decision's JSON without `trace` and `derived`, its `policy` reduced to
//! `id` and `version`, and the input's line number first. Written by hand,
//! since at volume writing the line costs more than deciding it.

use crate::decision::Decision;
use crate::decision::decide::Ruling;
use crate::decision::json_text::{
    push_bool, push_integer, push_keyword, push_list, push_object, push_str,
};
use crate::evaluate::Missing;
use crate::language::schema::Schema;
use crate::language::value::Value;
use crate::policy::{Outcome, Policy, Section};
use crate::request::RequestWarning;

/// The fields of one compact line, borrowed from a ruling or a decision.
pub(crate) struct CompactLine<'a> {
    pub(crate) line: u64,
    pub(crate) format: u32,
    pub(crate) id: &'a str,
    pub(crate) outcome: Outcome,
    pub(crate) reason: &'a str,
    pub(crate) rule_id: &'a str,
    pub(crate) clause: &'a str,
    pub(crate) section: Option<Section>,
    pub(crate) default: bool,
    pub(crate) effects: Effects<'a>,
    pub(crate) missing: MissingPaths<'a>,
    pub(crate) warnings: &'a [RequestWarning],
    pub(crate) policy_id: &'a str,
    pub(crate) policy_version: &'a str,
}

/// The effects of a line, as the ruling or the decision holds them: the
/// line borrows them rather than collecting them again.
pub(crate) enum Effects<'a> {
    Ruled(&'a [(&'a str, Value)]),
    Decided(&'a [(String, Value)]),
}

/// The missing fields of a line: slots of the policy's schema, or paths.
pub(crate) enum MissingPaths<'a> {
    Slots(&'a [Missing], &'a Schema),
    Paths(&'a [String]),
}

impl<'a> CompactLine<'a> {
    /// The line of a ruling by `policy`, with its `id` and `reason`.
    pub(crate) fn of_ruling(
        line: u64,
        policy: &'a Policy,
        ruled: &'a Ruling<'a>,
        id: &'a str,
        reason: &'a str,
    ) -> Self {
        let rule = ruled.rule;
        Self {
            line,
            format: crate::decision::DECISION_FORMAT,
            id,
            outcome: rule.outcome,
            reason,
            rule_id: &rule.id,
            clause: &rule.clause,
            section: rule.section,
            default: rule.when.is_none(),
            effects: Effects::Ruled(&ruled.effects),
            missing: MissingPaths::Slots(&ruled.missing, &policy.schema),
            warnings: &ruled.warnings,
            policy_id: &policy.meta.id,
            policy_version: &policy.meta.version,
        }
    }

    /// The line of a full decision.
    pub(crate) fn of_decision(line: u64, decision: &'a Decision) -> Self {
        Self {
            line,
            format: decision.format,
            id: &decision.id,
            outcome: decision.outcome,
            reason: &decision.reason,
            rule_id: &decision.rule.id,
            clause: &decision.rule.clause,
            section: decision.rule.section,
            default: decision.rule.default,
            effects: Effects::Decided(&decision.effects),
            missing: MissingPaths::Paths(&decision.missing),
            warnings: &decision.warnings,
            policy_id: &decision.policy.id,
            policy_version: &decision.policy.version,
        }
    }

    /// Appends the line, newline included.
    pub(crate) fn write_to(&self, out: &mut Vec<u8>) {
        self.write_head(out);
        out.extend_from_slice(b",\"policy\":{\"id\":");
        push_str(out, self.policy_id);
        out.extend_from_slice(b",\"version\":");
        push_str(out, self.policy_version);
        out.extend_from_slice(b"}}\n");
    }

    /// Appends the fields every batch line starts with, from `{"line"` to
    /// `missing`, leaving the object open: the traced line goes on from
    /// there with the fields only it has.
    pub(super) fn write_head(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"{\"line\":");
        push_integer(out, self.line);
        out.extend_from_slice(b",\"format\":");
        push_integer(out, self.format);
        out.extend_from_slice(b",\"id\":");
        push_str(out, self.id);
        out.extend_from_slice(b",\"outcome\":");
        push_keyword(out, self.outcome.keyword());
        out.extend_from_slice(b",\"reason\":");
        push_str(out, self.reason);
        out.extend_from_slice(b",\"rule\":{\"id\":");
        push_str(out, self.rule_id);
        out.extend_from_slice(b",\"clause\":");
        push_str(out, self.clause);
        out.extend_from_slice(b",\"section\":");
        match self.section {
            Some(section) => push_keyword(out, section.keyword()),
            None => out.extend_from_slice(b"null"),
        }
        out.extend_from_slice(b",\"default\":");
        push_bool(out, self.default);
        out.extend_from_slice(b"},\"effects\":");
        match self.effects {
            Effects::Ruled(effects) => push_object(out, effects),
            Effects::Decided(effects) => push_object(out, effects),
        }
        out.extend_from_slice(b",\"missing\":");
        match self.missing {
            MissingPaths::Slots(missing, schema) => push_list(out, missing, |out, missing| {
                push_str(out, missing.path_in(schema));
            }),
            MissingPaths::Paths(paths) => push_list(out, paths, |out, path| push_str(out, path)),
        }
        if !self.warnings.is_empty() {
            out.extend_from_slice(b",\"warnings\":");
            push_list(out, self.warnings, |out, warning| {
                out.extend_from_slice(b"{\"path\":");
                push_str(out, &warning.path);
                out.extend_from_slice(b",\"code\":");
                push_str(out, warning.code);
                out.extend_from_slice(b",\"message\":");
                push_str(out, &warning.message);
                out.push(b'}');
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::SourceFile;

    /// The hand-written line is the decision's JSON, reduced as documented.
    #[test]
    fn the_line_is_the_decision_json_without_trace_and_derived() {
        let source = include_str!("../../policies/iptv-smarters-pro/2025-01-22.toml");
        let policy = crate::load(SourceFile::new("iptv.toml", source)).unwrap();
        let cases = [
            r#"{"purchase": {"invoice_number": "INV-1", "date": "2025-03-01", "email": "a@b.c", "amount": 59.99, "currency": "EUR"}, "request": {"date": "2025-03-05", "email": "a@b.c", "invoice_number": "INV-1", "explanation": "It \"broke\"\n", "reason": "technical_failure"}, "support": {"contacted": true, "issue_resolved": false}}"#,
            r#"{"purchase": {"date": "2025-03-01"}}"#,
            r#"{"purchase": {"date": "2025-03-01", "currncy": "EUR \"€\""}, "retrun": 1}"#,
        ];
        for json in cases {
            let decision = crate::decision::decide::decide_json(&policy, json.as_bytes()).unwrap();
            let mut expected = serde_json::to_value(&decision).unwrap();
            let object = expected.as_object_mut().unwrap();
            object.shift_remove("trace");
            object.shift_remove("derived");
            object.insert(
                "policy".into(),
                serde_json::json!({"id": decision.policy.id, "version": decision.policy.version}),
            );
            let mut line = Vec::new();
            CompactLine::of_decision(7, &decision).write_to(&mut line);
            let written: serde_json::Value = serde_json::from_slice(&line).unwrap();
            let mut with_line = serde_json::json!({"line": 7});
            with_line.as_object_mut().unwrap().extend(object.clone());
            assert_eq!(written, with_line);
            assert_eq!(
                String::from_utf8(line).unwrap(),
                format!("{}\n", serde_json::to_string(&with_line).unwrap())
            );
        }
    }
}
