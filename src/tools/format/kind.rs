//! What each table of a policy file is: the canonical order of its keys and
//! which of its values are expressions. The orders are the loader's lists of
//! allowed keys, so the reference, the loader and `ruling fmt` agree.

use crate::policy::Outcome;
use crate::policy::keys::{self, Key};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    Root,
    Policy,
    Field,
    Derived,
    Constraint,
    Rule,
    Default,
    /// `[effects]`, whose tables are named after outcomes.
    OutcomeEffects,
    /// `[rule.effects]`, `[default.effects]` or `[effects.approve]`: named values.
    Effects,
    /// `[calendar]`, whose tables are named after calendars.
    Calendars,
    /// `[calendar.us]`.
    Calendar,
    /// One holiday of a calendar: an inline table of its `holidays` list.
    Holiday,
    /// A plain value, or a key `ruling` does not know.
    Other,
}

impl Kind {
    /// The kind of the value or table under `key`.
    pub(super) fn child(self, key: &str) -> Kind {
        match (self, key) {
            (Kind::Root, "policy") => Kind::Policy,
            (Kind::Root, "field") => Kind::Field,
            (Kind::Root, "derived" | "helpers") => Kind::Derived,
            (Kind::Root, "constraint") => Kind::Constraint,
            (Kind::Root, "rule") => Kind::Rule,
            (Kind::Root, "default") => Kind::Default,
            (Kind::Root, "effects") => Kind::OutcomeEffects,
            (Kind::Root, "calendar") => Kind::Calendars,
            (Kind::Calendars, _) => Kind::Calendar,
            (Kind::Calendar, "holidays") => Kind::Holiday,
            (Kind::Rule | Kind::Default, "effects") | (Kind::OutcomeEffects, _) => Kind::Effects,
            _ => Kind::Other,
        }
    }

    /// Where `key` goes among the keys of this table. Keys without a place
    /// share the last one, so a stable sort keeps them as written, after
    /// the known keys.
    pub(super) fn rank(self, key: &str) -> usize {
        if self == Kind::OutcomeEffects {
            return Outcome::from_keyword(key)
                .and_then(|outcome| Outcome::ALL.iter().position(|other| *other == outcome))
                .unwrap_or(Outcome::ALL.len());
        }
        let order = self.order();
        order
            .iter()
            .position(|known| known.name == key)
            .unwrap_or(order.len())
    }

    fn order(self) -> &'static [Key] {
        match self {
            Kind::Root => keys::TOP,
            Kind::Policy => keys::POLICY,
            Kind::Field => keys::FIELD,
            Kind::Constraint => keys::CONSTRAINT,
            Kind::Rule => keys::RULE,
            Kind::Default => keys::DEFAULT,
            Kind::Calendar => keys::CALENDAR,
            Kind::Holiday => keys::HOLIDAY,
            // Derived values and effects may use one another in any order;
            // the order they are written in is the author's, and so is the
            // order of the calendars.
            Kind::Derived
            | Kind::OutcomeEffects
            | Kind::Effects
            | Kind::Calendars
            | Kind::Other => &[],
        }
    }

    /// Whether a string under `key` is an expression. `reason` is not: it
    /// is text with `{…}` placeholders, kept as written.
    pub(super) fn holds_expression(self, key: &str) -> bool {
        match self {
            Kind::Derived | Kind::Effects => true,
            Kind::Field => key == "required_when",
            Kind::Constraint => key == "must",
            Kind::Rule => key == "when",
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_keys_come_in_the_documented_order() {
        let keys = ["reason", "when", "id", "outcome", "clause", "section"];
        let mut sorted = keys;
        sorted.sort_by_key(|key| Kind::Rule.rank(key));
        assert_eq!(
            sorted,
            ["id", "clause", "section", "when", "outcome", "reason"]
        );
    }

    #[test]
    fn unknown_keys_go_last() {
        assert!(Kind::Policy.rank("colour") > Kind::Policy.rank("source"));
        assert_eq!(Kind::Derived.rank("a"), Kind::Derived.rank("b"));
    }

    #[test]
    fn outcome_effects_follow_the_outcomes() {
        assert!(Kind::OutcomeEffects.rank("approve") < Kind::OutcomeEffects.rank("needs_info"));
    }

    #[test]
    fn calendar_and_holiday_keys_come_in_the_documented_order() {
        let calendar = Kind::Root.child("calendar").child("us");
        assert!(calendar.rank("weekend") < calendar.rank("holidays"));
        let holiday = calendar.child("holidays");
        let mut keys = ["observed", "rule", "name"];
        keys.sort_by_key(|key| holiday.rank(key));
        assert_eq!(keys, ["name", "rule", "observed"]);
        assert_eq!(
            Kind::Root.child("calendar").rank("us"),
            Kind::Root.child("calendar").rank("eu"),
            "calendars stay in the order written"
        );
    }

    #[test]
    fn effects_of_rules_hold_expressions() {
        let effects = Kind::Root.child("rule").child("effects");
        assert!(effects.holds_expression("refund_amount"));
        assert!(!Kind::Rule.holds_expression("reason"));
        assert!(
            Kind::Root
                .child("effects")
                .child("deny")
                .holds_expression("x")
        );
    }
}
