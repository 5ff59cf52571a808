//! A checked, compiled policy: the only form that can decide requests.

pub mod calendar;
pub mod document;
pub mod effective_date;
pub mod folder;
pub mod keys;
pub mod load;
pub mod warnings;

use std::fmt;

use chrono::NaiveDate;
use serde::Serialize;

use crate::diagnostic::span::Span;
use crate::diagnostic::{Diagnostic, SourceFile};
use crate::language::compiled::Checked;
use crate::language::schema::Schema;
use crate::language::zone::Zone;
use crate::policy::calendar::Calendar;

/// A policy that loaded and type-checked without errors.
#[derive(Debug)]
pub struct Policy {
    pub meta: Metadata,
    pub file: SourceFile,
    /// SHA-256 of the policy file's bytes, in lowercase hex.
    pub sha256: String,
    pub schema: Schema,
    pub derived: Vec<Derived>,
    pub constraints: Vec<Constraint>,
    pub rules: Vec<Rule>,
    pub default: Rule,
    pub outcome_effects: Vec<(Outcome, Vec<Effect>)>,
    /// What the policy says that is probably not what its owner means
    /// ([`warnings`]); shown by `ruling check`, never an error.
    pub warnings: Vec<Diagnostic>,
    /// The `[calendar.NAME]` tables, in the order written.
    pub calendars: Vec<Calendar>,
}

#[derive(Debug)]
pub struct Metadata {
    pub id: String,
    pub version: String,
    pub title: String,
    /// The first date this version governs;
    /// [`Metadata::ALWAYS_IN_EFFECT`] when the file states none.
    pub effective_date: NaiveDate,
    /// The slot of the request field whose date selects the version in effect.
    pub effective_date_field: Option<usize>,
    /// What the folder does with a request dated before its earliest version.
    pub before_first_version: folder::BeforeFirstVersion,
    /// The zone in which datetimes count as dates.
    pub timezone: Zone,
    pub timezone_name: String,
    pub source: String,
}

#[derive(Debug)]
pub struct Derived {
    pub name: String,
    pub value: Checked,
    /// Written under `[helpers]`: it exists to compute other values, and
    /// decisions do not list it unless asked to.
    pub helper: bool,
}

#[derive(Debug)]
pub struct Constraint {
    pub id: String,
    pub must: Checked,
    pub message: String,
}

#[derive(Debug)]
pub struct Rule {
    pub id: String,
    pub clause: String,
    pub section: Option<Section>,
    /// `None` for the default, which applies when no rule does.
    pub when: Option<Checked>,
    pub outcome: Outcome,
    pub reason: Template,
    pub effects: Vec<Effect>,
    /// The findings of `ruling lint` about this rule that are meant: each
    /// finding's code with the reason given (`allow = { gap = "…" }`).
    pub allow: Vec<(String, String)>,
    /// Where the rule's table starts in the policy file.
    pub span: Span,
}

#[derive(Debug)]
pub struct Effect {
    pub name: String,
    pub value: Checked,
}

/// A text with `{expression}` placeholders.
#[derive(Debug, Default)]
pub struct Template {
    pub parts: Vec<TemplatePart>,
}

#[derive(Debug)]
pub enum TemplatePart {
    Text(String),
    Value(Checked),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Approve,
    Deny,
    Review,
    NeedsInfo,
}

impl Outcome {
    pub const ALL: [Outcome; 4] = [
        Outcome::Approve,
        Outcome::Deny,
        Outcome::Review,
        Outcome::NeedsInfo,
    ];

    pub const fn keyword(self) -> &'static str {
        match self {
            Outcome::Approve => "approve",
            Outcome::Deny => "deny",
            Outcome::Review => "review",
            Outcome::NeedsInfo => "needs_info",
        }
    }

    pub fn from_keyword(text: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|outcome| outcome.keyword() == text)
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.keyword())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Section {
    Eligibility,
    Requirement,
    Exception,
    Exclusion,
}

impl Section {
    pub const ALL: [Section; 4] = [
        Section::Eligibility,
        Section::Requirement,
        Section::Exception,
        Section::Exclusion,
    ];

    pub const fn keyword(self) -> &'static str {
        match self {
            Section::Eligibility => "eligibility",
            Section::Requirement => "requirement",
            Section::Exception => "exception",
            Section::Exclusion => "exclusion",
        }
    }

    pub fn from_keyword(text: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|section| section.keyword() == text)
    }
}

impl Metadata {
    /// The effective date of a version that states none: it is in effect
    /// on every date. No TOML date is this early.
    pub const ALWAYS_IN_EFFECT: NaiveDate = NaiveDate::MIN;

    /// The effective date the file states, if it states one.
    pub fn stated_effective_date(&self) -> Option<NaiveDate> {
        (self.effective_date != Self::ALWAYS_IN_EFFECT).then_some(self.effective_date)
    }

    /// From when the version is in effect, in words: its date, or "the
    /// beginning" for a version that states none.
    pub fn in_effect_from(&self) -> String {
        self.stated_effective_date()
            .map_or_else(|| "the beginning".to_owned(), |date| date.to_string())
    }
}

impl Policy {
    /// The rules in the order they are tried, the default last.
    pub fn rules_in_order(&self) -> impl Iterator<Item = &Rule> {
        self.rules.iter().chain(std::iter::once(&self.default))
    }

    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.rules_in_order().find(|rule| rule.id == id)
    }

    pub fn calendar(&self, name: &str) -> Option<&Calendar> {
        self.calendars.iter().find(|calendar| calendar.name == name)
    }
}
