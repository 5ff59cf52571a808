//! A checked, compiled policy: the only form that can decide requests.

pub mod document;
pub mod folder;
pub mod keys;
pub mod load;

use std::fmt;

use chrono::{FixedOffset, NaiveDate};
use serde::Serialize;

use crate::diagnostic::SourceFile;
use crate::diagnostic::span::Span;
use crate::language::compiled::Checked;
use crate::language::schema::Schema;

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
}

#[derive(Debug)]
pub struct Metadata {
    pub id: String,
    pub version: String,
    pub title: String,
    pub effective_date: NaiveDate,
    /// The slot of the request field whose date selects the version in effect.
    pub effective_date_field: Option<usize>,
    /// What the folder does with a request dated before its earliest version.
    pub before_first_version: folder::BeforeFirstVersion,
    pub timezone: FixedOffset,
    pub timezone_name: String,
    pub source: String,
}

#[derive(Debug)]
pub struct Derived {
    pub name: String,
    pub value: Checked,
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

impl Policy {
    /// The rules in the order they are tried, the default last.
    pub fn rules_in_order(&self) -> impl Iterator<Item = &Rule> {
        self.rules.iter().chain(std::iter::once(&self.default))
    }

    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.rules_in_order().find(|rule| rule.id == id)
    }
}
