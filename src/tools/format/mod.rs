//! `ruling fmt`: a policy file in one canonical layout, comments kept.
//!
//! The layout: `format`, `[policy]`, the `[calendar.*]`s, the `[[field]]`s,
//! `[derived]`, `[helpers]`, the `[[constraint]]`s, the `[[rule]]`s (each
//! followed by its `[rule.effects]`), `[default]`, then `[effects.*]`; the
//! keys of each table (and of each holiday of a calendar) in the order of
//! the reference (`docs/policy-language.md`), keys `ruling` does not know
//! after them; `key = value`; one blank line between
//! tables; no trailing white space; one newline at the end. Expressions are
//! re-printed the way `ruling` prints them: on one line when `key = …` fits
//! in 100 columns, else over several lines in a multi-line literal string
//! (see [`wrap`]). Comments stay with the key or table they stand above, or
//! on the line they end.
//!
//! Only a policy that loads is formatted: a file with problems gets them
//! from [`load`](crate::load()), unchanged, so that `ruling check` and
//! `ruling fmt` never disagree about what a file means. And only a
//! formatted text that loads is handed back: the layout adds blank lines
//! and spaces, which can take a large file past [`MAX_POLICY_BYTES`].

mod expression;
mod kind;
mod layout;
mod spacing;
mod verify;
mod wrap;

use toml_edit::DocumentMut;

use crate::diagnostic::SourceFile;
use crate::limits::MAX_POLICY_BYTES;
use crate::policy::load::{LoadError, load};

/// Why a policy file was not formatted.
#[derive(Debug, thiserror::Error)]
pub(crate) enum FormatError {
    /// The policy has problems; `ruling check` shows them.
    #[error(transparent)]
    Invalid(#[from] LoadError),
    /// The formatted text would lose something: a bug in `ruling fmt`,
    /// caught before the file is changed.
    #[error("formatting `{file}` would {loss}, so it was left as it is; please report this")]
    Unsafe { file: String, loss: String },
    /// The formatted text would be past the size limit, so it would no
    /// longer load.
    #[error(
        "formatting `{file}` would make it {formatted} bytes, more than the limit of {limit} bytes for a policy file (it is {original} bytes now), so it was left as it is; split the policy into smaller ones"
    )]
    TooLarge {
        file: String,
        original: usize,
        formatted: usize,
        limit: usize,
    },
}

/// The text of a policy file in canonical layout. Formatting a formatted
/// file gives it back unchanged. The text is handed back only when it holds
/// the same data and comments as the file and loads as a policy.
pub(crate) fn format_policy(file: &SourceFile) -> Result<String, FormatError> {
    load(file.clone())?;
    let unsafe_because = |loss: &str| FormatError::Unsafe {
        file: file.name.clone(),
        loss: loss.to_owned(),
    };
    let mut document: DocumentMut = file
        .text
        .parse()
        .map_err(|_| unsafe_because("not be read by the TOML editor"))?;
    layout::arrange(&mut document);
    let formatted = document.to_string();
    if let Some(loss) = verify::loss(&file.text, &formatted) {
        return Err(unsafe_because(loss));
    }
    if formatted.len() > MAX_POLICY_BYTES {
        return Err(FormatError::TooLarge {
            file: file.name.clone(),
            original: file.text.len(),
            formatted: formatted.len(),
            limit: MAX_POLICY_BYTES,
        });
    }
    if load(SourceFile::new(file.name.clone(), formatted.as_str())).is_err() {
        return Err(unsafe_because("make a policy that does not load"));
    }
    Ok(formatted)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "format = 1\n\n[policy]\nid = \"p\"\nversion = \"1\"\ntitle = \"P\"\neffective_date = 2025-01-01\n";

    const FIELD: &str = "\n[[field]]\npath = \"a\"\ntype = \"integer\"\ndescription = \"A\"\n";

    const DEFAULT: &str =
        "\n[default]\nid = \"d\"\nclause = \"§1\"\noutcome = \"deny\"\nreason = \"No.\"\n";

    fn format(text: &str) -> String {
        let formatted = format_policy(&SourceFile::new("p.toml", text))
            .unwrap_or_else(|error| panic!("{error:?}"));
        let again = format_policy(&SourceFile::new("p.toml", formatted.as_str())).unwrap();
        assert_eq!(again, formatted, "formatting twice changes nothing");
        formatted
    }

    #[test]
    fn a_formatted_policy_stays_as_it_is() {
        let text = format!("{HEADER}{FIELD}{DEFAULT}");
        assert_eq!(format(&text), text);
    }

    #[test]
    fn keys_and_tables_come_in_canonical_order() {
        let text = "format = 1\n[default]\nreason = \"No.\"\noutcome = \"deny\"\nclause = \"§1\"\nid = \"d\"\n\
             [[field]]\ndescription = \"A\"\ntype = \"integer\"\npath = \"a\"\n\
             [policy]\ntitle = \"P\"\neffective_date = 2025-01-01\nversion = \"1\"\nid = \"p\"\n";
        assert_eq!(format(text), format!("{HEADER}{FIELD}{DEFAULT}"));
    }

    #[test]
    fn comments_move_with_their_key_or_table() {
        let text = format!(
            "{HEADER}{FIELD}\n[default]\n# why\noutcome = \"deny\"  # what\nid = \"d\"\nclause = \"§1\"\nreason = \"No.\"\n\n# about the rule\n[[rule]]\nid = \"r\"\nclause = \"§2\"\nsection = \"eligibility\"\nwhen = \"a>1\"\noutcome = \"approve\"\nreason = \"Yes.\"\n"
        );
        let formatted = format(&text);
        assert!(formatted.contains("\n# why\noutcome = \"deny\"  # what\n"));
        assert!(formatted.contains("\n\n# about the rule\n[[rule]]\n"));
        assert!(
            formatted.find("[[rule]]") < formatted.find("[default]"),
            "rules come before the default"
        );
        assert!(formatted.contains("when = \"a > 1\"\n"));
    }

    #[test]
    fn spacing_becomes_canonical() {
        let text = format!(
            "format=1\n\n\n\n[ policy ]   \n  id   =   \"p\"\nversion = \"1\"\ntitle = \"P\"\neffective_date = 2025-01-01   \n{FIELD}{DEFAULT}"
        );
        assert_eq!(format(&text), format!("{HEADER}{FIELD}{DEFAULT}"));
    }

    #[test]
    fn rule_effects_follow_their_rule() {
        let text = format!(
            "{HEADER}{FIELD}\n[[rule]]\nid = \"r\"\nclause = \"§2\"\nsection = \"eligibility\"\nwhen = \"a > 1\"\noutcome = \"approve\"\nreason = \"Yes.\"\n{DEFAULT}\n[effects.approve]\nb = \"a*2\"\n\n[rule.effects]\nx = \"a+1\"\n"
        );
        let formatted = format(&text);
        let order: Vec<usize> = [
            "[[rule]]",
            "[rule.effects]",
            "[default]",
            "[effects.approve]",
        ]
        .iter()
        .map(|header| formatted.find(header).unwrap())
        .collect();
        assert!(order.is_sorted(), "{formatted}");
        assert!(formatted.contains("x = \"a + 1\"\n"));
        assert!(formatted.contains("b = \"a * 2\"\n"));
    }

    #[test]
    fn long_lists_are_one_item_a_line() {
        let values: Vec<String> = (0..12).map(|n| format!("\"value_{n}\"")).collect();
        let text = format!(
            "{HEADER}\n[[field]]\npath = \"a\"\ntype = \"enum\"\nvalues = [{}]\ndescription = \"A\"\n{DEFAULT}",
            values.join(",")
        );
        let formatted = format(&text);
        assert!(
            formatted.contains("values = [\n  \"value_0\",\n"),
            "{formatted}"
        );
        assert!(formatted.contains("  \"value_11\",\n]\n"), "{formatted}");
    }

    #[test]
    fn short_lists_are_one_line() {
        let text = format!(
            "{HEADER}\n[[field]]\npath = \"a\"\ntype = \"enum\"\nvalues = [\n   \"x\",\n  \"y\"\n  ]\ndescription = \"A\"\n{DEFAULT}"
        );
        assert!(format(&text).contains("values = [\"x\", \"y\"]\n"));
    }

    #[test]
    fn lists_with_comments_keep_their_layout() {
        let list = "values = [\n  \"x\",   # the first\n  \"y\",\n]\n";
        let text = format!(
            "{HEADER}\n[[field]]\npath = \"a\"\ntype = \"enum\"\n{list}description = \"A\"\n{DEFAULT}"
        );
        assert!(format(&text).contains(list));
    }

    #[test]
    fn calendar_keys_and_holiday_keys_come_in_canonical_order() {
        let holidays = [
            r#"{ observed = "nearest_weekday", date = "12-25", name = "Christmas Day" }"#,
            r#"{ rule = "last monday of may", name = "Memorial Day" }"#,
            r#"{ name = "New Year's Day", observed = "next_weekday", date = "01-01" }"#,
        ];
        let text = format!(
            "{HEADER}\n[calendar.us]\nholidays = [\n  {}\n]\nweekend = [\"saturday\", \"sunday\"]\n\n[calendar.eu]\nholidays = []\nweekend = [\"sunday\"]\n{FIELD}{DEFAULT}",
            holidays.join(",\n  ")
        );
        let calendars = concat!(
            "[calendar.us]\n",
            "weekend = [\"saturday\", \"sunday\"]\n",
            "holidays = [\n",
            "  { name = \"Christmas Day\", date = \"12-25\", observed = \"nearest_weekday\" },\n",
            "  { name = \"Memorial Day\", rule = \"last monday of may\" },\n",
            "  { name = \"New Year's Day\", date = \"01-01\", observed = \"next_weekday\" },\n",
            "]\n\n",
            "[calendar.eu]\n",
            "weekend = [\"sunday\"]\n",
            "holidays = []\n",
        );
        assert_eq!(
            format(&text),
            format!("{HEADER}\n{calendars}{FIELD}{DEFAULT}")
        );
        let tables = "[[calendar.us.holidays]]\nobserved = \"nearest_weekday\"\ndate = \"12-25\"\nname = \"Christmas Day\"\n";
        let formatted = format(&format!(
            "{HEADER}\n[calendar.us]\n\n{tables}{FIELD}{DEFAULT}"
        ));
        assert!(
            formatted.contains("[[calendar.us.holidays]]\nname = \"Christmas Day\"\ndate = \"12-25\"\nobserved = \"nearest_weekday\"\n"),
            "{formatted}"
        );
    }

    #[test]
    fn an_invalid_policy_is_refused() {
        let error = format_policy(&SourceFile::new("p.toml", "format = 1\n")).unwrap_err();
        assert!(matches!(error, FormatError::Invalid(_)));
    }

    #[test]
    fn the_file_ends_with_one_newline() {
        let text = format!("{HEADER}{FIELD}{DEFAULT}\n\n\n# the end   \n\n");
        assert!(format(&text).ends_with("reason = \"No.\"\n\n# the end\n"));
        let text = format!("{HEADER}{FIELD}{DEFAULT}");
        let text = text.trim_end();
        assert!(format(text).ends_with("\"No.\"\n"));
    }
}

#[cfg(test)]
mod layout_tests;
#[cfg(test)]
mod properties_tests;
