//! `ruling new`: a new policy folder holding a small, commented policy that
//! passes `ruling check`, and one case that it decides as expected.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{Days, NaiveDate};

/// Why a policy folder could not be created.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ScaffoldError {
    #[error("`{0}` is not a valid policy id")]
    InvalidId(String),
    #[error("`{}` already exists", .0.display())]
    Exists(PathBuf),
    #[error("cannot write `{}`: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl ScaffoldError {
    /// How to fix the problem.
    pub(crate) fn help(&self) -> Option<String> {
        match self {
            ScaffoldError::InvalidId(id) => Some(id_help(id)),
            ScaffoldError::Exists(_) => Some(
                "choose another id, or add a version by copying the newest policy file of that folder"
                    .to_owned(),
            ),
            ScaffoldError::Io { .. } => None,
        }
    }
}

/// The files of a new policy folder.
#[derive(Debug)]
pub(crate) struct Scaffold {
    pub(crate) folder: PathBuf,
    pub(crate) policy: PathBuf,
    pub(crate) case: PathBuf,
}

/// Checks a policy id as the loader does: lowercase letters, digits and `-`.
pub(crate) fn check_id(id: &str) -> Result<(), ScaffoldError> {
    let valid = !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if valid {
        Ok(())
    } else {
        Err(ScaffoldError::InvalidId(id.to_owned()))
    }
}

fn id_help(id: &str) -> String {
    let suggestion: String = id
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let suggestion = suggestion.trim_matches('-');
    if suggestion.is_empty() {
        "use lowercase letters, digits and `-`, for example `store-credit`".to_owned()
    } else {
        format!("use lowercase letters, digits and `-`, for example `{suggestion}`")
    }
}

/// Creates `parent/id/` with the policy `DATE.toml` (version and effective
/// date `date`) and `cases/example.json`. Nothing is overwritten: an
/// existing folder is an error.
pub(crate) fn create(parent: &Path, id: &str, date: NaiveDate) -> Result<Scaffold, ScaffoldError> {
    check_id(id)?;
    let folder = parent.join(id);
    if folder.exists() {
        return Err(ScaffoldError::Exists(folder));
    }
    let cases = folder.join("cases");
    fs::create_dir_all(&cases).map_err(|source| ScaffoldError::Io {
        path: cases.clone(),
        source,
    })?;
    let policy = folder.join(format!("{date}.toml"));
    let case = cases.join("example.json");
    write_new(
        &policy,
        &policy_text(&folder.display().to_string(), id, date),
    )?;
    write_new(&case, &case_text(date))?;
    Ok(Scaffold {
        folder,
        policy,
        case,
    })
}

/// Writes a file that must not exist yet.
fn write_new(path: &Path, text: &str) -> Result<(), ScaffoldError> {
    let io = |source| ScaffoldError::Io {
        path: path.to_owned(),
        source,
    };
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .and_then(|mut file| file.write_all(text.as_bytes()))
        .map_err(io)
}

/// The policy file of a new policy in `folder`, in the layout `ruling fmt`
/// writes, so that a new policy passes `ruling fmt --check` as created.
pub(crate) fn policy_text(folder: &str, id: &str, date: NaiveDate) -> String {
    let text = POLICY
        .replace("@FOLDER@", folder)
        .replace("@ID@", id)
        .replace("@DATE@", &date.to_string());
    let file = crate::diagnostic::SourceFile::new(format!("{date}.toml"), text.as_str());
    crate::tools::format::format_policy(&file).unwrap_or(text)
}

/// The example case: a purchase on `date` and a request three days later.
pub(crate) fn case_text(date: NaiveDate) -> String {
    let request_date = date.checked_add_days(Days::new(3)).unwrap_or(date);
    let days = (request_date - date).num_days();
    CASE.replace("@PURCHASE_DATE@", &date.to_string())
        .replace("@REQUEST_DATE@", &request_date.to_string())
        .replace("@DAYS@", &days.to_string())
}

const POLICY: &str = r#"# @ID@ — refund policy, version of @DATE@
#
# Created by `ruling new` as a starting point: a small policy that refunds
# unused items within 14 days. Replace the fields and rules with the clauses
# of your written policy, keep one case per rule in cases/, and run
#
#   ruling check @FOLDER@
#   ruling test @FOLDER@
#   ruling decide @FOLDER@ @FOLDER@/cases/example.json
#
# The file format and the expression language: docs/policy-language.md.

format = 1

[policy]
id = "@ID@"
version = "@DATE@"
title = "@ID@ refund policy"
# The first purchase date this version governs; a new version of the policy
# is a new file in this folder with a later effective date.
effective_date = @DATE@
effective_date_field = "purchase.date"
timezone = "UTC"
source = "Where the written policy is published, and when it was last updated"

# ---------------------------------------------------------------------------
# The request: what a refund request contains. Missing required fields are
# listed in this order.
# ---------------------------------------------------------------------------

[[field]]
path = "purchase.date"
type = "date"
required = true
description = "Date of the purchase; the 14-day window starts here"

[[field]]
path = "purchase.amount"
type = "decimal"
required = true
description = "Amount paid; a refund returns it in full"

[[field]]
path = "purchase.currency"
type = "string"
required = true
description = "Currency of the amount paid (ISO 4217 code, such as EUR)"

[[field]]
path = "request.date"
type = "date"
required = true
description = "Date the refund request was received"

[[field]]
path = "request.reason"
type = "enum"
values = ["change_of_mind", "defective", "other"]
required = true
description = "Why the customer asks for a refund"

# Optional: a bool that the request does not give counts as false.
[[field]]
path = "item.used"
type = "bool"
description = "The customer has used the item"

# ---------------------------------------------------------------------------
# Values computed from the request, usable in every expression
# ---------------------------------------------------------------------------

[derived]
# Calendar days from the purchase to the request: a request on the day of the
# purchase is day 0, and day 14 is still inside the window.
days_since_purchase = "days_between(purchase.date, request.date)"

# ---------------------------------------------------------------------------
# Requests that cannot be decided at all: rejected, not decided
# ---------------------------------------------------------------------------

[[constraint]]
id = "request-not-before-purchase"
must = "request.date >= purchase.date"
message = "the refund request is dated before the purchase"

# ---------------------------------------------------------------------------
# The rules, tried from top to bottom; the first that holds decides.
# ---------------------------------------------------------------------------

# First ask for what is missing: the rules below read these fields.
[[rule]]
id = "information-missing"
clause = "Refunds §1"
section = "requirement"
when = "any_missing()"
outcome = "needs_info"
reason = "Please send us the missing details: {missing_fields()}."

# A defective item is looked at by a person, whatever the date.
[[rule]]
id = "defective-item"
clause = "Refunds §3"
section = "exception"
when = 'request.reason == "defective"'
outcome = "review"
reason = "We are sorry the item is defective; a member of our team will look at your request and contact you."

[[rule]]
id = "unused-within-14-days"
clause = "Refunds §2"
section = "eligibility"
when = "days_since_purchase <= 14 and not item.used"
outcome = "approve"
reason = "Your request came {days_since_purchase} days after the purchase, within our 14-day window, so we will refund {purchase.amount} {purchase.currency}."

# A TOML string is an expression; other TOML values are constants.
[rule.effects]
refund_amount = "purchase.amount"
refund_currency = "purchase.currency"

# ---------------------------------------------------------------------------
# When no rule holds
# ---------------------------------------------------------------------------

[default]
id = "used-or-late"
clause = "Refunds §2"
outcome = "deny"
reason = "We refund unused items within 14 days of the purchase; your request came {days_since_purchase} days after it."

# Effects of every approval, whichever rule approves.
[effects.approve]
refund_within_days = 14
"#;

const CASE: &str = r#"{
  "description": "An unused item returned @DAYS@ days after the purchase is refunded in full.",
  "request": {
    "purchase": { "date": "@PURCHASE_DATE@", "amount": "49.90", "currency": "EUR" },
    "request": { "date": "@REQUEST_DATE@", "reason": "change_of_mind" },
    "item": { "used": false }
  },
  "expect": {
    "outcome": "approve",
    "rule": "unused-within-14-days",
    "missing": [],
    "effects": { "refund_amount": "49.90", "refund_currency": "EUR", "refund_within_days": 14 }
  }
}
"#;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::SourceFile;
    use crate::policy::load::load;
    use crate::tools::case::Case;

    fn date() -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 1, 1).unwrap()
    }

    #[test]
    fn the_policy_loads_and_its_case_holds() {
        let policy = load(SourceFile::new(
            "new.toml",
            policy_text("policies/demo", "demo", date()),
        ))
        .unwrap_or_else(|error| panic!("{:#?}", error.diagnostics));
        assert_eq!(policy.meta.id, "demo");
        assert_eq!(policy.meta.version, "2025-01-01");
        let case: Case = serde_json::from_str(&case_text(date())).unwrap();
        let decision =
            crate::decision::decide::decide_json(&policy, case.request.get().as_bytes()).unwrap();
        assert_eq!(case.expect.mismatches(&decision), vec![]);
    }

    #[test]
    fn the_case_fits_dates_across_months_and_years() {
        for (year, month, day) in [(2024, 2, 27), (2024, 12, 30), (1999, 1, 31)] {
            let date = NaiveDate::from_ymd_opt(year, month, day).unwrap();
            let policy = load(SourceFile::new(
                "new.toml",
                policy_text("policies/demo", "demo", date),
            ))
            .unwrap();
            let case: Case = serde_json::from_str(&case_text(date)).unwrap();
            let decision =
                crate::decision::decide::decide_json(&policy, case.request.get().as_bytes())
                    .unwrap();
            assert_eq!(case.expect.mismatches(&decision), vec![], "{date}");
        }
    }

    #[test]
    fn ids_are_lowercase_letters_digits_and_dashes() {
        assert!(check_id("store-credit-2").is_ok());
        for bad in ["", "Store", "store credit", "store_credit", "../x", "é"] {
            assert!(check_id(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            ScaffoldError::InvalidId("Store Credit".into()).help(),
            Some("use lowercase letters, digits and `-`, for example `store-credit`".to_owned())
        );
    }
}
